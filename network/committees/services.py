"""Local committees: partners kept once for the network, seats, meetings, and partners' access.

Cohort ids are checked by the caller in the CAE's schema (the network never reads tenant tables
during a request): every function here trusts that `cohort_ids` name cohorts of `committee.cae`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.accounts.models import Membership, Role, User
from coopilote.accounts.services import invitation_send, user_get_or_invite
from coopilote.errors import ApplicationError
from coopilote.tasking.services import task_enqueue_on_commit, task_run_record
from coopilote.tenancy import site_url
from network.committees.models import (
    CommitteeDecision,
    CommitteeMeeting,
    LocalCommittee,
    PartnerOrganisation,
    PartnerPerson,
    Seat,
    SupportedCohort,
)
from network.registry.models import Cae


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _full_clean(instance: PartnerOrganisation | PartnerPerson | LocalCommittee) -> None:
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise ApplicationError(_("Ces informations ne sont pas valides."), errors=error) from error


@transaction.atomic
def organisation_get_or_create(
    *, name: str, kind: str, town: str, siret: str = ""
) -> PartnerOrganisation:
    """The network's record of this organisation (same SIRET, or same name in the same town),
    created if it is new: one record per organisation for every CAE."""
    name, town, siret = name.strip(), town.strip(), siret.replace(" ", "")
    existing = PartnerOrganisation.objects.filter(name__iexact=name, town__iexact=town)
    if siret:
        existing = existing | PartnerOrganisation.objects.filter(siret=siret)
    organisation = existing.order_by("pk").first()
    if organisation is not None:
        return organisation
    organisation = PartnerOrganisation(name=name, kind=kind, town=town, siret=siret)
    _full_clean(organisation)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:  # created by someone else meanwhile
        return PartnerOrganisation.objects.get(name__iexact=name, town__iexact=town)
    return organisation


@transaction.atomic
def partner_person_get_or_create(
    *,
    organisation: PartnerOrganisation,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str = "",
) -> PartnerPerson:
    """The partner person with this email (one record per person), created if new."""
    email = User.objects.normalize_email(email.strip()).lower()
    person = PartnerPerson.objects.filter(email=email).first()
    if person is not None:
        if person.organisation_id != organisation.pk:
            raise _refuse(
                _("Cette adresse est déjà celle d'un·e partenaire de %(organisation)s.")
                % {"organisation": person.organisation},
                "email",
            )
        return person
    person = PartnerPerson(
        organisation=organisation,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        job_title=job_title.strip(),
    )
    _full_clean(person)
    person.save()
    return person


@transaction.atomic
def local_committee_create(*, cae: Cae, name: str, cohort_ids: Iterable[int]) -> LocalCommittee:
    """A new committee of `cae`, supporting these cohorts of it."""
    name = name.strip()
    if LocalCommittee.objects.filter(cae=cae, name__iexact=name).exists():
        raise _refuse(_("Cette CAE a déjà un comité local de ce nom."), "name")
    committee = LocalCommittee(cae=cae, name=name)
    _full_clean(committee)
    committee.save()
    SupportedCohort.objects.bulk_create(
        SupportedCohort(committee=committee, cohort_id=cohort_id) for cohort_id in set(cohort_ids)
    )
    return committee


def _locked(committee: LocalCommittee) -> LocalCommittee:
    return LocalCommittee.objects.select_for_update().get(pk=committee.pk)


@transaction.atomic
def local_committee_cohorts_set(
    *, committee: LocalCommittee, cohort_ids: Iterable[int]
) -> LocalCommittee:
    """Change which cohorts the committee supports; its partners' access follows at once."""
    committee = _locked(committee)
    wanted = set(cohort_ids)
    SupportedCohort.objects.filter(committee=committee).exclude(cohort_id__in=wanted).delete()
    have = set(committee.supported_cohorts.values_list("cohort_id", flat=True))
    SupportedCohort.objects.bulk_create(
        SupportedCohort(committee=committee, cohort_id=cohort_id) for cohort_id in wanted - have
    )
    _sync_committee(committee)
    return committee


@transaction.atomic
def local_committee_dissolve(
    *, committee: LocalCommittee, on: datetime.date | None = None
) -> LocalCommittee:
    """Dissolve the committee: its seats end and its partners lose the access it gave them."""
    committee = _locked(committee)
    if committee.dissolved_on is not None:
        raise _refuse(_("Ce comité est déjà dissous."))
    on = on or timezone.localdate()
    committee.dissolved_on = on
    committee.save(update_fields=["dissolved_on"])
    committee.seats.current().update(left_on=on)
    _sync_committee(committee)
    return committee


@transaction.atomic
def seat_add(
    *, committee: LocalCommittee, person: PartnerPerson, joined_on: datetime.date | None = None
) -> Seat:
    """Seat `person` on the committee: they get an account if new, read-only access to the
    cohorts the committee supports, and an email (after the commit) saying so."""
    committee = _locked(committee)
    if committee.dissolved_on is not None:
        raise _refuse(_("Ce comité est dissous."))
    if committee.seats.current().filter(person=person).exists():
        raise _refuse(_("Cette personne siège déjà à ce comité."), "person")
    user = person.user
    if user is None:
        user = user_get_or_invite(
            email=person.email, first_name=person.first_name, last_name=person.last_name
        )
        person.user = user
        person.save(update_fields=["user"])
    seat = Seat.objects.create(
        committee=committee, person=person, joined_on=joined_on or timezone.localdate()
    )
    partner_access_sync(user=user, cae=committee.cae)
    from network.committees.tasks import seat_invite_task  # the tasks module imports this one

    task_enqueue_on_commit(seat_invite_task, seat_id=seat.pk)
    return seat


