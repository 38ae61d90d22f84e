from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.TextChoices):
    CJS = "CJS", _("Coopérative Jeunesse de Services")
    CJM = "CJM", _("Coopérative de Jeunes Majeurs")
    CT = "CT", _("Coopérative de Territoire")


class CohortStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    RECRUITING = "recruiting", _("Recrutement")
    RUNNING = "running", _("En activité")
    CLOSED = "closed", _("Terminée")
    ARCHIVED = "archived", _("Archivée")


class TerritoryKind(models.TextChoices):
    QPV = "qpv", _("Quartier prioritaire (QPV)")
    RURAL = "rural", _("Zone rurale")
    OTHER = "other", _("Autre territoire")


class Cohort(models.Model):
    """One coopérative éphémère run by the CAE: a row of the CAE's schema, never a schema."""

    name = models.CharField(_("nom"), max_length=200)
    code = models.SlugField(
        _("code analytique"),
        max_length=30,
        blank=True,
        help_text=_("Sert aux numéros de factures et à la comptabilité."),
    )
    programme = models.CharField(_("programme"), max_length=3, choices=Programme.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=CohortStatus.choices, default=CohortStatus.DRAFT
    )
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    places = models.PositiveSmallIntegerField(_("nombre de places"), default=12)
    territory_kind = models.CharField(
        _("territoire"), max_length=5, choices=TerritoryKind.choices, default=TerritoryKind.OTHER
    )
    territory_name = models.CharField(_("nom du territoire"), max_length=150, blank=True)
    qpv_code = models.CharField(
        _("code QPV"),
        max_length=12,
        blank=True,
        help_text=_("Code officiel du quartier prioritaire, ex. QN05601M."),
    )
    town = models.CharField(_("commune"), max_length=100, blank=True)
    # Accounts live in the public schema: deletions are the database's business (DO_NOTHING
    # here, an FK constraint there), never Django's collector, which would look for these rows
    # in whatever schema it runs in.
    staff_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chargé·e d'accompagnement"),
    )
    # The CAE's share of the cohort's revenue (HT, net of credit notes), shown in its P&L.
    # No usual figure for cohorts is documented (ordinary CAE entrepreneurs pay e.g. 13.5 % of
    # gross margin at Coopaname, docs domain notes §3): 10 % is a starting point each CAE sets.
    cae_contribution_rate = models.DecimalField(
        _("contribution de la CAE (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Part du chiffre d'affaires HT de la coopérative revenant à la CAE."),
    )
    # The recruitment funnel before enrolment (informed → interested → enrolled), as counts the
    # staff record: the people who were only informed or interested are not kept.
    people_informed = models.PositiveIntegerField(
        _("personnes informées"),
        default=0,
        help_text=_("Personnes touchées par l'information sur la coopérative (réunions, forums…)."),
    )
    applicants = models.PositiveIntegerField(
        _("candidat·es"),
        default=0,
        help_text=_("Personnes intéressées qui ont candidaté ou passé un entretien."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("coopérative")
        verbose_name_plural = _("coopératives")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="cohorts_cohort_ends_after_start",
                violation_error_message=_("Une coopérative ne peut pas finir avant de commencer."),
            ),
            models.CheckConstraint(
                condition=~models.Q(territory_kind="qpv") | ~models.Q(qpv_code=""),
                name="cohorts_cohort_qpv_has_code",
                violation_error_message=_("Un quartier prioritaire a un code QPV."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~models.Q(code=""),
                name="cohorts_cohort_unique_code",
                violation_error_message=_("Ce code est déjà pris."),
            ),
            models.CheckConstraint(
                condition=models.Q(cae_contribution_rate__gte=0, cae_contribution_rate__lte=100),
                name="cohorts_cohort_contribution_rate_is_a_percentage",
                violation_error_message=_(
                    "La contribution de la CAE est comprise entre 0 et 100 %."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.programme})"


class CohortTransition(models.Model):
    """A change of a cohort's status, with its reason: the lifecycle's history, never edited."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("de"), max_length=10, choices=CohortStatus.choices)
    to_status = models.CharField(_("vers"), max_length=10, choices=CohortStatus.choices)
    reason = models.TextField(_("motif"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        related_name="+",
        verbose_name=_("par"),
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.cohort}: {self.from_status} → {self.to_status}"
