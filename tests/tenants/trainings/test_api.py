"""The trainings API by role: the cohort's animateur·rice and CAE staff plan ateliers and
record attendance, its coopérant·es read them (short names), other cohorts answer 404 and the
national coordinator 403."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from django_tenants.utils import tenant_context

from tenants.cohorts.models import Cohort
from tenants.trainings.models import Attendance, TrainingSession
from tests.conftest import World
from tests.tenants.trainings.helpers import D, atelier, member_in

PLAN = {
    "topic": "cooperation",
    "trainer_name": "Morgane Le Bihan",
    "trainer_organisation": "CAE Alpha",
    "date": "2026-07-06",
    "starts_at": "09:00",
    "ends_at": "12:00",
    "place": "Maison des jeunes",
}


def _send(client: HttpClient, url: str, data: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


@pytest.fixture
def summer(world: World) -> dict[str, int]:
    """The world's cohort in summer 2026 with Lina and Yanis, and one 3-hour atelier."""
    with tenant_context(world.cae):
        Cohort.objects.filter(pk__in=[world.cohort.pk, world.other_cohort.pk]).update(
            starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31)
        )
        cohort = Cohort.objects.get(pk=world.cohort.pk)
        lina = member_in(cohort, "Lina", "Le Goff")
        yanis = member_in(cohort, "Yanis", "Martin")
        noe = member_in(Cohort.objects.get(pk=world.other_cohort.pk), "Noé", "Riou")
        session = atelier(cohort)
    return {"session": session.pk, "lina": lina.pk, "yanis": yanis.pk, "noe": noe.pk}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("animateur", 201),
        ("staff", 201),
        ("cae_admin", 201),
        ("coop_member", 403),
        ("other_animateur", 404),
        ("other_member", 404),
        ("other_cae_staff", 403),
        ("coordinator", 403),
        ("anonymous", 403),
    ],
)
def test_who_may_plan(world: World, summer: dict[str, int], persona: str, status: int) -> None:
    response = _send(world.client(persona), f"/api/v1/cohorts/{world.cohort.pk}/trainings/", PLAN)

    assert response.status_code == status
    with tenant_context(world.cae):
        assert TrainingSession.objects.count() == (2 if status == 201 else 1)
    if status == 201:
        assert (response.json()["duration_hours"], response.json()["name"]) == (
            "3.00",
            "Coopération et gouvernance",
        )


def test_a_date_outside_the_cohort_is_a_400(world: World, summer: dict[str, int]) -> None:
    response = _send(
        world.client("animateur"),
        f"/api/v1/cohorts/{world.cohort.pk}/trainings/",
        {**PLAN, "date": "2026-09-15"},
    )

    assert response.status_code == 400
    assert "date" in response.json()["errors"]
    with tenant_context(world.cae):
        assert TrainingSession.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("animateur", 200),
        ("coop_member", 200),
        ("staff", 200),
        ("other_animateur", 404),
        ("other_member", 404),
        ("coordinator", 403),
    ],
)
def test_who_sees_the_list(world: World, summer: dict[str, int], persona: str, status: int) -> None:
    response = world.client(persona).get(f"/api/v1/cohorts/{world.cohort.pk}/trainings/")

    assert response.status_code == status
    if status == 200:
        assert [item["id"] for item in response.json()] == [summer["session"]]


def test_the_animateur_records_attendance(world: World, summer: dict[str, int]) -> None:
    response = _send(
        world.client("animateur"),
        f"/api/v1/trainings/{summer['session']}/attendance/",
        {"present": [summer["lina"], summer["yanis"]], "hours": {str(summer["yanis"]): "2"}},
        method="put",
    )

    assert response.status_code == 200, response.content
    assert [
        (row["name"], row["present"], row["hours"]) for row in response.json()["attendance"]
    ] == [
        ("Lina Le Goff", True, "3.00"),
        ("Yanis Martin", True, "2.00"),
    ]


@pytest.mark.parametrize(
    ("present", "hours"),
    [("noe", None), ("lina", "3.50")],  # a member of another cohort; more than the session
)
def test_attendance_refusals_are_400_and_save_nothing(
    world: World, summer: dict[str, int], present: str, hours: str | None
) -> None:
    data: dict[str, Any] = {"present": [summer[present]]}
    if hours:
        data["hours"] = {str(summer[present]): hours}

    response = _send(
        world.client("animateur"),
        f"/api/v1/trainings/{summer['session']}/attendance/",
        data,
        method="put",
    )

    assert response.status_code == 400
    with tenant_context(world.cae):
        assert Attendance.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coop_member", 403), ("other_animateur", 404), ("coordinator", 403)],
)
def test_who_may_not_record(
    world: World, summer: dict[str, int], persona: str, status: int
) -> None:
    response = _send(
        world.client(persona),
        f"/api/v1/trainings/{summer['session']}/attendance/",
        {"present": [summer["lina"]]},
        method="put",
    )

    assert response.status_code == status
    with tenant_context(world.cae):
        assert Attendance.objects.count() == 0


def test_a_member_sees_first_names_and_initials(world: World, summer: dict[str, int]) -> None:
    _send(
        world.client("animateur"),
        f"/api/v1/trainings/{summer['session']}/attendance/",
        {"present": [summer["lina"]]},
        method="put",
    )

    detail = world.client("coop_member").get(f"/api/v1/trainings/{summer['session']}/")
    summary = world.client("coop_member").get(
        f"/api/v1/cohorts/{world.cohort.pk}/trainings/summary/"
    )

    assert detail.status_code == 200
    assert [(row["name"], row["present"]) for row in detail.json()["attendance"]] == [
        ("Lina L.", True),
        ("Yanis M.", False),
    ]
    assert "Le Goff" not in detail.content.decode()
    body = summary.json()
    assert (body["sessions"], body["hours_delivered"], body["member_hours_attended"]) == (
        1,
        "3.00",
        "3.00",
    )
    assert body["attendance_rate"] == "0.5000"
    assert [(row["name"], row["hours"]) for row in body["members"]] == [
        ("Lina L.", "3.00"),
        ("Yanis M.", "0.00"),
    ]


def test_the_animateur_updates_and_deletes(world: World, summer: dict[str, int]) -> None:
    url = f"/api/v1/trainings/{summer['session']}/"

    updated = _send(world.client("animateur"), url, {"ends_at": "10:30"}, method="patch")
    refused = world.client("coop_member").delete(url)
    deleted = world.client("animateur").delete(url)

    assert (updated.status_code, updated.json()["duration_hours"]) == (200, "1.50")
    assert (refused.status_code, deleted.status_code) == (403, 204)
    with tenant_context(world.cae):
        assert TrainingSession.objects.count() == 0
