"""Personal data of members (RGPD): export, erasure (anonymisation), retention, consents.

Erasure anonymises the member row and the people rows around it; every other table of the
CAE's schema points to the member and keeps no name of its own, so it is left untouched, which
also respects the triggers that freeze issued invoices, decided pay runs, the decision log and
reviewed assessments (docs/personal-data.md).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

import tenants.people.personal_data  # noqa: F401  (fills the register)
from coopilote.audit import audit_copies_erase, is_event_model
from coopilote.errors import ApplicationError
from coopilote.personal_data import Retention, registry
from tenants.cohorts.models import CohortStatus
from tenants.cohorts.rules import age_on
from tenants.cohorts.tasks import facts_publish_on_commit
from tenants.people.models import (
    Consent,
    ConsentPurpose,
    Enrolment,
    ErasureRecord,
    Guardian,
    Member,
    PersonalDataSettings,
)

logger = logging.getLogger(__name__)

ANONYMOUS = "Anonyme"
LIVE_COHORT_STATUSES = frozenset(
    {CohortStatus.DRAFT, CohortStatus.RECRUITING, CohortStatus.RUNNING}
)


def _refuse(message: str, *, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


# --- Export --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSection:
    """The rows of one model about the member."""

    model: str  # "app_label.Model"
    title: str  # the model's verbose name, for people
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class MemberExport:
    member_id: int
    generated_at: datetime.datetime
    sections: list[ExportSection]
    account: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "member": self.member_id,
            "generated_at": self.generated_at.isoformat(),
            "account": self.account,
            "data": {section.model: section.rows for section in self.sections},
        }


def _tenant_models() -> list[type[models.Model]]:
    """The CAE's own tables; the audit trail's copies are not exported (they repeat the rows,
    plus the staff's addresses: docs/personal-data.md, "Journal d'audit")."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name in settings.TENANT_APPS
        for model in config.get_models()
        if not is_event_model(model)
    ]


def _value(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, int | float | bool | str | dict | list) or value is None:
        return value
    return str(value)  # Decimal, UUID…


