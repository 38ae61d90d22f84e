"""Rows of a CAE's schema for the commerce tests; use them inside `tenant_context()`."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from factory.django import DjangoModelFactory
from factory.helpers import lazy_attribute

from network.registry.fictional import fictional_identity
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientKind, Job, Quote, Service, ServiceUnit
from tenants.people.models import Enrolment, Member
from tests.tenants.people.factories import CohortFactory, MemberFactory

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


# --- Quotes and jobs -----------------------------------------------------------------------


class QuoteFactory(DjangoModelFactory[Quote]):
    """A draft quote (add lines with quote_line_add, send it with quote_send)."""

    class Meta:
        model = Quote

    subject = "Entretien du jardin"

    @lazy_attribute
    def valid_until(self) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=30)

    @lazy_attribute
    def cohort(self) -> Cohort:
        return CohortFactory.create()

    @lazy_attribute
    def client(self) -> Client:
        return ClientFactory.create(email="commandes@fournil.example")


class JobFactory(DjangoModelFactory[Job]):
    """A planned job, without slots or members."""

    class Meta:
        model = Job

    title = "Tonte de pelouse"
    quantity = Decimal("3.00")
    unit = ServiceUnit.HOUR
    unit_price_excl_vat = Decimal("15.00")
    vat_rate = Decimal("20.0")

    @lazy_attribute
    def cohort(self) -> Cohort:
        return CohortFactory.create()

    @lazy_attribute
    def client(self) -> Client:
        return ClientFactory.create()


def enrolled_member(cohort: Cohort, *, first_name: str = "Lina") -> Member:
    """A member enrolled in `cohort` (rows written directly: enrolment rules are people's)."""
    member = MemberFactory.create(first_name=first_name)
    Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=cohort.starts_on)
    return member
