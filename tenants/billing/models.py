from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberingSettings(models.Model):
    """How the CAE numbers its invoices and credit notes (one row per CAE schema)."""

    invoice_template = models.CharField(
        _("modèle des numéros de facture"),
        max_length=60,
        default="F{YYYY}-{SEQYEAR:5}",
        help_text=_(
            "Ex. F{YYYY}-{SEQYEAR:5} → F2026-00042 ; {COHORT} insère le code de la "
            "coopérative, {SEQCOHORTYEAR} numérote par coopérative et par année."
        ),
    )
    credit_note_template = models.CharField(
        _("modèle des numéros d'avoir"), max_length=60, default="A{YYYY}-{SEQYEAR:5}"
    )
    singleton = models.BooleanField(default=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("numérotation")
        verbose_name_plural = _("numérotations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="billing_numberingsettings_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_template} / {self.credit_note_template}"


class NumberCounter(models.Model):
    """The last number given in one sequence (e.g. invoices of 2026); bumped under a row lock
    in the transaction that issues the document, so a rollback gives the number back."""

    key = models.CharField(_("séquence"), max_length=120, unique=True)
    last_value = models.PositiveIntegerField(_("dernier numéro"))

    class Meta:
        verbose_name = _("compteur")
        verbose_name_plural = _("compteurs")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"
