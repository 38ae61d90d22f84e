import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from network.registry.backups import (
    BackupError,
    Target,
    database_checksums,
    database_create,
    database_restore,
)


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde de backup_database dans une base vide <--database> (créée "
        "avec --create), puis compare ses sommes de contrôle à celles de la sauvegarde."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", required=True, help="base cible, vide")
        parser.add_argument("--create", action="store_true", help="créer la base cible")

    def handle(self, *args: Any, **options: Any) -> None:
        file: Path = options["file"]
        target = Target.configured(options["database"])
        if target.dbname == Target.configured().dbname:
            raise CommandError("Restaurez dans une autre base que celle en service.")
        try:
            if options["create"]:
                database_create(target=target)
            database_restore(file=file, target=target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        sums_file = file.with_name(file.name + ".sums.json")
        if not sums_file.exists():
            self.stdout.write(f"{target.dbname}: restaurée (pas de sommes de contrôle à comparer)")
            return
        expected = json.loads(sums_file.read_text())
        restored = database_checksums(target)
        differing = sorted(
            table
            for table in expected.keys() | restored.keys()
            if expected.get(table) != restored.get(table)
        )
        if differing:
            raise CommandError(f"Sommes de contrôle différentes : {', '.join(differing)}")
        self.stdout.write(f"{target.dbname}: {len(restored)} tables, sommes de contrôle égales")
