import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from network.registry.backups import BackupError, Target, database_backup


class Command(BaseCommand):
    help = (
        "Sauvegarde toute la base (format « custom » de pg_dump) dans <fichier> et écrit à côté "
        "les sommes de contrôle de chaque table (<fichier>.sums.json)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        file: Path = options["file"]
        target = Target.configured()
        try:
            sums = database_backup(file=file, target=target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        file.with_name(file.name + ".sums.json").write_text(json.dumps(sums, indent=2))
        self.stdout.write(f"{file}: {len(sums)} tables")
