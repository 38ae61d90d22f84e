"""The payment provider's events, stored once (public schema) before their effect is applied in
the CAE's schema by a task."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentEvent(models.Model):
    provider = models.CharField(_("prestataire"), max_length=10)
    event_id = models.CharField(_("identifiant"), max_length=100)
    event_type = models.CharField(_("type"), max_length=100)
    account = models.CharField(_("compte connecté"), max_length=100, blank=True)
    schema_name = models.CharField(_("schéma de la CAE"), max_length=63, blank=True)
    payload = models.JSONField(_("contenu"))
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    ignored_because = models.CharField(_("ignoré parce que"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("événement de paiement")
        verbose_name_plural = _("événements de paiement")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payments_paymentevent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
