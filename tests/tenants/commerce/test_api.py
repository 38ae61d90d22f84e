"""The commerce API: who sells for which cohort, the CAE's clients, refusals as 400/403/404."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopilote.money import to_cents
from network.registry.models import Cae
from tenants.commerce.models import Client, ClientContact, ClientKind, Service
from tests.conftest import World
from tests.tenants.commerce.factories import COMPANY, ClientFactory, ServiceFactory
from tests.tenants.people.factories import CohortFactory

SERVICE_PAYLOAD = {
    "name": "Désherbage",
    "unit": "hour",
    "unit_price_excl_vat": "14.5",
    "vat_rate": "20",
}
CLIENT_PAYLOAD = {
    "kind": "company",
    "name": "Boulangerie Le Fournil",
    "siret": COMPANY["siret"],
    "vat_number": COMPANY["vat_number"],
    "address": "3 place des Lices",
    "postcode": "56000",
    "city": "Vannes",
}


def _send(client: HttpClient, method: str, url: str, data: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


# --- Services ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cae_admin", 201),
        ("staff", 201),
        ("animateur", 201),
        ("coop_member", 201),
        ("other_animateur", 404),
        ("other_member", 404),
        ("coordinator", 403),
        ("other_cae_staff", 403),
        ("stranger", 403),
        ("anonymous", 403),
    ],
)
def test_create_a_service_by_role(world: World, persona: str, status: int) -> None:
    response = _send(
        world.client(persona),
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/services/",
        SERVICE_PAYLOAD,
    )

    assert response.status_code == status, response.content
    with tenant_context(world.cae):
        names = sorted(Service.objects.filter(cohort=world.cohort).values_list("name", flat=True))
    if status == 201:
        body = response.json()
        assert {key: body[key] for key in ("cohort", "name", "unit", "is_active")} == {
            "cohort": world.cohort.pk,
            "name": "Désherbage",
            "unit": "hour",
            "is_active": True,
        }
        assert (body["unit_price_excl_vat"], body["vat_rate"]) == ("14.50", "20.0")
        assert names == ["Désherbage", "Tonte de pelouse"]
    else:
        assert names == ["Tonte de pelouse"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("animateur", 200),
        ("coop_member", 200),
        ("other_member", 404),
        ("coordinator", 403),
        ("other_cae_staff", 403),
        ("anonymous", 403),
    ],
)
def test_list_a_cohorts_services_by_role(world: World, persona: str, status: int) -> None:
    response = world.client(persona).get(f"/api/v1/cohorts/{world.cohort.pk}/services/")

    assert response.status_code == status
    if status == 200:
        assert [(row["name"], row["unit_price_excl_vat"]) for row in response.json()] == [
            ("Tonte de pelouse", "15.00")
        ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("animateur", 200),
        ("coop_member", 200),
        ("other_animateur", 404),
        ("other_member", 404),
        ("coordinator", 403),
        ("other_cae_staff", 403),
        ("anonymous", 403),
    ],
)
def test_service_detail_by_role(world: World, persona: str, status: int) -> None:
    response = world.client(persona).get(f"/api/v1/services/{world.service.pk}/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["name"] == "Tonte de pelouse"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coop_member", 200), ("other_member", 404), ("coordinator", 403), ("other_cae_staff", 403)],
)
def test_edit_a_service_by_role(world: World, persona: str, status: int) -> None:
    response = _send(
        world.client(persona),
        "patch",
        f"/api/v1/services/{world.service.pk}/",
        {"unit_price_excl_vat": "16.255", "vat_rate": "10"},
    )

    assert response.status_code == status
    with tenant_context(world.cae):
        world.service.refresh_from_db()
    stored = (world.service.unit_price_excl_vat, world.service.vat_rate)
    if status == 200:
        assert (response.json()["unit_price_excl_vat"], response.json()["vat_rate"]) == (
            "16.26",
            "10.0",
        )
        assert stored == (Decimal("16.26"), Decimal("10.0"))
    else:
        assert stored == (Decimal("15.00"), Decimal("20.0"))


def test_a_service_of_another_cae_is_not_found(world: World, cae_beta: Cae) -> None:
    with tenant_context(cae_beta):
        foreign = ServiceFactory.create(cohort=CohortFactory.create(), name="Ailleurs")
    with tenant_context(world.cae):
        Service.objects.filter(pk=foreign.pk).delete()  # no service of alpha with that id

    response = world.client("staff").get(f"/api/v1/services/{foreign.pk}/")

    assert response.status_code == 404


def test_a_service_can_stop_being_offered(world: World) -> None:
    response = _send(
        world.client("animateur"),
        "patch",
        f"/api/v1/services/{world.service.pk}/",
        {"is_active": False},
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_a_negative_price_is_a_400_and_nothing_is_saved(world: World) -> None:
    response = _send(
        world.client("coop_member"),
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/services/",
        {**SERVICE_PAYLOAD, "unit_price_excl_vat": "-1"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Un prix ne peut pas être négatif.",
        "errors": {"unit_price_excl_vat": ["Un prix ne peut pas être négatif."]},
    }
    with tenant_context(world.cae):
        assert Service.objects.filter(cohort=world.cohort).count() == 1


def test_a_vat_rate_refused_under_the_franchise_is_a_400(world: World) -> None:
    Cae.objects.filter(pk=world.cae.pk).update(vat_regime="franchise")

    response = _send(
        world.client("staff"),
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/services/",
        SERVICE_PAYLOAD,
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Sous le régime de la franchise en base de TVA, les prestations sont facturées sans "
        "TVA (taux 0)."
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(price=st.decimals(min_value=0, max_value=Decimal("99999"), places=4))
def test_a_price_with_up_to_four_decimals_is_stored_rounded_half_up(
    world: World, price: Decimal
) -> None:
    response = _send(
        world.client("coop_member"),
        "patch",
        f"/api/v1/services/{world.service.pk}/",
        {"unit_price_excl_vat": format(price, "f")},
    )

    assert response.status_code == 200, response.content
    assert response.json()["unit_price_excl_vat"] == f"{to_cents(price):.2f}"
    with tenant_context(world.cae):
        world.service.refresh_from_db()
    assert world.service.unit_price_excl_vat == to_cents(price)


# --- Clients -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cae_admin", 200),
        ("staff", 200),
        ("animateur", 200),
        ("coop_member", 200),
        ("other_member", 200),
        ("coordinator", 403),
        ("other_cae_staff", 403),
        ("stranger", 403),
        ("anonymous", 403),
    ],
)
def test_list_clients_by_role(world: World, persona: str, status: int) -> None:
    with tenant_context(world.cae):
        ClientFactory.create(name="Mairie de Vannes", kind=ClientKind.PUBLIC_BODY, vat_number="")
        ClientFactory.create(name="Boulangerie Le Fournil")

    response = world.client(persona).get("/api/v1/clients/")

    assert response.status_code == status
    if status == 200:
        assert [row["name"] for row in response.json()] == [
            "Boulangerie Le Fournil",
            "Mairie de Vannes",
        ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 201),
        ("animateur", 201),
        ("coop_member", 201),
        ("coordinator", 403),
        ("other_cae_staff", 403),
        ("anonymous", 403),
    ],
)
def test_create_a_client_by_role(world: World, persona: str, status: int) -> None:
    response = _send(world.client(persona), "post", "/api/v1/clients/", CLIENT_PAYLOAD)

    assert response.status_code == status
    with tenant_context(world.cae):
        count = Client.objects.count()
    assert count == (1 if status == 201 else 0)


def test_a_created_client_records_the_cohort_that_found_it(world: World) -> None:
    response = _send(
        world.client("coop_member"),
        "post",
        "/api/v1/clients/",
        {
            **CLIENT_PAYLOAD,
            "siret": f"{COMPANY['siret'][:9]} {COMPANY['siret'][9:]}",
            "cohort": world.cohort.pk,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert {
        key: body[key] for key in ("kind", "siret", "siren", "vat_number", "cohort", "contacts")
    } == {
        "kind": "company",
        "siret": COMPANY["siret"],
        "siren": COMPANY["siren"],
        "vat_number": COMPANY["vat_number"],
        "cohort": world.cohort.pk,
        "contacts": [],
    }


def test_a_client_cannot_be_credited_to_a_cohort_one_does_not_sell_for(world: World) -> None:
    response = _send(
        world.client("coop_member"),
        "post",
        "/api/v1/clients/",
        {**CLIENT_PAYLOAD, "cohort": world.other_cohort.pk},
    )

    assert response.status_code == 400
    assert response.json()["cohort"] == ["Cette coopérative n'existe pas."]
    with tenant_context(world.cae):
        assert Client.objects.count() == 0


def test_a_company_without_siret_is_a_400(world: World) -> None:
    response = _send(
        world.client("staff"),
        "post",
        "/api/v1/clients/",
        {**CLIENT_PAYLOAD, "siret": "", "vat_number": ""},
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Une entreprise cliente a un SIRET (14 chiffres).",
        "errors": {"siret": ["Une entreprise cliente a un SIRET (14 chiffres)."]},
    }


def test_edit_a_client(world: World) -> None:
    with tenant_context(world.cae):
        client = ClientFactory.create()

    response = _send(
        world.client("animateur"),
        "patch",
        f"/api/v1/clients/{client.pk}/",
        {"city": "Séné", "postcode": "56860", "cohort": world.cohort.pk},
    )

    assert response.status_code == 200
    assert (response.json()["city"], response.json()["cohort"]) == ("Séné", world.cohort.pk)


@pytest.mark.parametrize(("persona", "status"), [("other_member", 200), ("coordinator", 403)])
def test_client_detail_by_role(world: World, persona: str, status: int) -> None:
    with tenant_context(world.cae):
        client = ClientFactory.create()

    response = world.client(persona).get(f"/api/v1/clients/{client.pk}/")

    assert response.status_code == status


def test_a_client_of_another_cae_is_not_found(world: World, cae_beta: Cae) -> None:
    with tenant_context(cae_beta):
        foreign = ClientFactory.create(name="Client de Beta")
    with tenant_context(world.cae):
        assert not Client.objects.filter(pk=foreign.pk).exists()

    detail = world.client("staff").get(f"/api/v1/clients/{foreign.pk}/")
    contact = _send(
        world.client("staff"),
        "post",
        f"/api/v1/clients/{foreign.pk}/contacts/",
        {"full_name": "Anne Guillo", "phone": "0297000000"},
    )
    on_beta = world.client("staff", cae_beta).get(f"/api/v1/clients/{foreign.pk}/")

    assert (detail.status_code, contact.status_code, on_beta.status_code) == (404, 404, 403)


def test_add_a_contact_to_a_client(world: World) -> None:
    with tenant_context(world.cae):
        client = ClientFactory.create()

    response = _send(
        world.client("coop_member"),
        "post",
        f"/api/v1/clients/{client.pk}/contacts/",
        {"full_name": "Anne Guillo", "role": "gérante", "email": "anne@example.org"},
    )
    listed = world.client("coop_member").get(f"/api/v1/clients/{client.pk}/").json()

    assert response.status_code == 201
    assert [(row["full_name"], row["role"], row["email"]) for row in listed["contacts"]] == [
        ("Anne Guillo", "gérante", "anne@example.org")
    ]


def test_the_client_list_reads_contacts_in_one_query(world: World) -> None:
    def count_queries() -> int:
        client = world.client("staff")
        client.get("/api/v1/clients/")  # warm the session and the grants
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/clients/")
        assert response.status_code == 200
        return len(queries)

    with tenant_context(world.cae):
        first = ClientFactory.create(name="Un")
        ClientContact.objects.create(client=first, full_name="A", phone="0297000000")
    with_one = count_queries()
    with tenant_context(world.cae):
        for name in ("Deux", "Trois", "Quatre"):
            other = ClientFactory.create(name=name)
            for contact in ("B", "C"):
                ClientContact.objects.create(client=other, full_name=contact, phone="02")

    assert count_queries() == with_one
