"""Writing services and clients: every refusal leaves nothing written."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from coopilote.identifiers import (
    compact_siret,
    compact_vat_number,
    validate_siret,
    vat_number_siren,
)
from coopilote.money import allowed_vat_rates, to_cents
from coopilote.tenancy import current_cae
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientContact, ClientKind, Service

SERVICE_EDITABLE_FIELDS = frozenset(
    {"name", "description", "unit", "unit_price_excl_vat", "vat_rate", "is_active"}
)
CLIENT_EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "name",
        "siret",
        "vat_number",
        "address",
        "postcode",
        "city",
        "email",
        "phone",
        "cohort",
    }
)
FRANCHISE_REGIME = "franchise"


def _refuse(message: str, *, field: str = "__all__") -> ApplicationError:
    """A refusal whose message is also the error of `field`, for forms and API clients."""
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _full_clean(instance: models.Model, message: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ApplicationError(message, errors=error) from error


def _percent(rate: Decimal) -> str:
    """A VAT rate the French way: 20 %, 5,5 %."""
    digits = f"{rate:f}"
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return f"{digits.replace('.', ',')} %"


def _vat_rate_refusal(vat_rate: Decimal) -> str | None:
    """Why the current CAE may not charge `vat_rate`, if so."""
    cae = current_cae()
    if cae is None:
        raise RuntimeError("Services are sold by a CAE: call this inside its schema.")
    allowed = allowed_vat_rates(cae.vat_regime)
    if vat_rate in allowed:
        return None
    if cae.vat_regime == FRANCHISE_REGIME:
        return _(
            "Sous le régime de la franchise en base de TVA, les prestations sont facturées "
            "sans TVA (taux 0)."
        )
    *first, last = [_percent(rate) for rate in allowed]
    rates = _("%(first)s ou %(last)s") % {"first": ", ".join(first), "last": last}
    return _("Taux de TVA non autorisé : %(rates)s.") % {"rates": rates}


def _check_price_and_rate(service: Service) -> None:
    """Refuse a negative price or a VAT rate the CAE may not charge; round the price."""
    if service.unit_price_excl_vat < 0:
        raise _refuse(_("Un prix ne peut pas être négatif."), field="unit_price_excl_vat")
    service.unit_price_excl_vat = to_cents(service.unit_price_excl_vat)
    refusal = _vat_rate_refusal(service.vat_rate)
    if refusal:
        raise _refuse(refusal, field="vat_rate")


@transaction.atomic
def service_create(
    *,
    cohort: Cohort,
    name: str,
    unit: str,
    unit_price_excl_vat: Decimal,
    vat_rate: Decimal,
    description: str = "",
) -> Service:
    """Offer a new service in a cohort, its price rounded to the cent."""
    service = Service(
        cohort=cohort,
        name=name.strip(),
        description=description.strip(),
        unit=unit,
        unit_price_excl_vat=unit_price_excl_vat,
        vat_rate=vat_rate,
    )
    _check_price_and_rate(service)
    _full_clean(service, _("Cette prestation ne peut pas être enregistrée."))
    service.save()
    return service


@transaction.atomic
def service_update(*, service: Service, changes: Mapping[str, Any]) -> Service:
    """Change a service's description, price or VAT rate (or offer it again)."""
    unknown = set(changes) - SERVICE_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a service: {sorted(unknown)}")
    service = Service.objects.select_for_update().get(pk=service.pk)
    for field, value in changes.items():
        setattr(service, field, value.strip() if isinstance(value, str) else value)
    _check_price_and_rate(service)
    _full_clean(service, _("Ces modifications ne peuvent pas être enregistrées."))
    service.save(update_fields=sorted(changes))
    return service


@transaction.atomic
def service_deactivate(*, service: Service) -> Service:
    """Stop offering a service; it stays on record for the quotes and invoices that name it."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    service.is_active = False
    service.save(update_fields=["is_active"])
    return service


def _normalise_identifiers(client: Client) -> None:
    """SIRET and VAT number without spaces or dots (FR prefix added), as the registry does."""
    client.siret = compact_siret(client.siret) if client.siret.strip() else ""
    client.vat_number = compact_vat_number(client.vat_number) if client.vat_number.strip() else ""


def _check_identifiers(client: Client, message: str) -> None:
    """The rules of each kind of client on SIRET and VAT number, then the fields' own checks."""
    if client.kind == ClientKind.COMPANY and not _is_valid_siret(client.siret):
        raise _refuse(_("Une entreprise cliente a un SIRET (14 chiffres)."), field="siret")
    if client.kind == ClientKind.INDIVIDUAL and (client.siret or client.vat_number):
        raise _refuse(
            _("Un particulier n'a ni SIRET ni numéro de TVA."),
            field="siret" if client.siret else "vat_number",
        )
    _full_clean(client, message)
    if client.siret and client.vat_number and vat_number_siren(client.vat_number) != client.siren:
        raise _refuse(
            _("Ce numéro de TVA ne correspond pas au SIREN du SIRET (%(siren)s).")
            % {"siren": client.siren},
            field="vat_number",
        )


def _is_valid_siret(value: str) -> bool:
    try:
        validate_siret(value)
    except ValidationError:
        return False
    return True


@transaction.atomic
def client_create(
    *,
    kind: str,
    name: str,
    address: str,
    postcode: str,
    city: str,
    siret: str = "",
    vat_number: str = "",
    email: str = "",
    phone: str = "",
    cohort: Cohort | None = None,
) -> Client:
    """Record a client of the CAE (found by `cohort`, if given)."""
    client = Client(
        kind=kind,
        name=name.strip(),
        siret=siret,
        vat_number=vat_number,
        address=address.strip(),
        postcode=postcode.strip(),
        city=city.strip(),
        email=email,
        phone=phone.strip(),
        cohort=cohort,
    )
    _normalise_identifiers(client)
    _check_identifiers(client, _("Ce client ne peut pas être enregistré."))
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, changes: Mapping[str, Any]) -> Client:
    """Change a client's details; the rules of its (possibly new) kind still hold."""
    unknown = set(changes) - CLIENT_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a client: {sorted(unknown)}")
    client = Client.objects.select_for_update().get(pk=client.pk)
    for field, value in changes.items():
        setattr(client, field, value.strip() if isinstance(value, str) else value)
    _normalise_identifiers(client)
    _check_identifiers(client, _("Ces modifications ne peuvent pas être enregistrées."))
    client.save(update_fields=sorted(changes))
    return client


@transaction.atomic
def client_contact_add(
    *, client: Client, full_name: str, role: str = "", email: str = "", phone: str = ""
) -> ClientContact:
    """Add a person to talk to at a client; an e-mail address or a phone number is needed."""
    contact = ClientContact(
        client=client,
        full_name=full_name.strip(),
        role=role.strip(),
        email=email.strip(),
        phone=phone.strip(),
    )
    _full_clean(contact, _("Ce contact ne peut pas être enregistré."))
    contact.save()
    return contact
