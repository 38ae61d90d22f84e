"""Money: euros as Decimal, rounded to the cent the way French invoices do (half up)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """`amount` rounded to the cent, halves away from zero (0.005 → 0.01)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_euros(amount: Decimal) -> str:
    """French display: 1 234,50 € (narrow no-break space between thousands)."""
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(to_cents(amount)):.2f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{'\u202f'.join(groups)},{cents}\u00a0€"


# VAT rates in France (CGI art. 278 ff.), in percent. A CAE under the VAT franchise (art. 293 B)
# invoices without VAT: its only rate is 0, with the exemption mention on the invoice.
STANDARD_VAT_RATES = (Decimal("20.0"), Decimal("10.0"), Decimal("5.5"), Decimal("2.1"))
FRANCHISE_VAT_RATES = (Decimal("0.0"),)


def allowed_vat_rates(vat_regime: str) -> tuple[Decimal, ...]:
    """The VAT rates a CAE may charge under its regime ("standard" or "franchise")."""
    return FRANCHISE_VAT_RATES if vat_regime == "franchise" else STANDARD_VAT_RATES
