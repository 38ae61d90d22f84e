from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    name = "tenants.cohorts"
    label = "cohorts"
    verbose_name = _("Coopératives éphémères")

    def ready(self) -> None:
        from coopilote.facts import facts_source_register
        from tenants.cohorts.facts import facts_of_schema

        facts_source_register(facts_of_schema)
