"""Choosing the next book: suggestions in rounds, a vote (a native poll or a ranked ballot), the result.

A round gathers one suggestion per member; `/pick start` closes it to suggestions and opens its
vote; the close counts the vote and closes the round, and the next `/suggest` opens a new one.
Closing is claimed once in the database, whoever gets there first (the close job, Discord's end
of a poll, `/pick close`, the catch-up at start-up), and the result's message is claimed with it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db import Database
from bot.db import picks as store
from bot.db import sends as send_store
from bot.db.books import get_book
from bot.errors import BookGone, UserFacingError
from bot.models.books import Book
from bot.models.picks import OpenVote, Outcome, Round, Suggestion, Tally, Vote
from bot.models.shards import ALL, Shards
from bot.services.nonces import new_nonce
from bot.services.paging import offset_page
from bot.services.runoff import instant_runoff

MAX_PITCH = 300
MIN_HOURS, MAX_HOURS, DEFAULT_HOURS = 1, 768, 48
POLL_MAX = 10  # Discord's limit of answers in a poll
RANKED_MAX = 25  # options in one select menu
RANKS = 5
SUGGESTIONS_PAGE_SIZE = 5
# Counting 10,000 ballots takes about 7 ms (bench/picks.py); beyond this many (some 35 ms) the count
# runs in a worker thread, so the event loop is never held for more than 50 ms.
OFF_LOOP_BALLOTS = 50_000

NO_VOTE = "No vote is open. An organiser opens one with `/pick start`."
NO_ROUND = "Nothing has been suggested yet: suggest a book with `/suggest`."


def result_key(vote_id: int) -> str:
    return f"pick:{vote_id}:result"


# -- suggestions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggested:
    kind: str  # 'new' | 'replaced' | 'pitch'
    suggestion: Suggestion
    replaced: Suggestion | None
    count: int  # suggestions in the round now


def check_pitch(pitch: str | None) -> str | None:
    if pitch is None or not pitch.strip():
        return None
    cleaned = pitch.strip()
    if len(cleaned) > MAX_PITCH:
        raise UserFacingError(
            f"Keep the pitch to {MAX_PITCH} characters (yours has {len(cleaned):,}): a line or two on why."
        )
    return cleaned


async def suggest(
    db: Database, guild_id: int, user_id: int, book: Book, pitch: str | None, now: datetime
) -> Suggested:
    """The member's suggestion for the current round (opened when there is none); again replaces it."""
    cleaned = check_pitch(pitch)
    async with db.transaction() as conn:
        round_ = await store.open_round_in(conn, guild_id, now)
        if round_.status == "voting":
            raise UserFacingError(
                "The vote on the next book is open: suggestions for the round after it open when it closes "
                "(see `/pick status`)."
            )
        existing = await store.suggestions(conn, round_.round_id)
        mine = next((s for s in existing if s.user_id == user_id), None)
        taken = next((s for s in existing if s.book_id == book.book_id), None)
        if taken is not None and taken.user_id != user_id:
            raise UserFacingError(f"*{book.title}* is already suggested, by <@{taken.user_id}>.")
        if taken is not None:
            await store.set_pitch_in(conn, taken.suggestion_id, cleaned)
            kept = await store.suggestions(conn, round_.round_id)
            same = next(s for s in kept if s.suggestion_id == taken.suggestion_id)
            return Suggested("pitch", same, None, len(kept))
        new_id = await store.add_suggestion_in(
            conn,
            round_.round_id,
            user_id,
            book_id=book.book_id,
            title=book.title,
            authors=book.authors,
            pitch=cleaned,
            now=now,
        )
        now_there = await store.suggestions(conn, round_.round_id)
    made = next(s for s in now_there if s.suggestion_id == new_id)
    return Suggested("replaced" if mine else "new", made, mine, len(now_there))


@dataclass(frozen=True, slots=True)
class PickPage:
    """A page of `/pick status`: the round, its vote (if any), a page of its suggestions."""

    round: Round | None
    vote: Vote | None
    suggestions: list[Suggestion]
    page: int
    pages: int
    total: int


async def status_page(db: Database, guild_id: int, page: int) -> PickPage:
    """The current round (or the last one, with its result), page `page` of its suggestions."""
    round_ = await store.current_round(db, guild_id) or await store.latest_round(db, guild_id)
    if round_ is None:
        return PickPage(None, None, [], 1, 1, 0)
    vote = await store.latest_vote(db, round_.round_id)
    round_id = round_.round_id

    async def fetch(offset: int, limit: int) -> tuple[list[Suggestion], int]:
        return await store.suggestions_slice(db, round_id, offset=offset, limit=limit)

    found = await offset_page(fetch, page, SUGGESTIONS_PAGE_SIZE)
    return PickPage(round_, vote, found.items, found.page, found.pages, found.total)


