"""Rows of a CAE's schema for the people tests; use them inside `tenant_context()`.

Create rows with `XFactory.create(...)`: typed, unlike calling the factory. Dates are relative
to the next summer, so that the tests never age into the past: a cohort starts on 1 July of next
year and `born_aged(n)` is a birth date giving `n` full years on that day.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from factory.helpers import lazy_attribute

from tenants.cohorts.models import Cohort, CohortStatus, Programme
from tenants.people.models import Gender, Guardian, Member, StatusAtEntry

NEXT_SUMMER = datetime.date(timezone.localdate().year + 1, 7, 1)

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def born_aged(age: int, on: datetime.date = NEXT_SUMMER) -> datetime.date:
    """A birth date giving exactly `age` full years on `on`: their birthday is that very day."""
    day = 28 if (on.month, on.day) == (2, 29) else on.day
    return datetime.date(on.year - age, on.month, day)


def pdf_upload(name: str = "autorisation.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


class CohortFactory(DjangoModelFactory[Cohort]):
    class Meta:
        model = Cohort

    name = "CJS de Vannes"
    programme = Programme.CJS
    status = CohortStatus.RECRUITING
    starts_on = NEXT_SUMMER
    ends_on = NEXT_SUMMER + datetime.timedelta(days=60)
    places = 12


class MemberFactory(DjangoModelFactory[Member]):
    class Meta:
        model = Member

    first_name = "Lina"
    last_name = "Le Goff"
    birth_date = born_aged(17)
    gender = Gender.FEMALE
    postcode = "56000"
    qpv_resident = True
    status_at_entry = StatusAtEntry.SCHOOL
    emergency_contact_name = "Anne Le Goff"
    emergency_contact_phone = "0600000000"


class GuardianFactory(DjangoModelFactory[Guardian]):
    class Meta:
        model = Guardian

    full_name = "Anne Le Goff"
    relationship = "mère"
    phone = "0600000000"

    @lazy_attribute
    def member(self) -> Member:
        return MemberFactory.create()

    @lazy_attribute
    def authorisation_file(self) -> SimpleUploadedFile:
        return pdf_upload()

    @lazy_attribute
    def authorisation_signed_on(self) -> datetime.date:
        return timezone.localdate()
