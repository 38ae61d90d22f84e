"""Season reports (bilans de saison): at the end of a cohort, its CAE submits a report to the
national coordination — the cohort's figures, frozen at submission from the national indicators
store, a narrative and optional photos. The coordinator approves it or sends it back with a
comment; an approved report is locked by the database (triggers), with its submissions and
photos. Rows live in the public schema; photo files under MEDIA_ROOT/<CAE schema>/reports/.
See docs/reports.md.
"""

from __future__ import annotations

import datetime

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A report is due this long after its cohort's end; it may be submitted from this long before.
DUE_AFTER_END = datetime.timedelta(days=30)
SUBMIT_FROM_BEFORE_END = datetime.timedelta(days=7)
MAX_PHOTOS = 6
MAX_PHOTO_SIZE_MB = 5
MAX_PHOTO_SIZE = MAX_PHOTO_SIZE_MB * 1024 * 1024
MAX_NARRATIVE_LENGTH = 20_000


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Remis, en attente de validation")
    RETURNED = "returned", _("Renvoyé pour correction")
    APPROVED = "approved", _("Approuvé")


# The statuses in which the CAE may still write the report.
EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class SubmissionOutcome(models.TextChoices):
    PENDING = "", _("En attente")
    RETURNED = "returned", _("Renvoyé pour correction")
    APPROVED = "approved", _("Approuvé")


# The body of the triggers on a report's submissions and photos: nothing changes once the
# report is approved, and a row never moves to another report. The report is read in the
# trigger's own schema.
_ROWS_FOLLOW_THEIR_REPORT = (
    "IF TG_OP = 'UPDATE' AND NEW.report_id <> OLD.report_id THEN "
    "RAISE EXCEPTION 'Coopilote: a row of a report stays on its report' "
    "USING ERRCODE = 'P0001'; END IF; "
    "EXECUTE format('SELECT status FROM %I.reports_seasonreport WHERE id = $1', "
    "TG_TABLE_SCHEMA) INTO report_status "
    "USING CASE WHEN TG_OP = 'INSERT' THEN NEW.report_id ELSE OLD.report_id END; "
    "IF report_status = 'approved' THEN "
    "RAISE EXCEPTION 'Coopilote: an approved report is locked, with its submissions and photos' "
    "USING ERRCODE = 'P0001'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
)


class SeasonReportQuerySet(models.QuerySet["SeasonReport"]):
    def of_cae(self, cae_id: int) -> SeasonReportQuerySet:
        return self.filter(cae_id=cae_id)

    def awaiting_review(self) -> SeasonReportQuerySet:
        return self.filter(status=ReportStatus.SUBMITTED)


class SeasonReport(models.Model):
    """The season report of one cohort of a CAE (one per cohort)."""

    cae = models.ForeignKey(
        "registry.Cae",
        on_delete=models.PROTECT,
        related_name="season_reports",
        verbose_name=_("CAE"),
    )
    cohort_id = models.PositiveBigIntegerField(_("coopérative"))
    # Copied from the national store (indicators.CohortFact) at each write: the network never
    # reads the CAE's schema, and the list pages need no join.
    cohort_name = models.CharField(_("nom de la coopérative"), max_length=200)
    programme = models.CharField(_("programme"), max_length=3)
    year = models.PositiveSmallIntegerField(_("année"), db_index=True)
    status = models.CharField(
        _("état"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    narrative = models.TextField(_("bilan rédigé"), blank=True)
    # The figures of the latest submission (see SeasonReportSubmission.figures for the format).
    figures = models.JSONField(_("chiffres"), default=dict, blank=True)
    version = models.PositiveSmallIntegerField(_("remises"), default=0)
    submitted_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("remis par"),
    )
    reviewed_at = models.DateTimeField(_("examiné le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("examiné par"),
    )
    review_comment = models.TextField(_("commentaire de la coordination"), blank=True)
    created_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = SeasonReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("bilan de saison")
        verbose_name_plural = _("bilans de saison")
        ordering = ["cae_id", "cohort_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cae", "cohort_id"],
                name="reports_one_report_per_cohort",
                violation_error_message=_("Cette coopérative a déjà son bilan."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status=ReportStatus.DRAFT,
                        version=0,
                        submitted_at__isnull=True,
                        reviewed_at__isnull=True,
                    )
                    | models.Q(
                        status=ReportStatus.SUBMITTED,
                        version__gte=1,
                        submitted_at__isnull=False,
                        submitted_by__isnull=False,
                        reviewed_at__isnull=True,
                        reviewed_by__isnull=True,
                    )
                    | (
                        models.Q(
                            status=ReportStatus.RETURNED,
                            version__gte=1,
                            submitted_at__isnull=False,
                            reviewed_at__isnull=False,
                            reviewed_by__isnull=False,
                        )
                        & ~models.Q(review_comment="")
                    )
                    | models.Q(
                        status=ReportStatus.APPROVED,
                        version__gte=1,
                        submitted_at__isnull=False,
                        reviewed_at__isnull=False,
                        reviewed_by__isnull=False,
                    )
                ),
                name="reports_report_dates_follow_status",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="approved_report_is_locked",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status=ReportStatus.APPROVED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cae_id}:{self.cohort_id} {self.cohort_name}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_approved(self) -> bool:
        return self.status == ReportStatus.APPROVED


