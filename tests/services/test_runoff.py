"""Instant runoff: worked examples and the properties the count must keep (hypothesis)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.runoff import Result, clean, instant_runoff, without

A, B, C, D = 1, 2, 3, 4


def test_the_plurality_leader_loses_after_redistribution() -> None:
    ballots = [[A]] * 5 + [[B, C]] * 4 + [[C, B]] * 3
    result = instant_runoff([A, B, C], ballots)
    assert result.winner == B
    assert result.runner_up == A
    assert [r.counts for r in result.rounds] == [((A, 5), (B, 4), (C, 3)), ((A, 5), (B, 7))]
    assert result.rounds[0].eliminated == C
    assert (len(result.rounds), result.winner_votes, result.ballots) == (2, 7, 12)
    assert not result.tie_broken


def test_a_first_round_majority_wins_at_once() -> None:
    result = instant_runoff([A, B, C], [[A, B]] * 3 + [[B]] * 2)
    assert (result.winner, result.runner_up, len(result.rounds)) == (A, B, 1)


def test_a_tie_at_the_end_goes_to_the_earlier_suggestion() -> None:
    result = instant_runoff([A, B], [[A]] * 2 + [[B]] * 2)
    assert result.winner == A
    assert result.runner_up == B
    assert result.tie_broken
    assert result.rounds[0].eliminated == B
    assert result.rounds[0].tie_broken


def test_a_tie_for_fewest_eliminates_the_later_suggestion() -> None:
    ballots = [[A]] * 3 + [[B, A]] + [[C, B]] + [[D, B]] * 2
    result = instant_runoff([A, B, C, D], ballots)
    assert result.rounds[0].eliminated == C  # B and C tie on 1: C came later
    assert result.rounds[0].tie_broken
    assert result.tie_broken


def test_no_ballots_no_winner() -> None:
    result = instant_runoff([A, B], [[], [9]])
    assert result == Result(None, None, (), 0, False)


def test_ballots_are_cleaned_of_repeats_and_strangers() -> None:
    assert clean([B, 9, B, A], {A, B}) == (B, A)
    assert without((C, A, B), {A}) == (C, B)


def test_candidates_are_distinct() -> None:
    with pytest.raises(ValueError, match="each candidate once"):
        instant_runoff([A, A], [])


# -- properties --------------------------------------------------------------------------------


def naive(candidates: Sequence[int], ballots: Sequence[Sequence[int]]) -> tuple[int | None, list[int]]:
    """The count as the rules read: strip the eliminated from every ballot, recount, repeat."""
    order = {c: i for i, c in enumerate(candidates)}
    piles = [clean(b, set(order)) for b in ballots]
    piles = [b for b in piles if b]
    out: set[int] = set()
    eliminated: list[int] = []
    if not piles:
        return None, []
    while True:
        live = [c for c in candidates if c not in out]
        firsts = [without(b, out)[0] for b in piles if without(b, out)]
        counts = {c: firsts.count(c) for c in live}
        leader = max(live, key=lambda c: (counts[c], -order[c]))
        if counts[leader] * 2 > len(firsts) or len(live) == 1:
            return leader, eliminated
        fewest = min(counts.values())
        loser = max((c for c in live if counts[c] == fewest), key=lambda c: order[c])
        out.add(loser)
        eliminated.append(loser)


CANDIDATES = st.integers(min_value=2, max_value=7).map(lambda n: list(range(1, n + 1)))


@st.composite
def elections(draw: st.DrawFn) -> tuple[list[int], list[list[int]]]:
    candidates = draw(CANDIDATES)
    ballot = st.lists(st.sampled_from(candidates), max_size=5, unique=True)
    return candidates, draw(st.lists(ballot, max_size=40))


@settings(max_examples=300, deadline=None)
@given(elections())
def test_the_winner_has_a_majority_of_the_last_round(election: tuple[list[int], list[list[int]]]) -> None:
    candidates, ballots = election
    result = instant_runoff(candidates, ballots)
    if result.winner is None:
        assert not any(ballots)
        return
    last = result.rounds[-1]
    assert last.votes(result.winner) * 2 > last.in_play
    assert last.eliminated is None


@settings(max_examples=200, deadline=None)
@given(elections(), st.data())
def test_everyones_first_choice_wins_in_round_one(
    election: tuple[list[int], list[list[int]]], data: st.DataObject
) -> None:
    candidates, ballots = election
    favourite = data.draw(st.sampled_from(candidates))
    ballots = [[favourite, *without(b, {favourite})] for b in ballots] or [[favourite]]
    result = instant_runoff(candidates, ballots)
    assert result.winner == favourite
    assert len(result.rounds) == 1


@settings(max_examples=300, deadline=None)
@given(elections())
def test_elimination_keeps_the_order_of_the_others(election: tuple[list[int], list[list[int]]]) -> None:
    candidates, ballots = election
    result = instant_runoff(candidates, ballots)
    out: set[int] = set()
    for count in result.rounds:
        for ballot in ballots:
            left = without(ballot, out)
            assert [c for c in ballot if c in set(left)] == list(left)  # the same relative order
        if count.eliminated is not None:
            out.add(count.eliminated)
    winner, eliminated = naive(candidates, ballots)
    assert result.winner == winner
    assert [r.eliminated for r in result.rounds if r.eliminated is not None] == eliminated


@settings(max_examples=200, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_the_order_ballots_were_cast_does_not_matter(
    election: tuple[list[int], list[list[int]]], rng: random.Random
) -> None:
    candidates, ballots = election
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert instant_runoff(candidates, shuffled) == instant_runoff(candidates, ballots)
