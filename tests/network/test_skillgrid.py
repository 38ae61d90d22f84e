"""The network's skills grid: seeded with the standard skills, kept by the national
coordination alone (services, API, page), never deleted once used, read-only on CAE sites."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client as HttpClient
from django_tenants.utils import schema_context, tenant_context

from coopilote.errors import ApplicationError
from network.skillgrid.models import Skill, SkillCategory
from network.skillgrid.selectors import skill_grid_for, skill_list
from network.skillgrid.services import skill_create, skill_update
from tests.conftest import World, sign_in, site_client
from tests.tenants.skills.helpers import enrol, running_cohort, start

STANDARD = {
    "technical": ["marketing", "selling", "management", "human-resources", "accounting"],
    "personal": [
        "deciding-together",
        "self-confidence",
        "teamwork",
        "negotiating",
        "public-speaking",
    ],
}


def _send(client: HttpClient, url: str, data: Any, method: str = "post") -> Any:
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def _national(world: World, persona: str) -> HttpClient:
    client = site_client()
    user = world.personas[persona]
    if user is not None:
        sign_in(client, user)
    return client


# --- The grid and its services --------------------------------------------------------------


def test_the_network_starts_with_its_standard_grid(db: None) -> None:
    skills = list(skill_list())

    assert [skill.code for skill in skills] == STANDARD["technical"] + STANDARD["personal"]
    assert {skill.category for skill in skills[:5]} == {SkillCategory.TECHNICAL}
    assert all(skill.active and skill.programmes == ["CJS", "CJM", "CT"] for skill in skills)


def test_a_skill_applies_to_the_programmes_chosen(db: None) -> None:
    skill = skill_create(
        code="Territoire ",
        category="technical",
        label=" Connaître son territoire ",
        programmes=["CT", "CJM"],
    )

    assert (skill.code, skill.label, skill.programmes) == (
        "territoire",
        "Connaître son territoire",
        ["CJM", "CT"],
    )
    assert skill.position == 60  # last of the technical skills
    assert "territoire" in {s.code for s in skill_grid_for(programme="CT")}
    assert "territoire" not in {s.code for s in skill_grid_for(programme="CJS")}
    assert not skill_grid_for(programme="XYZ").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "marketing"}, "déjà pris"),
        ({"label": "  "}, "intitulé"),
        ({"programmes": []}, "au moins un programme"),
        ({"programmes": ["CJS", "BTS"]}, "Programme inconnu"),
        ({"category": "magic"}, "catégorie"),
        ({"code": "pas un code !"}, "ne peut pas être enregistrée"),
    ],
)
def test_a_skill_is_checked_before_it_is_saved(
    db: None, fields: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {"code": "ecoute", "category": "personal", "label": "Écouter"}

    with pytest.raises(ApplicationError, match=message):
        skill_create(**{**values, **fields})

    assert Skill.objects.count() == 10


def test_a_skill_keeps_its_code_and_is_deactivated_not_deleted(db: None) -> None:
    teamwork = Skill.objects.get(code="teamwork")

    with pytest.raises(ApplicationError, match="ne change pas"):
        skill_update(skill=teamwork, changes={"code": "equipe"})
    skill_update(skill=teamwork, changes={"active": False, "label": "Coopérer en équipe"})

    teamwork.refresh_from_db()
    assert (teamwork.code, teamwork.label, teamwork.active) == (
        "teamwork",
        "Coopérer en équipe",
        False,
    )
    assert "teamwork" not in {s.code for s in skill_grid_for(programme="CJS")}
    assert "teamwork" in {s.code for s in skill_list()}


def test_the_database_refuses_deleting_a_skill_rated_in_a_cae(world: World) -> None:
    with tenant_context(world.cae):
        start(enrol(running_cohort(), "Lina"))

    with schema_context("public"), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's foreign keys are deferred
        with pytest.raises(IntegrityError), transaction.atomic():
            Skill.objects.filter(code="marketing").delete()

    assert Skill.objects.filter(code="marketing").exists()


# --- The API on the national site -----------------------------------------------------------

NEW_SKILL = {"code": "ecoute", "category": "personal", "label": "Écouter les autres"}


@pytest.mark.parametrize(
    ("persona", "read", "write"),
    [
        ("coordinator", 200, 201),
        ("cae_admin", 200, 403),
        ("animateur", 200, 403),
        ("coop_member", 200, 403),
        ("stranger", 200, 403),
        ("anonymous", 403, 403),
    ],
)
def test_the_coordinator_alone_changes_the_grid_through_the_api(
    world: World, persona: str, read: int, write: int
) -> None:
    client = _national(world, persona)

    listed = client.get("/api/v1/skills/")
    created = _send(client, "/api/v1/skills/", NEW_SKILL)
    teamwork = Skill.objects.get(code="teamwork")
    patched = _send(client, f"/api/v1/skills/{teamwork.pk}/", {"active": False}, "patch")

    assert (listed.status_code, created.status_code) == (read, write)
    assert patched.status_code == (200 if write == 201 else 403)
    teamwork.refresh_from_db()
    assert teamwork.active is (write != 201)
    assert Skill.objects.filter(code="ecoute").exists() is (write == 201)


def test_the_api_gives_the_grid_and_its_scale(world: World) -> None:
    client = _national(world, "stranger")

    skills = client.get("/api/v1/skills/").json()
    levels = client.get("/api/v1/skills/levels/").json()

    assert skills[0] | {"id": 0} == {
        "id": 0,
        "code": "marketing",
        "category": "technical",
        "label": "Marketing : faire connaître notre offre",
        "description": skills[0]["description"],
        "programmes": ["CJS", "CJM", "CT"],
        "position": 10,
        "active": True,
    }
    assert [(level["level"], level["label"]) for level in levels] == [
        (1, "Je découvre"),
        (2, "Je sais faire avec de l'aide"),
        (3, "Je sais faire seul·e"),
        (4, "Je peux l'expliquer aux autres"),
    ]


@pytest.mark.parametrize(
    "change",
    [{"code": "equipe"}, {"programmes": []}, {"programmes": ["BTS"]}, {"label": ""}],
)
def test_a_bad_change_is_a_400_and_changes_nothing(world: World, change: dict[str, Any]) -> None:
    teamwork = Skill.objects.get(code="teamwork")

    response = _send(
        _national(world, "coordinator"), f"/api/v1/skills/{teamwork.pk}/", change, "patch"
    )

    assert response.status_code == 400
    teamwork.refresh_from_db()
    assert (teamwork.code, teamwork.label, teamwork.programmes) == (
        "teamwork",
        "Travailler en équipe",
        ["CJS", "CJM", "CT"],
    )


def test_a_duplicate_code_is_a_400(world: World) -> None:
    response = _send(
        _national(world, "coordinator"), "/api/v1/skills/", {**NEW_SKILL, "code": "teamwork"}
    )

    assert response.status_code == 400
    assert response.json()["errors"]["code"] == ["Ce code est déjà pris par une autre compétence."]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coop_member", 200), ("animateur", 200), ("other_cae_staff", 403), ("anonymous", 403)],
)
def test_cae_sites_read_the_grid(world: World, persona: str, status: int) -> None:
    assert world.client(persona).get("/api/v1/skills/").status_code == status


def test_the_grid_cannot_change_from_a_cae_site(world: World) -> None:
    response = _send(world.client("coordinator"), "/api/v1/skills/", NEW_SKILL)

    assert response.status_code == 403
    assert not Skill.objects.filter(code="ecoute").exists()


def test_the_schemas_list_the_skills_endpoints(world: World) -> None:
    national = site_client().get("/api/schema/?format=json").json()["paths"]
    cae = site_client(world.cae).get("/api/schema/?format=json").json()["paths"]

    assert {"/api/v1/skills/", "/api/v1/skills/{skill_id}/"} <= set(national)
    assert {
        "/api/v1/skills/",
        "/api/v1/cohorts/{cohort_id}/skills/progress/",
        "/api/v1/cohorts/{cohort_id}/skills/assessments/",
        "/api/v1/skill-assessments/{assessment_id}/review/",
    } <= set(cae)
    assert "post" not in cae["/api/v1/skills/"]


# --- The page on the national site ----------------------------------------------------------


def test_the_coordinator_adds_a_skill_on_the_page(world: World) -> None:
    client = _national(world, "coordinator")

    page = client.get("/competences/")
    added = client.post(
        "/competences/",
        {"code": "ecoute", "category": "personal", "label": "Écouter", "programmes": ["CJS"]},
    )

    assert page.status_code == 200
    assert "Ajouter une compétence" in page.content.decode()
    assert added.status_code == 302
    assert Skill.objects.get(code="ecoute").programmes == ["CJS"]


def test_a_refused_skill_shows_on_the_form(world: World) -> None:
    response = _national(world, "coordinator").post(
        "/competences/",
        {"code": "teamwork", "category": "personal", "label": "Doublon", "programmes": ["CJS"]},
    )

    assert response.status_code == 400
    assert "Ce code est déjà pris" in response.content.decode()


def test_the_coordinator_edits_and_deactivates_a_skill_on_the_page(world: World) -> None:
    client = _national(world, "coordinator")
    teamwork = Skill.objects.get(code="teamwork")
    url = f"/competences/{teamwork.pk}/"

    edited = client.post(
        url,
        {
            "step": "save",
            "category": "personal",
            "label": "Coopérer",
            "programmes": ["CJS", "CT"],
            "position": "85",
        },
    )
    deactivated = client.post(url, {"step": "deactivate"})

    assert (edited.status_code, deactivated.status_code) == (302, 302)
    teamwork.refresh_from_db()
    assert (teamwork.label, teamwork.programmes, teamwork.position, teamwork.active) == (
        "Coopérer",
        ["CJS", "CT"],
        85,
        False,
    )


@pytest.mark.parametrize("persona", ["cae_admin", "stranger"])
def test_others_read_the_grid_page_without_changing_it(world: World, persona: str) -> None:
    client = _national(world, persona)
    teamwork = Skill.objects.get(code="teamwork")

    page = client.get("/competences/")
    added = client.post(
        "/competences/", {"code": "ecoute", "category": "personal", "label": "Écouter"}
    )
    edit = client.get(f"/competences/{teamwork.pk}/")
    deactivated = client.post(f"/competences/{teamwork.pk}/", {"step": "deactivate"})

    assert page.status_code == 200
    assert "Travailler en équipe" in page.content.decode()
    assert "Ajouter une compétence" not in page.content.decode()
    assert (added.status_code, edit.status_code, deactivated.status_code) == (403, 403, 403)
    assert not Skill.objects.filter(code="ecoute").exists()
    teamwork.refresh_from_db()
    assert teamwork.active


def test_the_grid_page_asks_to_sign_in(world: World) -> None:
    response = _national(world, "anonymous").get("/competences/")

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
