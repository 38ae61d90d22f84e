from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopilote.money import allowed_vat_rates, format_euros, to_cents


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
        ("19.999", "20.00"),
    ],
)
def test_rounding_is_half_up_to_the_cent(amount: str, rounded: str) -> None:
    assert to_cents(Decimal(amount)) == Decimal(rounded)


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=6))
def test_rounding_moves_by_at_most_half_a_cent(amount: Decimal) -> None:
    assert abs(to_cents(amount) - amount) <= Decimal("0.005")
    assert to_cents(amount).as_tuple().exponent == -2


def test_french_format() -> None:
    assert format_euros(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert format_euros(Decimal("-7")) == "-7,00\u00a0€"
    assert format_euros(Decimal("1234567.891")) == "1\u202f234\u202f567,89\u00a0€"


def test_the_regime_decides_the_rates() -> None:
    assert allowed_vat_rates("franchise") == (Decimal("0.0"),)
    assert Decimal("20.0") in allowed_vat_rates("standard")
    assert Decimal("0.0") not in allowed_vat_rates("standard")
