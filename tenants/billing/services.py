"""The CAE's billing settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from tenants.billing.models import NumberingSettings
from tenants.billing.numbering import template_errors


def numbering_settings_get() -> NumberingSettings:
    """The CAE's numbering templates (the defaults until the CAE changes them)."""
    settings, _created = NumberingSettings.objects.get_or_create(singleton=True)
    return settings


@transaction.atomic
def numbering_settings_update(
    *, invoice_template: str, credit_note_template: str
) -> NumberingSettings:
    """Change the templates; numbers already issued keep theirs."""
    errors = {
        field: template_errors(template)
        for field, template in (
            ("invoice_template", invoice_template),
            ("credit_note_template", credit_note_template),
        )
    }
    errors = {field: messages for field, messages in errors.items() if messages}
    if invoice_template.split("{")[0] == credit_note_template.split("{")[0]:
        errors.setdefault("credit_note_template", []).append(
            _("Les avoirs ont leur propre préfixe, distinct de celui des factures.")
        )
    if errors:
        raise ApplicationError(
            _("Cette numérotation ne convient pas."), errors=ValidationError(errors)
        )
    settings = NumberingSettings.objects.select_for_update().get_or_create(singleton=True)[0]
    settings.invoice_template = invoice_template
    settings.credit_note_template = credit_note_template
    settings.full_clean()
    settings.save()
    return settings
