"""Pay runs: computed from real jobs, hours and ledger figures; decided once, then frozen."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.commerce.models import JobAssignment
from tenants.commerce.services import job_create, job_hours_record, job_member_assign
from tenants.ledger.selectors import cohort_profit_and_loss
from tenants.pay.models import PayLine, PayRun, PayRunStatus, SharingRule
from tenants.pay.services import (
    pay_run_create,
    pay_run_decide,
    pay_run_delete,
    pay_run_update,
)
from tenants.people.models import Enrolment, Member
from tenants.people.services import enrolment_withdraw
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.pay.helpers import JULY, D, M, job_done, member_in, revenue, summer_cohort


@dataclass(frozen=True)
class Work:
    cohort: Cohort
    lina: Member
    yanis: Member
    zoe: Member


@pytest.fixture
def cohort_with_work(in_alpha: Cae, person: User) -> Work:
    """July: Lina 6 + 4 h, Yanis 5 h, Zoé enrolled without hours; 500 € HT invoiced."""
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    yanis = member_in(cohort, "Yanis", "Martin")
    zoe = member_in(cohort, "Zoé", "Abadie")
    job_done(cohort, D(2026, 7, 3), {lina: "6", yanis: "5"})
    job_done(cohort, D(2026, 7, 10), {lina: "4"})
    job_done(cohort, D(2026, 6, 20), {lina: "8", zoe: "8"})  # June: another period
    planned = job_create(
        cohort=cohort,
        client=ClientFactory.create(),
        quantity=M("1"),
        title="Vitres",
        unit="hour",
        unit_price_excl_vat=M("20.00"),
        vat_rate=M("20.0"),
    )
    job_hours_record(assignment=job_member_assign(job=planned, member=zoe), hours=M("3"))
    revenue(person, cohort, "500.00", D(2026, 7, 20))
    revenue(person, cohort, "900.00", D(2026, 8, 2))  # August: another period
    return Work(cohort=cohort, lina=lina, yanis=yanis, zoe=zoe)


def _lines(run: PayRun) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (line.member.first_name, line.hours, line.amount)
        for line in run.lines.select_related("member").order_by("member__first_name")
    ]


def test_a_proposal_shares_the_result_of_the_period_by_hours(
    cohort_with_work: Work, person: User
) -> None:
    cohort = cohort_with_work.cohort

    run = pay_run_create(
        cohort=cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        retained_rate=M("10"),
        by=person,
    )

    result = cohort_profit_and_loss(cohort_id=run.cohort_id, start=JULY[0], end=JULY[1]).result
    assert result > 0
    assert (run.status, run.result, run.amount_to_share) == (PayRunStatus.DRAFT, result, result)
    assert run.retained_amount == (result / 10).quantize(M("0.01"))
    assert [(name, hours) for name, hours, _amount in _lines(run)] == [
        ("Lina", M("10.00")),
        ("Yanis", M("5.00")),
        ("Zoé", M("0.00")),
    ]
    assert sum(amount for *_rest, amount in _lines(run)) + run.retained_amount == result


def test_an_amount_given_is_shared_exactly(cohort_with_work: Work, person: User) -> None:
    run = pay_run_create(
        cohort=cohort_with_work.cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        retained_rate=M("10"),
        amount_to_share=M("300"),
        by=person,
    )

    assert run.retained_amount == M("30.00")
    assert _lines(run) == [
        ("Lina", M("10.00"), M("180.00")),
        ("Yanis", M("5.00"), M("90.00")),
        ("Zoé", M("0.00"), M("0.00")),
    ]

    run = pay_run_update(pay_run=run, changes={"sharing_rule": SharingRule.EQUAL})

    assert [amount for *_rest, amount in _lines(run)] == [M("90.00")] * 3
    assert PayLine.objects.filter(run=run).count() == 3


def test_a_withdrawn_member_is_paid_for_the_hours_worked_before_leaving(
    cohort_with_work: Work, person: User
) -> None:
    enrolment = Enrolment.objects.get(member=cohort_with_work.yanis)
    enrolment_withdraw(enrolment=enrolment, withdrawn_on=D(2026, 7, 15), reason="Déménagement")

    run = pay_run_create(
        cohort=cohort_with_work.cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        retained_rate=M("0"),
        amount_to_share=M("150"),
        by=person,
    )

    yanis = run.lines.get(member=cohort_with_work.yanis)
    assert (yanis.hours, yanis.amount, yanis.withdrawn) == (M("5.00"), M("50.00"), True)


def _create(cohort: Cohort, person: User, **changes: Any) -> PayRun:
    arguments: dict[str, Any] = {
        "cohort": cohort,
        "period_start": JULY[0],
        "period_end": JULY[1],
        "sharing_rule": SharingRule.PRO_RATA_HOURS,
        "retained_rate": M("10"),
        "by": person,
        **changes,
    }
    return pay_run_create(**arguments)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_to_share": M("100000")}, "amount_to_share"),
        ({"amount_to_share": M("100000"), "may_exceed_result": True}, "above_result_reason"),
        ({"period_end": D(2026, 6, 30)}, "period_end"),
        ({"period_start": D(2026, 9, 1), "period_end": D(2026, 9, 30)}, "sharing_rule"),
        ({"retained_rate": M("120")}, "retained_rate"),
    ],
)
def test_refusals_save_nothing(
    cohort_with_work: Work, person: User, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create(cohort_with_work.cohort, person, **changes)

    assert field in refusal.value.details
    assert PayRun.objects.count() == 0
    assert PayLine.objects.count() == 0


def test_a_cohort_without_members_has_nothing_to_share(in_alpha: Cae, person: User) -> None:
    with pytest.raises(ApplicationError, match="Aucun·e coopérant·e"):
        _create(summer_cohort(), person, sharing_rule=SharingRule.EQUAL)

    assert PayRun.objects.count() == 0


def test_cae_staff_may_share_more_than_the_result_and_say_why(
    cohort_with_work: Work, person: User
) -> None:
    run = _create(
        cohort_with_work.cohort,
        person,
        amount_to_share=M("100000"),
        may_exceed_result=True,
        above_result_reason="  La CAE complète la rémunération minimale.  ",
    )

    assert run.amount_to_share == M("100000.00")
    assert run.above_result_reason == "La CAE complète la rémunération minimale."


def test_deciding_freezes_the_run(cohort_with_work: Work, person: User) -> None:
    run = _create(cohort_with_work.cohort, person, amount_to_share=M("300"))

    run = pay_run_decide(pay_run=run, by=person)

    assert run.status == PayRunStatus.DECIDED
    assert run.decided_by == person
    assert run.decided_at is not None
    with pytest.raises(ApplicationError, match="ne change plus"):
        pay_run_update(pay_run=run, changes={"retained_rate": M("0")})
    with pytest.raises(ApplicationError, match="ne change plus"):
        pay_run_decide(pay_run=run, by=person)
    with pytest.raises(ApplicationError, match="ne change plus"):
        pay_run_delete(pay_run=run)
    run.refresh_from_db()
    assert (run.status, run.retained_rate, run.lines.count()) == (
        PayRunStatus.DECIDED,
        M("10.00"),
        3,
    )


def test_a_period_is_shared_once(cohort_with_work: Work, person: User) -> None:
    decided = pay_run_decide(
        pay_run=_create(cohort_with_work.cohort, person, amount_to_share=M("300")), by=person
    )
    draft_before = _create(
        cohort_with_work.cohort, person, period_start=D(2026, 6, 1), period_end=D(2026, 6, 30)
    )

    with pytest.raises(ApplicationError, match="déjà décidée"):
        _create(
            cohort_with_work.cohort,
            person,
            period_start=D(2026, 7, 31),
            period_end=D(2026, 8, 5),
        )
    with pytest.raises(ApplicationError, match="déjà décidée"):
        pay_run_update(pay_run=draft_before, changes={"period_end": D(2026, 7, 1)})

    assert PayRun.objects.count() == 2
    assert decided.status == PayRunStatus.DECIDED


def test_deciding_is_refused_when_the_hours_changed_since_the_computation(
    cohort_with_work: Work, person: User
) -> None:
    run = _create(cohort_with_work.cohort, person, amount_to_share=M("300"))
    job_done(cohort_with_work.cohort, D(2026, 7, 25), {cohort_with_work.zoe: "5"})

    with pytest.raises(ApplicationError, match="recalculez"):
        pay_run_decide(pay_run=run, by=person)

    run.refresh_from_db()
    assert run.status == PayRunStatus.DRAFT
    run = pay_run_decide(pay_run=pay_run_update(pay_run=run, changes={}), by=person)
    assert run.lines.get(member=cohort_with_work.zoe).hours == M("5.00")


# --- The database keeps decided runs as they are -------------------------------------------


def _refused_by_the_database(sql: str, *params: int) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_decided_run_and_its_lines_cannot_change_even_through_sql(
    cohort_with_work: Work, person: User
) -> None:
    run = pay_run_decide(
        pay_run=_create(cohort_with_work.cohort, person, amount_to_share=M("300")), by=person
    )
    line = run.lines.first()
    assert line is not None

    _refused_by_the_database("UPDATE pay_payrun SET amount_to_share = 1 WHERE id = %s", run.pk)
    _refused_by_the_database("UPDATE pay_payrun SET status = 'draft' WHERE id = %s", run.pk)
    _refused_by_the_database(
        "UPDATE pay_payrun SET status = 'exported', exported_at = now(), retained_rate = 0 "
        "WHERE id = %s",
        run.pk,
    )
    _refused_by_the_database("DELETE FROM pay_payrun WHERE id = %s", run.pk)
    _refused_by_the_database("UPDATE pay_payline SET amount = 0 WHERE id = %s", line.pk)
    _refused_by_the_database("DELETE FROM pay_payline WHERE id = %s", line.pk)
    _refused_by_the_database(
        "INSERT INTO pay_payline (run_id, member_id, hours, share, amount, withdrawn) "
        "VALUES (%s, %s, 0, 0, 0, false)",
        run.pk,
        line.member_id,
    )

    with connection.cursor() as cursor:  # the one change allowed: into the payroll
        cursor.execute(
            "UPDATE pay_payrun SET status = 'exported', exported_at = now() WHERE id = %s",
            [run.pk],
        )
    run.refresh_from_db()
    assert (run.status, run.amount_to_share) == (PayRunStatus.EXPORTED, M("300.00"))
    _refused_by_the_database("UPDATE pay_payrun SET exported_at = now() WHERE id = %s", run.pk)


def test_the_database_refuses_to_decide_lines_that_do_not_add_up(
    cohort_with_work: Work, person: User
) -> None:
    run = _create(cohort_with_work.cohort, person, amount_to_share=M("300"))
    with connection.cursor() as cursor:  # a draft's lines may change...
        cursor.execute("UPDATE pay_payline SET amount = amount + 1 WHERE run_id = %s", [run.pk])

    _refused_by_the_database(  # ...but not be decided unbalanced
        "UPDATE pay_payrun SET status = 'decided', decided_at = now(), decided_by_id = %s "
        "WHERE id = %s",
        person.pk,
        run.pk,
    )


def test_hours_recorded_are_those_of_the_assignments(cohort_with_work: Work, person: User) -> None:
    run = _create(cohort_with_work.cohort, person, amount_to_share=M("300"))

    counted = sum(line.hours for line in run.lines.all())

    assert counted == M("15.00")
    assert JobAssignment.objects.filter(hours_worked__isnull=False).count() == 6
