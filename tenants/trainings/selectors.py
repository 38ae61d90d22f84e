"""Reading ateliers and their attendance: who may attend a session, the hours per member and
per cohort over a period, and a cohort's totals for the national indicators."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from tenants.people.models import Enrolment, Member
from tenants.trainings.models import Attendance, TrainingSession

ZERO = Decimal("0.00")
HOURS = DecimalField(max_digits=12, decimal_places=2)


def _enrolled_on(day: datetime.date) -> Q:
    """Enrolled on `day`: joined by then and not withdrawn before it (the day itself counts)."""
    return Q(enrolled_on__lte=day) & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=day))


def training_members_of_day(*, cohort_id: int, day: datetime.date) -> list[int]:
    """The ids of the cohort's members enrolled on `day`: who may attend an atelier then."""
    return list(
        Enrolment.objects.filter(_enrolled_on(day), cohort_id=cohort_id)
        .order_by("member_id")
        .values_list("member_id", flat=True)
    )


def training_session_members(*, session: TrainingSession) -> QuerySet[Member]:
    """The members who may attend this session, by name."""
    return Member.objects.filter(
        pk__in=Enrolment.objects.filter(
            _enrolled_on(session.date), cohort_id=session.cohort_id
        ).values("member_id")
    ).order_by("last_name", "first_name", "pk")


def training_session_list(
    *,
    cohort_id: int,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[TrainingSession]:
    """A cohort's ateliers in date order, with the number of members present on each."""
    sessions = TrainingSession.objects.filter(cohort_id=cohort_id)
    if start is not None:
        sessions = sessions.filter(date__gte=start)
    if end is not None:
        sessions = sessions.filter(date__lte=end)
    return sessions.annotate(
        present_count=Count("attendances", filter=Q(attendances__present=True))
    ).order_by("date", "starts_at", "pk")


def training_session_get(*, session_id: int) -> TrainingSession | None:
    """The session, whoever may see it: callers check its cohort with coopilote.access."""
    return TrainingSession.objects.select_related("cohort").filter(pk=session_id).first()


def training_attendance_list(*, session: TrainingSession) -> QuerySet[Attendance]:
    """The session's attendance rows with their members, by name."""
    return (
        Attendance.objects.filter(session=session)
        .select_related("member")
        .order_by("member__last_name", "member__first_name", "member_id")
    )


def _attendance_in(start: datetime.date | None, end: datetime.date | None) -> QuerySet[Attendance]:
    rows = Attendance.objects.filter(present=True)
    if start is not None:
        rows = rows.filter(session__date__gte=start)
    if end is not None:
        rows = rows.filter(session__date__lte=end)
    return rows


def training_hours_per_member(
    *,
    cohort_id: int,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> dict[int, Decimal]:
    """Hours of ateliers attended per member of the cohort over the period (one query);
    members who attended nothing are absent from the mapping."""
    rows = (
        _attendance_in(start, end)
        .filter(session__cohort_id=cohort_id)
        .values("member_id")
        .annotate(total=Sum("hours"))
        .order_by("member_id")
    )
    return {row["member_id"]: row["total"] for row in rows}


def training_hours_per_cohort(
    *,
    cohort_ids: Iterable[int],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> dict[int, Decimal]:
    """Member-hours of ateliers attended per cohort over the period (one query)."""
    rows = (
        _attendance_in(start, end)
        .filter(session__cohort_id__in=list(cohort_ids))
        .values("session__cohort_id")
        .annotate(total=Sum("hours"))
        .order_by("session__cohort_id")
    )
    return {row["session__cohort_id"]: row["total"] for row in rows}


@dataclass(frozen=True)
class TrainingIndicators:
    """A cohort's trainings in figures. `attendance_rate` is the member-hours attended over
    the member-hours offered (for each recorded member, the session's duration), None when no
    attendance was recorded yet."""

    sessions: int
    hours_delivered: Decimal
    member_hours_attended: Decimal
    member_hours_offered: Decimal

    @property
    def attendance_rate(self) -> Decimal | None:
        if not self.member_hours_offered:
            return None
        return (self.member_hours_attended / self.member_hours_offered).quantize(Decimal("0.0001"))


def _per_session(total: str) -> Subquery:
    return Subquery(
        Attendance.objects.filter(session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(total=Sum(total))
        .values("total"),
        output_field=HOURS,
    )


def training_indicators(*, cohort_id: int) -> TrainingIndicators:
    """The cohort's totals: sessions, hours delivered, member-hours attended and offered
    (one query), for the cohort's pages and, later, the national indicators."""
    totals = (
        TrainingSession.objects.filter(cohort_id=cohort_id)
        .annotate(attended=_per_session("hours"), offered=_per_session("session__duration_hours"))
        .aggregate(
            sessions=Count("pk"),
            hours_delivered=Coalesce(Sum("duration_hours"), Value(ZERO), output_field=HOURS),
            member_hours_attended=Coalesce(Sum("attended"), Value(ZERO), output_field=HOURS),
            member_hours_offered=Coalesce(Sum("offered"), Value(ZERO), output_field=HOURS),
        )
    )
    return TrainingIndicators(
        sessions=totals["sessions"],
        hours_delivered=totals["hours_delivered"],
        member_hours_attended=totals["member_hours_attended"],
        member_hours_offered=totals["member_hours_offered"],
    )
