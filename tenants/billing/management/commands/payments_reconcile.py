"""`manage.py payments_reconcile --cae sitelle [--days 35]`: online payments recorded by a CAE
compared with its payment provider's; exit status 1 when they differ."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tenants.utils import get_tenant_model, tenant_context

from tenants.billing.services import payments_reconcile


class Command(BaseCommand):
    help = "Compare a CAE's online payments with its payment provider's over the last days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cae", required=True, help="the CAE's identifier (slug)")
        parser.add_argument("--days", type=int, default=35, help="how far back (default 35)")

    def handle(self, *args: Any, **options: Any) -> None:
        cae = get_tenant_model().objects.filter(slug=options["cae"], kind="cae").first()
        if cae is None:
            raise CommandError(f"Aucune CAE « {options['cae']} ».")
        end = timezone.now()
        start = end - datetime.timedelta(days=options["days"])
        with tenant_context(cae):
            report = payments_reconcile(start=start, end=end)
        self.stdout.write(
            f"{cae.name} : {report.matched} paiement(s) concordant(s) du "
            f"{start:%d/%m/%Y} au {end:%d/%m/%Y}."
        )
        for label, references in (
            ("Connus du prestataire, absents ici (événement perdu)", report.missing_here),
            ("Enregistrés ici, inconnus du prestataire", report.unknown_to_provider),
            ("Montants différents", report.amount_differs),
        ):
            if references:
                self.stdout.write(f"{label} : {', '.join(references)}")
        if not report.clean:
            raise CommandError("Des écarts sont à examiner.", returncode=1)
