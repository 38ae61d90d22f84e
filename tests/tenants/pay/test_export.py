"""The payroll file: a CSV French spreadsheets open as it is, parsed back here."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.pay.export import COLUMNS, payroll_export
from tenants.pay.models import PayRun, PayRunStatus, SharingRule
from tenants.pay.services import pay_run_create, pay_run_decide
from tests.tenants.pay.helpers import (
    JULY,
    D,
    M,
    job_done,
    member_in,
    revenue,
    summer_cohort,
    vote_decision,
)


@pytest.fixture
def decided(in_alpha: Cae, person: User) -> PayRun:
    cohort = summer_cohort(name="CJS de Vannes")
    zoe = member_in(cohort, "Zoé", "Abadie")
    lina = member_in(cohort, "Lina", "Le Goff")
    job_done(cohort, D(2026, 7, 3), {lina: "7.5", zoe: "2.5"})
    revenue(person, cohort, "500.00", D(2026, 7, 20))
    run = pay_run_create(
        cohort=cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        retained_rate=M("12.5"),
        amount_to_share=M("301.01"),
        by=person,
    )
    return pay_run_decide(pay_run=run, by=person)


def test_the_payroll_file(decided: PayRun, person: User, cae_alpha: Cae) -> None:
    payroll = payroll_export(pay_run=decided, by=person)

    assert payroll.filename == "paie-cjs-vannes-202607.csv"
    assert payroll.content.startswith(b"\xef\xbb\xbf")
    text = payroll.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    common = [cae_alpha.siren, "cjs-vannes", "CJS de Vannes", "01/07/2026", "31/07/2026"]
    # 301.01 - 12.5 % (37.63) = 263.38 for 7.5 h and 2.5 h: 197.535 and 65.845.
    assert rows == [
        list(COLUMNS),
        [
            *common,
            "Abadie",
            "Zoé",
            decided.lines.get(member__first_name="Zoé").member.birth_date.strftime("%d/%m/%Y"),
            "2,50",
            "65,85",
            "",
        ],
        [
            *common,
            "Le Goff",
            "Lina",
            decided.lines.get(member__first_name="Lina").member.birth_date.strftime("%d/%m/%Y"),
            "7,50",
            "197,53",
            "",
        ],
        [*common, "Part gardée par la coopérative", "", "", "", "37,63", ""],
    ]
    decided.refresh_from_db()
    assert decided.status == PayRunStatus.EXPORTED
    assert decided.exported_by == person


def test_exporting_again_gives_the_same_file(decided: PayRun, person: User) -> None:
    first = payroll_export(pay_run=decided, by=person)
    decided.refresh_from_db()
    exported_at = decided.exported_at

    again = payroll_export(pay_run=decided, by=person)

    assert again == first
    decided.refresh_from_db()
    assert decided.exported_at == exported_at


def test_a_draft_is_not_exported(in_alpha: Cae, person: User) -> None:
    cohort = summer_cohort()
    member_in(cohort, "Lina", "Le Goff")
    run = pay_run_create(
        cohort=cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.EQUAL,
        retained_rate=M("0"),
        by=person,
    )

    with pytest.raises(ApplicationError, match="décidée"):
        payroll_export(pay_run=run, by=person)

    run.refresh_from_db()
    assert run.status == PayRunStatus.DRAFT


def test_the_payroll_file_cites_the_vote_that_decided_the_run(in_alpha: Cae, person: User) -> None:
    cohort = summer_cohort(name="CJS de Vannes")
    lina = member_in(cohort, "Lina", "Le Goff")
    job_done(cohort, D(2026, 7, 3), {lina: "7.5"})
    revenue(person, cohort, "500.00", D(2026, 7, 20))
    decision = vote_decision(cohort, person, question="Répartir au prorata des heures ?")
    run = pay_run_create(
        cohort=cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        retained_rate=M("0"),
        by=person,
    )
    pay_run_decide(pay_run=run, by=person, decision=decision)

    payroll = payroll_export(pay_run=run, by=person)

    rows = list(
        csv.reader(io.StringIO(payroll.content.decode("utf-8-sig"), newline=""), delimiter=";")
    )
    closed_on = timezone.localtime(decision.closed_at).strftime("%d/%m/%Y")
    cited = (
        f"Vote n° {decision.pk} clos le {closed_on} : Répartir au prorata des heures ? — Adoptée."
    )
    assert rows[0][-1] == "Décision de la coopérative"
    assert [row[-1] for row in rows[1:]] == [cited, cited]
