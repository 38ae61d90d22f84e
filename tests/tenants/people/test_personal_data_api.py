"""Personal data through the API and the pages: who may export, erase, record consents."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Role, User
from network.registry.models import Cae
from tenants.cohorts.models import CohortStatus
from tenants.people.models import Consent, Enrolment, EnrolmentStatus, ErasureRecord, Member
from tenants.people.privacy import personal_data_settings_get
from tests.conftest import account, grant, sign_in, site_client
from tests.tenants.people.factories import CohortFactory, GuardianFactory, MemberFactory

D = datetime.date


class People:
    """CAE alpha: Lina (closed cohort, with a guardian) and Tom (running cohort); beta: Noé."""

    def __init__(self, alpha: Cae, beta: Cae) -> None:
        self.alpha, self.beta = alpha, beta
        with tenant_context(alpha):
            closed = CohortFactory.create(name="CJS 2025", status=CohortStatus.CLOSED)
            running = CohortFactory.create(name="CJS en cours", status=CohortStatus.RUNNING)
            self.lina = MemberFactory.create(email="lina@example.org")
            GuardianFactory.create(member=self.lina, full_name="Anne Le Goff")
            Enrolment.objects.create(
                member=self.lina,
                cohort=closed,
                enrolled_on=closed.starts_on,
                status=EnrolmentStatus.WITHDRAWN,
                withdrawn_on=closed.starts_on,
            )
            self.tom = MemberFactory.create(first_name="Tom", last_name="Guégan")
            Enrolment.objects.create(member=self.tom, cohort=running, enrolled_on=running.starts_on)
            self.running = running
        with tenant_context(beta):
            self.noe = MemberFactory.create(first_name="Noé")
        self.users: dict[str, User] = {}
        for name, role, cohort_id in [
            ("cae_admin", Role.CAE_ADMIN, None),
            ("staff", Role.CAE_STAFF, None),
            ("animateur", Role.ANIMATEUR, running.pk),
        ]:
            self.users[name] = account(f"{name}@example.org")
            grant(self.users[name], alpha, role, cohort_id)

    def client(self, name: str, cae: Cae | None = None) -> Client:
        client = site_client(cae or self.alpha)
        sign_in(client, self.users[name])
        return client


@pytest.fixture
def people(cae_alpha: Cae, cae_beta: Cae) -> People:
    return People(cae_alpha, cae_beta)


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


# --- Export ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "expected"), [("cae_admin", 200), ("staff", 200)])
def test_the_cae_staff_export_a_member(people: People, persona: str, expected: int) -> None:
    response = people.client(persona).get(f"/api/v1/members/{people.lina.pk}/export/")

    assert response.status_code == expected
    data = response.json()["data"]
    assert data["people.Member"][0]["email"] == "lina@example.org"
    assert data["people.Guardian"][0]["full_name"] == "Anne Le Goff"
    assert "Tom" not in json.dumps(data)


def test_an_animateur_may_not_export(people: People) -> None:
    client = people.client("animateur")

    assert client.get(f"/api/v1/members/{people.tom.pk}/export/").status_code == 403
    assert client.get(f"/api/v1/members/{people.lina.pk}/export/").status_code == 404


def test_a_member_of_another_cae_is_not_found(people: People) -> None:
    response = people.client("cae_admin").get(f"/api/v1/members/{people.noe.pk}/export/")

    assert response.status_code == 404


def test_the_export_page_and_its_json_file(people: People) -> None:
    client = people.client("staff")

    page = client.get(f"/membres/{people.lina.pk}/donnees/")
    file = client.get(f"/membres/{people.lina.pk}/donnees/?format=json")

    assert page.status_code == 200
    assert "Anne Le Goff" in page.content.decode()
    assert file.status_code == 200
    assert file.json()["data"]["people.Member"][0]["first_name"] == "Lina"
    pdf = client.get(f"/membres/{people.lina.pk}/donnees/?format=pdf")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    detail = client.get(f"/membres/{people.lina.pk}/").content.decode()
    assert f"/membres/{people.lina.pk}/donnees/" in detail
    assert f"/membres/{people.lina.pk}/effacer/" not in detail  # staff may not erase


# --- Erasure --------------------------------------------------------------------------------


def test_an_admin_erases_a_member_with_a_reason(people: People) -> None:
    response = _post(
        people.client("cae_admin"),
        f"/api/v1/members/{people.lina.pk}/erase/",
        {"reason": "Demande de la personne", "confirm": True},
    )

    assert response.status_code == 200, response.content
    with tenant_context(people.alpha):
        assert Member.objects.get(pk=people.lina.pk).first_name == "Anonyme"
        assert ErasureRecord.objects.get().erased_by_id == people.users["cae_admin"].pk


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"reason": "Demande", "confirm": False}, 400),
        ({"confirm": True}, 400),
    ],
)
def test_an_erasure_needs_a_confirmation_and_a_reason(
    people: People, body: dict[str, Any], expected: int
) -> None:
    response = _post(people.client("cae_admin"), f"/api/v1/members/{people.lina.pk}/erase/", body)

    assert response.status_code == expected
    with tenant_context(people.alpha):
        assert Member.objects.get(pk=people.lina.pk).first_name == "Lina"


def test_erasure_is_refused_in_a_running_cohort_with_a_readable_message(people: People) -> None:
    response = _post(
        people.client("cae_admin"),
        f"/api/v1/members/{people.tom.pk}/erase/",
        {"reason": "Demande", "confirm": True},
    )

    assert response.status_code == 400
    assert "CJS en cours" in json.dumps(response.json(), ensure_ascii=False)
    with tenant_context(people.alpha):
        assert Member.objects.get(pk=people.tom.pk).first_name == "Tom"


@pytest.mark.parametrize("persona", ["staff", "animateur"])
def test_only_admins_erase(people: People, persona: str) -> None:
    response = _post(
        people.client(persona),
        f"/api/v1/members/{people.lina.pk}/erase/",
        {"reason": "Demande", "confirm": True},
    )

    assert response.status_code == 403
    with tenant_context(people.alpha):
        assert not ErasureRecord.objects.exists()


def test_the_erasure_page(people: People) -> None:
    client = people.client("cae_admin")
    url = f"/membres/{people.lina.pk}/effacer/"

    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": "Demande"})
    done = client.post(url, {"reason": "Demande", "confirm": "on"})

    assert refused.status_code == 400
    assert done.status_code == 302
    with tenant_context(people.alpha):
        assert Member.objects.get(pk=people.lina.pk).last_name == "Anonyme"
    assert people.client("staff").get(url).status_code == 403


# --- Consents and settings ------------------------------------------------------------------


def test_consents_are_recorded_and_withdrawn_with_dates(people: People) -> None:
    client = people.client("staff")
    url = f"/api/v1/members/{people.lina.pk}/consents/"

    created = _post(client, url, {"purpose": "photos", "given_on": "2026-06-02"})
    consent_id = created.json()["id"]
    withdrawn = _post(
        client, f"/api/v1/consents/{consent_id}/withdraw/", {"withdrawn_on": "2026-07-01"}
    )
    listed = client.get(url).json()

    assert (created.status_code, withdrawn.status_code) == (201, 200)
    assert listed == [
        {
            "id": consent_id,
            "purpose": "photos",
            "given_on": "2026-06-02",
            "withdrawn_on": "2026-07-01",
            "recorded_at": listed[0]["recorded_at"],
        }
    ]


def test_a_consent_is_recorded_from_the_member_page(people: People) -> None:
    client = people.client("staff")

    response = client.post(
        f"/membres/{people.lina.pk}/",
        {"step": "consent", "consent-purpose": "photos", "consent-given_on": "2026-06-02"},
    )

    assert response.status_code == 302
    page = client.get(f"/membres/{people.lina.pk}/").content.decode()
    assert "Photos (diffusion)" in page
    with tenant_context(people.alpha):
        assert Consent.objects.get().recorded_by_id == people.users["staff"].pk


def test_the_retention_setting_belongs_to_the_admins(people: People) -> None:
    admin = people.client("cae_admin")

    page = admin.post("/parametres/donnees-personnelles/", {"social_data_retention_months": "24"})
    api = admin.patch(
        "/api/v1/personal-data/settings/",
        data=json.dumps({"social_data_retention_months": 0}),
        content_type="application/json",
    )

    assert (page.status_code, api.status_code) == (302, 400)
    with tenant_context(people.alpha):
        assert personal_data_settings_get().social_data_retention_months == 24
    assert "/parametres/donnees-personnelles/" in admin.get("/membres/").content.decode()
    staff = people.client("staff")
    assert "/parametres/donnees-personnelles/" not in staff.get("/membres/").content.decode()
    assert staff.get("/parametres/donnees-personnelles/").status_code == 403
    assert staff.get("/api/v1/personal-data/settings/").status_code == 403
