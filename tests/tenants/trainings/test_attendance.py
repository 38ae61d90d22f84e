"""Attendance: only members enrolled on the day, once per session, hours capped by the
session's duration; a refusal keeps the earlier record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.trainings.models import Attendance
from tenants.trainings.services import attendance_record
from tests.tenants.trainings.helpers import D, atelier, member_in, summer_cohort

M = Decimal


def _rows(session_id: int) -> list[tuple[str, bool, Decimal]]:
    return list(
        Attendance.objects.filter(session_id=session_id)
        .order_by("member__first_name")
        .values_list("member__first_name", "present", "hours")
    )


def test_present_members_attend_the_whole_session_by_default(in_alpha: Cae) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    yanis = member_in(cohort, "Yanis", "Martin")
    member_in(cohort, "Zoé", "Bernard")
    session = atelier(cohort)

    attendance_record(
        session=session,
        present_member_ids=[lina.pk, yanis.pk],
        hours_by_member={yanis.pk: M("1.5")},
    )

    assert _rows(session.pk) == [
        ("Lina", True, M("3.00")),
        ("Yanis", True, M("1.50")),
        ("Zoé", False, M("0.00")),
    ]


def test_recording_again_replaces_the_record(in_alpha: Cae) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    yanis = member_in(cohort, "Yanis", "Martin")
    session = atelier(cohort)
    attendance_record(session=session, present_member_ids=[lina.pk])

    attendance_record(session=session, present_member_ids=[yanis.pk])

    assert _rows(session.pk) == [("Lina", False, M("0.00")), ("Yanis", True, M("3.00"))]


def test_members_withdrawn_before_the_day_or_enrolled_after_are_not_listed(
    in_alpha: Cae,
) -> None:
    cohort = summer_cohort()
    member_in(cohort, "Lina", "Le Goff", withdrawn_on=D(2026, 7, 5))  # the day before
    member_in(cohort, "Yanis", "Martin", withdrawn_on=D(2026, 7, 6))  # on the day: counts
    member_in(cohort, "Zoé", "Bernard", enrolled_on=D(2026, 7, 7))  # the day after
    session = atelier(cohort)

    attendance_record(session=session, present_member_ids=[])

    assert _rows(session.pk) == [("Yanis", False, M("0.00"))]


@pytest.mark.parametrize("who", ["withdrawn_before", "other_cohort", "enrolled_after"])
def test_an_outsider_present_is_refused_and_nothing_changes(in_alpha: Cae, who: str) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    outsider = {
        "withdrawn_before": lambda: member_in(cohort, "Noé", "Riou", withdrawn_on=D(2026, 7, 5)),
        "other_cohort": lambda: member_in(summer_cohort(name="CJS d'Auray"), "Noé", "Riou"),
        "enrolled_after": lambda: member_in(cohort, "Noé", "Riou", enrolled_on=D(2026, 7, 7)),
    }[who]()
    session = atelier(cohort)
    attendance_record(session=session, present_member_ids=[lina.pk])

    with pytest.raises(ApplicationError) as refusal:
        attendance_record(session=session, present_member_ids=[lina.pk, outsider.pk])

    assert "present" in refusal.value.details
    assert _rows(session.pk) == [("Lina", True, M("3.00"))]


@pytest.mark.parametrize("hours", [M("3.01"), M("-1")])
def test_hours_are_capped_by_the_session(in_alpha: Cae, hours: Decimal) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    session = atelier(cohort)

    with pytest.raises(ApplicationError) as refusal:
        attendance_record(
            session=session, present_member_ids=[lina.pk], hours_by_member={lina.pk: hours}
        )

    assert "hours" in refusal.value.details
    assert Attendance.objects.count() == 0


def test_hours_for_an_absent_member_are_refused(in_alpha: Cae) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    session = atelier(cohort)

    with pytest.raises(ApplicationError):
        attendance_record(session=session, present_member_ids=[], hours_by_member={lina.pk: M("1")})

    assert Attendance.objects.count() == 0
