"""Local steering committees: partners kept once, seats that open read-only access to the
supported cohorts only, and decisions that are never rewritten."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Membership, Role, User
from coopilote.errors import ApplicationError
from network.committees.models import CommitteeDecision, PartnerOrganisation, PartnerPerson, Seat
from network.committees.services import (
    committee_decision_record,
    committee_meeting_record,
    local_committee_cohorts_set,
    local_committee_create,
    local_committee_dissolve,
    organisation_get_or_create,
    partner_person_get_or_create,
    seat_add,
    seat_end,
)
from network.committees.tasks import seat_invite_task
from network.registry.models import Cae
from tests.conftest import World, sign_in, site_client
from tests.routes import path_for, routes
from tests.tenants.commerce.factories import enrolled_member
from tests.tenants.people.factories import born_aged

pytestmark = pytest.mark.django_db


def _person(email: str = "ml@example.org", town: str = "Vannes") -> PartnerPerson:
    organisation = organisation_get_or_create(
        name="Mission locale du Pays de Vannes", kind="mission_locale", town=town
    )
    return partner_person_get_or_create(
        organisation=organisation, first_name="Paule", last_name="Martin", email=email
    )


def _partner_cohorts(user: User | None, cae: Cae) -> set[int | None]:
    assert user is not None
    return set(
        Membership.objects.active()
        .filter(user=user, cae=cae, role=Role.PARTNER)
        .values_list("cohort_id", flat=True)
    )


def test_an_organisation_is_kept_once_for_the_whole_network() -> None:
    first = organisation_get_or_create(name="Ville de Vannes", kind="municipality", town="Vannes")
    again = organisation_get_or_create(name="ville de VANNES ", kind="municipality", town="vannes")
    elsewhere = organisation_get_or_create(
        name="Ville de Vannes", kind="municipality", town="Vannes-le-Châtel"
    )

    assert again == first
    assert elsewhere != first
    assert PartnerOrganisation.objects.count() == 2


def test_a_bad_siret_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ApplicationError) as refusal:
        organisation_get_or_create(
            name="Fournil", kind="company", town="Vannes", siret="12345678901234"
        )

    assert "siret" in refusal.value.details


def test_a_partner_person_cannot_silently_change_organisation() -> None:
    person = _person()
    other = organisation_get_or_create(name="Auberge", kind="youth_hostel", town="Vannes")

    with pytest.raises(ApplicationError) as refusal:
        partner_person_get_or_create(
            organisation=other, first_name="Paule", last_name="Martin", email="ML@example.org"
        )

    assert "email" in refusal.value.details
    assert _person() == person


def test_a_seat_invites_the_partner_once_and_opens_the_supported_cohorts_only(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    committee = local_committee_create(
        cae=world.cae, name="Comité de Vannes", cohort_ids=[world.cohort.pk]
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        seat = seat_add(committee=committee, person=_person())

    user = seat.person.user
    assert _partner_cohorts(user, world.cae) == {world.cohort.pk}
    assert len(callbacks) == 1
    assert mail.outbox == []
    seat_invite_task.apply(kwargs={"seat_id": seat.pk}, throw=True)
    seat_invite_task.apply(kwargs={"seat_id": seat.pk}, throw=True)  # delivered twice: sent once
    (email,) = mail.outbox
    assert email.to == ["ml@example.org"]
    assert "/activation/" in email.body  # a new account: the link to choose a password
    with pytest.raises(ApplicationError):
        seat_add(committee=committee, person=seat.person)  # already seated


def test_access_follows_the_cohorts_the_seats_and_the_dissolution(world: World) -> None:
    first = local_committee_create(cae=world.cae, name="Comité A", cohort_ids=[world.cohort.pk])
    second = local_committee_create(
        cae=world.cae, name="Comité B", cohort_ids=[world.other_cohort.pk]
    )
    person = _person()
    seat_add(committee=first, person=person)
    second_seat = seat_add(committee=second, person=person)
    user = PartnerPerson.objects.get(pk=person.pk).user
    assert _partner_cohorts(user, world.cae) == {world.cohort.pk, world.other_cohort.pk}

    local_committee_cohorts_set(committee=second, cohort_ids=[world.cohort.pk])
    assert _partner_cohorts(user, world.cae) == {world.cohort.pk}

    seat_end(seat=second_seat)  # the first committee still supports the cohort
    assert _partner_cohorts(user, world.cae) == {world.cohort.pk}

    local_committee_dissolve(committee=first)
    assert _partner_cohorts(user, world.cae) == set()
    assert Seat.objects.current().filter(person=person).count() == 0
    with pytest.raises(ApplicationError):
        seat_add(committee=first, person=person)


def test_a_committee_decision_is_never_rewritten(world: World) -> None:
    committee = local_committee_create(cae=world.cae, name="Comité", cohort_ids=[])
    meeting = committee_meeting_record(
        committee=committee, held_on=datetime.date(2026, 6, 1), agenda="Lancement"
    )
    staff = world.personas["staff"]
    decision = committee_decision_record(meeting=meeting, text="Soutenir la CJS", by=staff)

    decisions = CommitteeDecision.objects.filter(pk=decision.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        decisions.update(text="Autre chose")
    with pytest.raises(DatabaseError), transaction.atomic():
        decisions.delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE committees_committeedecision SET text = 'x'")
    decision.refresh_from_db()
    assert decision.text == "Soutenir la CJS"


def test_only_people_seated_that_day_attend_a_meeting(world: World) -> None:
    committee = local_committee_create(cae=world.cae, name="Comité", cohort_ids=[])
    seat = seat_add(committee=committee, person=_person(), joined_on=datetime.date(2026, 6, 1))

    with pytest.raises(ApplicationError):
        committee_meeting_record(
            committee=committee,
            held_on=datetime.date(2026, 5, 1),
            agenda="Avant son arrivée",
            attendee_ids=[seat.person_id],
        )
    meeting = committee_meeting_record(
        committee=committee,
        held_on=datetime.date(2026, 6, 2),
        agenda="Point d'étape",
        attendee_ids=[seat.person_id],
    )
    assert list(meeting.attendees.all()) == [seat.person]


# --- What a partner of cohort A sees and does --------------------------------------------


@pytest.fixture
def partner(world: World) -> User:
    """A partner seated on the committee that supports world.cohort only."""
    committee = local_committee_create(
        cae=world.cae, name="Comité de Vannes", cohort_ids=[world.cohort.pk]
    )
    seat = seat_add(committee=committee, person=_person())
    assert seat.person.user is not None
    return seat.person.user


def _client(world: World, user: User, cae: Cae | None = None) -> Any:
    client = site_client(cae or world.cae)
    sign_in(client, user)
    return client


def test_a_partner_reads_the_activity_of_their_cohort_and_nothing_of_another(
    world: World, partner: User
) -> None:
    client = _client(world, partner)

    mine = client.get(f"/api/v1/cohorts/{world.cohort.pk}/activity/")
    assert mine.status_code == 200
    assert mine.json()["cohort"]["name"] == "CJS de Vannes"
    assert client.get(f"/api/v1/cohorts/{world.other_cohort.pk}/activity/").status_code == 404
    assert client.get(f"/cooperatives/{world.cohort.pk}/activite/").status_code == 200
    assert client.get(f"/cooperatives/{world.other_cohort.pk}/activite/").status_code == 404
    assert client.get(f"/cooperatives/{world.other_cohort.pk}/").status_code == 404
    listed = client.get("/api/v1/cohorts/").json()
    assert [cohort["id"] for cohort in listed] == [world.cohort.pk]


def test_a_partner_sees_nothing_of_another_cae(world: World, partner: User, cae_beta: Cae) -> None:
    client = _client(world, partner, cae_beta)

    assert client.get("/api/v1/cohorts/").status_code == 403
    assert client.get("/").status_code == 403


def test_a_partner_never_sees_a_minors_birth_date_nor_surname(world: World, partner: User) -> None:
    with tenant_context(world.cae):
        minor = enrolled_member(world.cohort, first_name="Maëlys")
        minor.last_name = "Kerhervé"
        minor.birth_date = born_aged(16)
        minor.save()
    client = _client(world, partner)
    pages = [
        f"/cooperatives/{world.cohort.pk}/",
        f"/cooperatives/{world.cohort.pk}/activite/",
        f"/api/v1/cohorts/{world.cohort.pk}/",
        f"/api/v1/cohorts/{world.cohort.pk}/activity/",
        f"/api/v1/cohorts/{world.cohort.pk}/enrolments/",
        f"/api/v1/members/{minor.pk}/",
        f"/membres/{minor.pk}/",
    ]
    for path in pages:
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code in {200, 403, 404}, path
        assert "Kerhervé" not in body, path
        for shown in (
            minor.birth_date.isoformat(),
            minor.birth_date.strftime("%d/%m/%Y"),
        ):
            assert shown not in body, path


def test_every_write_of_a_partner_is_refused_in_pages_and_api(world: World, partner: User) -> None:
    """Walk every route of a CAE's site (a new one is covered automatically): a partner's
    POST, PUT, PATCH or DELETE never succeeds; on their own cohort's routes it is a 403."""
    client = _client(world, partner)
    public_routes = (
        "activation/",
        "connexion/",
        "deconnexion/",
        "compte/",  # one's own 2FA
        "mot-de-passe/",
        "i18n/",
        "devis/",
        "factures/consulter/",
    )
    checked = 0
    for route, _pattern in routes():
        path = path_for(route, world.cohort.pk)
        if path is None or path.lstrip("/").startswith(public_routes):
            continue
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(path, data={}, content_type="application/json")
            checked += 1
            assert response.status_code in {403, 404, 405}, (method, path, response.status_code)
            only_the_cohort = "<int:" not in route.replace("<int:cohort_id>", "")
            if "<int:cohort_id>" in route and only_the_cohort:
                assert response.status_code in {403, 405}, (method, path)
    assert checked > 200
