"""The skills API by role: a member starts, fills in and hands in their own assessment and
never sees another's (404); reviewers see the cohort's and review them; partners and the
coordinator get the aggregates only (403 on individual assessments)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from django_tenants.utils import tenant_context

from tenants.skills.models import AssessmentStatus, SkillAssessment
from tests.tenants.skills.conftest import Coop
from tests.tenants.skills.helpers import (
    ENTRY,
    EXIT,
    enrol,
    grid_ids,
    hand_in,
    levels_of,
    skill,
    start,
)


def _send(client: HttpClient, url: str, data: Any = None, method: str = "post") -> Any:
    return getattr(client, method)(
        url, data=json.dumps(data or {}), content_type="application/json"
    )


def _all_levels(level: int) -> dict[str, int]:
    return {str(skill_id): level for skill_id in grid_ids("CJS")}


def _assessments(coop: Coop) -> str:
    return f"/api/v1/cohorts/{coop.cohort.pk}/skills/assessments/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("animateur", 200),
        ("staff", 200),
        ("cae_admin", 200),
        ("coop_member", 200),
        ("partner", 200),
        ("coordinator", 200),
        ("other_animateur", 404),
        ("other_member", 404),
        ("other_cae_staff", 403),
        ("stranger", 403),
        ("anonymous", 403),
    ],
)
def test_who_reads_the_progress(coop: Coop, persona: str, status: int) -> None:
    response = coop.world.client(persona).get(f"/api/v1/cohorts/{coop.cohort.pk}/skills/progress/")

    assert response.status_code == status


def test_the_progress_gives_aggregates_only(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        for name in ["Awa", "Bao", "Chloé", "Dylan", "Emma"]:
            enrolment = enrol(coop.cohort, name)
            hand_in(enrolment, ENTRY, {"marketing": 1})
            hand_in(enrolment, EXIT, {"marketing": 3})

    data = coop.world.client("partner").get(f"/api/v1/cohorts/{coop.cohort.pk}/skills/progress/")

    body = data.json()
    assert (body["members"], body["masked"], body["minimum_group_size"]) == (5, False, 5)
    marketing = next(row for row in body["skills"] if row["code"] == "marketing")
    assert {key: marketing[key] for key in marketing if key != "skill"} == {
        "code": "marketing",
        "label": "Marketing : faire connaître notre offre",
        "category": "technical",
        "members": 5,
        "mean_entry": "1.00",
        "mean_exit": "3.00",
        "progressed_share": "1.0000",
        "masked": False,
    }
    assert [row["category"] for row in body["categories"]] == ["technical", "personal"]
    for name in ["Awa", "Bao", "Chloé", "Dylan", "Emma", "Martin"]:
        assert name not in data.content.decode()


def test_the_progress_of_a_small_group_is_masked(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        hand_in(coop.lina, ENTRY, default=1)
        hand_in(coop.lina, EXIT, default=4)

    body = (
        coop.world.client("coordinator")
        .get(f"/api/v1/cohorts/{coop.cohort.pk}/skills/progress/")
        .json()
    )

    assert (body["members"], body["masked"]) == (1, True)
    assert {
        (row["mean_entry"], row["mean_exit"], row["progressed_share"], row["masked"])
        for row in body["skills"] + body["categories"]
    } == {(None, None, None, True)}


def test_a_member_starts_fills_in_and_hands_in_their_own_assessment(coop: Coop) -> None:
    client = coop.world.client("coop_member")

    created = _send(client, _assessments(coop), {"phase": "entry"})
    url = f"/api/v1/skill-assessments/{created.json()['id']}/"
    filled = _send(client, url, {"levels": _all_levels(2)}, "patch")
    submitted = _send(client, url + "submit/")

    assert created.status_code == 201
    assert [rating["code"] for rating in created.json()["ratings"]][:2] == [
        "marketing",
        "selling",
    ]
    assert [level["level"] for level in created.json()["scale"]] == [1, 2, 3, 4]
    assert filled.status_code == 200
    assert {rating["self_level"] for rating in filled.json()["ratings"]} == {2}
    assert (submitted.status_code, submitted.json()["status"]) == (200, "submitted")
    with tenant_context(coop.world.cae):
        assert SkillAssessment.objects.get().enrolment_id == coop.lina.pk


@pytest.mark.parametrize("level", [0, 5, "x", None])
def test_a_level_outside_the_scale_is_a_400(coop: Coop, level: Any) -> None:
    with tenant_context(coop.world.cae):
        assessment = start(coop.lina)
        marketing = skill("marketing").pk

    response = _send(
        coop.world.client("coop_member"),
        f"/api/v1/skill-assessments/{assessment.pk}/",
        {"levels": {str(marketing): level}},
        "patch",
    )

    assert response.status_code == 400
    with tenant_context(coop.world.cae):
        assert levels_of(assessment)["marketing"] == (None, None)


def test_a_skill_id_that_is_not_a_number_is_a_400(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        assessment = start(coop.lina)

    response = _send(
        coop.world.client("coop_member"),
        f"/api/v1/skill-assessments/{assessment.pk}/",
        {"levels": {"marketing": 2}},
        "patch",
    )

    assert response.status_code == 400


def test_the_exit_before_the_entry_is_handed_in_is_a_400(coop: Coop) -> None:
    client = coop.world.client("coop_member")

    response = _send(client, _assessments(coop), {"phase": "exit"})

    assert response.status_code == 400
    assert "bilan d'entrée remis" in response.json()["detail"]
    with tenant_context(coop.world.cae):
        assert not SkillAssessment.objects.exists()


def test_a_member_sees_only_their_own_assessments(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        own = start(coop.lina)
        start(coop.yanis)

    listed = coop.world.client("coop_member").get(_assessments(coop))

    assert [row["id"] for row in listed.json()] == [own.pk]


def test_a_member_cannot_read_or_write_another_members_assessment(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        draft = start(coop.yanis)
        handed_in = hand_in(enrol(coop.cohort, "Zoé"), ENTRY)
    client = coop.world.client("coop_member")
    url = f"/api/v1/skill-assessments/{draft.pk}/"

    responses = [
        client.get(url).status_code,
        _send(client, url, {"levels": _all_levels(4)}, "patch").status_code,
        _send(client, url + "submit/").status_code,
        _send(client, f"/api/v1/skill-assessments/{handed_in.pk}/review/").status_code,
    ]

    assert responses == [404, 404, 404, 404]
    with tenant_context(coop.world.cae):
        assert set(levels_of(draft).values()) == {(None, None)}
        draft.refresh_from_db()
        handed_in.refresh_from_db()
        assert (draft.status, handed_in.status) == (
            AssessmentStatus.DRAFT,
            AssessmentStatus.SUBMITTED,
        )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("partner", 403),
        ("coordinator", 403),
        ("other_animateur", 404),
        ("other_member", 404),
        ("other_cae_staff", 403),
    ],
)
def test_only_the_member_and_reviewers_open_an_assessment(
    coop: Coop, persona: str, status: int
) -> None:
    with tenant_context(coop.world.cae):
        assessment = hand_in(coop.lina, ENTRY)
    client = coop.world.client(persona)

    detail = client.get(f"/api/v1/skill-assessments/{assessment.pk}/")
    listing = client.get(_assessments(coop))

    assert (detail.status_code, listing.status_code) == (status, status)


def test_reviewers_list_the_cohorts_assessments_and_review_one(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        lina = hand_in(coop.lina, ENTRY, default=2)
        yanis = start(coop.yanis)
        marketing = skill("marketing").pk
    client = coop.world.client("animateur")

    listed = client.get(_assessments(coop))
    reviewed = _send(
        client,
        f"/api/v1/skill-assessments/{lina.pk}/review/",
        {"agreed_levels": {str(marketing): 3}, "comment": "Très bien."},
    )

    assert sorted(row["id"] for row in listed.json()) == sorted([lina.pk, yanis.pk])
    assert reviewed.status_code == 200
    body = reviewed.json()
    assert (body["status"], body["review_comment"]) == ("reviewed", "Très bien.")
    levels = {row["code"]: (row["self_level"], row["agreed_level"]) for row in body["ratings"]}
    assert (levels["marketing"], levels["selling"]) == ((2, 3), (2, 2))


def test_a_reviewed_assessment_is_a_400_for_everyone(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        assessment = hand_in(coop.lina, ENTRY, default=2)
    url = f"/api/v1/skill-assessments/{assessment.pk}/"
    _send(coop.world.client("staff"), url + "review/", {"comment": "Vu."})

    again = _send(coop.world.client("animateur"), url + "review/", {"comment": "Réécrit"})
    changed = _send(coop.world.client("coop_member"), url, {"levels": _all_levels(4)}, "patch")

    assert (again.status_code, changed.status_code) == (400, 400)
    with tenant_context(coop.world.cae):
        assessment.refresh_from_db()
        assert (assessment.status, assessment.review_comment) == ("reviewed", "Vu.")
        assert set(levels_of(assessment).values()) == {(2, 2)}


def test_roles_keep_to_their_part(coop: Coop) -> None:
    """The animateur neither starts nor fills in an assessment; a member reviews none, not
    even their own."""
    with tenant_context(coop.world.cae):
        assessment = hand_in(coop.lina, ENTRY)
    url = f"/api/v1/skill-assessments/{assessment.pk}/"

    started = _send(coop.world.client("animateur"), _assessments(coop), {"phase": "entry"})
    filled = _send(coop.world.client("animateur"), url, {"levels": _all_levels(4)}, "patch")
    self_reviewed = _send(coop.world.client("coop_member"), url + "review/")

    assert (started.status_code, filled.status_code, self_reviewed.status_code) == (
        403,
        403,
        403,
    )


def test_a_member_account_linked_to_no_member_row_cannot_start(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        coop.yanis.member.user = None
        coop.yanis.member.save()

    response = _send(coop.world.client("yanis"), _assessments(coop), {"phase": "entry"})

    assert response.status_code == 403
    assert "aucun·e coopérant·e" in response.json()["detail"]
