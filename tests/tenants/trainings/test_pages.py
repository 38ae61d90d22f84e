"""The ateliers pages by role: the animateur plans and records attendance, a coopérant·e reads
(first names and initials), other cohorts are 404 and the coordinator 403."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from tenants.cohorts.models import Cohort
from tenants.trainings.models import Attendance, TrainingSession
from tests.conftest import World
from tests.tenants.trainings.helpers import D, atelier, member_in


@pytest.fixture
def summer(world: World) -> dict[str, int]:
    with tenant_context(world.cae):
        Cohort.objects.filter(pk=world.cohort.pk).update(
            starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31)
        )
        cohort = Cohort.objects.get(pk=world.cohort.pk)
        lina = member_in(cohort, "Lina", "Le Goff")
        yanis = member_in(cohort, "Yanis", "Martin")
        session = atelier(cohort)
    return {"session": session.pk, "lina": lina.pk, "yanis": yanis.pk}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("animateur", 200),
        ("staff", 200),
        ("coop_member", 200),
        ("other_animateur", 404),
        ("other_member", 404),
        ("coordinator", 403),
    ],
)
def test_who_sees_the_pages(
    world: World, summer: dict[str, int], persona: str, status: int
) -> None:
    client = world.client(persona)

    index = client.get(f"/cooperatives/{world.cohort.pk}/ateliers/")
    detail = client.get(f"/ateliers/{summer['session']}/")

    assert (index.status_code, detail.status_code) == (status, status)


def test_the_animateur_plans_an_atelier(world: World, summer: dict[str, int]) -> None:
    response = world.client("animateur").post(
        f"/cooperatives/{world.cohort.pk}/ateliers/",
        {
            "topic": "work_safety",
            "trainer_name": "Erwan Guillou",
            "date": "2026-07-08",
            "starts_at": "14:00",
            "ends_at": "16:00",
        },
    )

    assert response.status_code == 302
    with tenant_context(world.cae):
        session = TrainingSession.objects.get(topic="work_safety")
    assert response["Location"] == f"/ateliers/{session.pk}/"


def test_a_date_outside_the_cohort_shows_on_the_form(world: World, summer: dict[str, int]) -> None:
    response = world.client("animateur").post(
        f"/cooperatives/{world.cohort.pk}/ateliers/",
        {
            "topic": "marketing",
            "trainer_name": "Erwan Guillou",
            "date": "2026-10-08",
            "starts_at": "14:00",
            "ends_at": "16:00",
        },
    )

    assert response.status_code == 400
    assert "dates de la coopérative" in response.content.decode()
    with tenant_context(world.cae):
        assert TrainingSession.objects.count() == 1


def test_a_member_cannot_plan(world: World, summer: dict[str, int]) -> None:
    response = world.client("coop_member").post(
        f"/cooperatives/{world.cohort.pk}/ateliers/", {"topic": "marketing"}
    )

    assert response.status_code == 403


def test_the_animateur_records_attendance(world: World, summer: dict[str, int]) -> None:
    url = f"/ateliers/{summer['session']}/"

    response = world.client("animateur").post(
        url,
        {
            "step": "attendance",
            f"present_{summer['lina']}": "on",
            f"present_{summer['yanis']}": "on",
            f"hours_{summer['yanis']}": "1,5",
        },
    )
    page = world.client("coop_member").get(url).content.decode()

    assert response.status_code == 302
    with tenant_context(world.cae):
        assert sorted(Attendance.objects.values_list("member__first_name", "hours")) == [
            ("Lina", Decimal("3.00")),
            ("Yanis", Decimal("1.50")),
        ]
    assert "Lina L." in page
    assert "Le Goff" not in page


def test_hours_above_the_session_are_refused(world: World, summer: dict[str, int]) -> None:
    response = world.client("animateur").post(
        f"/ateliers/{summer['session']}/",
        {"step": "attendance", f"present_{summer['lina']}": "on", f"hours_{summer['lina']}": "4"},
    )

    assert response.status_code == 400
    with tenant_context(world.cae):
        assert Attendance.objects.count() == 0


def test_a_member_cannot_record(world: World, summer: dict[str, int]) -> None:
    response = world.client("coop_member").post(
        f"/ateliers/{summer['session']}/",
        {"step": "attendance", f"present_{summer['lina']}": "on"},
    )

    assert response.status_code == 403
    with tenant_context(world.cae):
        assert Attendance.objects.count() == 0


def test_the_cohort_page_links_to_the_ateliers(world: World, summer: dict[str, int]) -> None:
    page = world.client("animateur").get(f"/cooperatives/{world.cohort.pk}/").content.decode()

    assert f"/cooperatives/{world.cohort.pk}/ateliers/" in page
