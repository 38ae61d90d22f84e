"""Ateliers: planned and changed within the cohort's dates, attendance recorded in one go for
the members enrolled on the day. Every refusal saves nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from tenants.cohorts.models import Cohort
from tenants.cohorts.tasks import facts_publish_on_commit
from tenants.trainings.models import Attendance, TrainingSession, TrainingTopic
from tenants.trainings.selectors import training_members_of_day

EDITABLE_FIELDS = frozenset(
    {
        "topic",
        "title",
        "trainer_name",
        "trainer_organisation",
        "date",
        "starts_at",
        "ends_at",
        "place",
        "notes",
    }
)
ZERO = Decimal("0.00")


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def duration_in_hours(starts_at: datetime.time, ends_at: datetime.time) -> Decimal:
    """The hours between two times of the same day, to the hundredth."""
    minutes = (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def _check_and_save(session: TrainingSession) -> TrainingSession:
    if session.ends_at <= session.starts_at:
        raise _refuse(_("Un atelier finit après avoir commencé."), "ends_at")
    cohort = session.cohort
    if not cohort.starts_on <= session.date <= cohort.ends_on:
        raise _refuse(
            _(
                "La date doit être comprise entre le %(start)s et le %(end)s (dates de la "
                "coopérative)."
            )
            % {
                "start": cohort.starts_on.strftime("%d/%m/%Y"),
                "end": cohort.ends_on.strftime("%d/%m/%Y"),
            },
            "date",
        )
    session.title = session.title.strip()
    if session.topic == TrainingTopic.OTHER and not session.title:
        raise _refuse(_("Donnez un intitulé à un atelier « Autre »."), "title")
    session.duration_hours = duration_in_hours(session.starts_at, session.ends_at)
    try:
        session.full_clean()
    except ValidationError as error:
        raise ApplicationError(
            _("Cet atelier ne peut pas être enregistré."), errors=error
        ) from error
    session.save()
    return session


@transaction.atomic
def training_session_create(
    *,
    cohort: Cohort,
    topic: str,
    trainer_name: str,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    title: str = "",
    trainer_organisation: str = "",
    place: str = "",
    notes: str = "",
) -> TrainingSession:
    """Plan an atelier for the cohort, on a day within its dates."""
    session = TrainingSession(
        cohort=cohort,
        topic=topic,
        title=title,
        trainer_name=trainer_name,
        trainer_organisation=trainer_organisation,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        notes=notes,
    )
    return _check_and_save(session)


@transaction.atomic
def training_session_update(
    *, session: TrainingSession, changes: Mapping[str, Any]
) -> TrainingSession:
    """Change an atelier; refused when the attendance already recorded would no longer fit
    (hours above the new duration, a present member not enrolled on the new day)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a training session: {sorted(unknown)}")
    locked = TrainingSession.objects.select_for_update().select_related("cohort").get(pk=session.pk)
    for field, value in changes.items():
        setattr(locked, field, value)
    if locked.ends_at > locked.starts_at:
        duration = duration_in_hours(locked.starts_at, locked.ends_at)
        if locked.attendances.filter(hours__gt=duration).exists():
            raise _refuse(
                _("Des présences relevées dépassent la nouvelle durée : corrigez-les d'abord."),
                "ends_at",
            )
    present = set(locked.attendances.filter(present=True).values_list("member_id", flat=True))
    if present - set(training_members_of_day(cohort_id=locked.cohort_id, day=locked.date)):
        raise _refuse(
            _(
                "Des coopérant·es présent·es ne sont pas inscrit·es à cette date : corrigez "
                "les présences d'abord."
            ),
            "date",
        )
    return _check_and_save(locked)


@transaction.atomic
def training_session_delete(*, session: TrainingSession) -> None:
    """Remove an atelier and its attendance (e.g. cancelled)."""
    TrainingSession.objects.filter(pk=session.pk).delete()


@transaction.atomic
def attendance_record(
    *,
    session: TrainingSession,
    present_member_ids: Iterable[int],
    hours_by_member: Mapping[int, Decimal] | None = None,
) -> list[Attendance]:
    """Record who attended (replacing any earlier record): one row per member enrolled in the
    cohort on the day; a present member attended the whole session unless `hours_by_member`
    says less. Refused, with nothing saved, for anyone not enrolled on that day."""
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    present = set(present_member_ids)
    hours_given = dict(hours_by_member or {})
    members = training_members_of_day(cohort_id=locked.cohort_id, day=locked.date)
    outsiders = (present | set(hours_given)) - set(members)
    if outsiders:
        raise _refuse(
            _(
                "Seul·es les coopérant·es inscrit·es à la date de l'atelier peuvent y être "
                "présent·es."
            ),
            "present",
        )
    if set(hours_given) - present:
        raise _refuse(_("Des heures sont indiquées pour une personne absente."), "hours")
    for hours in hours_given.values():
        if not ZERO <= hours <= locked.duration_hours:
            raise _refuse(
                _("Les heures suivies vont de 0 à la durée de l'atelier (%(hours)s h).")
                % {"hours": locked.duration_hours},
                "hours",
            )
    Attendance.objects.filter(session=locked).delete()
    facts_publish_on_commit(cohort_id=session.cohort_id)
    return Attendance.objects.bulk_create(
        Attendance(
            session=locked,
            member_id=member_id,
            present=member_id in present,
            hours=hours_given.get(member_id, locked.duration_hours)
            if member_id in present
            else ZERO,
        )
        for member_id in sorted(members)
    )
