from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coopilote.errors import ApplicationError
from coopilote.tenancy import site_url
from network.registry.services import FirstAdmin, cae_register


class Command(BaseCommand):
    help = (
        "Crée une CAE avec son identité légale : son schéma (cloné du modèle), son domaine "
        "<slug>.<hôte de base>, et invite son premier administrateur par e-mail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="identifiant court, ex. sitelle")
        parser.add_argument("name", help="nom de la CAE, ex. « CAE Sitelle »")
        parser.add_argument("--siren", required=True)
        parser.add_argument("--siret", required=True, help="SIRET du siège")
        parser.add_argument("--vat-number", default="", help="n° de TVA intracommunautaire")
        parser.add_argument("--vat-regime", default="standard", choices=["standard", "franchise"])
        parser.add_argument("--legal-form", default="scop_sa")
        parser.add_argument("--department", required=True, help="code INSEE, ex. 56")
        parser.add_argument("--address", default="")
        parser.add_argument("--postcode", default="")
        parser.add_argument("--city", default="")
        parser.add_argument("--admin-email", help="premier administrateur, invité par e-mail")

    def handle(self, *args: Any, **options: Any) -> None:
        identity = {
            field: options[field]
            for field in (
                "siren",
                "siret",
                "vat_number",
                "vat_regime",
                "legal_form",
                "department",
                "address",
                "postcode",
                "city",
            )
        }
        admin = FirstAdmin(email=options["admin_email"]) if options["admin_email"] else None
        try:
            cae = cae_register(
                name=options["name"],
                slug=options["slug"],
                identity=identity,
                first_admin=admin,
                provision_now=True,
            )
        except ApplicationError as error:
            raise CommandError(f"{error.message} {error.details}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"CAE créée : {cae.name} (schéma {cae.schema_name}, {site_url(cae.slug)}/)"
            )
        )
