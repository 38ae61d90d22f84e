"""The pages of a cohort's services and of the CAE's clients, by role, with French refusals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client as WebClient
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Role, User
from network.registry.models import Cae
from tenants.billing.models import Invoice
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientContact, ClientKind, Job, Quote, Service
from tests.conftest import grant, sign_in, site_client
from tests.tenants.commerce.factories import COMPANY, ClientFactory, ServiceFactory
from tests.tenants.people.factories import CohortFactory

PRICE_REFUSAL = "Un prix ne peut pas être négatif."
RATE_REFUSAL = "Choisissez un des taux de TVA que la CAE applique."
COMPANY_REFUSAL = "Une entreprise cliente a un SIRET (14 chiffres)."


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _service_form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Lavage de vitres",
        "description": "",
        "unit": "hour",
        "unit_price_excl_vat": "25,00",
        "vat_rate": "20.0",
    } | overrides


def _client_form(**overrides: str) -> dict[str, str]:
    return {
        "kind": ClientKind.COMPANY,
        "name": "Boulangerie Le Fournil",
        "siret": COMPANY["siret"],
        "vat_number": "",
        "address": "3 place des Lices",
        "postcode": "56000",
        "city": "Vannes",
        "email": "",
        "phone": "",
        "cohort": "",
    } | overrides


def _signed_in(cae: Cae, person: User, role: str | None, cohort: Cohort | None) -> WebClient:
    """A client on `cae`'s site, signed in as `person` with `role` (on `cohort` for cohort
    roles); anonymous when `role` is None."""
    client = site_client(cae)
    if role is not None:
        cohort_id = cohort.pk if role in (Role.ANIMATEUR, Role.MEMBER) and cohort else None
        grant(person, cae, role, cohort_id)
        sign_in(client, person)
    return client


# --- A cohort's services -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "on_the_cohort", "expected"),
    [
        (Role.ANIMATEUR, True, 200),
        (Role.MEMBER, True, 200),
        (Role.MEMBER, False, 404),  # a coopérant·e of another cohort: its existence stays hidden
        (Role.CAE_STAFF, True, 200),
        (Role.CAE_ADMIN, True, 200),
    ],
)
def test_the_services_page_by_role(
    cae_alpha: Cae, person: User, role: str, on_the_cohort: bool, expected: int
) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create(name="Ker Coop")
        other = CohortFactory.create(name="La Belle Coop")
        service = ServiceFactory.create(
            cohort=cohort, unit_price_excl_vat=Decimal("1234.5"), vat_rate=Decimal("5.5")
        )
    client = _signed_in(cae_alpha, person, role, cohort if on_the_cohort else other)

    listing = client.get(f"/cooperatives/{cohort.pk}/prestations/")
    edit = client.get(f"/cooperatives/{cohort.pk}/prestations/{service.pk}/")

    assert (listing.status_code, edit.status_code) == (expected, expected)
    if expected == 200:
        page = listing.content.decode()
        assert "Tonte de pelouse" in page
        assert "1\xa0234,50&nbsp;€" in page
        assert "5,5&nbsp;%" in page
        assert "Ajouter une prestation" in page


def test_the_services_page_asks_anonymous_visitors_to_sign_in(cae_alpha: Cae) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()

    response = site_client(cae_alpha).get(f"/cooperatives/{cohort.pk}/prestations/")

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=")


def test_the_coordinator_sees_the_cohort_but_not_its_services(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    User.objects.filter(pk=person.pk).update(is_coordinator=True)
    client = site_client(cae_alpha)
    sign_in(client, person)

    assert "/prestations/" not in client.get(f"/cooperatives/{cohort.pk}/").content.decode()
    assert client.get(f"/cooperatives/{cohort.pk}/prestations/").status_code == 403


def test_the_cohort_page_links_to_its_services(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)

    page = client.get(f"/cooperatives/{cohort.pk}/").content.decode()

    assert f'href="/cooperatives/{cohort.pk}/prestations/"' in page


def test_a_service_of_another_cae_or_cohort_is_not_found(
    cae_alpha: Cae, cae_beta: Cae, person: User
) -> None:
    with tenant_context(cae_beta):
        elsewhere = ServiceFactory.create()
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
        other_cohort_service = ServiceFactory.create()
    client = _signed_in(cae_alpha, person, Role.CAE_STAFF, None)

    for service_id in (elsewhere.pk, other_cohort_service.pk):
        page = f"/cooperatives/{cohort.pk}/prestations/{service_id}/"
        assert client.get(page).status_code == 404
        assert client.post(page + "offre/", {"offered": "0"}).status_code == 404


def test_a_member_adds_a_service_to_her_cohort(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)
    page = f"/cooperatives/{cohort.pk}/prestations/"

    created = client.post(page, _service_form())

    assert created.status_code == 302
    assert created["Location"] == page
    with tenant_context(cae_alpha):
        service = Service.objects.get()
    assert (service.cohort_id, service.name, service.unit_price_excl_vat, service.vat_rate) == (
        cohort.pk,
        "Lavage de vitres",
        Decimal("25.00"),
        Decimal("20.0"),
    )
    listing = client.get(page).content.decode()
    assert "La prestation « Lavage de vitres » est ajoutée." in listing
    assert "25,00&nbsp;€" in listing
    assert "20&nbsp;%" in listing


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"unit_price_excl_vat": "-5"}, PRICE_REFUSAL),
        ({"vat_rate": "7.0"}, RATE_REFUSAL),
        ({"unit_price_excl_vat": "vingt"}, "Saisissez un nombre."),
        ({"name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_a_bad_service_is_refused_in_french_and_nothing_saved(
    cae_alpha: Cae, person: User, overrides: dict[str, str], error: str
) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    client = _signed_in(cae_alpha, person, Role.ANIMATEUR, cohort)

    response = client.post(f"/cooperatives/{cohort.pk}/prestations/", _service_form(**overrides))

    assert response.status_code == 400
    assert error in response.content.decode()
    with tenant_context(cae_alpha):
        assert not Service.objects.exists()


def test_the_vat_rates_offered_are_those_of_the_cae_regime(cae_alpha: Cae, person: User) -> None:
    Cae.objects.filter(pk=cae_alpha.pk).update(vat_regime="franchise")
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)
    page = f"/cooperatives/{cohort.pk}/prestations/"

    form = client.get(page).content.decode()
    refused = client.post(page, _service_form(vat_rate="20.0"))
    accepted = client.post(page, _service_form(vat_rate="0.0"))

    assert '<option value="0.0" selected>0\xa0%</option>' in form
    assert 'value="20.0"' not in form
    assert refused.status_code == 400
    assert RATE_REFUSAL in refused.content.decode()
    assert accepted.status_code == 302
    with tenant_context(cae_alpha):
        assert list(Service.objects.values_list("vat_rate", flat=True)) == [Decimal("0.0")]


def test_a_member_edits_a_service_and_a_refusal_changes_nothing(
    cae_alpha: Cae, person: User
) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
        service = ServiceFactory.create(cohort=cohort)
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)
    page = f"/cooperatives/{cohort.pk}/prestations/{service.pk}/"

    form = client.get(page).content.decode()
    refused = client.post(page, _service_form(name="Tonte", unit_price_excl_vat="-1"))
    with tenant_context(cae_alpha):
        service.refresh_from_db()
        unchanged = (service.name, service.unit_price_excl_vat)
    edited = client.post(page, _service_form(name="Tonte", unit_price_excl_vat="17,5"))

    assert 'value="15,00"' in form  # the price as typed in France
    assert refused.status_code == 400
    assert PRICE_REFUSAL in refused.content.decode()
    assert unchanged == ("Tonte de pelouse", Decimal("15.00"))
    assert edited.status_code == 302
    with tenant_context(cae_alpha):
        service.refresh_from_db()
    assert (service.name, service.unit_price_excl_vat) == ("Tonte", Decimal("17.50"))


def test_stop_and_restart_offering_a_service_with_and_without_htmx(
    cae_alpha: Cae, person: User
) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
        service = ServiceFactory.create(cohort=cohort)
    client = _signed_in(cae_alpha, person, Role.ANIMATEUR, cohort)
    offer = f"/cooperatives/{cohort.pk}/prestations/{service.pk}/offre/"

    stopped = client.post(offer, {"offered": "0"})
    with tenant_context(cae_alpha):
        service.refresh_from_db()
        active_after_stop = service.is_active
    restarted = client.post(offer, {"offered": "1"}, headers={"HX-Request": "true"})

    assert stopped.status_code == 302
    assert active_after_stop is False
    assert restarted.status_code == 200
    row = restarted.content.decode()
    assert row.strip().startswith(f'<tr id="prestation-{service.pk}">')
    assert "Ne plus proposer" in row
    assert "<html" not in row
    with tenant_context(cae_alpha):
        service.refresh_from_db()
    assert service.is_active is True
    assert client.get(offer).status_code == 405


# --- The CAE's clients ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ANIMATEUR, Role.MEMBER, Role.CAE_STAFF])
def test_the_client_pages_by_role(cae_alpha: Cae, person: User, role: str) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
        buyer = ClientFactory.create()
        ClientContact.objects.create(client=buyer, full_name="Anne Le Goff", phone="0600000000")
    client = _signed_in(cae_alpha, person, role, cohort)

    listing = client.get("/clients/").content.decode()
    detail = client.get(f"/clients/{buyer.pk}/")

    assert 'href="/clients/"' in listing  # the navigation entry
    assert "Boulangerie Le Fournil" in listing
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "Anne Le Goff" in page
    assert COMPANY["siret"] in page
    assert "Historique" in page
    assert "Aucune facture pour ce client." in page
    assert client.get("/clients/nouveau/").status_code == 200
    assert client.get(f"/clients/{buyer.pk}/modifier/").status_code == 200


def test_clients_are_hidden_from_who_sells_nowhere(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        buyer = ClientFactory.create()
    User.objects.filter(pk=person.pk).update(is_coordinator=True)
    signed_in = site_client(cae_alpha)
    sign_in(signed_in, person)
    anonymous = site_client(cae_alpha)

    assert 'href="/clients/"' not in signed_in.get("/").content.decode()
    assert signed_in.get("/clients/").status_code == 403
    assert signed_in.get(f"/clients/{buyer.pk}/").status_code == 403
    for page in ("/clients/", "/clients/nouveau/", f"/clients/{buyer.pk}/"):
        response = anonymous.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/?next=")


def test_a_client_of_another_cae_is_not_found(cae_alpha: Cae, cae_beta: Cae, person: User) -> None:
    with tenant_context(cae_beta):
        elsewhere = ClientFactory.create()
    with tenant_context(cae_alpha):
        assert not Client.objects.filter(pk=elsewhere.pk).exists()
    client = _signed_in(cae_alpha, person, Role.CAE_STAFF, None)

    assert client.get(f"/clients/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/clients/{elsewhere.pk}/modifier/").status_code == 404


def test_a_member_records_a_client_found_by_her_cohort(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create(name="Ker Coop")
        other = CohortFactory.create(name="La Belle Coop")
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)

    form = client.get("/clients/nouveau/").content.decode()
    forged = client.post("/clients/nouveau/", _client_form(cohort=str(other.pk)))
    created = client.post(
        "/clients/nouveau/",
        _client_form(
            siret=" ".join((COMPANY["siret"][:3], COMPANY["siret"][3:])), cohort=str(cohort.pk)
        ),
    )

    assert "Ker Coop" in form
    assert "La Belle Coop" not in form  # only the cohorts she sells for
    assert forged.status_code == 400
    assert created.status_code == 302
    with tenant_context(cae_alpha):
        recorded = Client.objects.get()
    assert created["Location"] == f"/clients/{recorded.pk}/"
    assert (recorded.name, recorded.siret, recorded.cohort_id) == (
        "Boulangerie Le Fournil",
        COMPANY["siret"],
        cohort.pk,
    )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"siret": ""}, COMPANY_REFUSAL),
        ({"siret": _wrong_check_digit(COMPANY["siret"])}, COMPANY_REFUSAL),
        (
            {"kind": ClientKind.INDIVIDUAL, "name": "Anne Le Goff"},
            "Un particulier n&#x27;a ni SIRET ni numéro de TVA.",
        ),
        ({"postcode": "5600"}, "Ce client ne peut pas être enregistré."),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide."),
    ],
)
def test_a_bad_client_is_refused_in_french_and_nothing_saved(
    cae_alpha: Cae, person: User, overrides: dict[str, str], error: str
) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)

    response = client.post("/clients/nouveau/", _client_form(**overrides))

    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert 'value="3 place des Lices"' in page  # what was typed is kept
    with tenant_context(cae_alpha):
        assert not Client.objects.exists()


def test_the_client_list_filters_by_kind_and_searches_by_name(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
        ClientFactory.create()
        ClientFactory.create(
            kind=ClientKind.ASSOCIATION, name="Amicale laïque", siret="", vat_number=""
        )
        ClientFactory.create(
            kind=ClientKind.INDIVIDUAL, name="Anne Le Goff", siret="", vat_number=""
        )
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)

    by_kind = client.get("/clients/", {"kind": "association"}).content.decode()
    partial = client.get("/clients/", {"q": "fourn"}, headers={"HX-Request": "true"})
    nothing = client.get("/clients/", {"q": "zzz"}, headers={"HX-Request": "true"})

    assert "Amicale laïque" in by_kind
    assert "Boulangerie Le Fournil" not in by_kind
    assert "<html" in by_kind  # without JavaScript: the whole page, filters kept
    results = partial.content.decode()
    assert results.strip().startswith('<div id="resultats"')
    assert "<html" not in results
    assert "Boulangerie Le Fournil" in results
    assert "Amicale laïque" not in results
    assert "Anne Le Goff" not in results
    assert "Aucun client ne correspond à cette recherche." in nothing.content.decode()


def test_a_member_adds_a_contact_and_edits_the_client(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
        buyer = ClientFactory.create()
    client = _signed_in(cae_alpha, person, Role.MEMBER, cohort)
    contacts = f"/clients/{buyer.pk}/contacts/"

    unreachable = client.post(contacts, {"contact-full_name": "Anne Le Goff"})
    with tenant_context(cae_alpha):
        no_contact = not ClientContact.objects.exists()
    added = client.post(
        contacts,
        {"contact-full_name": "Anne Le Goff", "contact-role": "gérante", "contact-phone": "0600"},
    )
    refused_edit = client.post(f"/clients/{buyer.pk}/modifier/", _client_form(siret=""))
    edited = client.post(f"/clients/{buyer.pk}/modifier/", _client_form(city="Séné"))

    assert unreachable.status_code == 400
    assert "Indiquez l&#x27;adresse e-mail ou le téléphone du contact." in (
        unreachable.content.decode()
    )
    assert no_contact
    assert added.status_code == 302
    assert refused_edit.status_code == 400
    assert COMPANY_REFUSAL in refused_edit.content.decode()
    assert edited.status_code == 302
    with tenant_context(cae_alpha):
        buyer.refresh_from_db()
        assert list(buyer.contacts.values_list("full_name", "role")) == [
            ("Anne Le Goff", "gérante")
        ]
    assert (buyer.city, buyer.siret) == ("Séné", COMPANY["siret"])


def test_the_history_shows_only_the_business_of_her_own_cohort(
    cae_alpha: Cae, person: User
) -> None:
    with tenant_context(cae_alpha):
        mine, other = CohortFactory.create(name="Ker Coop"), CohortFactory.create(name="Autre")
        buyer = ClientFactory.create()
        for cohort, subject in ((mine, "Vitres de la boutique"), (other, "Haies du jardin")):
            Quote.objects.create(
                cohort=cohort, client=buyer, subject=subject, valid_until=datetime.date(2027, 7, 1)
            )
            Job.objects.create(
                cohort=cohort,
                client=buyer,
                title=f"Chantier : {subject}",
                quantity=Decimal("2"),
                unit="hour",
                unit_price_excl_vat=Decimal("15"),
                vat_rate=Decimal("20"),
            )
            Invoice.objects.create(cohort=cohort, client=buyer, sale_date=datetime.date(2027, 7, 2))
    client = _signed_in(cae_alpha, person, Role.MEMBER, mine)

    page = client.get(f"/clients/{buyer.pk}/").content.decode()

    assert "Vitres de la boutique" in page
    assert "Chantier : Vitres de la boutique" in page
    assert "2 juillet 2027" in page  # her cohort's draft invoice
    assert "Haies du jardin" not in page
    assert page.count("<td>Autre</td>") == 0