# -- opening the vote ----------------------------------------------------------------------------


def check_hours(hours: int) -> None:
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise UserFacingError(
            f"`hours` is how long the vote stays open: give {MIN_HOURS} to {MAX_HOURS} (32 days), not {hours}."
        )


async def claim_vote(
    db: Database, guild_id: int, *, user_id: int, mode: str, hours: int, channel_id: int, now: datetime
) -> Vote:
    """Close the round's suggestions and claim its vote before anything is posted; refusals say why."""
    check_hours(hours)
    if mode not in ("poll", "ranked"):
        raise UserFacingError("`mode` is `poll` (a Discord poll) or `ranked` (a ranked ballot).")
    async with db.transaction() as conn:
        round_ = await store.current_round(conn, guild_id)
        if round_ is None:
            raise UserFacingError(NO_ROUND)
        if round_.status == "voting":
            raise UserFacingError(
                "A vote is already open: see `/pick status`, or close it first with `/pick close`."
            )
        books = await store.suggestions(conn, round_.round_id)
        if len(books) < 2:
            raise UserFacingError(
                f"A vote needs at least 2 suggestions; this round has {len(books)}. Members suggest with `/suggest`."
            )
        if mode == "poll" and len(books) > POLL_MAX:
            raise UserFacingError(
                f"A Discord poll holds at most {POLL_MAX} books and this round has {len(books)}: "
                "use `mode:ranked` for a ranked ballot."
            )
        if len(books) > RANKED_MAX:
            raise UserFacingError(
                f"A ranked ballot lists at most {RANKED_MAX} books; this round has {len(books)}."
            )
        vote_id = await store.claim_vote_in(
            conn,
            round_.round_id,
            guild_id,
            mode=mode,
            channel_id=channel_id,
            started_by=user_id,
            now=now,
            closes_at=now + timedelta(hours=hours),
            suggestion_ids=[s.suggestion_id for s in books],
        )
        if vote_id is None:  # unreachable under the writer's lock; defensive
            raise UserFacingError("Another organiser is opening the vote right now; see `/pick status`.")
        vote = await store.get_vote(conn, vote_id)
    assert vote is not None
    return vote


async def vote_posted(db: Database, vote: Vote, message_id: int) -> None:
    await store.open_vote(db, vote.vote_id, message_id)


async def abandon(db: Database, vote: Vote) -> None:
    """Forget a vote whose message could not be posted: its round takes suggestions again."""
    await store.drop_vote(db, vote.vote_id)


async def stale_starts(db: Database, shards: Shards = ALL) -> list[Vote]:
    """Votes a stopped run left 'starting' in the servers `shards` owns; the caller drops them (their
    message may be half-posted)."""
    return await store.votes_with_status(db, "starting", shards)


async def require_open_vote(db: Database, guild_id: int) -> Vote:
    vote = await store.current_vote(db, guild_id)
    if vote is None or vote.status != "open":
        raise UserFacingError(NO_VOTE)
    return vote


async def open_votes(db: Database, shards: Shards = ALL) -> list[Vote]:
    return await store.votes_with_status(db, "open", shards)


async def vote_of_message(db: Database, message_id: int) -> Vote | None:
    return await store.vote_by_message(db, message_id)


async def get_vote(db: Database, vote_id: int) -> Vote | None:
    return await store.get_vote(db, vote_id)


# -- ranked ballots ------------------------------------------------------------------------------


def closed_text(vote: Vote) -> str:
    return f"This vote closed <t:{int(vote.closes_at.timestamp())}:f>: ballots can no longer change."


async def my_ballot(db: Database, vote: Vote, user_id: int) -> dict[int, int]:
    """The member's ballot: rank → suggestion id."""
    return dict(await store.ballot(db, vote.vote_id, user_id))


async def require_votable(db: Database, vote_id: int, now: datetime) -> Vote:
    vote = await store.get_vote(db, vote_id)
    if vote is None:
        raise UserFacingError("That vote no longer exists.")
    if vote.mode != "ranked":
        raise UserFacingError("That vote is a Discord poll: vote in the poll itself.")
    if vote.status != "open" or now >= vote.closes_at:
        raise UserFacingError(closed_text(vote))
    return vote


