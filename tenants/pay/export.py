"""The payroll file of a decided pay run, for the CAE's payroll software or accountant.

CSV as French spreadsheets open it: UTF-8 with a byte order mark, `;` between fields, a decimal
comma, dates as DD/MM/YYYY, CRLF line ends, one header line; one line per member, then one line
for the share the cohort keeps (no person: its name columns say so). The last column cites the
cohort's vote the run applies, when there is one. Named
`paie-<cohort code>-<YYYYMM of the period's end>.csv`. See docs/pay.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from coopilote.tenancy import current_cae
from tenants.pay.models import PayRun
from tenants.pay.selectors import pay_line_list
from tenants.pay.services import pay_run_mark_exported

COLUMNS = (
    "SIREN CAE",
    "Code coopérative",
    "Coopérative",
    "Début de période",
    "Fin de période",
    "Nom",
    "Prénom",
    "Date de naissance",
    "Heures",
    "Montant (€)",
    "Décision de la coopérative",
)
SEPARATOR = ";"
ENCODING = "utf-8-sig"  # UTF-8 with the BOM spreadsheets look for
RETAINED_SHARE_LABEL = "Part gardée par la coopérative"


@dataclass(frozen=True)
class PayrollFile:
    filename: str
    content: bytes


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _cohort_code(run: PayRun) -> str:
    return run.cohort.code or f"cooperative-{run.cohort_id}"


def payroll_filename(run: PayRun) -> str:
    return f"paie-{_cohort_code(run)}-{run.period_end:%Y%m}.csv"


def decision_reference(run: PayRun) -> str:
    """The vote the run applies, as the payroll file cites it (empty when the cohort decided
    without an online vote). Fixed once the run is decided: the decision log never changes."""
    decision = run.decision
    if decision is None:
        return ""
    closed_on = timezone.localtime(decision.closed_at).strftime("%d/%m/%Y")
    question = decision.proposal.question
    return f"Vote n° {decision.pk} clos le {closed_on} : {question} — {decision.text}"


def payroll_content(run: PayRun) -> bytes:
    """The file's bytes: the same for the same run, whenever it is exported."""
    cae: Any = current_cae()
    decision = decision_reference(run)
    siren = getattr(cae, "siren", "") or ""
    common = (
        siren,
        _cohort_code(run),
        run.cohort.name,
        run.period_start.strftime("%d/%m/%Y"),
        run.period_end.strftime("%d/%m/%Y"),
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in pay_line_list(pay_run=run):
        member = line.member
        writer.writerow(
            (
                *common,
                member.last_name,
                member.first_name,
                member.birth_date.strftime("%d/%m/%Y"),
                _amount(line.hours),
                _amount(line.amount),
                decision,
            )
        )
    writer.writerow(
        (*common, RETAINED_SHARE_LABEL, "", "", "", _amount(run.retained_amount), decision)
    )
    return buffer.getvalue().encode(ENCODING)


@transaction.atomic
def payroll_export(*, pay_run: PayRun, by: Any) -> PayrollFile:
    """The payroll file of a decided run, which becomes "exported" (a later export gives the
    same file again). Refused for a draft."""
    run = pay_run_mark_exported(pay_run=pay_run, by=by)
    run = PayRun.objects.select_related("cohort", "decision__proposal").get(pk=run.pk)
    return PayrollFile(filename=payroll_filename(run), content=payroll_content(run))
