"""`manage.py invite_coordinator <email>`: a national coordinator, invited by email."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coopilote.errors import ApplicationError
from network.registry.services import coordinator_invite


class Command(BaseCommand):
    help = (
        "Fait de la personne (invitée si nouvelle) une coordinatrice ou un coordinateur national ; "
        "l'invitation part par e-mail avec son lien d'activation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = coordinator_invite(
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(f"Invitation envoyée à {user.email}."))
