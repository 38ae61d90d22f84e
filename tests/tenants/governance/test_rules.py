"""Counting a vote: worked examples, then properties over many random counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenants.governance.models import MajorityRule
from tenants.governance.rules import quorum_needed, vote_outcome

YES, NO = 1, 2


def _yes_no(yes: int, no: int, abstentions: int = 0, **rules: object) -> tuple[bool, bool]:
    settings: dict[str, object] = {
        "electorate_size": 10,
        "quorum_percent": 50,
        "majority_rule": MajorityRule.SIMPLE,
        **rules,
    }
    outcome = vote_outcome(
        votes={YES: yes, NO: no},
        abstentions=abstentions,
        adopting_option=YES,
        **settings,  # type: ignore[arg-type]
    )
    return outcome.quorum_reached, outcome.adopted


@pytest.mark.parametrize(
    ("electorate", "percent", "needed"),
    [(10, 50, 5), (7, 50, 4), (12, 33, 4), (3, 0, 0), (9, 100, 9), (0, 50, 0)],
)
def test_the_quorum_is_a_share_of_the_electorate_rounded_up(
    electorate: int, percent: int, needed: int
) -> None:
    assert quorum_needed(electorate_size=electorate, quorum_percent=percent) == needed


def test_abstentions_count_for_the_quorum_not_for_the_majority() -> None:
    # 10 electors, quorum 5: 2 yes, 1 no, 2 abstentions → 5 participants, 3 votes cast.
    assert _yes_no(2, 1, 2) == (True, True)


def test_below_the_quorum_nothing_is_adopted() -> None:
    assert _yes_no(4, 0) == (False, False)


def test_a_tie_is_not_adopted() -> None:
    assert _yes_no(3, 3) == (True, False)


def test_simple_majority_is_more_than_half_of_the_votes_cast() -> None:
    assert _yes_no(4, 3) == (True, True)
    assert _yes_no(3, 4) == (True, False)


@pytest.mark.parametrize(("yes", "no", "adopted"), [(6, 3, True), (5, 3, False), (4, 2, True)])
def test_two_thirds_majority(yes: int, no: int, adopted: bool) -> None:
    assert _yes_no(yes, no, majority_rule=MajorityRule.TWO_THIRDS) == (True, adopted)


def test_only_abstentions_adopt_nothing() -> None:
    assert _yes_no(0, 0, 6) == (True, False)


def test_several_options_the_first_one_needs_the_majority() -> None:
    def winner(votes: dict[int, int], rule: str = MajorityRule.SIMPLE) -> int | None:
        return vote_outcome(
            electorate_size=12,
            votes=votes,
            abstentions=1,
            quorum_percent=50,
            majority_rule=rule,
        ).winning_option

    assert winner({1: 5, 2: 2, 3: 1}) == 1
    assert winner({1: 4, 2: 3, 3: 1}) is None  # 4 of 8 is not more than half
    assert winner({1: 4, 2: 4, 3: 0}) is None  # a tie at the top
    assert winner({1: 6, 2: 3}, MajorityRule.TWO_THIRDS) == 1
    assert winner({1: 5, 2: 3}, MajorityRule.TWO_THIRDS) is None


def test_a_quorum_of_zero_still_needs_someone() -> None:
    outcome = vote_outcome(
        electorate_size=5,
        votes={YES: 0, NO: 0},
        abstentions=0,
        quorum_percent=0,
        majority_rule=MajorityRule.SIMPLE,
    )
    assert (outcome.quorum_reached, outcome.adopted) == (False, False)


counts = st.dictionaries(st.integers(1, 6), st.integers(0, 40), min_size=1, max_size=6)
rules = st.sampled_from(MajorityRule.values)


@given(votes=counts, abstentions=st.integers(0, 20), percent=st.integers(0, 100), rule=rules)
def test_properties_of_any_count(
    votes: dict[int, int], abstentions: int, percent: int, rule: str
) -> None:
    electorate = sum(votes.values()) + abstentions + 3
    outcome = vote_outcome(
        electorate_size=electorate,
        votes=votes,
        abstentions=abstentions,
        quorum_percent=percent,
        majority_rule=rule,
    )

    assert outcome.participants == sum(votes.values()) + abstentions
    if outcome.winning_option is not None:
        top = votes[outcome.winning_option]
        assert all(
            count < top for option, count in votes.items() if option != outcome.winning_option
        )
        assert 2 * top > outcome.votes_cast
    assert outcome.adopted == (outcome.quorum_reached and outcome.winning_option is not None)


@given(votes=counts, abstentions=st.integers(0, 20), rule=rules)
def test_more_abstentions_never_change_the_winner(
    votes: dict[int, int], abstentions: int, rule: str
) -> None:
    def winner(extra: int) -> int | None:
        return vote_outcome(
            electorate_size=1000,
            votes=votes,
            abstentions=abstentions + extra,
            quorum_percent=0,
            majority_rule=rule,
        ).winning_option

    assert winner(0) == winner(7)


@given(votes=counts, rule=rules)
def test_one_more_vote_for_the_winner_keeps_it_winning(votes: dict[int, int], rule: str) -> None:
    def winner(votes: dict[int, int]) -> int | None:
        return vote_outcome(
            electorate_size=1000,
            votes=votes,
            abstentions=0,
            quorum_percent=0,
            majority_rule=rule,
        ).winning_option

    first = winner(votes)
    if first is not None:
        assert winner({**votes, first: votes[first] + 1}) == first


@given(yes=st.integers(0, 30), no=st.integers(0, 30))
def test_two_thirds_is_never_easier_than_simple(yes: int, no: int) -> None:
    simple = _yes_no(yes, no, electorate_size=60, quorum_percent=0)
    two_thirds = _yes_no(
        yes, no, electorate_size=60, quorum_percent=0, majority_rule=MajorityRule.TWO_THIRDS
    )
    assert not two_thirds[1] or simple[1]
