from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from network.registry.backups import (
    BackupError,
    Target,
    cae_restore,
    cae_restored_checksums,
    database_create,
)


class Command(BaseCommand):
    help = (
        "Restaure une archive de export_cae dans une base de travail vide <--database> (créée "
        "avec --create), puis compare les sommes de contrôle de la copie à celles de l'archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", required=True, help="base de travail, vide")
        parser.add_argument("--create", action="store_true", help="créer la base de travail")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Target.configured(options["database"])
        if target.dbname == Target.configured().dbname:
            raise CommandError("Restaurez dans une base de travail, pas dans celle en service.")
        try:
            if options["create"]:
                database_create(target=target)
            manifest = cae_restore(file=options["file"], target=target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        restored = cae_restored_checksums(manifest=manifest, target=target)
        differing = [
            f"{part}.{table}"
            for part in ("schema", "public")
            for table in sorted(manifest["checksums"][part].keys() | restored[part].keys())
            if manifest["checksums"][part].get(table) != restored[part].get(table)
        ]
        if differing:
            raise CommandError(f"Sommes de contrôle différentes : {', '.join(differing)}")
        self.stdout.write(
            f"{target.dbname}: CAE {manifest['cae']} restaurée, sommes de contrôle égales"
        )