class SeasonReportSubmission(models.Model):
    """One submission of a report, as submitted: a report sent back and submitted again has
    one row per version. Its figures and narrative never change; its outcome is recorded once.

    `figures` holds {"computed_at": ISO datetime of the facts, "indicators": [{"key", "unit",
    "value" (a decimal as a string, or null), "masked"}]}, in the order of the indicators.
    """

    report = models.ForeignKey(
        SeasonReport,
        on_delete=models.CASCADE,
        related_name="submissions",
        verbose_name=pgettext_lazy("season report", "bilan"),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    narrative = models.TextField(_("bilan rédigé"))
    figures = models.JSONField(_("chiffres"))
    submitted_at = models.DateTimeField(_("remis le"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("remis par"),
    )
    outcome = models.CharField(
        _("décision"),
        max_length=10,
        choices=SubmissionOutcome.choices,
        default=SubmissionOutcome.PENDING,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("examiné le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("examiné par"),
    )
    review_comment = models.TextField(_("commentaire de la coordination"), blank=True)

    class Meta:
        verbose_name = _("remise d'un bilan")
        verbose_name_plural = _("remises des bilans")
        ordering = ["report_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"], name="reports_submission_number_unique"
            ),
        ]
        triggers = [
            # What was submitted stays as it was submitted; only the decision is added to it.
            pgtrigger.Protect(
                name="submission_content_is_kept",
                operation=pgtrigger.Update,
                condition=(
                    pgtrigger.Q(old__narrative__df=pgtrigger.F("new__narrative"))
                    | pgtrigger.Q(old__figures__df=pgtrigger.F("new__figures"))
                    | pgtrigger.Q(old__number__df=pgtrigger.F("new__number"))
                    | pgtrigger.Q(old__submitted_at__df=pgtrigger.F("new__submitted_at"))
                    | pgtrigger.Q(old__submitted_by_id__df=pgtrigger.F("new__submitted_by_id"))
                ),
            ),
            pgtrigger.Protect(
                name="decided_submission_is_kept",
                operation=pgtrigger.Update,
                condition=~pgtrigger.Q(old__outcome=SubmissionOutcome.PENDING),
            ),
            pgtrigger.Trigger(
                name="submissions_follow_their_report",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("report_status", "text")],
                func=_ROWS_FOLLOW_THEIR_REPORT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} · v{self.number}"


class SeasonReportPhoto(models.Model):
    """A photo of the season (JPEG or PNG, 5 MB at most, 6 per report), stored under a random
    name in the CAE's media folder and served only through a view that checks who asks."""

    report = models.ForeignKey(
        SeasonReport,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=pgettext_lazy("season report", "bilan"),
    )
    # Relative to the CAE's media folder (MEDIA_ROOT/<schema>/): read it in that schema.
    image = models.FileField(_("photo"), upload_to="reports/", max_length=200)
    content_type = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("taille (octets)"))
    caption = models.CharField(_("légende"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ajoutée par"),
    )

    class Meta:
        verbose_name = _("photo d'un bilan")
        verbose_name_plural = _("photos des bilans")
        ordering = ["report_id", "uploaded_at", "pk"]
        triggers = [
            pgtrigger.Trigger(
                name="photos_follow_their_report",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("report_status", "text")],
                func=_ROWS_FOLLOW_THEIR_REPORT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.image.name}"
