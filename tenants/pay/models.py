"""How a cohort shares its result among its members (répartition), for the CAE's payroll.

A pay run covers one period of one cohort: the amount to share (proposed from the cohort's
result in the ledger), the share the cohort keeps for its fund, the sharing rule, and one line
per member. Once decided, a run and its lines never change (database triggers): only the move
to "exported" is allowed, when the CAE takes it into its payroll. A run may name the adopted
decision of the cohort's vote it applies (tenants.governance). See docs/pay.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coopilote.audit import audited
from tenants.cohorts.models import Cohort


class SharingRule(models.TextChoices):
    EQUAL = "equal", _("Parts égales")
    PRO_RATA_HOURS = "pro_rata_hours", _("Au prorata des heures travaillées")


class PayRunStatus(models.TextChoices):
    DRAFT = "draft", _("Proposition")
    DECIDED = "decided", _("Décidée")
    EXPORTED = "exported", _("Transmise à la paie")


class PayRunQuerySet(models.QuerySet["PayRun"]):
    def in_cohorts(self, cohort_ids: Iterable[int]) -> PayRunQuerySet:
        return self.filter(cohort_id__in=cohort_ids)

    def settled(self) -> PayRunQuerySet:
        """Runs decided (and maybe exported): the ones that count, and that never change."""
        return self.exclude(status=PayRunStatus.DRAFT)

    def overlapping(self, start: datetime.date, end: datetime.date) -> PayRunQuerySet:
        return self.filter(period_start__lte=end, period_end__gte=start)


# The statement a decided run refuses, unless it is only its move to "exported".
_RUN_FROZEN = (
    "IF OLD.status <> 'draft' AND NOT (OLD.status = 'decided' AND NEW.status = 'exported' "
    "AND (to_jsonb(NEW) - ARRAY['status', 'exported_at', 'exported_by_id']) "
    "= (to_jsonb(OLD) - ARRAY['status', 'exported_at', 'exported_by_id'])) THEN "
    "RAISE EXCEPTION 'Coopilote: a decided pay run cannot change' USING ERRCODE = 'P0001'; "
    "END IF; "
    # Deciding: the members' amounts and the retained share add up to the amount to share.
    "IF OLD.status = 'draft' AND NEW.status <> 'draft' THEN "
    "EXECUTE format('SELECT COALESCE(SUM(amount), 0) FROM %I.pay_payline WHERE run_id = $1', "
    "TG_TABLE_SCHEMA) INTO lines_total USING NEW.id; "
    "IF lines_total + NEW.retained_amount <> NEW.amount_to_share THEN "
    "RAISE EXCEPTION 'Coopilote: the pay lines do not add up to the amount to share' "
    "USING ERRCODE = '23514'; END IF; END IF; "
    "RETURN NEW;"
)

# A run's decision is an adopted one of the run's own cohort (the decision log never changes,
# so checking when the link is written is enough).
_DECISION_IS_THE_COHORTS = (
    "EXECUTE format('SELECT cohort_id, adopted FROM %I.governance_decision WHERE id = $1', "
    "TG_TABLE_SCHEMA) INTO decision_cohort_id, decision_adopted USING NEW.decision_id; "
    "IF decision_cohort_id IS DISTINCT FROM NEW.cohort_id OR NOT decision_adopted THEN "
    "RAISE EXCEPTION 'Coopilote: a pay run applies an adopted decision of its own cohort' "
    "USING ERRCODE = '23514'; END IF; "
    "RETURN NEW;"
)

# A line changes only while its run is a draft (its run's schema: the trigger's own).
_LINE_FOLLOWS_RUN = (
    "EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.pay_payrun WHERE status <> ''draft'' "
    "AND id IN ($1, $2))', TG_TABLE_SCHEMA) INTO frozen "
    "USING CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.run_id END, "
    "CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.run_id END; "
    "IF frozen THEN RAISE EXCEPTION 'Coopilote: the lines of a decided pay run cannot change' "
    "USING ERRCODE = 'P0001'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
)


@audited()
class PayRun(models.Model):
    """A cohort's decision to share an amount among its members for a period."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="pay_runs", verbose_name=_("coopérative")
    )
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    sharing_rule = models.CharField(
        _("règle de répartition"), max_length=14, choices=SharingRule.choices
    )
    # The cohort's result over the period when the run was last computed (ledger).
    result = models.DecimalField(_("résultat de la période"), max_digits=12, decimal_places=2)
    amount_to_share = models.DecimalField(_("montant à répartir"), max_digits=12, decimal_places=2)
    # Only CAE staff may share more than the result (e.g. the CAE tops up a minimum), and say why.
    above_result_reason = models.TextField(_("motif du dépassement du résultat"), blank=True)
    retained_rate = models.DecimalField(
        _("part gardée par la coopérative (%)"), max_digits=5, decimal_places=2
    )
    retained_amount = models.DecimalField(
        _("montant gardé par la coopérative"), max_digits=12, decimal_places=2
    )
    status = models.CharField(
        _("statut"), max_length=8, choices=PayRunStatus.choices, default=PayRunStatus.DRAFT
    )
    created_at = models.DateTimeField(_("proposée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+"
    )
    computed_at = models.DateTimeField(_("calculée le"))
    # The animateur·rice or CAE staff record the cohort's decision (`decided_by`). When the
    # cohort voted on it in Coopilote, the adopted decision of its log is linked here and
    # `decided_at` is the time that vote closed; a cohort may also decide in a meeting without
    # an online vote, and then `decision` stays empty and `decided_at` is when it was recorded.
    decision = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pay_runs",
        verbose_name=_("décision de la coopérative"),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décision enregistrée par"),
    )
    exported_at = models.DateTimeField(_("transmise à la paie le"), null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PayRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("répartition")
        verbose_name_plural = _("répartitions")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="pay_payrun_period_ends_after_start",
                violation_error_message=_("La période finit après avoir commencé."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount_to_share__gte=0),
                name="pay_payrun_amount_not_negative",
                violation_error_message=_("Le montant à répartir ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount_to_share__lte=models.F("result"))
                | ~models.Q(above_result_reason=""),
                name="pay_payrun_within_result_or_justified",
                violation_error_message=_(
                    "Le montant à répartir dépasse le résultat de la période."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(retained_rate__gte=0, retained_rate__lte=100),
                name="pay_payrun_retained_rate_is_a_percentage",
                violation_error_message=_("La part gardée est comprise entre 0 et 100 %."),
            ),
            models.CheckConstraint(
                condition=models.Q(retained_amount__gte=0)
                & models.Q(retained_amount__lte=models.F("amount_to_share")),
                name="pay_payrun_retained_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(status=PayRunStatus.DRAFT)
                | models.Q(decided_at__isnull=False, decided_by__isnull=False),
                name="pay_payrun_decided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PayRunStatus.EXPORTED)
                | models.Q(exported_at__isnull=False),
                name="pay_payrun_exported_has_a_date",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="decided_pay_run_is_frozen",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                declare=[("lines_total", "numeric")],
                func=_RUN_FROZEN,
            ),
            pgtrigger.Trigger(
                name="pay_run_decision_is_the_cohorts",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                condition=pgtrigger.Q(new__decision__isnull=False),
                declare=[("decision_cohort_id", "bigint"), ("decision_adopted", "boolean")],
                func=_DECISION_IS_THE_COHORTS,
            ),
            pgtrigger.Protect(
                name="decided_pay_run_is_kept",
                operation=pgtrigger.Delete,
                condition=~pgtrigger.Q(old__status=PayRunStatus.DRAFT),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id} {self.period_start} to {self.period_end}"

    @property
    def is_draft(self) -> bool:
        return self.status == PayRunStatus.DRAFT

    @property
    def members_amount(self) -> Decimal:
        return self.amount_to_share - self.retained_amount


@audited()
class PayLine(models.Model):
    """One member's part of a run: the hours counted, their share, the amount for the payroll."""

    run = models.ForeignKey(PayRun, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey(
        "people.Member",
        on_delete=models.PROTECT,
        related_name="pay_lines",
        verbose_name=_("coopérant·e"),
    )
    hours = models.DecimalField(_("heures"), max_digits=8, decimal_places=2)
    # The member's fraction of the members' part (informative: `amount` is what is paid).
    share = models.DecimalField(_("part"), max_digits=9, decimal_places=8)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    withdrawn = models.BooleanField(_("sorti·e de la coopérative"), default=False)

    class Meta:
        verbose_name = _("ligne de répartition")
        verbose_name_plural = _("lignes de répartition")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="pay_payline_once_per_run"),
            models.CheckConstraint(
                condition=models.Q(hours__gte=0, amount__gte=0, share__gte=0, share__lte=1),
                name="pay_payline_figures_not_negative",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="pay_lines_follow_their_run",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("frozen", "boolean")],
                func=_LINE_FOLLOWS_RUN,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.amount}"