def _row(instance: models.Model) -> dict[str, Any]:
    return {
        field.attname: _value(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
    }


def _links_to(model: type[models.Model], target: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is target
    ]


def member_export(*, member: Member) -> MemberExport:
    """Everything the CAE's schema holds about the member, and their account's own data."""
    found: dict[type[models.Model], models.QuerySet[Any]] = {
        Member: Member.objects.filter(pk=member.pk)
    }
    tenant_models = _tenant_models()
    for model in tenant_models:
        if model is Member:
            continue
        lookups = models.Q()
        for name in _links_to(model, Member):
            lookups |= models.Q(**{name: member})
        for name in _links_to(model, Enrolment):
            lookups |= models.Q(**{f"{name}__member": member})
        if lookups:
            found[model] = model._default_manager.filter(lookups)
    # One more hop for rows hanging off the member's rows (the ratings of an assessment).
    for model in tenant_models:
        if model in found:
            continue
        lookups = models.Q()
        for parent, queryset in list(found.items()):
            if parent in {Member, Enrolment}:
                continue
            for name in _links_to(model, parent):
                lookups |= models.Q(**{f"{name}__in": queryset.values("pk")})
        if lookups:
            found[model] = model._default_manager.filter(lookups)
    sections = [
        ExportSection(
            model=model._meta.label,
            title=str(model._meta.verbose_name_plural),
            rows=[_row(instance) for instance in queryset.order_by("pk")],
        )
        for model, queryset in found.items()
    ]
    return MemberExport(
        member_id=member.pk,
        generated_at=timezone.now(),
        sections=[section for section in sections if section.rows],
        account=_account_data(member.user_id),
    )


def _account_data(user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    user = user_model._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _value(user.date_joined),
        "last_login": _value(user.last_login),
    }


# --- Erasure -------------------------------------------------------------------------------


def _generalised_birth_date(member: Member) -> datetime.date:
    """1 January of a year that keeps the age the member had when their first cohort started,
    so that the age bands of the indicators do not move; of the birth year if never enrolled."""
    first = member.enrolments.select_related("cohort").order_by("cohort__starts_on").first()
    if first is None:
        return datetime.date(member.birth_date.year, 1, 1)
    starts_on = first.cohort.starts_on
    return datetime.date(starts_on.year - age_on(member.birth_date, starts_on), 1, 1)


def _generalised_postcode(postcode: str) -> str:
    """The department only: 56000 for 56100, 97100 for 97122 (overseas departments have 3)."""
    keep = 3 if postcode.startswith("97") or postcode.startswith("98") else 2
    return postcode[:keep].ljust(5, "0")


def member_is_erased(*, member: Member) -> bool:
    return ErasureRecord.objects.filter(member=member).exists()


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete an authorisation file of an erased member")


@transaction.atomic
def member_erase(*, member: Member, by: Any | None, reason: str) -> ErasureRecord:
    """Anonymise a member (names, contact, guardians' details and files, free texts); what the
    law makes the CAE keep (hours, pay lines, invoices, dated consents) stays. Idempotent."""
    reason = reason.strip()
    if not reason:
        raise _refuse(_("Indiquez le motif de l'effacement."), field="reason")
    if len(reason) > 200:
        raise _refuse(_("Le motif tient en 200 caractères au plus."), field="reason")
    member = Member.objects.select_for_update().get(pk=member.pk)
    previous = ErasureRecord.objects.filter(member=member).order_by("-erased_at", "-pk").first()
    if previous is not None:
        return previous
    live = (
        Enrolment.objects.enrolled()
        .filter(member=member, cohort__status__in=LIVE_COHORT_STATUSES)
        .select_related("cohort")
        .first()
    )
    if live is not None:
        raise ApplicationError(
            _(
                "Cette personne est inscrite dans la coopérative « %(cohort)s », qui n'est pas "
                "terminée : enregistrez d'abord sa sortie, puis effacez ses données."
            )
            % {"cohort": live.cohort.name}
        )
    member_values = {
        "first_name": ANONYMOUS,
        "last_name": ANONYMOUS,
        "birth_date": _generalised_birth_date(member),
        "postcode": _generalised_postcode(member.postcode),
        "email": "",
        "phone": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "user": None,
    }
    Member.objects.filter(pk=member.pk).update(**member_values)
    guardians = Guardian.objects.filter(member=member)
    files = [
        (guardian.authorisation_file.storage, guardian.authorisation_file.name)
        for guardian in guardians
        if guardian.authorisation_file.name
    ]
    guardian_values = {"full_name": ANONYMOUS, "phone": "", "email": "", "authorisation_file": ""}
    guardians.update(**guardian_values)
    if files:
        # Files are not transactional: deleted once the anonymisation is committed.
        transaction.on_commit(lambda: _delete_files(files))
    enrolment_values = {"withdrawal_reason": "", "outcome_detail": ""}
    Enrolment.objects.filter(member=member).update(**enrolment_values)
    # The audit trail's copies of these rows lose the same data (who changed what stays).
    audit_copies_erase(Member, lookups={"pgh_obj_id": member.pk}, values=member_values)
    audit_copies_erase(Guardian, lookups={"member_id": member.pk}, values=guardian_values)
    audit_copies_erase(Enrolment, lookups={"member_id": member.pk}, values=enrolment_values)
    record = ErasureRecord.objects.create(member=member, erased_by=by, reason=reason)
    for cohort_id in member.enrolments.values_list("cohort_id", flat=True):
        facts_publish_on_commit(cohort_id=cohort_id)
    logger.info("Member %s erased", member.pk)
    return record


def erased_values_remaining(*, member: Member) -> list[str]:
    """The registered fields of the member's people rows that erasure should have emptied but
    still hold a value (empty once erased): a check for tests and support."""
    remaining = []
    rows: list[models.Model] = [
        Member.objects.get(pk=member.pk),
        *Guardian.objects.filter(member=member),
        *Enrolment.objects.filter(member=member),
    ]
    for row in rows:
        for entry in registry.of_model(row._meta.label):
            if entry.retention != Retention.ERASED:
                continue
            field = row._meta.get_field(entry.field_name)
            value = getattr(row, getattr(field, "attname", entry.field_name))
            if value not in ("", None, ANONYMOUS) and not (
                isinstance(value, FieldFile) and not value
            ):
                remaining.append(entry.field)
    return remaining


# --- Retention -----------------------------------------------------------------------------


def personal_data_settings_get() -> PersonalDataSettings:
    settings_row, _created = PersonalDataSettings.objects.get_or_create(singleton=True)
    return settings_row


@transaction.atomic
def personal_data_settings_update(*, social_data_retention_months: int) -> PersonalDataSettings:
    """Change how long members' social data is kept after their last cohort (1 to 120 months)."""
    if not 1 <= social_data_retention_months <= 120:
        raise _refuse(
            _("La durée de conservation va de 1 à 120 mois."),
            field="social_data_retention_months",
        )
    row = personal_data_settings_get()
    row.social_data_retention_months = social_data_retention_months
    row.save(update_fields=["social_data_retention_months"])
    return row


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the month's last day when it has fewer days)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def members_due_for_purge(*, today: datetime.date | None = None) -> models.QuerySet[Member]:
    """Members not yet erased whose last cohort ended longer ago than the retention period
    (or, never enrolled, whose record is that old)."""
    today = today or timezone.localdate()
    cutoff = months_before(today, personal_data_settings_get().social_data_retention_months)
    recent_or_live = Enrolment.objects.filter(
        models.Q(cohort__ends_on__gte=cutoff) | models.Q(cohort__status__in=LIVE_COHORT_STATUSES)
    ).values("member_id")
    never_enrolled_recent = Member.objects.filter(
        enrolments__isnull=True, created_at__date__gte=cutoff
    ).values("pk")
    return (
        Member.objects.exclude(pk__in=ErasureRecord.objects.values("member_id"))
        .exclude(pk__in=recent_or_live)
        .exclude(pk__in=never_enrolled_recent)
        .order_by("pk")
    )


def retention_purge(*, today: datetime.date | None = None) -> int:
    """Erase every member due for purge, each in its own transaction; returns how many."""
    erased = 0
    for member in members_due_for_purge(today=today):
        try:
            member_erase(
                member=member,
                by=None,
                reason=_("Purge automatique : durée de conservation écoulée."),
            )
        except ApplicationError:
            # Enrolled meanwhile in a new cohort: kept, and looked at again next night.
            logger.info("Member %s not purged: enrolled meanwhile", member.pk)
            continue
        erased += 1
    return erased


# --- Consents ------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *, member: Member, purpose: str, given_on: datetime.date, by: Any | None
) -> Consent:
    """Record that the member consented to `purpose` on `given_on`."""
    if purpose not in ConsentPurpose.values:
        raise _refuse(_("Finalité inconnue."), field="purpose")
    if given_on > timezone.localdate():
        raise _refuse(_("Un consentement ne peut pas être daté dans le futur."), field="given_on")
    Member.objects.select_for_update().get(pk=member.pk)
    if Consent.objects.in_force().filter(member=member, purpose=purpose).exists():
        raise _refuse(_("Ce consentement est déjà enregistré."), field="purpose")
    return Consent.objects.create(member=member, purpose=purpose, given_on=given_on, recorded_by=by)


@transaction.atomic
def consent_withdraw(*, consent: Consent, withdrawn_on: datetime.date) -> Consent:
    """Record the withdrawal of a consent; the record itself is kept, with both dates."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ApplicationError(_("Ce consentement est déjà retiré."))
    if withdrawn_on < consent.given_on or withdrawn_on > timezone.localdate():
        raise _refuse(
            _("La date de retrait doit suivre le consentement et ne pas être future."),
            field="withdrawn_on",
        )
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on"])
    return consent
