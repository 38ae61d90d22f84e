"""Invoice totals, recomputed from the lines, never typed in.

French practice: each line's amount excl. VAT is rounded to the cent; VAT is computed per rate
on the sum of the lines at that rate, rounded to the cent; the total incl. VAT is their sum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from coopilote.money import to_cents


class Line(Protocol):
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price_excl_vat(self) -> Decimal: ...
    @property
    def vat_rate(self) -> Decimal: ...


@dataclass(frozen=True)
class Totals:
    excl_vat: Decimal
    vat_by_rate: dict[Decimal, tuple[Decimal, Decimal]] = field(default_factory=dict)
    vat: Decimal = Decimal("0.00")

    @property
    def incl_vat(self) -> Decimal:
        return self.excl_vat + self.vat


def line_amount(line: Line) -> Decimal:
    return to_cents(line.quantity * line.unit_price_excl_vat)


def totals_of(lines: Iterable[Line]) -> Totals:
    """Totals excl. VAT, VAT per rate (base, VAT) and incl. VAT of `lines`."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, Decimal("0")) + line_amount(line)
    vat_by_rate = {
        rate: (base, to_cents(base * rate / 100)) for rate, base in sorted(bases.items())
    }
    return Totals(
        excl_vat=sum(bases.values(), Decimal("0.00")),
        vat_by_rate=vat_by_rate,
        vat=sum((vat for _base, vat in vat_by_rate.values()), Decimal("0.00")),
    )
