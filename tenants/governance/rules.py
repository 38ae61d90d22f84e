"""Counting a vote, with no database: is the quorum reached, which choice wins, is it adopted.

- Quorum: at least `quorum_percent` % of the electorate took part, abstentions included (a
  share rounded up: 50 % of 7 members is 4 participants).
- Votes cast ("suffrages exprimés") are the ballots for a choice; abstentions do not count.
- A choice wins with more than half of the votes cast (simple majority) or at least two thirds
  of them (two-thirds majority). Several choices: the same threshold applies to the first one,
  with no second round; two choices level at the top means no choice wins.
- Adopted: the quorum is reached and a choice wins; on a yes/no question that choice must be
  "yes" (`adopting_option`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tenants.governance.models import MajorityRule


@dataclass(frozen=True)
class Outcome:
    participants: int
    quorum_needed: int
    quorum_reached: bool
    votes_cast: int
    winning_option: int | None
    adopted: bool


def quorum_needed(*, electorate_size: int, quorum_percent: int) -> int:
    """The number of participants the quorum asks for (rounded up)."""
    return -(-electorate_size * quorum_percent // 100)


def _wins(votes: int, votes_cast: int, majority_rule: str) -> bool:
    if majority_rule == MajorityRule.SIMPLE:
        return 2 * votes > votes_cast
    if majority_rule == MajorityRule.TWO_THIRDS:
        return votes_cast > 0 and 3 * votes >= 2 * votes_cast
    raise ValueError(f"unknown majority rule {majority_rule!r}")


def vote_outcome(
    *,
    electorate_size: int,
    votes: Mapping[int, int],
    abstentions: int,
    quorum_percent: int,
    majority_rule: str,
    adopting_option: int | None = None,
) -> Outcome:
    """The outcome of a vote from its counts: `votes` maps each option to its votes."""
    if electorate_size < 0 or abstentions < 0 or any(count < 0 for count in votes.values()):
        raise ValueError("counts cannot be negative")
    if not 0 <= quorum_percent <= 100:
        raise ValueError("the quorum is a percentage")
    votes_cast = sum(votes.values())
    participants = votes_cast + abstentions
    needed = quorum_needed(electorate_size=electorate_size, quorum_percent=quorum_percent)
    quorum_reached = participants >= needed and participants > 0
    winning_option: int | None = None
    if votes_cast:
        top = max(votes.values())
        leaders = [option for option, count in votes.items() if count == top]
        if len(leaders) == 1 and _wins(top, votes_cast, majority_rule):
            winning_option = leaders[0]
    adopted = (
        quorum_reached
        and winning_option is not None
        and (adopting_option is None or winning_option == adopting_option)
    )
    return Outcome(
        participants=participants,
        quorum_needed=needed,
        quorum_reached=quorum_reached,
        votes_cast=votes_cast,
        winning_option=winning_option,
        adopted=adopted,
    )
