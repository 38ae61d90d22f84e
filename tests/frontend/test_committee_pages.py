"""Local committees' pages: CAE staff run them, seated partners read them, nobody else sees them."""

from __future__ import annotations

import pytest

from coopilote.accounts.models import Membership, Role
from network.committees.models import CommitteeDecision, LocalCommittee, PartnerPerson
from network.committees.services import (
    local_committee_create,
    organisation_get_or_create,
    partner_person_get_or_create,
    seat_add,
)
from tests.conftest import World, sign_in, site_client

pytestmark = pytest.mark.django_db

SEAT = {
    "step": "seat",
    "seat-organisation_name": "Mission locale",
    "seat-organisation_kind": "mission_locale",
    "seat-organisation_town": "Vannes",
    "seat-first_name": "Paule",
    "seat-last_name": "Martin",
    "seat-email": "paule@ml.example",
    "seat-job_title": "Conseillère",
    "seat-joined_on": "2026-06-01",
}


def test_staff_create_a_committee_seat_a_partner_and_record_a_meeting(world: World) -> None:
    staff = world.client("staff")

    response = staff.post(
        "/comites-locaux/", {"name": "Comité de Vannes", "cohorts": [world.cohort.pk]}
    )
    committee = LocalCommittee.objects.get(name="Comité de Vannes")
    assert response.status_code == 302, response.content.decode()[-3000:]
    response = staff.post(f"/comites-locaux/{committee.pk}/", SEAT)
    assert response.status_code == 302, response.content.decode()[-3000:]
    person = PartnerPerson.objects.get(email="paule@ml.example")
    assert Membership.objects.active().get(user=person.user, role=Role.PARTNER).cohort_id == (
        world.cohort.pk
    )
    response = staff.post(
        f"/comites-locaux/{committee.pk}/",
        {
            "step": "meeting",
            "meeting-held_on": "2026-06-15",
            "meeting-agenda": "Lancement de la saison",
            "meeting-attendees": [person.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    meeting = committee.meetings.get()
    response = staff.post(
        f"/comites-locaux/{committee.pk}/reunions/{meeting.pk}/",
        {"step": "decision", "decision-text": "Le comité soutient la CJS."},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert CommitteeDecision.objects.get(meeting=meeting).text == "Le comité soutient la CJS."
    page = staff.get(f"/comites-locaux/{committee.pk}/reunions/{meeting.pk}/").content.decode()
    assert "Le comité soutient la CJS." in page
    assert "Paule Martin" in page


def test_a_bad_seat_form_says_why_and_keeps_what_was_typed(world: World) -> None:
    committee = local_committee_create(cae=world.cae, name="Comité", cohort_ids=[])

    response = world.client("staff").post(
        f"/comites-locaux/{committee.pk}/", {**SEAT, "seat-email": "pas-une-adresse"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Mission locale" in body
    assert "pas-une-adresse" in body
    assert not PartnerPerson.objects.exists()


def test_a_seated_partner_reads_but_never_writes_and_others_do_not_see_it(world: World) -> None:
    committee = local_committee_create(
        cae=world.cae, name="Comité de Vannes", cohort_ids=[world.cohort.pk]
    )
    organisation = organisation_get_or_create(name="Ville", kind="municipality", town="Vannes")
    person = partner_person_get_or_create(
        organisation=organisation, first_name="Yves", last_name="Élu", email="elu@example.org"
    )
    seat_add(committee=committee, person=person)
    person.refresh_from_db()
    partner = site_client(world.cae)
    assert person.user is not None
    sign_in(partner, person.user)

    assert partner.get("/comites-locaux/").status_code == 200
    page = partner.get(f"/comites-locaux/{committee.pk}/")
    assert page.status_code == 200
    assert "Faire siéger" not in page.content.decode()  # no form offered
    for data in (SEAT, {"step": "dissolve"}, {"step": "cohorts", "cohorts": []}):
        assert partner.post(f"/comites-locaux/{committee.pk}/", data).status_code == 403
    assert partner.post("/comites-locaux/", {"name": "Le mien"}).status_code == 403
    assert LocalCommittee.objects.count() == 1
    for persona in ("animateur", "coop_member", "coordinator"):
        assert world.client(persona).get(f"/comites-locaux/{committee.pk}/").status_code == 404
