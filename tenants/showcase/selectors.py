"""Reading cohorts' public pages, their photos, testimonials and quote requests."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.cohorts.models import Cohort
from tenants.commerce.models import Service
from tenants.people.models import Enrolment, EnrolmentStatus
from tenants.showcase.models import (
    FirstNameConsent,
    PhotoStatus,
    PublicPage,
    QuoteRequest,
    ShowcasePhoto,
    Testimonial,
)


def page_for_cohort(*, cohort_id: int) -> PublicPage | None:
    return PublicPage.objects.filter(cohort_id=cohort_id).select_related("cohort").first()


def page_published_get(*, slug: str) -> PublicPage | None:
    """A published page by its address; None for an unknown or hidden one (a 404)."""
    return PublicPage.objects.filter(slug=slug, is_published=True).select_related("cohort").first()


def public_first_names(*, cohort: Cohort) -> list[str]:
    """First names of the cohort's current members who agreed to show theirs, nothing else."""
    consenting = FirstNameConsent.objects.filter(cohort=cohort, withdrawn_on__isnull=True).values(
        "member_id"
    )
    return list(
        Enrolment.objects.filter(
            cohort=cohort, status=EnrolmentStatus.ENROLLED, member_id__in=consenting
        )
        .order_by("member__first_name")
        .values_list("member__first_name", flat=True)
    )


def consenting_member_ids(*, cohort: Cohort) -> set[int]:
    return set(
        FirstNameConsent.objects.filter(cohort=cohort, withdrawn_on__isnull=True).values_list(
            "member_id", flat=True
        )
    )


def public_services(*, cohort: Cohort) -> QuerySet[Service]:
    return Service.objects.filter(cohort=cohort).active()


def photo_list(*, cohort: Cohort, status: str | None = None) -> QuerySet[ShowcasePhoto]:
    photos = ShowcasePhoto.objects.filter(cohort=cohort)
    return photos.filter(status=status) if status else photos


def approved_photos(*, cohort: Cohort) -> QuerySet[ShowcasePhoto]:
    return photo_list(cohort=cohort, status=PhotoStatus.APPROVED)


def photo_get(*, cohort_id: int, photo_id: int, status: str | None = None) -> ShowcasePhoto | None:
    """A photo of the cohort (of that status, if given); None for any other (a 404)."""
    photos = ShowcasePhoto.objects.filter(cohort_id=cohort_id, pk=photo_id)
    return photos.filter(status=status).first() if status else photos.first()


def published_testimonials(*, cohort: Cohort) -> QuerySet[Testimonial]:
    return Testimonial.objects.filter(cohort=cohort, is_published=True).select_related("client")


def testimonial_list(*, cohort: Cohort) -> QuerySet[Testimonial]:
    return Testimonial.objects.filter(cohort=cohort).select_related("client")


def quote_request_list(*, cohort_id: int) -> QuerySet[QuoteRequest]:
    return QuoteRequest.objects.filter(cohort_id=cohort_id).select_related("quote", "client")


def quote_request_get(*, request_id: int) -> QuoteRequest | None:
    return QuoteRequest.objects.filter(pk=request_id).select_related("quote", "cohort").first()