@transaction.atomic
@transaction.atomic
def partner_seat(
    *,
    committee: LocalCommittee,
    organisation: Mapping[str, str],
    first_name: str,
    last_name: str,
    email: str,
    job_title: str = "",
    joined_on: datetime.date | None = None,
) -> Seat:
    """Seat a partner given by their organisation (`name`, `kind`, `town`, optional `siret`) and
    themself: the network's records are reused when they exist, created otherwise."""
    person = partner_person_get_or_create(
        organisation=organisation_get_or_create(**organisation),
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
    )
    return seat_add(committee=committee, person=person, joined_on=joined_on)


@transaction.atomic
def seat_end(*, seat: Seat, left_on: datetime.date | None = None) -> Seat:
    """The person leaves the committee; the access it gave them ends now."""
    seat = Seat.objects.select_for_update().select_related("committee", "person").get(pk=seat.pk)
    if seat.left_on is not None:
        raise _refuse(_("Cette personne a déjà quitté le comité."))
    seat.left_on = left_on or timezone.localdate()
    if seat.left_on < seat.joined_on:
        raise _refuse(_("La date de départ précède l'arrivée."), "left_on")
    seat.save(update_fields=["left_on"])
    if seat.person.user is not None:
        partner_access_sync(user=seat.person.user, cae=seat.committee.cae)
    return seat


def seat_invite(*, seat: Seat) -> bool:
    """Email the partner their access, once per seat; return whether it was sent now."""
    committee = seat.committee
    with transaction.atomic():
        _run, created = task_run_record(
            key=f"committees.invite:{seat.pk}", task_name="committees.seat_invite"
        )
        if created and seat.person.user is not None:
            invitation_send(
                user=seat.person.user,
                site_name=f"{committee.cae.name} · {committee.name}",
                site_url=site_url(committee.cae.slug),
            )
    return created


def _sync_committee(committee: LocalCommittee) -> None:
    users = User.objects.filter(partner_person__seats__committee=committee).distinct()
    for user in users:
        partner_access_sync(user=user, cae=committee.cae)


@transaction.atomic
def partner_access_sync(*, user: User, cae: Cae) -> None:
    """Make `user`'s partner roles in `cae` exactly the cohorts supported by the active
    committees of `cae` where they hold a current seat."""
    wanted = set(
        SupportedCohort.objects.filter(
            committee__cae=cae,
            committee__dissolved_on__isnull=True,
            committee__seats__person__user=user,
            committee__seats__left_on__isnull=True,
        ).values_list("cohort_id", flat=True)
    )
    current = Membership.objects.active().filter(user=user, cae=cae, role=Role.PARTNER)
    current.exclude(cohort_id__in=wanted).update(revoked_at=timezone.now())
    have = set(current.filter(cohort_id__in=wanted).values_list("cohort_id", flat=True))
    Membership.objects.bulk_create(
        Membership(user=user, cae=cae, role=Role.PARTNER, cohort_id=cohort_id)
        for cohort_id in sorted(wanted - have)
    )
    user.__dict__.pop("_coopilote_grants", None)


@transaction.atomic
def committee_meeting_record(
    *,
    committee: LocalCommittee,
    held_on: datetime.date,
    agenda: str,
    minutes: str = "",
    attendee_ids: Iterable[int] = (),
) -> CommitteeMeeting:
    """Record a committee meeting; the attendees are people who sat on it that day."""
    if not agenda.strip():
        raise _refuse(_("Indiquez l'ordre du jour."), "agenda")
    meeting = CommitteeMeeting.objects.create(
        committee=committee, held_on=held_on, agenda=agenda.strip(), minutes=minutes.strip()
    )
    _attendance_set(meeting, attendee_ids)
    return meeting


@transaction.atomic
def committee_meeting_update(
    *, meeting: CommitteeMeeting, minutes: str, attendee_ids: Iterable[int]
) -> CommitteeMeeting:
    """Write or amend the minutes and the attendance (the decisions stay as recorded)."""
    meeting = CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes"])
    _attendance_set(meeting, attendee_ids)
    return meeting


def _attendance_set(meeting: CommitteeMeeting, attendee_ids: Iterable[int]) -> None:
    wanted = set(attendee_ids)
    seated = set(
        Seat.objects.filter(committee_id=meeting.committee_id, joined_on__lte=meeting.held_on)
        .exclude(left_on__lt=meeting.held_on)
        .values_list("person_id", flat=True)
    )
    if wanted - seated:
        raise _refuse(
            _("Seules les personnes qui siégeaient au comité ce jour-là peuvent y être présentes."),
            "attendees",
        )
    meeting.attendees.set(wanted)


@transaction.atomic
def committee_decision_record(
    *, meeting: CommitteeMeeting, text: str, by: Any
) -> CommitteeDecision:
    """Add a decision to the meeting's record; it can never be changed afterwards."""
    if not text.strip():
        raise _refuse(_("Écrivez la décision prise."), "text")
    return CommitteeDecision.objects.create(meeting=meeting, text=text.strip(), recorded_by=by)
