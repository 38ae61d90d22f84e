"""French company identifiers (SIREN, SIRET, VAT), checked with python-stdnum."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siren, siret, tva


def validate_siren(value: str) -> None:
    if not siren.is_valid(value):
        raise ValidationError(
            _("Ce SIREN n'est pas valide (9 chiffres, clé de contrôle)."), code="invalid_siren"
        )


def validate_siret(value: str) -> None:
    if not siret.is_valid(value):
        raise ValidationError(
            _("Ce SIRET n'est pas valide (14 chiffres, clé de contrôle)."), code="invalid_siret"
        )


def validate_vat_number(value: str) -> None:
    if not value.startswith("FR") or not tva.is_valid(value):
        raise ValidationError(
            _("Ce numéro de TVA intracommunautaire n'est pas valide (FR + clé + SIREN)."),
            code="invalid_vat_number",
        )


def compact_siren(value: str) -> str:
    return str(siren.compact(value))


def compact_siret(value: str) -> str:
    return str(siret.compact(value))


def compact_vat_number(value: str) -> str:
    compacted = str(tva.compact(value))
    return compacted if compacted.startswith("FR") else f"FR{compacted}"


def vat_number_siren(value: str) -> str:
    return str(tva.to_siren(value))
