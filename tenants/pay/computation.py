"""The arithmetic of a répartition, with no database: who gets how many cents.

The retained share is taken first (rounded to the cent, halves up); the rest is split among the
members by weight (1 each for equal shares, their hours for pro rata) with the largest
remainder method: everyone gets the floor of their exact quota in cents, then the cents left
go one by one to the largest remainders, ties to the smallest member id. So the amounts always
add up exactly, never go negative, a member with no weight gets nothing, and more hours never
means less money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from coopilote.money import CENT, to_cents
from tenants.pay.models import SharingRule

HUNDRED = Decimal(100)
SHARE_PLACES = Decimal("0.00000001")


@dataclass(frozen=True)
class MemberHours:
    """A member who may be paid for the period, with the hours they worked in it."""

    member_id: int
    hours: Decimal
    withdrawn: bool = False


@dataclass(frozen=True)
class ShareLine:
    member_id: int
    hours: Decimal
    share: Decimal  # fraction of the members' part (8 decimals, informative)
    amount: Decimal  # in euros, to the cent
    withdrawn: bool = False


@dataclass(frozen=True)
class Sharing:
    amount_to_share: Decimal
    retained_rate: Decimal
    retained_amount: Decimal
    lines: tuple[ShareLine, ...]

    @property
    def members_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def total_hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), Decimal("0.00"))


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def largest_remainder(total_cents: int, weights: Sequence[tuple[int, int]]) -> dict[int, int]:
    """`total_cents` split in proportion to the (key, weight) pairs, in whole cents that add up
    exactly; leftover cents to the largest remainders, ties to the smallest key."""
    weight_total = sum(weight for _key, weight in weights)
    if weight_total <= 0:
        raise ValueError("nothing to weigh the split by")
    amounts = {key: total_cents * weight // weight_total for key, weight in weights}
    leftover = total_cents - sum(amounts.values())
    by_remainder = sorted(
        weights, key=lambda pair: (-(total_cents * pair[1] % weight_total), pair[0])
    )
    for key, _weight in by_remainder[:leftover]:
        amounts[key] += 1
    return amounts


def pay_compute(
    *,
    amount_to_share: Decimal,
    retained_rate: Decimal,
    sharing_rule: str,
    members: Sequence[MemberHours],
) -> Sharing:
    """Each member's amount under `sharing_rule`, once the cohort kept `retained_rate` % of
    `amount_to_share`. Refused without members, or (pro rata) without any hour worked."""
    if amount_to_share < 0 or amount_to_share != amount_to_share.quantize(CENT):
        raise _refuse(_("Le montant à répartir est positif, au centime près."), "amount_to_share")
    if not Decimal(0) <= retained_rate <= HUNDRED:
        raise _refuse(_("La part gardée est comprise entre 0 et 100 %."), "retained_rate")
    if not members:
        raise _refuse(_("Aucun·e coopérant·e n'était inscrit·e pendant cette période."))
    if len({member.member_id for member in members}) != len(members):
        raise ValueError("a member appears twice")
    if any(member.hours < 0 for member in members):
        raise ValueError("negative hours")
    if sharing_rule == SharingRule.EQUAL:
        weights = [(member.member_id, 1) for member in members]
    elif sharing_rule == SharingRule.PRO_RATA_HOURS:
        weights = [(member.member_id, _cents(member.hours)) for member in members]
        if not any(weight for _member_id, weight in weights):
            raise _refuse(
                _("Aucune heure travaillée n'est enregistrée sur les prestations de la période."),
                "sharing_rule",
            )
    else:
        raise ValueError(f"unknown sharing rule {sharing_rule!r}")
    retained_amount = to_cents(amount_to_share * retained_rate / HUNDRED)
    members_cents = _cents(amount_to_share - retained_amount)
    amounts = largest_remainder(members_cents, weights)
    weight_total = sum(weight for _member_id, weight in weights)
    weight_of = dict(weights)
    lines = tuple(
        ShareLine(
            member_id=member.member_id,
            hours=member.hours,
            share=(Decimal(weight_of[member.member_id]) / weight_total).quantize(SHARE_PLACES),
            amount=(Decimal(amounts[member.member_id]) / 100).quantize(CENT),
            withdrawn=member.withdrawn,
        )
        for member in sorted(members, key=lambda member: member.member_id)
    )
    return Sharing(
        amount_to_share=amount_to_share,
        retained_rate=retained_rate,
        retained_amount=retained_amount,
        lines=lines,
    )
