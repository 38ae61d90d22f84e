"""Writing members, guardians, enrolments and committees: every refusal leaves nothing written."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coopilote.errors import ApplicationError
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.cohorts.rules import PROGRAMME_RULES, age_on
from tenants.cohorts.tasks import facts_publish_on_commit
from tenants.people.models import (
    Committee,
    CommitteeSeat,
    Enrolment,
    EnrolmentStatus,
    Guardian,
    Member,
)
from tenants.people.validators import document_extension

ADULT_AGE = 18
ENROLLING_STATUSES = frozenset({CohortStatus.RECRUITING, CohortStatus.RUNNING})
MEMBER_EDITABLE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "birth_date",
        "gender",
        "postcode",
        "qpv_resident",
        "status_at_entry",
        "email",
        "phone",
        "emergency_contact_name",
        "emergency_contact_phone",
        "user",
    }
)


def _refuse(message: str, *, field: str = "__all__") -> ApplicationError:
    """A refusal whose message is also the error of `field`, for forms and API clients."""
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _full_clean(instance: models.Model, message: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ApplicationError(message, errors=error) from error


def _age_band(cohort: Cohort) -> str:
    rule = PROGRAMME_RULES[cohort.programme]
    if rule.min_age is not None and rule.max_age is not None:
        return _("de %(min)d à %(max)d ans") % {"min": rule.min_age, "max": rule.max_age}
    if rule.min_age is not None:
        return _("d'au moins %(min)d ans") % {"min": rule.min_age}
    return _("de %(max)d ans au plus") % {"max": rule.max_age}


def _age_refusal(birth_date: datetime.date, cohort: Cohort) -> str | None:
    """Why a person born on `birth_date` cannot join `cohort` because of their age, if so."""
    age = age_on(birth_date, cohort.starts_on)
    if PROGRAMME_RULES[cohort.programme].accepts_age(age):
        return None
    has_started = cohort.starts_on < timezone.localdate()
    template = (
        _(
            "Une %(programme)s accueille des jeunes %(band)s au début de la coopérative ; "
            "cette personne avait %(age)d ans."
        )
        if has_started
        else _(
            "Une %(programme)s accueille des jeunes %(band)s au début de la coopérative ; "
            "cette personne aura %(age)d ans."
        )
    )
    return template % {"programme": cohort.programme, "band": _age_band(cohort), "age": age}


def _authorisation_refusal(member: Member, cohort: Cohort) -> str | None:
    """Why a minor cannot join `cohort` yet: no signed parental authorisation on record."""
    if age_on(member.birth_date, cohort.starts_on) >= ADULT_AGE:
        return None
    if member.pk and member.guardians.exclude(authorisation_file="").exists():
        return None
    return _(
        "Un·e mineur·e ne peut être inscrit·e qu'avec l'autorisation parentale signée "
        "d'un·e représentant·e légal·e."
    )


@transaction.atomic
def member_create(
    *,
    first_name: str,
    last_name: str,
    birth_date: datetime.date,
    gender: str,
    postcode: str,
    qpv_resident: bool,
    status_at_entry: str,
    emergency_contact_name: str,
    emergency_contact_phone: str,
    email: str = "",
    phone: str = "",
    user: Any | None = None,
) -> Member:
    """Record a new member of the CAE (not yet enrolled in any cohort)."""
    member = Member(
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        gender=gender,
        postcode=postcode,
        qpv_resident=qpv_resident,
        status_at_entry=status_at_entry,
        email=email,
        phone=phone,
        emergency_contact_name=emergency_contact_name,
        emergency_contact_phone=emergency_contact_phone,
        user=user,
    )
    _full_clean(member, _("Cette personne ne peut pas être enregistrée."))
    member.save()
    return member


@transaction.atomic
def member_update(*, member: Member, changes: Mapping[str, Any]) -> Member:
    """Change a member's details; a new birth date must still fit their current cohorts."""
    unknown = set(changes) - MEMBER_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a member: {sorted(unknown)}")
    member = Member.objects.select_for_update().get(pk=member.pk)
    for field, value in changes.items():
        setattr(member, field, value)
    _full_clean(member, _("Ces modifications ne peuvent pas être enregistrées."))
    if "birth_date" in changes:
        current = Enrolment.objects.enrolled().filter(member=member).select_related("cohort")
        for enrolment in current:
            refusal = _age_refusal(member.birth_date, enrolment.cohort) or (
                _authorisation_refusal(member, enrolment.cohort)
            )
            if refusal:
                raise _refuse(refusal, field="birth_date")
    member.save(update_fields=sorted(changes))
    for cohort_id in member.enrolments.values_list("cohort_id", flat=True):
        facts_publish_on_commit(cohort_id=cohort_id)
    return member


