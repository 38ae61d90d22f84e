"""Reading the directory (public schema only)."""

from __future__ import annotations

from django.db.models import QuerySet

from network.showcase.models import PublishedCohort


def directory_list(*, programme: str = "", town: str = "") -> QuerySet[PublishedCohort]:
    """Published cohorts of every CAE, filtered by programme type and town."""
    return PublishedCohort.objects.select_related("cae").filtered(programme=programme, town=town)


def directory_towns() -> list[str]:
    towns = PublishedCohort.objects.exclude(town="").order_by().values_list("town", flat=True)
    return sorted(towns.distinct(), key=str.lower)
