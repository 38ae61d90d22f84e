"""Reading members, enrolments and committees, narrowed to the cohorts a person may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from coopilote.access import Action, cohort_scope
from tenants.people.models import Committee, CommitteeSeat, Enrolment, Guardian, Member


def member_list(*, user: Any, cae: Any, action: Action = Action.MEMBER_VIEW) -> QuerySet[Member]:
    """The members on whom `user` may do `action`: all of the CAE's for its staff (even those not
    enrolled yet), else those enrolled in the person's cohorts, showing only those enrolments."""
    scope = cohort_scope(user, action, cae=cae)
    enrolments = Enrolment.objects.select_related("cohort").order_by("enrolled_on", "pk")
    members = Member.objects.all()
    if scope is not None:
        members = members.enrolled_in(scope)
        enrolments = enrolments.filter(cohort_id__in=scope)
    return members.prefetch_related(
        Prefetch("enrolments", queryset=enrolments),
        Prefetch("guardians", queryset=Guardian.objects.order_by("recorded_at", "pk")),
    ).order_by("last_name", "first_name", "pk")


def member_get(
    *, user: Any, cae: Any, member_id: int, action: Action = Action.MEMBER_VIEW
) -> Member | None:
    """The member, if `user` may do `action` on them; None otherwise (or if there is none)."""
    return member_list(user=user, cae=cae, action=action).filter(pk=member_id).first()


def enrolment_list(*, cohort_id: int) -> QuerySet[Enrolment]:
    """A cohort's enrolments, current and past, with their members."""
    return (
        Enrolment.objects.filter(cohort_id=cohort_id)
        .select_related("member")
        .order_by("enrolled_on", "pk")
    )


def enrolment_get(*, enrolment_id: int, cohort_id: int | None = None) -> Enrolment | None:
    """The enrolment (in `cohort_id` when given), or None."""
    enrolments = Enrolment.objects.select_related("member", "cohort")
    if cohort_id is not None:
        enrolments = enrolments.filter(cohort_id=cohort_id)
    return enrolments.filter(pk=enrolment_id).first()


def committee_list(*, cohort_id: int) -> QuerySet[Committee]:
    """A cohort's committees, each with its seats (current and past) and who holds them."""
    seats = CommitteeSeat.objects.select_related("enrolment__member").order_by("starts_on", "pk")
    return (
        Committee.objects.filter(cohort_id=cohort_id)
        .prefetch_related(Prefetch("seats", queryset=seats))
        .order_by("name", "pk")
    )


def committee_get(*, committee_id: int) -> Committee | None:
    return Committee.objects.select_related("cohort").filter(pk=committee_id).first()


def member_choices() -> list[tuple[int, str]]:
    """(id, "Last First") of every member of the CAE, for a filter's list (CAE staff only)."""
    return [
        (pk, f"{last_name} {first_name}")
        for pk, last_name, first_name in Member.objects.order_by(
            "last_name", "first_name", "pk"
        ).values_list("pk", "last_name", "first_name")
    ]
