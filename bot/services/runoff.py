"""Instant-runoff counting of ranked ballots: a pure function, no database, no Discord.

Each round counts every ballot for its highest-ranked candidate still in the race. A candidate with
more than half of the ballots still in play wins; otherwise the candidate with the fewest votes is
eliminated and its ballots move to their next choice. Ties, at an elimination and at the end, are
broken by the earlier suggestion: `candidates` is given in suggestion order, and the later one of
the tied is the one that goes out.

Work is proportional to the number of ranks cast, not ballots × rounds: identical ballots are
counted once with a weight, and only the ballots of an eliminated candidate are looked at again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Round:
    """One round: the votes of every candidate still in it (in suggestion order), who went out."""

    counts: tuple[tuple[int, int], ...]  # (candidate, votes)
    in_play: int  # ballots counted for someone this round
    eliminated: int | None = None  # None in the deciding round
    tie_broken: bool = False  # the eliminated one tied for fewest with an earlier suggestion

    def votes(self, candidate: int) -> int:
        return dict(self.counts).get(candidate, 0)


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome: `winner` None only when no ballot ranks any candidate."""

    winner: int | None
    runner_up: int | None
    rounds: tuple[Round, ...]
    ballots: int  # ballots that rank at least one candidate
    tie_broken: bool  # a tie (at an elimination or at the end) was broken by suggestion order

    @property
    def winner_votes(self) -> int:
        """The winner's votes in the last round."""
        if self.winner is None or not self.rounds:
            return 0
        return self.rounds[-1].votes(self.winner)


def clean(ballot: Sequence[int], known: set[int]) -> tuple[int, ...]:
    """A ballot's candidates in its order, each once, unknown ones left out."""
    seen: set[int] = set()
    kept: list[int] = []
    for candidate in ballot:
        if candidate in known and candidate not in seen:
            seen.add(candidate)
            kept.append(candidate)
    return tuple(kept)


def without(ballot: Sequence[int], out: set[int]) -> tuple[int, ...]:
    """The ballot once `out` are eliminated: the others, in the ballot's own order."""
    return tuple(candidate for candidate in ballot if candidate not in out)


def instant_runoff(candidates: Sequence[int], ballots: Iterable[Sequence[int]]) -> Result:
    """Count `ballots` (each a ranking, first choice first) over `candidates` (in suggestion order)."""
    order = {candidate: index for index, candidate in enumerate(candidates)}
    if len(order) != len(candidates):
        raise ValueError("each candidate once")
    known = set(order)
    weights = Counter(clean(ballot, known) for ballot in ballots)
    weights.pop((), None)
    total = sum(weights.values())
    # piles[c]: (ballot, position of its current choice, weight) counted for c
    piles: dict[int, list[tuple[tuple[int, ...], int, int]]] = {c: [] for c in candidates}
    counts = dict.fromkeys(candidates, 0)
    for ballot, weight in weights.items():
        piles[ballot[0]].append((ballot, 0, weight))
        counts[ballot[0]] += weight
    in_race = list(candidates)
    in_play = total
    rounds: list[Round] = []
    tie_broken = False
    if total == 0:
        return Result(None, None, (), 0, False)
    while True:
        snapshot = tuple((c, counts[c]) for c in in_race)
        leader = max(in_race, key=lambda c: (counts[c], -order[c]))
        if counts[leader] * 2 > in_play or len(in_race) == 1:
            ahead = [c for c in in_race if c != leader]
            tied_top = any(counts[c] == counts[leader] for c in ahead)
            tie_broken = tie_broken or tied_top
            rounds.append(Round(snapshot, in_play))
            runner_up = max(ahead, key=lambda c: (counts[c], -order[c])) if ahead else None
            if runner_up is None and len(rounds) > 1:
                runner_up = rounds[-2].eliminated
            return Result(leader, runner_up, tuple(rounds), total, tie_broken)
        fewest = min(counts[c] for c in in_race)
        tied = [c for c in in_race if counts[c] == fewest]
        out = max(tied, key=lambda c: order[c])  # the later suggestion goes out
        broke = len(tied) > 1 and fewest > 0
        tie_broken = tie_broken or broke
        rounds.append(Round(snapshot, in_play, out, broke))
        in_race.remove(out)
        del counts[out]
        for ballot, position, weight in piles.pop(out):
            nxt = position + 1
            while nxt < len(ballot) and ballot[nxt] not in counts:
                nxt += 1
            if nxt < len(ballot):
                piles[ballot[nxt]].append((ballot, nxt, weight))
                counts[ballot[nxt]] += weight
            else:
                in_play -= weight  # exhausted: every choice on it is out
