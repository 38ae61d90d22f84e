"""Reading the directory (public schema only)."""

from __future__ import annotations

from django.db.models import QuerySet

from network.showcase.models import PublishedCohort


def directory_list(*, programme: str = "", town: str = "") -> QuerySet[PublishedCohort]:
    """Published cohorts of every CAE, filtered by programme type and town."""
    return PublishedCohort.objects.select_related("cae").filtered(programme=programme, town=town)


def directory_towns() -> list[str]:
    return sorted(
        set(PublishedCohort.objects.exclude(town="").values_list("town", flat=True)), key=str.lower
    )
