"""Pay runs: proposed from the cohort's result and its members' hours, recomputed while a draft,
decided (then frozen by the database), exported to the CAE's payroll (tenants.pay.export)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from coopilote.money import format_euros, to_cents
from tenants.cohorts.models import Cohort
from tenants.cohorts.tasks import facts_publish_on_commit
from tenants.governance.models import Decision
from tenants.pay.computation import Sharing, pay_compute
from tenants.pay.models import PayLine, PayRun, PayRunStatus, SharingRule
from tenants.pay.selectors import pay_members_of_period, pay_result_of_period

ZERO = Decimal("0.00")
EDITABLE_FIELDS = frozenset(
    {
        "period_start",
        "period_end",
        "sharing_rule",
        "retained_rate",
        "amount_to_share",
        "above_result_reason",
    }
)


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _check_no_overlap(run: PayRun) -> None:
    """A period is shared once: no decided run of the cohort may cover any of its days. The
    cohort row is locked so that two runs cannot be decided over the same days at once."""
    Cohort.objects.select_for_update().filter(pk=run.cohort_id).first()
    other = (
        PayRun.objects.settled()
        .filter(cohort_id=run.cohort_id)
        .overlapping(run.period_start, run.period_end)
        .exclude(pk=run.pk)
        .order_by("period_start")
        .first()
    )
    if other is not None:
        raise _refuse(
            _(
                "La répartition du %(start)s au %(end)s, déjà décidée, couvre une partie de "
                "cette période."
            )
            % {
                "start": other.period_start.strftime("%d/%m/%Y"),
                "end": other.period_end.strftime("%d/%m/%Y"),
            },
            "period_start",
        )


def _compute(run: PayRun, *, proposed: bool, may_exceed_result: bool) -> Sharing:
    """Fill the run's figures from the ledger and the hours (the amount too when `proposed`)
    and return the sharing, or refuse; nothing is saved here."""
    if run.period_end < run.period_start:
        raise _refuse(_("La période finit après avoir commencé."), "period_end")
    if run.sharing_rule not in SharingRule.values:
        raise _refuse(_("Règle de répartition inconnue."), "sharing_rule")
    _check_no_overlap(run)
    run.result = pay_result_of_period(
        cohort_id=run.cohort_id, start=run.period_start, end=run.period_end
    )
    if proposed:
        run.amount_to_share = max(run.result, ZERO)
    run.amount_to_share = to_cents(run.amount_to_share)
    run.above_result_reason = run.above_result_reason.strip()
    if run.amount_to_share > run.result:
        if not may_exceed_result:
            raise _refuse(
                _(
                    "Le montant à répartir dépasse le résultat de la période (%(result)s) : "
                    "seule la CAE peut décider de verser davantage."
                )
                % {"result": format_euros(run.result)},
                "amount_to_share",
            )
        if not run.above_result_reason:
            raise _refuse(
                _("Indiquez pourquoi la CAE verse plus que le résultat de la période."),
                "above_result_reason",
            )
    else:
        run.above_result_reason = ""
    sharing = pay_compute(
        amount_to_share=run.amount_to_share,
        retained_rate=run.retained_rate,
        sharing_rule=run.sharing_rule,
        members=pay_members_of_period(
            cohort_id=run.cohort_id, start=run.period_start, end=run.period_end
        ),
    )
    run.retained_amount = sharing.retained_amount
    run.computed_at = timezone.now()
    return sharing


def _save(run: PayRun, sharing: Sharing) -> PayRun:
    try:
        run.full_clean()
    except ValidationError as error:
        raise ApplicationError(
            _("Cette répartition ne peut pas être enregistrée."), errors=error
        ) from error
    run.save()
    PayLine.objects.filter(run=run).delete()
    PayLine.objects.bulk_create(
        PayLine(
            run=run,
            member_id=line.member_id,
            hours=line.hours,
            share=line.share,
            amount=line.amount,
            withdrawn=line.withdrawn,
        )
        for line in sharing.lines
    )
    return run


@transaction.atomic
def pay_run_create(
    *,
    cohort: Cohort,
    period_start: datetime.date,
    period_end: datetime.date,
    sharing_rule: str,
    retained_rate: Decimal,
    by: Any,
    amount_to_share: Decimal | None = None,
    above_result_reason: str = "",
    may_exceed_result: bool = False,
) -> PayRun:
    """Propose a répartition of the period (a draft): by default the whole result is shared.
    Only CAE staff may share more than the result (`may_exceed_result`), with a reason."""
    run = PayRun(
        cohort=cohort,
        period_start=period_start,
        period_end=period_end,
        sharing_rule=sharing_rule,
        retained_rate=retained_rate,
        amount_to_share=amount_to_share if amount_to_share is not None else ZERO,
        above_result_reason=above_result_reason,
        created_by=by,
    )
    sharing = _compute(run, proposed=amount_to_share is None, may_exceed_result=may_exceed_result)
    return _save(run, sharing)


def _locked_draft(pay_run: PayRun) -> PayRun:
    run = PayRun.objects.select_for_update().get(pk=pay_run.pk)
    if run.status != PayRunStatus.DRAFT:
        raise _refuse(_("Une répartition décidée ne change plus."))
    return run


@transaction.atomic
def pay_run_update(
    *, pay_run: PayRun, changes: Mapping[str, Any], may_exceed_result: bool = False
) -> PayRun:
    """Change a draft and compute it again from today's result and hours (no change: just
    recompute). `amount_to_share: None` proposes the period's result again."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a pay run: {sorted(unknown)}")
    run = _locked_draft(pay_run)
    for field, value in changes.items():
        if field != "amount_to_share" or value is not None:
            setattr(run, field, value)
    proposed = "amount_to_share" in changes and changes["amount_to_share"] is None
    sharing = _compute(run, proposed=proposed, may_exceed_result=may_exceed_result)
    return _save(run, sharing)


