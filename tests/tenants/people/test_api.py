"""The people API: who sees which members, and refusals as 400, 403 and 404 answers."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import Membership, Role, User
from network.registry.models import Cae
from tenants.cohorts.models import Cohort, Programme
from tenants.people.models import CommitteeSeat, Enrolment, EnrolmentStatus, Guardian, Member
from tenants.people.services import committee_create, committee_seat_assign, member_enrol
from tests.conftest import PASSWORD, sign_in, site_client
from tests.tenants.people.factories import (
    NEXT_SUMMER,
    PDF_BYTES,
    CohortFactory,
    GuardianFactory,
    MemberFactory,
    born_aged,
)

ENROLLED_ON = NEXT_SUMMER - datetime.timedelta(days=30)
MEMBER_PAYLOAD = {
    "first_name": "Maëlle",
    "last_name": "Kerbrat",
    "birth_date": "2004-03-09",
    "gender": "female",
    "postcode": "56000",
    "qpv_resident": True,
    "status_at_entry": "jobseeker",
    "emergency_contact_name": "Hervé Kerbrat",
    "emergency_contact_phone": "0297000000",
}


def _account(email: str, *, is_coordinator: bool = False) -> User:
    with schema_context("public"):
        return User.objects.create_user(email, PASSWORD, is_coordinator=is_coordinator)


def _grant(user: User, cae: Cae, role: str, cohort: Cohort | None = None) -> None:
    with schema_context("public"):
        Membership.objects.create(
            user=user, cae=cae, role=role, cohort_id=cohort.pk if cohort else None
        )


def _client(cae: Cae, user: User | None) -> Client:
    client = site_client(cae)
    if user is not None:
        sign_in(client, user)
    return client


def _send(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


class World:
    """CAE alpha: two CJMs with one member enrolled in each, and a person for every role."""

    def __init__(self, cae: Cae) -> None:
        self.cae = cae
        with tenant_context(cae):
            self.cohort = CohortFactory.create(name="CJM de Vannes", programme=Programme.CJM)
            self.other_cohort = CohortFactory.create(name="CJM d'Auray", programme=Programme.CJM)
            self.member = MemberFactory.create(
                first_name="Lina", last_name="Le Goff", birth_date=born_aged(20)
            )
            self.other_member = MemberFactory.create(
                first_name="Tom", last_name="Guégan", birth_date=born_aged(21)
            )
            self.enrolment = member_enrol(
                member=self.member, cohort=self.cohort, enrolled_on=ENROLLED_ON
            )
            self.other_enrolment = member_enrol(
                member=self.other_member, cohort=self.other_cohort, enrolled_on=ENROLLED_ON
            )
        self.personas: dict[str, User | None] = {"anonymous": None}
        for name, role, cohort in [
            ("cae_admin", Role.CAE_ADMIN, None),
            ("staff", Role.CAE_STAFF, None),
            ("animateur", Role.ANIMATEUR, self.cohort),
            ("other_animateur", Role.ANIMATEUR, self.other_cohort),
            ("coop_member", Role.MEMBER, self.cohort),
        ]:
            user = _account(f"{name}@example.org")
            _grant(user, cae, role, cohort)
            self.personas[name] = user
        self.personas["coordinator"] = _account("coordination@example.org", is_coordinator=True)
        self.personas["stranger"] = _account("stranger@example.org")

    def client(self, persona: str) -> Client:
        return _client(self.cae, self.personas[persona])


@pytest.fixture
def world(cae_alpha: Cae) -> World:
    return World(cae_alpha)


# --- Who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cae_admin", ["Guégan", "Le Goff"]),
        ("staff", ["Guégan", "Le Goff"]),
        ("animateur", ["Le Goff"]),
        ("other_animateur", ["Guégan"]),
        ("coop_member", 403),
        ("coordinator", 403),
        ("stranger", 403),
        ("anonymous", 403),
    ],
)
def test_member_list_by_role(world: World, persona: str, expected: list[str] | int) -> None:
    response = world.client(persona).get("/api/v1/members/")

    if isinstance(expected, int):
        assert response.status_code == expected
    else:
        assert response.status_code == 200
        assert [member["last_name"] for member in response.json()] == expected


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cae_admin", 200),
        ("staff", 200),
        ("animateur", 200),
        ("other_animateur", 404),
        ("coop_member", 404),
        ("coordinator", 404),
        ("stranger", 403),
        ("anonymous", 403),
    ],
)
def test_member_detail_by_role(world: World, persona: str, status: int) -> None:
    response = world.client(persona).get(f"/api/v1/members/{world.member.pk}/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["last_name"] == "Le Goff"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("animateur", 200),
        ("other_animateur", 404),
        ("coop_member", 403),
        ("coordinator", 403),
        ("stranger", 403),
        ("anonymous", 403),
    ],
)
def test_cohort_enrolments_by_role(world: World, persona: str, status: int) -> None:
    response = world.client(persona).get(f"/api/v1/cohorts/{world.cohort.pk}/enrolments/")

    assert response.status_code == status
    if status == 200:
        assert [row["member"]["last_name"] for row in response.json()] == ["Le Goff"]


def test_animateur_sees_only_the_enrolments_of_their_cohort(world: World) -> None:
    # Given the other cohort's member, now also enrolled in the animateur's cohort
    with tenant_context(world.cae):
        member_enrol(member=world.other_member, cohort=world.cohort, enrolled_on=ENROLLED_ON)
    client = world.client("animateur")

    listed = client.get("/api/v1/members/").json()
    detail = client.get(f"/api/v1/members/{world.other_member.pk}/").json()

    assert [member["last_name"] for member in listed] == ["Guégan", "Le Goff"]
    assert [row["cohort"] for row in detail["enrolments"]] == [world.cohort.pk]


def test_a_member_not_yet_enrolled_is_seen_by_staff_only(world: World) -> None:
    with tenant_context(world.cae):
        newcomer = MemberFactory.create(last_name="Pas Encore Inscrite")

    staff_sees = [row["last_name"] for row in world.client("staff").get("/api/v1/members/").json()]
    animateur = world.client("animateur")
    animateur_sees = [row["last_name"] for row in animateur.get("/api/v1/members/").json()]

    assert staff_sees == ["Guégan", "Le Goff", "Pas Encore Inscrite"]
    assert animateur_sees == ["Le Goff"]
    assert animateur.get(f"/api/v1/members/{newcomer.pk}/").status_code == 404


def test_animateur_gets_404_on_another_cohort_and_403_on_staff_work(world: World) -> None:
    client = world.client("animateur")
    withdrawal = {"withdrawn_on": str(NEXT_SUMMER), "reason": "Départ"}

    # Another cohort's objects do not exist for them
    assert client.get(f"/api/v1/members/{world.other_member.pk}/").status_code == 404
    assert client.get(f"/api/v1/cohorts/{world.other_cohort.pk}/enrolments/").status_code == 404
    other_withdraw = f"/api/v1/enrolments/{world.other_enrolment.pk}/withdraw/"
    assert _send(client, "post", other_withdraw, withdrawal).status_code == 404
    # Their own cohort's members: seen, not managed
    member_url = f"/api/v1/members/{world.member.pk}/"
    assert _send(client, "patch", member_url, {"phone": "0101010101"}).status_code == 403
    own_withdraw = f"/api/v1/enrolments/{world.enrolment.pk}/withdraw/"
    assert _send(client, "post", own_withdraw, withdrawal).status_code == 403
    assert _send(client, "post", "/api/v1/members/", MEMBER_PAYLOAD).status_code == 403
    enrol_url = f"/api/v1/cohorts/{world.cohort.pk}/enrolments/"
    enrol = {"member": world.other_member.pk, "enrolled_on": str(ENROLLED_ON)}
    assert _send(client, "post", enrol_url, enrol).status_code == 403

    with tenant_context(world.cae):
        assert Member.objects.count() == 2
        assert Member.objects.get(pk=world.member.pk).phone == ""
        assert list(Enrolment.objects.values_list("status", flat=True)) == [
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.ENROLLED,
        ]


def test_unknown_ids_answer_404(world: World) -> None:
    client = world.client("staff")
    missing = 10**9

    assert client.get(f"/api/v1/members/{missing}/").status_code == 404
    assert client.get(f"/api/v1/cohorts/{missing}/enrolments/").status_code == 404
    assert client.get(f"/api/v1/cohorts/{missing}/committees/").status_code == 404
    outcome = {"outcome": "job", "recorded_on": str(NEXT_SUMMER)}
    assert (
        _send(client, "post", f"/api/v1/enrolments/{missing}/outcome/", outcome).status_code == 404
    )
    seat = {"enrolment": world.enrolment.pk, "starts_on": str(NEXT_SUMMER)}
    assert _send(client, "post", f"/api/v1/committees/{missing}/seats/", seat).status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/members/"),
        ("post", "/api/v1/members/"),
        ("get", "/api/v1/members/1/"),
        ("patch", "/api/v1/members/1/"),
        ("post", "/api/v1/members/1/guardians/"),
        ("get", "/api/v1/cohorts/1/enrolments/"),
        ("post", "/api/v1/cohorts/1/enrolments/"),
        ("post", "/api/v1/enrolments/1/withdraw/"),
        ("post", "/api/v1/enrolments/1/outcome/"),
        ("get", "/api/v1/cohorts/1/committees/"),
        ("post", "/api/v1/cohorts/1/committees/"),
        ("post", "/api/v1/committees/1/seats/"),
    ],
)
def test_every_endpoint_needs_a_signed_in_person(cae_alpha: Cae, method: str, url: str) -> None:
    response = getattr(site_client(cae_alpha), method)(url)

    assert response.status_code == 403


# --- Between CAEs --------------------------------------------------------------------------


def test_a_member_of_another_cae_is_invisible_even_with_the_same_id(
    cae_alpha: Cae, cae_beta: Cae
) -> None:
    # Given a member in beta and one in alpha with the very same primary key
    with tenant_context(cae_beta):
        beta_member = MemberFactory.create(first_name="Nina", last_name="De Beta")
        beta_only = MemberFactory.create(first_name="Paul", last_name="Seulement Beta")
    with tenant_context(cae_alpha):
        alpha_member = MemberFactory.create(
            pk=beta_member.pk, first_name="Anaïs", last_name="D'Alpha"
        )
        Member.objects.filter(pk=beta_only.pk).delete()
    # And a person who is staff of both CAEs
    staff = _account("staff-both@example.org")
    _grant(staff, cae_alpha, Role.CAE_STAFF)
    _grant(staff, cae_beta, Role.CAE_STAFF)
    alpha = _client(cae_alpha, staff)

    # Then alpha's host answers with alpha's member only
    same_id = alpha.get(f"/api/v1/members/{beta_member.pk}/")
    assert same_id.status_code == 200
    assert same_id.json()["id"] == alpha_member.pk
    assert same_id.json()["last_name"] == "D'Alpha"
    assert alpha.get(f"/api/v1/members/{beta_only.pk}/").status_code == 404
    patched = _send(alpha, "patch", f"/api/v1/members/{beta_only.pk}/", {"phone": "01"})
    assert patched.status_code == 404
    assert [member["last_name"] for member in alpha.get("/api/v1/members/").json()] == ["D'Alpha"]
    with tenant_context(cae_beta):
        assert Member.objects.get(pk=beta_only.pk).phone == ""


def test_staff_of_another_cae_has_no_access(cae_alpha: Cae, cae_beta: Cae) -> None:
    staff = _account("staff-beta@example.org")
    _grant(staff, cae_beta, Role.CAE_STAFF)

    response = _client(cae_alpha, staff).get("/api/v1/members/")

    assert response.status_code == 403


# --- Staff at work -------------------------------------------------------------------------


def test_staff_records_a_member(world: World) -> None:
    response = _send(world.client("staff"), "post", "/api/v1/members/", MEMBER_PAYLOAD)

    assert response.status_code == 201, response.content
    body = response.json()
    with tenant_context(world.cae):
        member = Member.objects.get(last_name="Kerbrat")
    assert body == {
        **MEMBER_PAYLOAD,
        "id": member.pk,
        "email": "",
        "phone": "",
        "created_at": body["created_at"],
        "enrolments": [],
        "guardians": [],
    }


def test_staff_sees_a_refused_member_as_a_400_and_nothing_is_saved(world: World) -> None:
    response = _send(
        world.client("staff"), "post", "/api/v1/members/", {**MEMBER_PAYLOAD, "postcode": "5600"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Cette personne ne peut pas être enregistrée.",
        "errors": {"postcode": ["Un code postal s'écrit avec 5 chiffres, par exemple 56000."]},
    }
    with tenant_context(world.cae):
        assert not Member.objects.filter(last_name="Kerbrat").exists()


def test_staff_updates_a_member(world: World) -> None:
    response = _send(
        world.client("staff"),
        "patch",
        f"/api/v1/members/{world.member.pk}/",
        {"phone": "0297112233", "qpv_resident": False},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["phone"], response.json()["qpv_resident"]) == ("0297112233", False)
    with tenant_context(world.cae):
        member = Member.objects.get(pk=world.member.pk)
    assert (member.phone, member.qpv_resident, member.last_name) == ("0297112233", False, "Le Goff")


def test_staff_records_a_guardian_with_the_signed_authorisation(
    world: World, media_root: Path
) -> None:
    with tenant_context(world.cae):
        minor = MemberFactory.create(first_name="Jade", birth_date=born_aged(16))

    response = world.client("staff").post(
        f"/api/v1/members/{minor.pk}/guardians/",
        data={
            "full_name": "Anne Le Goff",
            "relationship": "mère",
            "phone": "0600000000",
            "authorisation_file": SimpleUploadedFile("autorisation-jade.pdf", PDF_BYTES),
            "authorisation_signed_on": "2025-05-04",
        },
        content_type=MULTIPART_CONTENT,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    with tenant_context(world.cae):
        guardian = Guardian.objects.get(member=minor)
    assert body == {
        "id": guardian.pk,
        "full_name": "Anne Le Goff",
        "relationship": "mère",
        "phone": "0600000000",
        "email": "",
        "authorisation_signed_on": "2025-05-04",
        "has_authorisation": True,
        "recorded_at": body["recorded_at"],
    }
    stored = media_root / world.cae.schema_name / guardian.authorisation_file.name
    assert stored.read_bytes() == PDF_BYTES


def test_a_text_file_named_pdf_is_refused_through_the_api(world: World, media_root: Path) -> None:
    with tenant_context(world.cae):
        minor = MemberFactory.create(birth_date=born_aged(16))

    response = world.client("staff").post(
        f"/api/v1/members/{minor.pk}/guardians/",
        data={
            "full_name": "Anne Le Goff",
            "relationship": "mère",
            "phone": "0600000000",
            "authorisation_file": SimpleUploadedFile("autorisation.pdf", b"juste du texte"),
            "authorisation_signed_on": "2025-05-04",
        },
        content_type=MULTIPART_CONTENT,
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "authorisation_file": [
            "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG : seul son contenu compte, "
            "pas son nom."
        ]
    }
    with tenant_context(world.cae):
        assert not Guardian.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_staff_enrols_withdraws_and_records_the_outcome(world: World) -> None:
    client = world.client("staff")
    with tenant_context(world.cae):
        newcomer = MemberFactory.create(
            first_name="Enzo", last_name="Morvan", birth_date=born_aged(19)
        )

    enrolled = _send(
        client,
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/enrolments/",
        {"member": newcomer.pk, "enrolled_on": str(ENROLLED_ON)},
    )
    assert enrolled.status_code == 201, enrolled.content
    enrolment_id = enrolled.json()["id"]
    assert enrolled.json() == {
        "id": enrolment_id,
        "cohort": world.cohort.pk,
        "member": {"id": newcomer.pk, "first_name": "Enzo", "last_name": "Morvan"},
        "status": "enrolled",
        "enrolled_on": str(ENROLLED_ON),
        "withdrawn_on": None,
        "withdrawal_reason": "",
        "outcome": "",
        "outcome_detail": "",
        "outcome_recorded_on": None,
    }

    withdrawn = _send(
        client,
        "post",
        f"/api/v1/enrolments/{enrolment_id}/withdraw/",
        {"withdrawn_on": str(NEXT_SUMMER), "reason": "A trouvé un apprentissage"},
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert (withdrawn.json()["status"], withdrawn.json()["withdrawal_reason"]) == (
        "withdrawn",
        "A trouvé un apprentissage",
    )

    outcome = _send(
        client,
        "post",
        f"/api/v1/enrolments/{enrolment_id}/outcome/",
        {"outcome": "training", "detail": "CAP boulanger", "recorded_on": str(NEXT_SUMMER)},
    )
    assert outcome.status_code == 200, outcome.content
    with tenant_context(world.cae):
        enrolment = Enrolment.objects.get(pk=enrolment_id)
    assert (
        enrolment.status,
        enrolment.withdrawn_on,
        enrolment.outcome,
        enrolment.outcome_detail,
        enrolment.outcome_recorded_on,
    ) == (EnrolmentStatus.WITHDRAWN, NEXT_SUMMER, "training", "CAP boulanger", NEXT_SUMMER)


def test_enrolment_refusals_are_400_with_the_rule(world: World) -> None:
    with tenant_context(world.cae):
        Cohort.objects.filter(pk=world.cohort.pk).update(places=1)
        newcomer = MemberFactory.create(birth_date=born_aged(19))

    response = _send(
        world.client("staff"),
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/enrolments/",
        {"member": newcomer.pk, "enrolled_on": str(ENROLLED_ON)},
    )

    message = "Cette coopérative est complète : sa 1 place est prise."
    assert response.status_code == 400
    assert response.json() == {"detail": message, "errors": {"cohort": [message]}}
    with tenant_context(world.cae):
        assert not newcomer.enrolments.exists()


def test_enrolling_an_unknown_member_is_a_400(world: World) -> None:
    response = _send(
        world.client("staff"),
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/enrolments/",
        {"member": 10**9, "enrolled_on": str(ENROLLED_ON)},
    )

    assert response.status_code == 400
    assert response.json() == {"member": ["Cette personne n'existe pas."]}


# --- Committees ----------------------------------------------------------------------------


def test_animateur_runs_the_committee_rotation_of_their_cohort(world: World) -> None:
    client = world.client("animateur")
    committees_url = f"/api/v1/cohorts/{world.cohort.pk}/committees/"

    marketing = _send(client, "post", committees_url, {"kind": "marketing", "name": "Com'"})
    finance = _send(client, "post", committees_url, {"kind": "finance", "name": "Trésorerie"})
    assert (marketing.status_code, finance.status_code) == (201, 201)
    first = _send(
        client,
        "post",
        f"/api/v1/committees/{marketing.json()['id']}/seats/",
        {"enrolment": world.enrolment.pk, "starts_on": str(NEXT_SUMMER)},
    )
    rotation_day = NEXT_SUMMER + datetime.timedelta(days=14)
    second = _send(
        client,
        "post",
        f"/api/v1/committees/{finance.json()['id']}/seats/",
        {"enrolment": world.enrolment.pk, "starts_on": str(rotation_day)},
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == {
        "id": second.json()["id"],
        "committee": finance.json()["id"],
        "enrolment": world.enrolment.pk,
        "first_name": "Lina",
        "starts_on": str(rotation_day),
        "ends_on": None,
    }
    listed = {row["name"]: row["seats"] for row in client.get(committees_url).json()}
    assert [(seat["first_name"], seat["ends_on"]) for seat in listed["Com'"]] == [
        ("Lina", str(rotation_day))
    ]
    assert [(seat["first_name"], seat["ends_on"]) for seat in listed["Trésorerie"]] == [
        ("Lina", None)
    ]


def test_a_cohort_member_sees_the_committees_without_names(world: World) -> None:
    with tenant_context(world.cae):
        committee = committee_create(cohort=world.cohort, kind="hr", name="RH")
        committee_seat_assign(committee=committee, enrolment=world.enrolment, starts_on=NEXT_SUMMER)

    response = world.client("coop_member").get(f"/api/v1/cohorts/{world.cohort.pk}/committees/")

    assert response.status_code == 200
    (row,) = response.json()
    assert [(seat["enrolment"], seat["first_name"]) for seat in row["seats"]] == [
        (world.enrolment.pk, None)
    ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 201), ("animateur", 201), ("other_animateur", 404), ("coop_member", 403)],
)
def test_who_may_create_a_committee(world: World, persona: str, status: int) -> None:
    response = _send(
        world.client(persona),
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/committees/",
        {"kind": "other", "name": "Accueil"},
    )

    assert response.status_code == status
    with tenant_context(world.cae):
        assert world.cohort.committees.count() == (1 if status == 201 else 0)


def test_a_seat_for_an_enrolment_of_another_cohort_is_a_400(world: World) -> None:
    with tenant_context(world.cae):
        committee = committee_create(cohort=world.cohort, kind="hr", name="RH")

    response = _send(
        world.client("staff"),
        "post",
        f"/api/v1/committees/{committee.pk}/seats/",
        {"enrolment": world.other_enrolment.pk, "starts_on": str(NEXT_SUMMER)},
    )

    assert response.status_code == 400
    assert response.json() == {
        "enrolment": ["Cette inscription n'existe pas dans cette coopérative."]
    }
    with tenant_context(world.cae):
        assert not CommitteeSeat.objects.exists()


def test_listing_members_does_not_query_per_member(world: World) -> None:
    client = world.client("staff")
    client.get("/api/v1/members/")  # the session and the grants, once
    with CaptureQueriesContext(connection) as with_two:
        client.get("/api/v1/members/")
    with tenant_context(world.cae):
        for _number in range(10):
            member = MemberFactory.create(birth_date=born_aged(20))
            member_enrol(member=member, cohort=world.other_cohort, enrolled_on=ENROLLED_ON)
            GuardianFactory.create(member=member)

    with CaptureQueriesContext(connection) as with_twelve:
        response = client.get("/api/v1/members/")

    assert len(response.json()) == 12
    assert len(with_twelve) == len(with_two)
