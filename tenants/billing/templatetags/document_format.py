"""French formats for documents: {% load document_format %} then `amount|euros`, `rate|percent`,
`line.quantity|quantity`, `line.unit|unit_label`."""

from __future__ import annotations

from decimal import Decimal

from django import template

from coopilote.money import format_euros
from tenants.commerce.models import ServiceUnit

register = template.Library()

_UNIT_LABELS = {str(value): str(label) for value, label in ServiceUnit.choices}


def french_decimal(value: Decimal) -> str:
    """10.00 → "10", 5.50 → "5,5", 2.10 → "2,1": a French decimal without trailing zeros."""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


@register.filter
def euros(value: Decimal) -> str:
    return format_euros(Decimal(value))


@register.filter
def percent(value: Decimal) -> str:
    return f"{french_decimal(value)}\u00a0%"


@register.filter
def quantity(value: Decimal) -> str:
    return french_decimal(value)


@register.filter
def unit_label(value: str) -> str:
    return _UNIT_LABELS.get(value, value)
