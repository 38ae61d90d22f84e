from __future__ import annotations

from django.db.models import QuerySet

from tenants.cohorts.models import Cohort


def cohort_list() -> QuerySet[Cohort]:
    """The cohorts of the current CAE (the schema is the request's or task's)."""
    return Cohort.objects.order_by("-starts_on", "name")
