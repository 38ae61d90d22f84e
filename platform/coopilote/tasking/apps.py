from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaskingConfig(AppConfig):
    name = "coopilote.tasking"
    label = "tasking"
    verbose_name = _("Tâches")

    def ready(self) -> None:
        # django-tenants' `migrate` must detect changes like `makemigrations` does, which
        # django-pgtrigger extends with database triggers (Django checks that they agree).
        from django.core.management.commands import makemigrations
        from django_tenants.management.commands.migrate_schemas import (
            MigrateSchemasCommand,
        )

        MigrateSchemasCommand.autodetector = makemigrations.Command.autodetector
