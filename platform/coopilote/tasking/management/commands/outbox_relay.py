"""`manage.py outbox_relay [--schema cae_sitelle]`: send the outbox messages still pending, in
every schema (or the ones named); exit status 1 if the broker is unreachable or messages are
flagged (still pending after many failed attempts)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coopilote.tasking.selectors import outbox_schemas
from coopilote.tasking.services import ATTEMPTS_FLAGGED, outbox_relay_everywhere


class Command(BaseCommand):
    help = "Send the pending outbox messages of every schema (the sweep Celery beat runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schema",
            action="append",
            dest="schemas",
            help="only this schema (repeatable), e.g. public or cae_sitelle",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = outbox_schemas()
        schemas: list[str] | None = options["schemas"]
        unknown = sorted(set(schemas or ()) - set(known))
        if unknown:
            raise CommandError(f"Aucun outbox dans le(s) schéma(s) : {', '.join(unknown)}.")
        sweeps = outbox_relay_everywhere(schema_names=schemas)
        for sweep in sweeps:
            if sweep.sent or sweep.failed or sweep.pending or sweep.purged:
                self.stdout.write(
                    f"{sweep.schema_name} : {sweep.sent} envoyé(s), {sweep.failed} échec(s), "
                    f"{sweep.pending} en attente dont {sweep.flagged} signalé(s), "
                    f"{sweep.purged} purgé(s)."
                )
        total = sum(sweep.sent for sweep in sweeps)
        self.stdout.write(f"{len(sweeps)} schéma(s) parcouru(s), {total} message(s) envoyé(s).")
        if any(sweep.broker_unreachable for sweep in sweeps):
            raise CommandError(
                "Le broker est injoignable : les messages restent en attente.", returncode=1
            )
        flagged = sum(sweep.flagged for sweep in sweeps)
        if flagged:
            raise CommandError(
                f"{flagged} message(s) en attente après {ATTEMPTS_FLAGGED} tentatives ou plus "
                "(voir last_error).",
                returncode=1,
            )
