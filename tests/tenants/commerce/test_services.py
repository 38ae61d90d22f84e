"""The rules of services (prices, VAT rates) and clients (SIRET, VAT number)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.commerce.models import Client, ClientContact, ClientKind, Service, ServiceUnit
from tenants.commerce.services import (
    client_contact_add,
    client_create,
    client_update,
    service_create,
    service_deactivate,
    service_update,
)
from tests.tenants.commerce.factories import (
    COMPANY,
    OTHER_COMPANY,
    ClientFactory,
    ServiceFactory,
)
from tests.tenants.people.factories import CohortFactory

STANDARD_REFUSAL = "Taux de TVA non autorisé : 20 %, 10 %, 5,5 % ou 2,1 %."
FRANCHISE_REFUSAL = (
    "Sous le régime de la franchise en base de TVA, les prestations sont facturées sans TVA "
    "(taux 0)."
)
COMPANY_REFUSAL = "Une entreprise cliente a un SIRET (14 chiffres)."


def _under_franchise(cae: Cae) -> None:
    Cae.objects.filter(pk=cae.pk).update(vat_regime="franchise")
    connection.tenant.refresh_from_db()  # type: ignore[attr-defined]


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _create_service(**overrides: object) -> Service:
    arguments: dict[str, object] = {
        "cohort": CohortFactory.create(),
        "name": "Tonte de pelouse",
        "unit": ServiceUnit.HOUR,
        "unit_price_excl_vat": Decimal("15"),
        "vat_rate": Decimal("20"),
    }
    return service_create(**{**arguments, **overrides})  # type: ignore[arg-type]


def _create_client(**overrides: object) -> Client:
    arguments: dict[str, object] = {
        "kind": ClientKind.COMPANY,
        "name": "Boulangerie Le Fournil",
        "siret": COMPANY["siret"],
        "address": "3 place des Lices",
        "postcode": "56000",
        "city": "Vannes",
    }
    return client_create(**{**arguments, **overrides})  # type: ignore[arg-type]


# --- Services ------------------------------------------------------------------------------


def test_service_create_offers_the_service_in_the_cohort(in_alpha: Cae) -> None:
    cohort = CohortFactory.create()

    service = _create_service(cohort=cohort, name="  Lavage de vitres ", description="Tous étages")

    service.refresh_from_db()
    assert (
        service.cohort_id,
        service.name,
        service.description,
        service.unit,
        service.unit_price_excl_vat,
        service.vat_rate,
        service.is_active,
    ) == (
        cohort.pk,
        "Lavage de vitres",
        "Tous étages",
        "hour",
        Decimal("15.00"),
        Decimal("20.0"),
        True,
    )
    assert str(service) == "Lavage de vitres"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("10.125", "10.13"),
        ("10.124", "10.12"),
        ("0.005", "0.01"),
        ("2.675", "2.68"),
        ("19.9949", "19.99"),
        ("7", "7.00"),
    ],
)
def test_service_prices_are_rounded_half_up_to_the_cent(
    in_alpha: Cae, given: str, stored: str
) -> None:
    service = _create_service(unit_price_excl_vat=Decimal(given))

    service.refresh_from_db()
    assert service.unit_price_excl_vat == Decimal(stored)


def test_service_create_refuses_a_negative_price_and_saves_nothing(in_alpha: Cae) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_service(unit_price_excl_vat=Decimal("-0.01"))

    assert refusal.value.message == "Un prix ne peut pas être négatif."
    assert refusal.value.details == {"unit_price_excl_vat": ["Un prix ne peut pas être négatif."]}
    assert Service.objects.count() == 0


def test_service_update_refuses_a_negative_price_and_changes_nothing(in_alpha: Cae) -> None:
    service = ServiceFactory.create(unit_price_excl_vat=Decimal("15.00"))

    with pytest.raises(ApplicationError) as refusal:
        service_update(
            service=service, changes={"name": "Autre", "unit_price_excl_vat": Decimal("-3")}
        )

    assert refusal.value.message == "Un prix ne peut pas être négatif."
    service.refresh_from_db()
    assert (service.name, service.unit_price_excl_vat) == ("Tonte de pelouse", Decimal("15.00"))


@pytest.mark.parametrize("rate", ["20", "10", "5.5", "2.1"])
def test_standard_regime_accepts_the_french_rates(in_alpha: Cae, rate: str) -> None:
    service = _create_service(vat_rate=Decimal(rate))

    service.refresh_from_db()
    assert service.vat_rate == Decimal(rate)


@pytest.mark.parametrize("rate", ["0", "7", "19.6", "5"])
def test_standard_regime_refuses_other_rates_and_saves_nothing(in_alpha: Cae, rate: str) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_service(vat_rate=Decimal(rate))

    assert refusal.value.message == STANDARD_REFUSAL
    assert refusal.value.details == {"vat_rate": [STANDARD_REFUSAL]}
    assert Service.objects.count() == 0


@pytest.mark.parametrize("rate", ["20", "5.5", "2.1"])
def test_franchise_regime_refuses_any_vat(in_alpha: Cae, rate: str) -> None:
    _under_franchise(in_alpha)

    with pytest.raises(ApplicationError) as refusal:
        _create_service(vat_rate=Decimal(rate))

    assert refusal.value.message == FRANCHISE_REFUSAL
    assert Service.objects.count() == 0


def test_franchise_regime_invoices_without_vat(in_alpha: Cae) -> None:
    _under_franchise(in_alpha)

    service = _create_service(vat_rate=Decimal("0"))

    service.refresh_from_db()
    assert service.vat_rate == Decimal("0.0")


def test_service_update_checks_the_rate_against_the_current_regime(in_alpha: Cae) -> None:
    service = ServiceFactory.create(vat_rate=Decimal("20.0"))
    _under_franchise(in_alpha)

    with pytest.raises(ApplicationError) as refusal:
        service_update(service=service, changes={"unit_price_excl_vat": Decimal("18")})

    assert refusal.value.message == FRANCHISE_REFUSAL
    service.refresh_from_db()
    assert service.unit_price_excl_vat == Decimal("15.00")


def test_service_update_rounds_the_new_price(in_alpha: Cae) -> None:
    service = ServiceFactory.create()

    service_update(service=service, changes={"unit_price_excl_vat": Decimal("12.345")})

    service.refresh_from_db()
    assert service.unit_price_excl_vat == Decimal("12.35")


def test_a_cohort_offers_a_service_name_once(in_alpha: Cae) -> None:
    cohort = CohortFactory.create()
    _create_service(cohort=cohort, name="Tonte")

    with pytest.raises(ApplicationError) as refusal:
        _create_service(cohort=cohort, name="Tonte")
    elsewhere = _create_service(name="Tonte")

    assert refusal.value.details == {
        "__all__": ["Cette coopérative propose déjà une prestation de ce nom."]
    }
    assert Service.objects.filter(name="Tonte").count() == 2
    assert elsewhere.cohort_id != cohort.pk


def test_service_deactivate_keeps_the_service_on_record(in_alpha: Cae) -> None:
    service = ServiceFactory.create()

    service_deactivate(service=service)

    service.refresh_from_db()
    assert service.is_active is False
    assert list(Service.objects.active()) == []


# --- Clients -------------------------------------------------------------------------------


def test_client_create_normalises_siret_and_vat_number(in_alpha: Cae) -> None:
    siret = COMPANY["siret"]
    spaced_siret = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    spaced_vat = f"fr {COMPANY['vat_number'][2:4]} {COMPANY['siren']}"
    cohort = CohortFactory.create()

    client = _create_client(siret=spaced_siret, vat_number=spaced_vat, cohort=cohort)

    client.refresh_from_db()
    assert (client.siret, client.siren, client.vat_number, client.cohort_id) == (
        siret,
        COMPANY["siren"],
        COMPANY["vat_number"],
        cohort.pk,
    )


@pytest.mark.parametrize("siret", ["", "123", _wrong_check_digit(COMPANY["siret"])])
def test_a_company_without_a_valid_siret_is_refused(in_alpha: Cae, siret: str) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_client(siret=siret)

    assert refusal.value.message == COMPANY_REFUSAL
    assert refusal.value.details == {"siret": [COMPANY_REFUSAL]}
    assert Client.objects.count() == 0


@pytest.mark.parametrize("kind", [ClientKind.ASSOCIATION, ClientKind.PUBLIC_BODY])
def test_an_association_or_public_body_may_have_no_siret(in_alpha: Cae, kind: str) -> None:
    client = _create_client(kind=kind, siret="")

    client.refresh_from_db()
    assert (client.kind, client.siret, client.siren) == (kind, "", "")


@pytest.mark.parametrize("kind", [ClientKind.ASSOCIATION, ClientKind.PUBLIC_BODY])
def test_a_siret_given_is_checked_for_any_kind(in_alpha: Cae, kind: str) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_client(kind=kind, siret=_wrong_check_digit(COMPANY["siret"]))

    assert refusal.value.details == {
        "siret": ["Ce SIRET n'est pas valide (14 chiffres, clé de contrôle)."]
    }
    assert Client.objects.count() == 0


@pytest.mark.parametrize(
    "vat_number", ["FR00" + COMPANY["siren"], "DE123456789", "FR12345", "n'importe quoi"]
)
def test_an_invalid_vat_number_is_refused(in_alpha: Cae, vat_number: str) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_client(vat_number=vat_number)

    assert (
        "Ce numéro de TVA intracommunautaire n'est pas valide (FR + clé + SIREN)."
        in refusal.value.details["vat_number"]
    )
    assert Client.objects.count() == 0


def test_a_vat_number_must_match_the_siren_of_the_siret(in_alpha: Cae) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_client(siret=COMPANY["siret"], vat_number=OTHER_COMPANY["vat_number"])

    message = f"Ce numéro de TVA ne correspond pas au SIREN du SIRET ({COMPANY['siren']})."
    assert refusal.value.message == message
    assert refusal.value.details == {"vat_number": [message]}
    assert Client.objects.count() == 0


def test_an_individual_has_no_company_numbers(in_alpha: Cae) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_client(kind=ClientKind.INDIVIDUAL, name="Jeanne Le Floch")

    assert refusal.value.message == "Un particulier n'a ni SIRET ni numéro de TVA."
    assert Client.objects.count() == 0
    individual = _create_client(kind=ClientKind.INDIVIDUAL, name="Jeanne Le Floch", siret="")
    assert (individual.kind, individual.siret, individual.vat_number) == ("individual", "", "")


@pytest.mark.parametrize("postcode", ["5600", "560000", "56 00", "2A004"])
def test_a_client_postcode_has_five_digits(in_alpha: Cae, postcode: str) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _create_client(postcode=postcode)

    assert (
        "Un code postal s'écrit avec 5 chiffres, par exemple 56000."
        in refusal.value.details["postcode"]
    )
    assert Client.objects.count() == 0


def test_client_update_keeps_the_rules_of_the_new_kind(in_alpha: Cae) -> None:
    client = ClientFactory.create(kind=ClientKind.ASSOCIATION, siret="", vat_number="")

    with pytest.raises(ApplicationError) as refusal:
        client_update(client=client, changes={"kind": ClientKind.COMPANY, "name": "SARL"})

    assert refusal.value.message == COMPANY_REFUSAL
    client.refresh_from_db()
    assert (client.kind, client.name) == ("association", "Boulangerie Le Fournil")


def test_client_update_normalises_a_new_siret(in_alpha: Cae) -> None:
    client = ClientFactory.create(kind=ClientKind.ASSOCIATION, siret="", vat_number="")
    siret = OTHER_COMPANY["siret"]

    client_update(
        client=client, changes={"kind": ClientKind.COMPANY, "siret": f"{siret[:9]} {siret[9:]}"}
    )

    client.refresh_from_db()
    assert (client.kind, client.siret) == ("company", siret)


def test_client_contact_add(in_alpha: Cae) -> None:
    client = ClientFactory.create()

    contact = client_contact_add(
        client=client, full_name=" Anne Guillo ", role="gérante", email="anne@example.org"
    )

    contact.refresh_from_db()
    assert (contact.client_id, contact.full_name, contact.role, contact.email, contact.phone) == (
        client.pk,
        "Anne Guillo",
        "gérante",
        "anne@example.org",
        "",
    )


def test_a_contact_can_be_reached(in_alpha: Cae) -> None:
    client = ClientFactory.create()

    with pytest.raises(ApplicationError) as refusal:
        client_contact_add(client=client, full_name="Anne Guillo")

    assert refusal.value.details == {
        "__all__": ["Indiquez l'adresse e-mail ou le téléphone du contact."]
    }
    assert ClientContact.objects.count() == 0
