"""Hours per member and per cohort over a period (one query each), and a cohort's totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from network.registry.models import Cae
from tenants.trainings.selectors import (
    training_hours_per_cohort,
    training_hours_per_member,
    training_indicators,
    training_session_list,
)
from tenants.trainings.services import attendance_record
from tests.tenants.trainings.helpers import D, T, atelier, member_in, summer_cohort

M = Decimal


def _selects(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read data (django-tenants also sets the search path)."""
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]


@pytest.fixture
def summer(in_alpha: Cae) -> dict[str, int]:
    """Two ateliers in Vannes (3 h on 6 July, 2 h on 20 July), one in Auray (1 h on 7 July).

    Vannes: Lina attends both (3 h + 1.5 h), Yanis the first (3 h); Auray: Noé 1 h.
    """
    vannes, auray = summer_cohort(), summer_cohort(name="CJS d'Auray")
    lina, yanis = member_in(vannes, "Lina", "Le Goff"), member_in(vannes, "Yanis", "Martin")
    noe = member_in(auray, "Noé", "Riou")
    first = atelier(vannes)
    second = atelier(vannes, D(2026, 7, 20), T(14), T(16))
    attendance_record(session=first, present_member_ids=[lina.pk, yanis.pk])
    attendance_record(
        session=second, present_member_ids=[lina.pk], hours_by_member={lina.pk: M("1.5")}
    )
    attendance_record(
        session=atelier(auray, D(2026, 7, 7), T(10), T(11)), present_member_ids=[noe.pk]
    )
    return {"vannes": vannes.pk, "auray": auray.pk, "lina": lina.pk, "yanis": yanis.pk}


def test_hours_per_member(summer: dict[str, int]) -> None:
    with CaptureQueriesContext(connection) as queries:
        hours = training_hours_per_member(cohort_id=summer["vannes"])

    assert len(_selects(queries)) == 1
    assert hours == {summer["lina"]: M("4.50"), summer["yanis"]: M("3.00")}


def test_hours_per_member_over_a_period(summer: dict[str, int]) -> None:
    hours = training_hours_per_member(
        cohort_id=summer["vannes"], start=D(2026, 7, 10), end=D(2026, 7, 31)
    )

    assert hours == {summer["lina"]: M("1.50")}


def test_hours_per_cohort(summer: dict[str, int]) -> None:
    with CaptureQueriesContext(connection) as queries:
        hours = training_hours_per_cohort(cohort_ids=[summer["vannes"], summer["auray"]])

    assert len(_selects(queries)) == 1
    assert hours == {summer["vannes"]: M("7.50"), summer["auray"]: M("1.00")}
    assert training_hours_per_cohort(
        cohort_ids=[summer["vannes"]], start=D(2026, 7, 1), end=D(2026, 7, 6)
    ) == {summer["vannes"]: M("6.00")}


def test_indicators(summer: dict[str, int]) -> None:
    with CaptureQueriesContext(connection) as queries:
        indicators = training_indicators(cohort_id=summer["vannes"])

    assert len(_selects(queries)) == 1
    # Offered: 2 members for 3 h + 2 members for 2 h = 10 member-hours; attended 3 + 3 + 1.5.
    assert (
        indicators.sessions,
        indicators.hours_delivered,
        indicators.member_hours_attended,
        indicators.member_hours_offered,
        indicators.attendance_rate,
    ) == (2, M("5.00"), M("7.50"), M("10.00"), M("0.7500"))


def test_indicators_of_a_cohort_without_ateliers(in_alpha: Cae) -> None:
    indicators = training_indicators(cohort_id=summer_cohort().pk)

    assert (indicators.sessions, indicators.hours_delivered, indicators.attendance_rate) == (
        0,
        M("0.00"),
        None,
    )


def test_session_list_counts_the_present(summer: dict[str, int]) -> None:
    sessions = training_session_list(cohort_id=summer["vannes"])
    counted = [(s.date, s.present_count) for s in sessions]  # type: ignore[attr-defined]

    assert counted == [
        (D(2026, 7, 6), 2),
        (D(2026, 7, 20), 1),
    ]
