"""`manage.py payment_journal_verify --cae sitelle`: recompute the hash chain of the journal of
payments from private individuals; exit status 1 if it was altered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_tenant_model, tenant_context

from tenants.billing.journal import payment_journal_verify


class Command(BaseCommand):
    help = "Verify the hash chain of a CAE's journal of payments from private individuals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cae", required=True, help="the CAE's identifier (slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        cae = get_tenant_model().objects.filter(slug=options["cae"], kind="cae").first()
        if cae is None:
            raise CommandError(f"Aucune CAE « {options['cae']} ».")
        with tenant_context(cae):
            result = payment_journal_verify()
        if not result.intact:
            raise CommandError(
                f"{cae.name} : le journal des encaissements a été altéré à partir de "
                f"l'écriture n° {result.first_broken}.",
                returncode=1,
            )
        self.stdout.write(f"{cae.name} : {result.entries} écriture(s), chaîne intacte.")
