"""The skills pages by role: a member fills in and hands in their own assessment with radio
buttons, without JavaScript; reviewers list and review; partners and the coordinator see the
aggregates only; another member's assessment is a 404 for a member."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context

from tenants.skills.models import AssessmentStatus, SkillAssessment
from tests.tenants.skills.conftest import Coop
from tests.tenants.skills.helpers import ENTRY, EXIT, enrol, grid_ids, hand_in, levels_of, start


def _index(coop: Coop) -> str:
    return f"/cooperatives/{coop.cohort.pk}/competences/"


def _with_five_members_progressing(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        for name in ["Awa", "Bao", "Chloé", "Dylan", "Emma"]:
            enrolment = enrol(coop.cohort, name)
            hand_in(enrolment, ENTRY, {"marketing": 1})
            hand_in(enrolment, EXIT, {"marketing": 3})


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("animateur", 200),
        ("staff", 200),
        ("coop_member", 200),
        ("partner", 200),
        ("coordinator", 200),
        ("other_animateur", 404),
        ("other_member", 404),
        ("other_cae_staff", 403),
    ],
)
def test_who_sees_the_skills_page(coop: Coop, persona: str, status: int) -> None:
    assert coop.world.client(persona).get(_index(coop)).status_code == status


def test_the_cohort_page_links_to_the_skills_for_partners_too(coop: Coop) -> None:
    page = coop.world.client("partner").get(f"/cooperatives/{coop.cohort.pk}/").content.decode()

    assert f'href="{_index(coop)}"' in page


@pytest.mark.parametrize("persona", ["partner", "coordinator"])
def test_partners_and_the_coordinator_see_aggregates_and_no_one(coop: Coop, persona: str) -> None:
    _with_five_members_progressing(coop)

    page = coop.world.client(persona).get(_index(coop)).content.decode()

    assert "Marketing : faire connaître notre offre" in page
    assert "1,00" in page
    assert "3,00" in page
    assert "100 %" in page
    for name in ["Awa", "Emma", "Lina", "Yanis", "Martin"]:
        assert name not in page
    assert "/competences/bilans/" not in page


def test_a_small_group_is_masked_on_the_page(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        hand_in(coop.lina, ENTRY, default=1)
        hand_in(coop.lina, EXIT, default=4)

    page = coop.world.client("partner").get(_index(coop)).content.decode()

    assert "à partir de 5 personnes" in page
    assert "4,00" not in page


def test_the_animateur_follows_each_members_assessments(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        lina = hand_in(coop.lina, ENTRY)

    page = coop.world.client("animateur").get(_index(coop)).content.decode()

    assert "Lina Martin" in page
    assert "Yanis Martin" in page
    assert f'href="/competences/bilans/{lina.pk}/"' in page
    assert "à revoir" in page


def test_a_member_fills_in_and_hands_in_their_entry_with_radio_buttons(coop: Coop) -> None:
    client = coop.world.client("coop_member")

    started = client.post(_index(coop), {"phase": "entry"})
    with tenant_context(coop.world.cae):
        assessment = SkillAssessment.objects.get(enrolment=coop.lina)
        skill_ids = grid_ids("CJS")
    url = f"/competences/bilans/{assessment.pk}/"
    form = client.get(url).content.decode()
    saved = client.post(url, {"step": "save", f"level_{skill_ids[0]}": "3"})
    submitted = client.post(
        url, {"step": "submit", **{f"level_{skill_id}": "2" for skill_id in skill_ids[1:]}}
    )

    assert (started.status_code, started["Location"]) == (302, url)
    assert f'type="radio" name="level_{skill_ids[0]}" value="4"' in form
    assert "Je peux l&#x27;expliquer aux autres" in form
    assert (saved.status_code, submitted.status_code) == (302, 302)
    with tenant_context(coop.world.cae):
        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.SUBMITTED
        levels = levels_of(assessment)
    assert levels["marketing"] == (3, None)
    assert {level for code, level in levels.items() if code != "marketing"} == {(2, None)}


def test_handing_in_an_incomplete_assessment_keeps_the_answers_and_says_why(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        assessment = start(coop.lina)
        first = grid_ids("CJS")[0]

    response = coop.world.client("coop_member").post(
        f"/competences/bilans/{assessment.pk}/", {"step": "submit", f"level_{first}": "4"}
    )

    assert response.status_code == 400
    assert "Indiquez un niveau pour chaque compétence" in response.content.decode()
    with tenant_context(coop.world.cae):
        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.DRAFT
        assert levels_of(assessment)["marketing"] == (4, None)


def test_a_level_outside_the_scale_is_a_form_error(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        assessment = start(coop.lina)
        first = grid_ids("CJS")[0]

    response = coop.world.client("coop_member").post(
        f"/competences/bilans/{assessment.pk}/", {"step": "save", f"level_{first}": "7"}
    )

    assert response.status_code == 400
    with tenant_context(coop.world.cae):
        assert levels_of(assessment)["marketing"] == (None, None)


def test_the_exit_before_the_entry_is_a_readable_400(coop: Coop) -> None:
    response = coop.world.client("coop_member").post(_index(coop), {"phase": "exit"})

    assert response.status_code == 400
    assert "une fois le bilan d&#x27;entrée remis" in response.content.decode()


def test_a_member_cannot_open_or_change_another_members_assessment(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        yanis = start(coop.yanis)
        first = grid_ids("CJS")[0]
    client = coop.world.client("coop_member")
    url = f"/competences/bilans/{yanis.pk}/"

    read = client.get(url)
    written = client.post(url, {"step": "save", f"level_{first}": "4"})
    page = client.get(_index(coop)).content.decode()

    assert (read.status_code, written.status_code) == (404, 404)
    assert "Yanis" not in page
    with tenant_context(coop.world.cae):
        assert levels_of(yanis)["marketing"] == (None, None)


@pytest.mark.parametrize(
    ("persona", "status"), [("partner", 403), ("coordinator", 403), ("other_member", 404)]
)
def test_individual_assessments_are_closed_to_partners_and_the_coordinator(
    coop: Coop, persona: str, status: int
) -> None:
    with tenant_context(coop.world.cae):
        assessment = hand_in(coop.lina, ENTRY)

    response = coop.world.client(persona).get(f"/competences/bilans/{assessment.pk}/")

    assert response.status_code == status


def test_the_animateur_reviews_a_handed_in_assessment(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        assessment = hand_in(coop.lina, ENTRY, default=2)
        skill_ids = grid_ids("CJS")
    url = f"/competences/bilans/{assessment.pk}/"
    client = coop.world.client("animateur")

    form = client.get(url).content.decode()
    reviewed = client.post(
        url,
        {
            "step": "review",
            "comment": "On en reparle en fin de saison.",
            **{f"agreed_{skill_id}": "2" for skill_id in skill_ids},
            f"agreed_{skill_ids[0]}": "3",
        },
    )
    member_view = coop.world.client("coop_member").get(url).content.decode()
    refused = coop.world.client("coop_member").post(
        url, {"step": "save", f"level_{skill_ids[0]}": "4"}
    )

    # The member's own level is checked to start with.
    assert re.search(rf'name="agreed_{skill_ids[0]}" value="2"[^>]* checked', form)
    assert reviewed.status_code == 302
    assert "On en reparle en fin de saison." in member_view
    assert refused.status_code == 400
    with tenant_context(coop.world.cae):
        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.REVIEWED
        assert levels_of(assessment)["marketing"] == (2, 3)


def test_a_member_cannot_review_their_own(coop: Coop) -> None:
    with tenant_context(coop.world.cae):
        assessment = hand_in(coop.lina, ENTRY)

    response = coop.world.client("coop_member").post(
        f"/competences/bilans/{assessment.pk}/", {"step": "review"}
    )

    assert response.status_code == 403
