from __future__ import annotations

from django.db.models import QuerySet

from tenants.cohorts.models import Cohort, CohortStatus, CohortTransition


def cohort_list(*, cohort_ids: frozenset[int] | None = None) -> QuerySet[Cohort]:
    """The cohorts of the current CAE, narrowed to `cohort_ids` unless None (all)."""
    cohorts = Cohort.objects.select_related("staff_in_charge").order_by("-starts_on", "name")
    return cohorts if cohort_ids is None else cohorts.filter(pk__in=cohort_ids)


def cohort_history(*, cohort: Cohort) -> QuerySet[CohortTransition]:
    return cohort.transitions.select_related("by").order_by("at", "pk")


def cohort_get(*, cohort_id: int) -> Cohort | None:
    return Cohort.objects.filter(pk=cohort_id).first()


def cohort_list_open_for_enrolment() -> QuerySet[Cohort]:
    """The cohorts that take enrolments now: recruiting or running."""
    return Cohort.objects.filter(
        status__in=[CohortStatus.RECRUITING, CohortStatus.RUNNING]
    ).order_by("-starts_on", "name")
