"""Reading local committees: a CAE's own, a partner's, and the network's organisations."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from network.committees.models import (
    CommitteeMeeting,
    LocalCommittee,
    PartnerOrganisation,
    PartnerPerson,
    Seat,
)
from network.registry.models import Cae


def local_committee_list(*, cae: Cae, user: Any | None = None) -> QuerySet[LocalCommittee]:
    """The CAE's committees with their supported cohort ids and current seats; only those where
    `user` holds a current seat when given (a partner's view)."""
    committees = LocalCommittee.objects.filter(cae=cae)
    if user is not None:
        committees = committees.filter(
            seats__person__user=user, seats__left_on__isnull=True
        ).distinct()
    return committees.prefetch_related(
        "supported_cohorts",
        Prefetch(
            "seats",
            queryset=Seat.objects.current().select_related("person__organisation"),
            to_attr="current_seats",
        ),
    ).annotate(meeting_count=Count("meetings", distinct=True))


def local_committee_get(*, cae: Cae, committee_id: int) -> LocalCommittee | None:
    return LocalCommittee.objects.filter(cae=cae, pk=committee_id).first()


def partner_seated(*, committee: LocalCommittee, user: Any) -> bool:
    """Whether `user` currently sits on the committee (partners read their committee's pages)."""
    return (
        committee.dissolved_on is None
        and committee.seats.current().filter(person__user=user).exists()
    )


def committee_seats(*, committee: LocalCommittee) -> QuerySet[Seat]:
    """Every seat, current and past, oldest first."""
    return committee.seats.select_related("person__organisation").order_by("joined_on", "pk")


def committee_meetings(*, committee: LocalCommittee) -> QuerySet[CommitteeMeeting]:
    return committee.meetings.prefetch_related(
        "decisions", Prefetch("attendees", queryset=PartnerPerson.objects.order_by("last_name"))
    )


def committee_meeting_get(*, committee: LocalCommittee, meeting_id: int) -> CommitteeMeeting | None:
    return committee_meetings(committee=committee).filter(pk=meeting_id).first()


def organisation_list(*, search: str = "") -> QuerySet[PartnerOrganisation]:
    """The network's partner organisations, with how many CAEs and committees they sit in."""
    organisations = PartnerOrganisation.objects.all()
    if search:
        organisations = organisations.filter(Q(name__icontains=search) | Q(town__icontains=search))
    current = Q(people__seats__left_on__isnull=True)
    return organisations.annotate(
        committee_count=Count("people__seats__committee", filter=current, distinct=True),
        cae_count=Count("people__seats__committee__cae", filter=current, distinct=True),
    )