@transaction.atomic
def guardian_record(
    *,
    member: Member,
    full_name: str,
    relationship: str,
    phone: str,
    email: str,
    authorisation_file: File[Any],
    authorisation_signed_on: datetime.date,
) -> Guardian:
    """Record a minor's legal guardian and the parental authorisation they signed."""
    guardian = Guardian(
        member=member,
        full_name=full_name,
        relationship=relationship,
        phone=phone,
        email=email,
        authorisation_file=authorisation_file,
        authorisation_signed_on=authorisation_signed_on,
    )
    _full_clean(guardian, _("Ce ou cette représentant·e légal·e ne peut pas être enregistré·e."))
    if authorisation_signed_on > timezone.localdate():
        raise _refuse(
            _("Une autorisation ne peut pas être signée dans le futur."),
            field="authorisation_signed_on",
        )
    # Stored under a random name with the extension of its real content: the sender's file
    # name may carry the young person's name, and the URL must not be guessable.
    guardian.authorisation_file.name = (
        f"{uuid.uuid4().hex}.{document_extension(guardian.authorisation_file)}"
    )
    guardian.save()
    return guardian


@transaction.atomic
def member_account_link(*, member: Member, user_id: int) -> Member:
    """The coopérant·e signs in with this account (one account per person: a second one is
    refused)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.user_id is not None and member.user_id != user_id:
        raise ApplicationError(_("Cette personne a déjà un compte, avec une autre adresse."))
    member.user_id = user_id
    member.save(update_fields=["user"])
    return member


@transaction.atomic
def member_enrol(*, member: Member, cohort: Cohort, enrolled_on: datetime.date) -> Enrolment:
    """Give a member a place in a cohort, if the programme's rules and the places allow it."""
    # Locked: two enrolments at once must not both take the last place.
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.status not in ENROLLING_STATUSES:
        raise _refuse(
            _(
                "On ne peut inscrire que dans une coopérative en recrutement ou en activité ; "
                "celle-ci est « %(status)s »."
            )
            % {"status": cohort.get_status_display()},
            field="cohort",
        )
    previous = Enrolment.objects.filter(member=member, cohort=cohort).first()
    if previous is not None:
        if previous.withdrawn_on is None:  # still enrolled (withdrawn_on iff withdrawn)
            raise _refuse(
                _("Cette personne est déjà inscrite dans cette coopérative."), field="member"
            )
        raise _refuse(
            _(
                "Cette personne est sortie de cette coopérative le %(date)s ; elle ne peut pas "
                "y être inscrite une seconde fois."
            )
            % {"date": formats.date_format(previous.withdrawn_on, "SHORT_DATE_FORMAT")},
            field="member",
        )
    refusal = _age_refusal(member.birth_date, cohort) or _authorisation_refusal(member, cohort)
    if refusal:
        raise _refuse(refusal, field="member")
    if cohort.enrolments.enrolled().count() >= cohort.places:
        raise _refuse(
            ngettext(
                "Cette coopérative est complète : sa %(places)d place est prise.",
                "Cette coopérative est complète : ses %(places)d places sont prises.",
                cohort.places,
            )
            % {"places": cohort.places},
            field="cohort",
        )
    enrolment = Enrolment(member=member, cohort=cohort, enrolled_on=enrolled_on)
    _full_clean(enrolment, _("Cette inscription ne peut pas être enregistrée."))
    enrolment.save()
    facts_publish_on_commit(cohort_id=cohort.pk)
    return enrolment


