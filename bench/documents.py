"""Invoices: issuing (number, totals, frozen parties) and rendering the PDF/A-3 with its
Factur-X XML, in one CAE of the scratch database. Seconds per operation (medians)."""

from __future__ import annotations

import datetime
import statistics
import time
from decimal import Decimal
from typing import Any

from django.db import connection
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from network.registry.fictional import fictional_identity
from network.registry.services import cae_register
from tenants.billing.documents import invoice_pdf
from tenants.billing.models import Invoice
from tenants.billing.services import (
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
)
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client


def _submitted(cohort: Cohort, client: Client, by: User) -> Invoice:
    invoice = invoice_draft_create(
        cohort=cohort, client=client, sale_date=datetime.date(2026, 7, 1)
    )
    for rate in ("20.0", "5.5"):
        invoice_line_add(
            invoice=invoice,
            description="Tonte de pelouse",
            quantity=Decimal("3.5"),
            unit="hour",
            unit_price_excl_vat=Decimal("15.35"),
            vat_rate=Decimal(rate),
        )
    return invoice_submit(invoice=invoice, by=by)


def run(issues: int = 50, renders: int = 7) -> dict[str, Any]:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    by = User.objects.create_user("bench-billing@example.org", "x" * 12)
    cae = cae_register(
        name="Bench billing",
        slug="bench-billing",
        identity=fictional_identity(950),
        provision_now=True,
    )
    with tenant_context(cae):
        cohort = Cohort.objects.create(
            name="Bench",
            programme="CT",
            starts_on=datetime.date(2026, 5, 4),
            ends_on=datetime.date(2026, 9, 25),
        )
        buyer = fictional_identity(951)
        client = Client.objects.create(
            kind="company",
            name="Boulangerie du quartier",
            siret=buyer["siret"],
            vat_number=buyer["vat_number"],
            address="1 rue",
            postcode="56000",
            city="Vannes",
        )
        submitted = [_submitted(cohort, client, by) for _ in range(issues)]
        issue_seconds = []
        for invoice in submitted:
            started = time.perf_counter()
            invoice_issue(invoice=invoice, by=by, issued_on=datetime.date(2026, 7, 2))
            issue_seconds.append(time.perf_counter() - started)
        render_seconds = []
        issued = Invoice.objects.get(pk=submitted[0].pk)
        invoice_pdf(invoice=issued)  # warm-up: fonts, templates
        for _ in range(renders):
            started = time.perf_counter()
            invoice_pdf(invoice=issued)
            render_seconds.append(time.perf_counter() - started)
    return {
        "issues": issues,
        "issue_seconds_median": round(statistics.median(issue_seconds), 4),
        "renders": renders,
        "pdf_facturx_seconds_median": round(statistics.median(render_seconds), 3),
        "pdf_facturx_seconds_max": round(max(render_seconds), 3),
    }
