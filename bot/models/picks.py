"""Choosing the next book: a round's suggestions, its vote, the ballots and the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Suggestion:
    suggestion_id: int  # in suggestion order: a tie goes to the lower id
    round_id: int
    user_id: int
    book_id: int | None  # None once the book left the catalogue
    title: str
    authors: tuple[str, ...]
    pitch: str | None
    suggested_at: datetime

    @property
    def byline(self) -> str:
        return f"{self.title} — {', '.join(self.authors)}" if self.authors else self.title


@dataclass(frozen=True, slots=True)
class Round:
    round_id: int
    guild_id: int
    status: str  # 'open' | 'voting' | 'closed'
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Vote:
    vote_id: int
    round_id: int
    guild_id: int
    mode: str  # 'poll' | 'ranked'
    status: str  # 'starting' | 'open' | 'closed' | 'lost'
    channel_id: int
    message_id: int | None
    started_by: int
    opened_at: datetime
    closes_at: datetime
    options: tuple[Suggestion, ...]  # in position order: the poll's answers 1, 2, …
    closed_at: datetime | None = None
    result: Outcome | None = None

    def option(self, suggestion_id: int) -> Suggestion | None:
        return next((s for s in self.options if s.suggestion_id == suggestion_id), None)


@dataclass(frozen=True, slots=True)
class Tally:
    """One round of a count: each book still in it with its votes, and the one that went out."""

    counts: tuple[tuple[int, int], ...]  # (suggestion_id, votes)
    eliminated: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A closed vote's result as it is shown: stored as JSON with the vote."""

    kind: str  # 'won' | 'no_votes' | 'lost'
    mode: str
    winner: int | None = None  # suggestion ids
    runner_up: int | None = None
    winner_votes: int = 0  # the winner's votes (ranked: in the last round)
    runner_up_votes: int = 0
    votes: int = 0  # poll: votes cast; ranked: ballots that rank a book
    rounds: tuple[Tally, ...] = ()
    tie_broken: bool = False


@dataclass(frozen=True, slots=True)
class OpenVote:
    """What the weekly digest says about a vote still open."""

    vote_id: int
    mode: str
    channel_id: int
    message_id: int | None
    closes_at: datetime
    books: int
