"""Ateliers are planned within the cohort's dates, end after they start; refusals save nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.trainings.models import TrainingSession, TrainingTopic
from tenants.trainings.services import (
    attendance_record,
    training_session_delete,
    training_session_update,
)
from tests.tenants.trainings.helpers import D, T, atelier, member_in, summer_cohort


def test_an_atelier_is_planned_with_its_duration(in_alpha: Cae) -> None:
    cohort = summer_cohort()

    session = atelier(cohort, starts_at=T(14), ends_at=T(16, 30), place="Maison des jeunes")

    stored = TrainingSession.objects.get(pk=session.pk)
    assert (stored.date, stored.duration_hours, stored.place, stored.label) == (
        D(2026, 7, 6),
        Decimal("2.50"),
        "Maison des jeunes",
        "Marketing et vente",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"starts_at": T(12), "ends_at": T(12)}, "ends_at"),
        ({"starts_at": T(12), "ends_at": T(9)}, "ends_at"),
        ({"day": D(2026, 5, 31)}, "date"),  # the day before the cohort starts
        ({"day": D(2026, 9, 1)}, "date"),  # the day after it ends
        ({"topic": TrainingTopic.OTHER, "title": "  "}, "title"),
        ({"trainer_name": ""}, "trainer_name"),
    ],
)
def test_refusals_save_nothing(in_alpha: Cae, fields: dict[str, Any], field: str) -> None:
    cohort = summer_cohort()

    with pytest.raises(ApplicationError) as refusal:
        atelier(cohort, **fields)

    assert field in refusal.value.details
    assert TrainingSession.objects.count() == 0


def test_the_cohort_s_first_and_last_days_are_allowed(in_alpha: Cae) -> None:
    cohort = summer_cohort()

    first, last = atelier(cohort, D(2026, 6, 1)), atelier(cohort, D(2026, 8, 31))

    assert TrainingSession.objects.filter(pk__in=[first.pk, last.pk]).count() == 2


def test_an_other_topic_takes_its_title(in_alpha: Cae) -> None:
    session = atelier(summer_cohort(), topic=TrainingTopic.OTHER, title=" Premiers secours ")

    assert session.label == "Premiers secours"


def test_an_update_changes_the_duration(in_alpha: Cae) -> None:
    session = atelier(summer_cohort())

    updated = training_session_update(session=session, changes={"ends_at": T(10, 15)})

    assert TrainingSession.objects.get(pk=updated.pk).duration_hours == Decimal("1.25")


def test_an_update_refused_keeps_the_session(in_alpha: Cae) -> None:
    session = atelier(summer_cohort())

    with pytest.raises(ApplicationError):
        training_session_update(session=session, changes={"date": D(2026, 10, 1)})

    assert TrainingSession.objects.get(pk=session.pk).date == D(2026, 7, 6)


def test_an_update_cannot_shorten_below_the_hours_recorded(in_alpha: Cae) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    session = atelier(cohort)
    attendance_record(session=session, present_member_ids=[lina.pk])

    with pytest.raises(ApplicationError) as refusal:
        training_session_update(session=session, changes={"ends_at": T(11)})

    assert "ends_at" in refusal.value.details
    assert TrainingSession.objects.get(pk=session.pk).duration_hours == Decimal("3.00")


def test_an_update_cannot_move_to_a_day_a_present_member_was_not_enrolled(in_alpha: Cae) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff", enrolled_on=D(2026, 7, 1))
    session = atelier(cohort)
    attendance_record(session=session, present_member_ids=[lina.pk])

    with pytest.raises(ApplicationError) as refusal:
        training_session_update(session=session, changes={"date": D(2026, 6, 15)})

    assert "date" in refusal.value.details
    assert TrainingSession.objects.get(pk=session.pk).date == D(2026, 7, 6)


def test_a_deleted_session_takes_its_attendance_along(in_alpha: Cae) -> None:
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    session = atelier(cohort)
    attendance_record(session=session, present_member_ids=[lina.pk])

    training_session_delete(session=session)

    assert TrainingSession.objects.count() == 0