async def set_rank(
    db: Database, vote_id: int, user_id: int, rank: int, suggestion_id: int | None, now: datetime
) -> Vote:
    """Put a book (None: nothing) at `rank` of the member's ballot, while the vote is open."""
    if not 1 <= rank <= RANKS:
        raise UserFacingError(f"A ballot ranks {RANKS} books at most.")
    vote = await require_votable(db, vote_id, now)
    if suggestion_id is not None and vote.option(suggestion_id) is None:
        raise UserFacingError("That book is not on this ballot.")
    async with db.transaction() as conn:
        current = await store.get_vote(conn, vote_id)  # closed meanwhile? the close holds the same lock
        if current is None or current.status != "open":
            raise UserFacingError(closed_text(vote))
        await store.set_rank_in(conn, vote_id, user_id, rank, suggestion_id, now)
    return vote


async def clear_ballot(db: Database, vote_id: int, user_id: int, now: datetime) -> Vote:
    vote = await require_votable(db, vote_id, now)
    async with db.transaction() as conn:
        current = await store.get_vote(conn, vote_id)
        if current is None or current.status != "open":
            raise UserFacingError(closed_text(vote))
        await store.clear_ballot_in(conn, vote_id, user_id)
    return vote


# -- counting and closing ------------------------------------------------------------------------


def count_ranked(vote: Vote, ballots: list[list[int]]) -> Outcome:
    """The instant-runoff count of the ballots as the result shows it (pure)."""
    result = instant_runoff([s.suggestion_id for s in vote.options], ballots)
    if result.winner is None:
        return Outcome("no_votes", "ranked")
    rounds = tuple(Tally(r.counts, r.eliminated) for r in result.rounds)
    runner_votes = result.rounds[-1].votes(result.runner_up) if result.runner_up is not None else 0
    return Outcome(
        "won",
        "ranked",
        winner=result.winner,
        runner_up=result.runner_up,
        winner_votes=result.winner_votes,
        runner_up_votes=runner_votes,
        votes=result.ballots,
        rounds=rounds,
        tie_broken=result.tie_broken,
    )


def count_poll(vote: Vote, answer_counts: dict[int, int]) -> Outcome:
    """A finalised poll's result from Discord's counts by answer id; a tie goes to the earlier suggestion."""
    counts = tuple(
        (s.suggestion_id, answer_counts.get(position, 0)) for position, s in enumerate(vote.options, 1)
    )
    total = sum(votes for _, votes in counts)
    if total == 0:
        return Outcome("no_votes", "poll", rounds=(Tally(counts),))
    order = {sid: index for index, (sid, _) in enumerate(counts)}
    ranked = sorted(counts, key=lambda pair: (-pair[1], order[pair[0]]))
    (winner, most), (runner_up, second) = ranked[0], ranked[1]
    return Outcome(
        "won",
        "poll",
        winner=winner,
        runner_up=runner_up,
        winner_votes=most,
        runner_up_votes=second,
        votes=total,
        rounds=(Tally(counts),),
        tie_broken=most == second,
    )


async def ranked_outcome(db: Database, vote: Vote) -> Outcome:
    """Count a ranked vote's ballots; a large count runs off the event loop."""
    ballots = await store.all_ballots(db, vote.vote_id)
    if len(ballots) > OFF_LOOP_BALLOTS:
        return await asyncio.to_thread(count_ranked, vote, ballots)
    return count_ranked(vote, ballots)


async def finish(db: Database, vote: Vote, outcome: Outcome, now: datetime) -> bool:
    """Close the vote with its outcome and claim the result's message, in one transaction.

    False when another run closed it first (its result is that run's to post).
    """
    async with db.transaction() as conn:
        if not await store.finish_vote_in(conn, vote, outcome, now):
            return False
        await send_store.plan_in(
            conn,
            result_key(vote.vote_id),
            guild_id=vote.guild_id,
            channel_id=vote.channel_id,
            due_at=now,
            nonce=new_nonce(),
            now=now,
        )
    return True


def lost() -> Outcome:
    return Outcome("lost", "poll")


async def book_of(db: Database, vote: Vote, suggestion_id: int) -> Book:
    """The catalogue book of a suggestion on the vote, or BookGone."""
    suggestion = vote.option(suggestion_id)
    book = (
        None if suggestion is None or suggestion.book_id is None else await get_book(db, suggestion.book_id)
    )
    if book is None:
        raise BookGone
    return book


async def open_vote_summary(db: Database, guild_id: int) -> OpenVote | None:
    """The weekly digest's line: the open vote and when it closes, or None."""
    return await store.open_vote_summary(db, guild_id)
