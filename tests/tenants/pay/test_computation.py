"""The arithmetic of a répartition: worked examples, then properties over many random cases."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopilote.errors import ApplicationError
from tenants.pay.computation import MemberHours, largest_remainder, pay_compute
from tenants.pay.models import SharingRule

M = Decimal


def _amounts(*, amount: str, rate: str, rule: str, hours: dict[int, str]) -> dict[int, Decimal]:
    sharing = pay_compute(
        amount_to_share=M(amount),
        retained_rate=M(rate),
        sharing_rule=rule,
        members=[MemberHours(member_id=key, hours=M(value)) for key, value in hours.items()],
    )
    return {line.member_id: line.amount for line in sharing.lines}


def test_equal_shares_after_the_retained_share() -> None:
    sharing = pay_compute(
        amount_to_share=M("1000.00"),
        retained_rate=M("10"),
        sharing_rule=SharingRule.EQUAL,
        members=[MemberHours(1, M("12")), MemberHours(2, M("0")), MemberHours(3, M("30"))],
    )

    assert sharing.retained_amount == M("100.00")
    assert [line.amount for line in sharing.lines] == [M("300.00")] * 3
    assert [line.share for line in sharing.lines] == [M("0.33333333")] * 3


def test_leftover_cents_go_to_the_smallest_member_ids_on_equal_shares() -> None:
    assert _amounts(amount="100.00", rate="0", rule="equal", hours={7: "1", 3: "1", 5: "1"}) == {
        3: M("33.34"),
        5: M("33.33"),
        7: M("33.33"),
    }


def test_pro_rata_hours_with_the_largest_remainder() -> None:
    # 500 € - 5 % = 475 € for 10 + 20 + 0 + 7.5 = 37.5 h: 126.666…, 253.333…, 0, 95.
    amounts = _amounts(
        amount="500.00", rate="5", rule="pro_rata_hours", hours={1: "10", 2: "20", 3: "0", 4: "7.5"}
    )

    assert amounts == {1: M("126.67"), 2: M("253.33"), 3: M("0.00"), 4: M("95.00")}
    assert sum(amounts.values()) == M("475.00")


def test_the_retained_share_is_rounded_half_up() -> None:
    sharing = pay_compute(
        amount_to_share=M("0.05"),
        retained_rate=M("50"),
        sharing_rule=SharingRule.EQUAL,
        members=[MemberHours(1, M("0"))],
    )

    assert (sharing.retained_amount, sharing.lines[0].amount) == (M("0.03"), M("0.02"))


def test_a_withdrawn_member_keeps_the_hours_they_worked() -> None:
    sharing = pay_compute(
        amount_to_share=M("90.00"),
        retained_rate=M("0"),
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        members=[MemberHours(1, M("2"), withdrawn=True), MemberHours(2, M("4"))],
    )

    assert [(line.amount, line.withdrawn) for line in sharing.lines] == [
        (M("30.00"), True),
        (M("60.00"), False),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"members": []}, "__all__"),
        ({"sharing_rule": "pro_rata_hours", "members": [MemberHours(1, M("0"))]}, "sharing_rule"),
        ({"amount_to_share": M("-1.00")}, "amount_to_share"),
        ({"amount_to_share": M("1.005")}, "amount_to_share"),
        ({"retained_rate": M("100.01")}, "retained_rate"),
        ({"retained_rate": M("-1")}, "retained_rate"),
    ],
)
def test_refusals(kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {
        "amount_to_share": M("100.00"),
        "retained_rate": M("0"),
        "sharing_rule": SharingRule.EQUAL,
        "members": [MemberHours(1, M("1"))],
        **kwargs,
    }

    with pytest.raises(ApplicationError) as refusal:
        pay_compute(**arguments)  # type: ignore[arg-type]

    assert field in refusal.value.details


# --- Properties ------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: M(cents) / 100)
rates = st.integers(min_value=0, max_value=10_000).map(lambda hundredths: M(hundredths) / 100)
hours = st.integers(min_value=0, max_value=74_400).map(lambda hundredths: M(hundredths) / 100)
members = st.dictionaries(
    st.integers(min_value=1, max_value=10_000), hours, min_size=1, max_size=30
).map(lambda by_id: [MemberHours(key, value) for key, value in by_id.items()])


@given(amount=amounts, rate=rates, people=members, rule=st.sampled_from(SharingRule.values))
def test_the_amounts_add_up_exactly_and_are_never_negative(
    amount: Decimal, rate: Decimal, people: list[MemberHours], rule: str
) -> None:
    if rule == SharingRule.PRO_RATA_HOURS and not any(person.hours for person in people):
        return
    sharing = pay_compute(
        amount_to_share=amount, retained_rate=rate, sharing_rule=rule, members=people
    )

    assert sharing.members_amount + sharing.retained_amount == amount
    assert all(
        line.amount >= 0 and line.amount == line.amount.quantize(M("0.01"))
        for line in sharing.lines
    )
    assert 0 <= sharing.retained_amount <= amount
    assert len(sharing.lines) == len(people)


@given(amount=amounts, rate=rates, people=members)
def test_pro_rata_is_monotonic_in_hours_and_zero_hours_get_nothing(
    amount: Decimal, rate: Decimal, people: list[MemberHours]
) -> None:
    if not any(person.hours for person in people):
        return
    sharing = pay_compute(
        amount_to_share=amount,
        retained_rate=rate,
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        members=people,
    )

    lines = sorted(sharing.lines, key=lambda line: line.hours)
    assert all(a.amount <= b.amount for a, b in itertools.pairwise(lines))
    assert all(line.amount == 0 for line in lines if line.hours == 0)


@given(amount=amounts, people=members)
def test_equal_shares_differ_by_one_cent_at_most(
    amount: Decimal, people: list[MemberHours]
) -> None:
    sharing = pay_compute(
        amount_to_share=amount, retained_rate=M("0"), sharing_rule="equal", members=people
    )

    paid = [line.amount for line in sharing.lines]
    assert max(paid) - min(paid) <= M("0.01")


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40),
)
def test_largest_remainder_is_exact_and_deterministic(total: int, weights: list[int]) -> None:
    if not any(weights):
        return
    pairs = list(enumerate(weights))

    split = largest_remainder(total, pairs)

    assert sum(split.values()) == total
    assert split == largest_remainder(total, list(reversed(pairs)))
    assert all(split[key] == 0 for key, weight in pairs if weight == 0)
