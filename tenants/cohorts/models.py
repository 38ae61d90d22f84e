from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.TextChoices):
    CJS = "CJS", _("Coopérative Jeunesse de Services")
    CJM = "CJM", _("Coopérative de Jeunes Majeurs")
    CT = "CT", _("Coopérative de Territoire")


class Cohort(models.Model):
    """One coopérative éphémère run by the CAE: a row of the CAE's schema, never a schema."""

    name = models.CharField(_("nom"), max_length=200)
    programme = models.CharField(_("programme"), max_length=3, choices=Programme.choices)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
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
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.programme})"
