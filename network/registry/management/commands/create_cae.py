from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coopilote.errors import ApplicationError
from network.registry.services import cae_create, site_host


class Command(BaseCommand):
    help = "Crée une CAE : son schéma (cloné du modèle) et son domaine <slug>.<hôte de base>."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="identifiant court, ex. sitelle")
        parser.add_argument("name", help="nom de la CAE, ex. « CAE Sitelle »")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cae = cae_create(name=options["name"], slug=options["slug"])
        except ApplicationError as error:
            raise CommandError(f"{error.message} {error.details}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"CAE créée : {cae.name} (schéma {cae.schema_name}, http://{site_host(cae.slug)}/)"
            )
        )
