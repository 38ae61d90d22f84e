"""Every role against every endpoint, in its own CAE and another one: any leak fails.

Roles: anonymous, national coordinator, CAE admin, CAE staff, animateur·rice of cohort X,
coopérant·e of cohort X (all of CAE alpha), staff of CAE beta, an account with no role, and a
partner seated on alpha's local committee that supports cohort X. Cohort Y is another cohort of
alpha; the requests go to alpha's host (and to the national
site for the network endpoints).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Role, User
from network.committees.models import LocalCommittee
from network.committees.services import (
    local_committee_create,
    organisation_get_or_create,
    partner_person_get_or_create,
    seat_add,
)
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tests.conftest import grant, sign_in, site_client

ROLES = [
    "anonymous",
    "coordinator",
    "cae_admin",
    "cae_staff",
    "animateur",
    "member",
    "other_cae_staff",
    "no_role",
    "partner",
]


@dataclass
class World:
    cae_alpha: Cae
    cohort_x: Cohort
    cohort_y: Cohort
    users: dict[str, User]
    colleague: User
    committee: LocalCommittee


@pytest.fixture
def world(cae_alpha: Cae, cae_beta: Cae) -> World:
    with tenant_context(cae_alpha):
        cohort_x = Cohort.objects.create(
            name="X",
            programme="CT",
            starts_on=datetime.date(2027, 1, 4),
            ends_on=datetime.date(2027, 5, 28),
        )
        cohort_y = Cohort.objects.create(
            name="Y",
            programme="CT",
            starts_on=datetime.date(2027, 1, 4),
            ends_on=datetime.date(2027, 5, 28),
        )
    users = {
        role: User.objects.create_user(f"{role}@example.org", "x" * 12)
        for role in ROLES
        if role not in {"anonymous", "partner"}
    }
    User.objects.filter(pk=users["coordinator"].pk).update(is_coordinator=True)
    users["coordinator"].refresh_from_db()
    grant(users["cae_admin"], cae_alpha, Role.CAE_ADMIN)
    grant(users["cae_staff"], cae_alpha, Role.CAE_STAFF)
    grant(users["animateur"], cae_alpha, Role.ANIMATEUR, cohort_x.pk)
    grant(users["member"], cae_alpha, Role.MEMBER, cohort_x.pk)
    grant(users["other_cae_staff"], cae_beta, Role.CAE_STAFF)
    colleague = User.objects.create_user("colleague@example.org", "x" * 12)
    grant(colleague, cae_alpha, Role.CAE_STAFF)
    committee = local_committee_create(cae=cae_alpha, name="Comité X", cohort_ids=[cohort_x.pk])
    organisation = organisation_get_or_create(
        name="Mission locale", kind="mission_locale", town="Vannes"
    )
    partner = partner_person_get_or_create(
        organisation=organisation,
        first_name="Paule",
        last_name="Partenaire",
        email="partner@example.org",
    )
    seat_add(committee=committee, person=partner)
    partner.refresh_from_db()
    assert partner.user is not None
    users["partner"] = partner.user
    return World(cae_alpha, cohort_x, cohort_y, users, colleague, committee)


def _client(world: World, role: str, cae: Cae | None) -> Client:
    client = site_client(cae)
    if role != "anonymous":
        sign_in(client, world.users[role])
    return client


def _cae_payload() -> dict[str, Any]:
    identity = fictional_identity(31)
    return {
        "name": "CAE Nouvelle",
        "slug": "nouvelle",
        "legal_form": "scop_sa",
        "siren": identity["siren"],
        "siret": identity["siret"],
        "vat_number": identity["vat_number"],
        "vat_regime": "standard",
        "address": "1 rue",
        "postcode": "56000",
        "city": "Vannes",
        "department": "56",
        "first_admin": {"email": "admin-nouvelle@example.org"},
    }


# endpoint name -> (site: "cae" | "network", method, path template, body or None)
ENDPOINTS: dict[str, tuple[str, str, str, Any]] = {
    "api cohort list": ("cae", "get", "/api/v1/cohorts/", None),
    "api cohort create": (
        "cae",
        "post",
        "/api/v1/cohorts/",
        {"name": "Z", "programme": "CT", "starts_on": "2027-02-01", "ends_on": "2027-06-30"},
    ),
    "api cohort X": ("cae", "get", "/api/v1/cohorts/{x}/", None),
    "api cohort Y": ("cae", "get", "/api/v1/cohorts/{y}/", None),
    "api cohort X edit": ("cae", "patch", "/api/v1/cohorts/{x}/", {"places": 14}),
    "api cohort X transition": (
        "cae",
        "post",
        "/api/v1/cohorts/{x}/transitions/",
        {"to_status": "recruiting", "reason": "Ouverture"},
    ),
    "api cohort X animateurs": (
        "cae",
        "post",
        "/api/v1/cohorts/{x}/animateurs/",
        {"user": "{colleague}"},
    ),
    "api cae list": ("network", "get", "/api/v1/caes/", None),
    "api cae register": ("network", "post", "/api/v1/caes/", "cae"),
    "page cae home": ("cae", "get", "/", None),
    "page cohort new": ("cae", "get", "/cooperatives/nouvelle/", None),
    "page cohort X": ("cae", "get", "/cooperatives/{x}/", None),
    "page cohort Y": ("cae", "get", "/cooperatives/{y}/", None),
    "page cae index": ("network", "get", "/caes/", None),
    "page members": ("cae", "get", "/membres/", None),
    "page team": ("cae", "get", "/equipe/", None),
    "api services of X": ("cae", "get", "/api/v1/cohorts/{x}/services/", None),
    "api services of Y": ("cae", "get", "/api/v1/cohorts/{y}/services/", None),
    "api clients": ("cae", "get", "/api/v1/clients/", None),
    "api team": ("cae", "get", "/api/v1/team/", None),
    "page member new": ("cae", "get", "/membres/nouveau/", None),
    "api member list": ("cae", "get", "/api/v1/members/", None),
    "page cae new": ("network", "get", "/caes/nouvelle/", None),
    "api invoices of X": ("cae", "get", "/api/v1/cohorts/{x}/invoices/", None),
    "api invoices of Y": ("cae", "get", "/api/v1/cohorts/{y}/invoices/", None),
    "api invoices": ("cae", "get", "/api/v1/invoices/", None),
    "api quotes of X": ("cae", "get", "/api/v1/cohorts/{x}/quotes/", None),
    "api jobs of Y": ("cae", "get", "/api/v1/cohorts/{y}/jobs/", None),
    "api numbering": ("cae", "get", "/api/v1/settings/numbering/", None),
    "page invoices of X": ("cae", "get", "/cooperatives/{x}/factures/", None),
    "page invoices": ("cae", "get", "/factures/", None),
    "page numbering": ("cae", "get", "/parametres/numerotation/", None),
    "api proposals of X": ("cae", "get", "/api/v1/cohorts/{x}/proposals/", None),
    "api proposals of Y": ("cae", "get", "/api/v1/cohorts/{y}/proposals/", None),
    "api trainings of X": ("cae", "get", "/api/v1/cohorts/{x}/trainings/", None),
    "api pay runs of X": ("cae", "get", "/api/v1/cohorts/{x}/pay-runs/", None),
    "api purchases of Y": ("cae", "get", "/api/v1/cohorts/{y}/purchases/", None),
    "api FEC": ("cae", "get", "/api/v1/ledger/fec/?year_end=2026-12-31", None),
    "api activity of X": ("cae", "get", "/api/v1/cohorts/{x}/activity/", None),
    "api activity of Y": ("cae", "get", "/api/v1/cohorts/{y}/activity/", None),
    "page activity of X": ("cae", "get", "/cooperatives/{x}/activite/", None),
    "api local committees": ("cae", "get", "/api/v1/local-committees/", None),
    "api local committee new": (
        "cae",
        "post",
        "/api/v1/local-committees/",
        {"name": "Comité Y", "cohorts": []},
    ),
    "api local committee": ("cae", "get", "/api/v1/local-committees/{c}/", None),
    "api local committee seat": (
        "cae",
        "post",
        "/api/v1/local-committees/{c}/seats/",
        {
            "organisation": {"name": "Ville", "kind": "municipality", "town": "Vannes"},
            "first_name": "Yves",
            "last_name": "Élu",
            "email": "elu@example.org",
        },
    ),
    "api local committee meeting": (
        "cae",
        "post",
        "/api/v1/local-committees/{c}/meetings/",
        {"held_on": "2027-02-01", "agenda": "Bilan"},
    ),
    "page local committees": ("cae", "get", "/comites-locaux/", None),
    "page local committee": ("cae", "get", "/comites-locaux/{c}/", None),
    "api partner organisations": ("network", "get", "/api/v1/partner-organisations/", None),
    "page partner organisations": ("network", "get", "/partenaires/", None),
    "api training new for X": (
        "cae",
        "post",
        "/api/v1/cohorts/{x}/trainings/",
        {
            "topic": "other",
            "title": "Découverte",
            "trainer_name": "Ana",
            "date": "2027-02-01",
            "starts_at": "09:00",
            "ends_at": "12:00",
        },
    ),
    "api skills progress of X": ("cae", "get", "/api/v1/cohorts/{x}/skills/progress/", None),
    "api skill assessments of X": ("cae", "get", "/api/v1/cohorts/{x}/skills/assessments/", None),
    "page skills of X": ("cae", "get", "/cooperatives/{x}/competences/", None),
    "api skill grid": ("network", "get", "/api/v1/skills/", None),
    "api skill grid new": (
        "network",
        "post",
        "/api/v1/skills/",
        {"code": "ecoute", "category": "personal", "label": "Écouter"},
    ),
    "page skill grid": ("network", "get", "/competences/", None),
    "api indicators (network)": ("network", "get", "/api/v1/indicators/", None),
    "page indicators (network)": ("network", "get", "/indicateurs/", None),
    "api indicators (CAE)": ("cae", "get", "/api/v1/indicators/table/?group_by=cohort", None),
    "page indicators (CAE)": ("cae", "get", "/indicateurs/", None),
    "api season reports": ("cae", "get", "/api/v1/season-reports/", None),
    "page season reports": ("cae", "get", "/bilans/", None),
    "api season reports (network)": ("network", "get", "/api/v1/season-reports/", None),
    "page season reports (network)": ("network", "get", "/bilans/", None),
    "api service new for X": (
        "cae",
        "post",
        "/api/v1/cohorts/{x}/services/",
        {"name": "Jardinage", "unit": "hour", "unit_price_excl_vat": "20.00", "vat_rate": "20.0"},
    ),
    "api audit events": ("cae", "get", "/api/v1/audit-events/", None),
    "page audit journal": ("cae", "get", "/journal-audit/", None),
    "api audit events (network)": ("network", "get", "/api/v1/audit-events/", None),
    "page audit journal (network)": ("network", "get", "/journal-audit/", None),
}

# Expected status per endpoint, in the order of ROLES.
# fmt: off
EXPECTED: dict[str, list[int]] = {
    #                          anon coord admin staff anim member other none partner
    "api cohort list":         [403, 200, 200, 200, 200, 200, 403, 403, 200],
    "api cohort create":       [403, 403, 201, 201, 403, 403, 403, 403, 403],
    "api cohort X":            [403, 200, 200, 200, 200, 200, 403, 403, 200],
    "api cohort Y":            [403, 200, 200, 200, 404, 404, 403, 403, 404],
    "api cohort X edit":       [403, 403, 200, 200, 403, 403, 403, 403, 403],
    "api cohort X transition": [403, 403, 200, 200, 403, 403, 403, 403, 403],
    "api cohort X animateurs": [403, 403, 201, 201, 403, 403, 403, 403, 403],
    "api member list":         [403, 403, 200, 200, 200, 403, 403, 403, 403],
    "api cae list":            [403, 200, 403, 403, 403, 403, 403, 403, 403],
    "api cae register":        [403, 201, 403, 403, 403, 403, 403, 403, 403],
    "page cae home":           [200, 200, 200, 200, 200, 200, 403, 403, 200],
    "page cohort new":         [302, 403, 200, 200, 403, 403, 403, 403, 403],
    "page cohort X":           [302, 200, 200, 200, 200, 200, 403, 403, 200],
    "page cohort Y":           [302, 200, 200, 200, 404, 404, 403, 403, 404],
    "page members":            [302, 403, 200, 200, 200, 403, 403, 403, 403],
    "page team":               [302, 403, 200, 200, 403, 403, 403, 403, 403],
    "api services of X":       [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api services of Y":       [403, 403, 200, 200, 404, 404, 403, 403, 404],
    "api clients":             [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api team":                [403, 403, 200, 200, 403, 403, 403, 403, 403],
    "page member new":         [302, 403, 200, 200, 403, 403, 403, 403, 403],
    "page cae index":          [302, 200, 403, 403, 403, 403, 403, 403, 403],
    "page cae new":            [302, 200, 403, 403, 403, 403, 403, 403, 403],
    "api invoices of X":       [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api invoices of Y":       [403, 403, 200, 200, 404, 404, 403, 403, 404],
    "api invoices":            [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api quotes of X":         [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api jobs of Y":           [403, 403, 200, 200, 404, 404, 403, 403, 404],
    "api numbering":           [403, 403, 200, 403, 403, 403, 403, 403, 403],
    "page invoices of X":      [302, 403, 200, 200, 200, 200, 403, 403, 403],
    "page invoices":           [302, 403, 200, 200, 200, 200, 403, 403, 403],
    "page numbering":          [302, 403, 200, 403, 403, 403, 403, 403, 403],
    "api proposals of X":      [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api proposals of Y":      [403, 403, 200, 200, 404, 404, 403, 403, 404],
    "api trainings of X":      [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api pay runs of X":       [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "api purchases of Y":      [403, 403, 200, 200, 404, 404, 403, 403, 404],
    "api FEC":                 [403, 403, 200, 200, 403, 403, 403, 403, 403],
    "api activity of X":       [403, 200, 200, 200, 200, 200, 403, 403, 200],
    "api activity of Y":       [403, 200, 200, 200, 404, 404, 403, 403, 404],
    "page activity of X":      [302, 200, 200, 200, 200, 200, 403, 403, 200],
    "api local committees":    [403, 200, 200, 200, 200, 200, 403, 403, 200],
    "api local committee new": [403, 403, 201, 201, 403, 403, 403, 403, 403],
    "api local committee":     [403, 404, 200, 200, 404, 404, 403, 403, 200],
    "api local committee seat":[403, 403, 201, 201, 403, 403, 403, 403, 403],
    "api local committee meeting": [403, 403, 201, 201, 403, 403, 403, 403, 403],
    "page local committees":   [302, 403, 200, 200, 403, 403, 403, 403, 200],
    "page local committee":    [302, 404, 200, 200, 404, 404, 403, 403, 200],
    "api partner organisations": [403, 200, 403, 403, 403, 403, 403, 403, 403],
    "page partner organisations": [302, 200, 403, 403, 403, 403, 403, 403, 403],
    "api training new for X":  [403, 403, 201, 201, 201, 403, 403, 403, 403],
    "api service new for X":   [403, 403, 201, 201, 201, 201, 403, 403, 403],
    "api indicators (network)": [403, 200, 403, 403, 403, 403, 403, 403, 403],
    "page indicators (network)": [302, 200, 403, 403, 403, 403, 403, 403, 403],
    "api indicators (CAE)":    [403, 200, 200, 200, 200, 403, 403, 403, 200],
    "page indicators (CAE)":   [302, 200, 200, 200, 200, 403, 403, 403, 200],
    "api season reports":      [403, 403, 200, 200, 403, 403, 403, 403, 403],
    "page season reports":     [302, 403, 200, 200, 403, 403, 403, 403, 403],
    "api season reports (network)": [403, 200, 403, 403, 403, 403, 403, 403, 403],
    "page season reports (network)": [302, 200, 403, 403, 403, 403, 403, 403, 403],
    "api skills progress of X": [403, 200, 200, 200, 200, 200, 403, 403, 200],
    "api skill assessments of X": [403, 403, 200, 200, 200, 200, 403, 403, 403],
    "page skills of X":        [302, 200, 200, 200, 200, 200, 403, 403, 200],
    "api skill grid":          [403, 200, 200, 200, 200, 200, 200, 200, 200],
    "api skill grid new":      [403, 201, 403, 403, 403, 403, 403, 403, 403],
    "page skill grid":         [302, 200, 200, 200, 200, 200, 200, 200, 200],
    "api audit events":        [403, 403, 200, 403, 403, 403, 403, 403, 403],
    "page audit journal":      [302, 403, 200, 403, 403, 403, 403, 403, 403],
    "api audit events (network)": [403, 200, 403, 403, 403, 403, 403, 403, 403],
    "page audit journal (network)": [302, 200, 403, 403, 403, 403, 403, 403, 403],
}
# fmt: on


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(world: World, endpoint: str, role: str) -> None:
    site, method, template, body = ENDPOINTS[endpoint]
    path = template.format(x=world.cohort_x.pk, y=world.cohort_y.pk, c=world.committee.pk)
    if body == "cae":
        body = _cae_payload()
    elif isinstance(body, dict):
        body = {
            key: (world.colleague.pk if value == "{colleague}" else value)
            for key, value in body.items()
        }
    client = _client(world, role, world.cae_alpha if site == "cae" else None)
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}

    response = getattr(client, method)(path, **kwargs)

    expected = EXPECTED[endpoint][ROLES.index(role)]
    assert response.status_code == expected, (endpoint, role, response.content[:300])


def test_every_route_of_the_matrix_exists_in_both_directions() -> None:
    assert set(EXPECTED) == set(ENDPOINTS)
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


@pytest.mark.parametrize("role", ["animateur", "member"])
def test_cohort_roles_list_only_their_cohorts(world: World, role: str) -> None:
    response = _client(world, role, world.cae_alpha).get("/api/v1/cohorts/")

    assert [cohort["name"] for cohort in response.json()] == ["X"]


def test_a_role_in_alpha_opens_nothing_in_beta(world: World, cae_beta: Cae) -> None:
    for role in ("cae_admin", "cae_staff", "animateur", "member", "partner"):
        client = site_client(cae_beta)
        sign_in(client, world.users[role])
        assert client.get("/api/v1/cohorts/").status_code == 403, role
        assert client.get(f"/api/v1/cohorts/{world.cohort_x.pk}/").status_code == 403, role
