from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from network.registry.backups import BackupError, cae_export
from network.registry.models import Cae


class Command(BaseCommand):
    help = (
        "Exporte une CAE dans une archive <fichier> : son schéma (pg_dump), ses lignes du "
        "schéma public (CAE, domaines, rôles, comités, indicateurs, bilans…, comptes de ses "
        "personnes) et les sommes de contrôle de tout ce qui est exporté."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        cae = Cae.objects.filter(slug=options["slug"]).first()
        if cae is None:
            raise CommandError(f"Aucune CAE « {options['slug']} ».")
        try:
            manifest = cae_export(cae=cae, file=options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{options['file']}: schéma {manifest['schema']} "
            f"({len(manifest['checksums']['schema'])} tables), "
            f"{sum(rows['count'] for rows in manifest['public_rows'].values())} lignes publiques"
        )
