"""Rows of a CAE's schema for the commerce tests; use them inside `tenant_context()`."""

from __future__ import annotations

from decimal import Decimal

from factory.django import DjangoModelFactory
from factory.helpers import lazy_attribute

from network.registry.fictional import fictional_identity
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientKind, Service, ServiceUnit
from tests.tenants.people.factories import CohortFactory

# Valid but fictional numbers (SIREN 99…, a range INSEE has not allocated).
COMPANY = fictional_identity(41)
OTHER_COMPANY = fictional_identity(42)


class ServiceFactory(DjangoModelFactory[Service]):
    class Meta:
        model = Service

    name = "Tonte de pelouse"
    unit = ServiceUnit.HOUR
    unit_price_excl_vat = Decimal("15.00")
    vat_rate = Decimal("20.0")

    @lazy_attribute
    def cohort(self) -> Cohort:
        return CohortFactory.create()


class ClientFactory(DjangoModelFactory[Client]):
    class Meta:
        model = Client

    kind = ClientKind.COMPANY
    name = "Boulangerie Le Fournil"
    siret = COMPANY["siret"]
    vat_number = COMPANY["vat_number"]
    address = "3 place des Lices"
    postcode = "56000"
    city = "Vannes"