@transaction.atomic
def pay_run_delete(*, pay_run: PayRun) -> None:
    """Throw a proposal away (a decided run is kept for good)."""
    run = _locked_draft(pay_run)
    run.delete()


def _check_decision(run: PayRun, decision: Decision) -> None:
    """The vote a run applies: an adopted decision of the run's own cohort."""
    if decision.cohort_id != run.cohort_id:
        raise _refuse(
            _("Cette décision n'est pas dans le registre de cette coopérative."), "decision"
        )
    if not decision.adopted:
        raise _refuse(
            _(
                "Cette décision n'a pas été adoptée (« %(text)s ») : une répartition ne peut "
                "s'appuyer que sur une décision adoptée."
            )
            % {"text": decision.text},
            "decision",
        )


@transaction.atomic
def pay_run_decide(*, pay_run: PayRun, by: Any, decision: Decision | None = None) -> PayRun:
    """Record the cohort's decision on a draft, as it was computed: refused if the result,
    the hours or the members changed since (compute it again, and decide again). `decision`
    is the adopted vote of the cohort's log that decided it, if it voted in Coopilote; the
    run is then decided when that vote closed. Without it (a decision taken in a meeting),
    it is decided now, by `by`."""
    run = _locked_draft(pay_run)
    if decision is not None:
        _check_decision(run, decision)
    fresh = PayRun.objects.get(pk=run.pk)
    sharing = _compute(fresh, proposed=False, may_exceed_result=bool(run.above_result_reason))
    stored = sorted(run.lines.values_list("member_id", "hours", "amount"))
    computed = sorted((line.member_id, line.hours, line.amount) for line in sharing.lines)
    if fresh.result != run.result or stored != computed:
        raise _refuse(
            _(
                "Le résultat, les heures ou les inscriptions ont changé depuis le calcul : "
                "recalculez la répartition avant de la décider."
            )
        )
    run.status = PayRunStatus.DECIDED
    run.decision = decision
    run.decided_at = decision.closed_at if decision is not None else timezone.now()
    run.decided_by = by
    run.save(update_fields=["status", "decision", "decided_at", "decided_by"])
    facts_publish_on_commit(cohort_id=run.cohort_id)
    return run


@transaction.atomic
def pay_run_mark_exported(*, pay_run: PayRun, by: Any) -> PayRun:
    """The CAE took the run into its payroll: the first export is recorded; later ones (the
    same file again) change nothing."""
    run = PayRun.objects.select_for_update().get(pk=pay_run.pk)
    if run.status == PayRunStatus.DRAFT:
        raise _refuse(_("Seule une répartition décidée peut être transmise à la paie."))
    if run.status == PayRunStatus.DECIDED:
        run.status = PayRunStatus.EXPORTED
        run.exported_at = timezone.now()
        run.exported_by = by
        run.save(update_fields=["status", "exported_at", "exported_by"])
    return run
