"""Opening cohorts, moving them through their lifecycle, naming their animateurs."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coopilote.accounts.models import Membership, Role
from coopilote.errors import ApplicationError
from coopilote.tenancy import current_site
from tenants.cohorts.models import Cohort, CohortStatus, CohortTransition
from tenants.cohorts.rules import PROGRAMME_RULES, SUMMER_MONTHS
from tenants.cohorts.tasks import facts_publish_on_commit

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    CohortStatus.DRAFT: frozenset({CohortStatus.RECRUITING, CohortStatus.ARCHIVED}),
    CohortStatus.RECRUITING: frozenset({CohortStatus.DRAFT, CohortStatus.RUNNING}),
    CohortStatus.RUNNING: frozenset({CohortStatus.CLOSED}),
    CohortStatus.CLOSED: frozenset({CohortStatus.ARCHIVED}),
    CohortStatus.ARCHIVED: frozenset(),
}

COHORT_FIELDS = (
    "name",
    "code",
    "programme",
    "starts_on",
    "ends_on",
    "places",
    "territory_kind",
    "territory_name",
    "qpv_code",
    "town",
    "staff_in_charge",
    "cae_contribution_rate",
    "people_informed",
    "applicants",
)


def _programme_errors(cohort: Cohort) -> dict[str, str]:
    """The programme's rules on dates: duration, and a CJS runs in summer."""
    rule = PROGRAMME_RULES.get(cohort.programme)
    if rule is None or not cohort.starts_on or not cohort.ends_on:
        return {}
    if cohort.ends_on < cohort.starts_on:
        return {}  # the database constraint's message says it
    days = (cohort.ends_on - cohort.starts_on).days + 1
    if not rule.min_days <= days <= rule.max_days:
        return {
            "ends_on": _(
                "Une %(programme)s dure de %(min)d à %(max)d semaines ; celle-ci en dure %(weeks)d."
            )
            % {
                "programme": cohort.programme,
                "min": rule.min_days // 7,
                "max": rule.max_days // 7,
                "weeks": days // 7,
            }
        }
    if rule.summer_only and not (
        cohort.starts_on.month in SUMMER_MONTHS and cohort.ends_on.month in SUMMER_MONTHS
    ):
        return {"starts_on": _("Une CJS se déroule l'été, entre juin et septembre.")}
    return {}


def _validate(cohort: Cohort, message: str) -> None:
    errors: dict[str, Any] = {}
    try:
        cohort.full_clean()
    except ValidationError as error:
        errors = error.message_dict
    for field, text in _programme_errors(cohort).items():
        errors.setdefault(field, []).append(text)
    staff = cohort.staff_in_charge
    if (
        staff is not None
        and not Membership.objects.active()
        .filter(user=staff, cae=current_site(), role__in=[Role.CAE_ADMIN, Role.CAE_STAFF])
        .exists()
    ):
        errors.setdefault("staff_in_charge", []).append(
            _("Cette personne ne fait pas partie de l'équipe de la CAE.")
        )
    if errors:
        raise ApplicationError(message, errors=ValidationError(errors))


@transaction.atomic
def cohort_create(
    *, name: str, programme: str, starts_on: datetime.date, ends_on: datetime.date, **fields: Any
) -> Cohort:
    """Open a cohort (status draft) in the current CAE."""
    unknown = set(fields) - set(COHORT_FIELDS)
    if unknown:
        raise TypeError(f"unknown cohort fields: {sorted(unknown)}")
    cohort = Cohort(name=name, programme=programme, starts_on=starts_on, ends_on=ends_on, **fields)
    _validate(cohort, _("Cette coopérative ne peut pas être créée."))
    cohort.save()
    facts_publish_on_commit(cohort_id=cohort.pk)
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, **fields: Any) -> Cohort:
    """Change a cohort's details (not its status: see cohort_transition)."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    for field, value in fields.items():
        if field not in COHORT_FIELDS:
            raise TypeError(f"not an editable cohort field: {field}")
        setattr(cohort, field, value)
    _validate(cohort, _("Cette coopérative ne peut pas être modifiée."))
    cohort.save()
    facts_publish_on_commit(cohort_id=cohort.pk)
    return cohort


def cohort_animateur_ids(cohort: Cohort) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(cae=current_site(), cohort_id=cohort.pk, role=Role.ANIMATEUR)
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def cohort_transition(*, cohort: Cohort, to_status: str, reason: str, by: Any) -> Cohort:
    """Move a cohort to `to_status` if its lifecycle allows it; the reason is kept."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if to_status not in ALLOWED_TRANSITIONS.get(cohort.status, frozenset()):
        raise ApplicationError(
            _("Une coopérative « %(from)s » ne peut pas passer à « %(to)s ».")
            % {
                "from": CohortStatus(cohort.status).label,
                "to": CohortStatus(to_status).label
                if to_status in CohortStatus.values
                else to_status,
            }
        )
    if not reason.strip():
        raise ApplicationError(_("Indiquez le motif de ce changement de statut."))
    required = PROGRAMME_RULES[cohort.programme].animateurs_required
    if to_status == CohortStatus.RUNNING and len(cohort_animateur_ids(cohort)) < required:
        raise ApplicationError(
            _("Une %(programme)s démarre avec %(count)d animateur·rices au moins.")
            % {"programme": cohort.programme, "count": required}
        )
    CohortTransition.objects.create(
        cohort=cohort, from_status=cohort.status, to_status=to_status, reason=reason.strip(), by=by
    )
    cohort.status = to_status
    cohort.save(update_fields=["status"])
    facts_publish_on_commit(cohort_id=cohort.pk)
    return cohort


@transaction.atomic
def cohort_assign_animateur(*, cohort: Cohort, user: Any) -> Membership:
    """Name `user` animateur·rice of the cohort (idempotent)."""
    membership, _created = Membership.objects.active().get_or_create(
        user=user, cae=current_site(), role=Role.ANIMATEUR, cohort_id=cohort.pk
    )
    return membership