@transaction.atomic
def enrolment_withdraw(
    *, enrolment: Enrolment, withdrawn_on: datetime.date, reason: str
) -> Enrolment:
    """Record that a member left their cohort (frees their place, ends their committee seat)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if not enrolment.is_enrolled:
        raise _refuse(_("Cette personne est déjà sortie de la coopérative."))
    if not reason.strip():
        raise _refuse(_("Indiquez le motif de la sortie."), field="withdrawal_reason")
    if withdrawn_on > enrolment.cohort.ends_on:
        raise _refuse(
            _(
                "Une sortie se situe avant la fin de la coopérative ; après, c'est la "
                "suite de parcours qui s'enregistre."
            ),
            field="withdrawn_on",
        )
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_on = withdrawn_on
    enrolment.withdrawal_reason = reason.strip()
    _full_clean(enrolment, _("Cette sortie ne peut pas être enregistrée."))
    enrolment.save(update_fields=["status", "withdrawn_on", "withdrawal_reason"])
    for seat in CommitteeSeat.objects.open().filter(enrolment=enrolment):
        seat.ends_on = max(seat.starts_on, withdrawn_on)
        seat.save(update_fields=["ends_on"])
    facts_publish_on_commit(cohort_id=enrolment.cohort_id)
    return enrolment


@transaction.atomic
def enrolment_record_outcome(
    *, enrolment: Enrolment, outcome: str, detail: str, recorded_on: datetime.date
) -> Enrolment:
    """Record where the member went after the cohort (job, training, own business…)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if not outcome:
        raise _refuse(_("Choisissez la situation de sortie."), field="outcome")
    if recorded_on < enrolment.enrolled_on:
        raise _refuse(
            _("Une suite de parcours se constate après l'inscription, pas avant."),
            field="recorded_on",
        )
    enrolment.outcome = outcome
    enrolment.outcome_detail = detail.strip()
    enrolment.outcome_recorded_on = recorded_on
    _full_clean(enrolment, _("Cette situation de sortie ne peut pas être enregistrée."))
    enrolment.save(update_fields=["outcome", "outcome_detail", "outcome_recorded_on"])
    facts_publish_on_commit(cohort_id=enrolment.cohort_id)
    return enrolment


@transaction.atomic
def committee_create(*, cohort: Cohort, kind: str, name: str) -> Committee:
    """Open a committee in a cohort."""
    committee = Committee(cohort=cohort, kind=kind, name=name.strip())
    _full_clean(committee, _("Ce comité ne peut pas être créé."))
    committee.save()
    return committee


@transaction.atomic
def committee_seat_assign(
    *, committee: Committee, enrolment: Enrolment, starts_on: datetime.date
) -> CommitteeSeat:
    """Seat a member on a committee; their seat on another committee of the cohort ends that day."""
    # Locked: two assignments of the same member at once must not leave two open seats.
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.cohort_id != committee.cohort_id:
        raise _refuse(
            _("Cette personne n'est pas inscrite dans la coopérative de ce comité."),
            field="enrolment",
        )
    if not enrolment.is_enrolled:
        raise _refuse(_("Cette personne est sortie de la coopérative."), field="enrolment")
    if starts_on > committee.cohort.ends_on:
        raise _refuse(_("La coopérative est finie à cette date."), field="starts_on")
    open_seats = list(
        CommitteeSeat.objects.open().filter(enrolment=enrolment).select_related("committee")
    )
    for seat in open_seats:
        if seat.committee_id == committee.pk:
            raise _refuse(_("Cette personne siège déjà dans ce comité."), field="enrolment")
        if seat.starts_on > starts_on:
            raise _refuse(
                _(
                    "Cette personne siège au comité « %(committee)s » depuis le %(date)s ; "
                    "la rotation ne peut pas commencer avant."
                )
                % {
                    "committee": seat.committee.name,
                    "date": formats.date_format(seat.starts_on, "SHORT_DATE_FORMAT"),
                },
                field="starts_on",
            )
    for seat in open_seats:
        seat.ends_on = starts_on
        _full_clean(seat, _("La place précédente ne peut pas être close."))
        seat.save(update_fields=["ends_on"])
    seat = CommitteeSeat(committee=committee, enrolment=enrolment, starts_on=starts_on)
    _full_clean(seat, _("Cette place ne peut pas être attribuée."))
    seat.save()
    return seat
