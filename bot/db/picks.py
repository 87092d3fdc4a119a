"""Queries for choosing the next book: rounds, suggestions, votes, their options and ballots."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

import aiosqlite

from bot.db.database import Database, db_time, parse_db_time
from bot.db.shards import owned
from bot.models.picks import OpenVote, Outcome, Round, Suggestion, Tally, Vote
from bot.models.shards import ALL, Shards

Source = Database | aiosqlite.Connection


async def _rows(source: Source, query: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
    if isinstance(source, Database):
        return await source.fetchall(query, params)
    return list(await source.execute_fetchall(query, params))


def _time(text: str | None) -> datetime | None:
    return parse_db_time(text) if text else None


def _authors(text: str) -> tuple[str, ...]:
    return tuple(name for name in text.split("\n") if name)


def _suggestion(row: sqlite3.Row) -> Suggestion:
    return Suggestion(
        suggestion_id=row["suggestion_id"],
        round_id=row["round_id"],
        user_id=row["user_id"],
        book_id=row["book_id"],
        title=row["title"],
        authors=_authors(row["authors"]),
        pitch=row["pitch"],
        suggested_at=parse_db_time(row["suggested_at"]),
    )


def _round(row: sqlite3.Row) -> Round:
    return Round(
        round_id=row["round_id"],
        guild_id=row["guild_id"],
        status=row["status"],
        opened_at=parse_db_time(row["opened_at"]),
        closed_at=_time(row["closed_at"]),
    )


def outcome_json(outcome: Outcome) -> str:
    return json.dumps(asdict(outcome))


def outcome_from_json(text: str) -> Outcome:
    data = json.loads(text)
    rounds = tuple(
        Tally(tuple((int(c), int(v)) for c, v in r["counts"]), r["eliminated"]) for r in data.pop("rounds")
    )
    return Outcome(**data, rounds=rounds)


# -- rounds and suggestions ----------------------------------------------------------------------


async def current_round(source: Source, guild_id: int) -> Round | None:
    """The server's round gathering suggestions or voting (index: pick_rounds_current)."""
    query = "SELECT * FROM pick_rounds WHERE guild_id = ? AND status IN ('open', 'voting')"
    rows = await _rows(source, query, (guild_id,))
    return _round(rows[0]) if rows else None


async def latest_round(db: Database, guild_id: int) -> Round | None:
    query = "SELECT * FROM pick_rounds WHERE guild_id = ? ORDER BY round_id DESC LIMIT 1"
    row = await db.fetchone(query, (guild_id,))
    return None if row is None else _round(row)


async def open_round_in(conn: aiosqlite.Connection, guild_id: int, now: datetime) -> Round:
    """The server's current round, opening a new one when there is none."""
    found = await current_round(conn, guild_id)
    if found is not None:
        return found
    query = "INSERT INTO pick_rounds (guild_id, status, opened_at) VALUES (?, 'open', ?)"
    cursor = await conn.execute(query, (guild_id, db_time(now)))
    assert cursor.lastrowid is not None
    return Round(cursor.lastrowid, guild_id, "open", now)


async def suggestions(source: Source, round_id: int) -> list[Suggestion]:
    query = "SELECT * FROM pick_suggestions WHERE round_id = ? ORDER BY suggestion_id"
    return [_suggestion(row) for row in await _rows(source, query, (round_id,))]


async def suggestions_slice(
    db: Database, round_id: int, *, offset: int, limit: int
) -> tuple[list[Suggestion], int]:
    """A page of the round's suggestions in suggestion order, and how many there are."""
    query = """
        SELECT *, count(*) OVER () AS total FROM pick_suggestions WHERE round_id = ?
        ORDER BY suggestion_id LIMIT ? OFFSET ?
    """
    rows = await db.fetchall(query, (round_id, limit, offset))
    if rows:
        return [_suggestion(row) for row in rows], rows[0]["total"]
    total = await db.fetchval("SELECT count(*) FROM pick_suggestions WHERE round_id = ?", (round_id,))
    return [], int(total)


async def add_suggestion_in(
    conn: aiosqlite.Connection,
    round_id: int,
    user_id: int,
    *,
    book_id: int,
    title: str,
    authors: Sequence[str],
    pitch: str | None,
    now: datetime,
) -> int:
    """The member's suggestion for the round, replacing theirs (a new one: it counts from now)."""
    await conn.execute("DELETE FROM pick_suggestions WHERE round_id = ? AND user_id = ?", (round_id, user_id))
    query = """
        INSERT INTO pick_suggestions (round_id, user_id, book_id, title, authors, pitch, suggested_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
    """
    params = (round_id, user_id, book_id, title, "\n".join(authors), pitch, db_time(now))
    cursor = await conn.execute(query, params)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def set_pitch_in(conn: aiosqlite.Connection, suggestion_id: int, pitch: str | None) -> None:
    await conn.execute(
        "UPDATE pick_suggestions SET pitch = ? WHERE suggestion_id = ?", (pitch, suggestion_id)
    )


# -- votes ---------------------------------------------------------------------------------------

_VOTE = """
    SELECT v.*, o.position, s.*
    FROM pick_votes AS v
    LEFT JOIN pick_vote_options AS o ON o.vote_id = v.vote_id
    LEFT JOIN pick_suggestions AS s ON s.suggestion_id = o.suggestion_id
"""


def _votes(rows: list[sqlite3.Row]) -> list[Vote]:
    grouped: dict[int, list[sqlite3.Row]] = {}
    for row in rows:
        grouped.setdefault(row["vote_id"], []).append(row)
    votes: list[Vote] = []
    for group in grouped.values():
        first = group[0]
        options = tuple(
            _suggestion(row) for row in sorted(group, key=lambda r: r["position"] or 0) if row["position"]
        )
        opened, closes = parse_db_time(first["opened_at"]), parse_db_time(first["closes_at"])
        votes.append(
            Vote(
                vote_id=first["vote_id"],
                round_id=first["round_id"],
                guild_id=first["guild_id"],
                mode=first["mode"],
                status=first["status"],
                channel_id=first["channel_id"],
                message_id=first["message_id"],
                started_by=first["started_by"],
                opened_at=opened,
                closes_at=closes,
                options=options,
                closed_at=_time(first["closed_at"]),
                result=outcome_from_json(first["result"]) if first["result"] else None,
            )
        )
    return votes


async def get_vote(source: Source, vote_id: int) -> Vote | None:
    found = _votes(await _rows(source, _VOTE + " WHERE v.vote_id = ?", (vote_id,)))
    return found[0] if found else None


async def current_vote(db: Database, guild_id: int) -> Vote | None:
    """The server's vote being started or open (index: pick_votes_current)."""
    query = _VOTE + " WHERE v.guild_id = ? AND v.status IN ('starting', 'open')"
    found = _votes(await db.fetchall(query, (guild_id,)))
    return found[0] if found else None


async def latest_vote(db: Database, round_id: int) -> Vote | None:
    query = "SELECT vote_id FROM pick_votes WHERE round_id = ? ORDER BY vote_id DESC LIMIT 1"
    vote_id = await db.fetchval(query, (round_id,))
    return None if vote_id is None else await get_vote(db, vote_id)


async def vote_by_message(db: Database, message_id: int) -> Vote | None:
    """The open vote whose poll or ballot is this message (index: pick_votes_by_message)."""
    vote_id = await db.fetchval(
        "SELECT vote_id FROM pick_votes WHERE message_id = ? AND status = 'open'", (message_id,)
    )
    return None if vote_id is None else await get_vote(db, vote_id)


async def votes_with_status(db: Database, status: str, shards: Shards = ALL) -> list[Vote]:
    where, params = owned(shards, "v.guild_id")
    query = _VOTE + f" WHERE v.status = ? AND {where} ORDER BY v.vote_id"
    return _votes(await db.fetchall(query, (status, *params)))


async def claim_vote_in(
    conn: aiosqlite.Connection,
    round_id: int,
    guild_id: int,
    *,
    mode: str,
    channel_id: int,
    started_by: int,
    now: datetime,
    closes_at: datetime,
    suggestion_ids: Sequence[int],
) -> int | None:
    """Close the round's suggestions and claim its vote; None when the round is no longer open."""
    cursor = await conn.execute(
        "UPDATE pick_rounds SET status = 'voting' WHERE round_id = ? AND status = 'open'", (round_id,)
    )
    if cursor.rowcount != 1:
        return None
    query = """
        INSERT INTO pick_votes (round_id, guild_id, mode, status, channel_id, started_by, opened_at, closes_at)
        VALUES (?, ?, ?, 'starting', ?, ?, ?, ?)
    """
    cursor = await conn.execute(
        query, (round_id, guild_id, mode, channel_id, started_by, db_time(now), db_time(closes_at))
    )
    vote_id = cursor.lastrowid
    assert vote_id is not None
    await conn.executemany(
        "INSERT INTO pick_vote_options (vote_id, position, suggestion_id) VALUES (?, ?, ?)",
        [(vote_id, position, sid) for position, sid in enumerate(suggestion_ids, start=1)],
    )
    return vote_id


async def open_vote(db: Database, vote_id: int, message_id: int) -> None:
    query = "UPDATE pick_votes SET status = 'open', message_id = ? WHERE vote_id = ? AND status = 'starting'"
    await db.execute(query, (message_id, vote_id))


async def drop_vote(db: Database, vote_id: int) -> None:
    """Forget a vote that never opened; its round takes suggestions again."""
    async with db.transaction() as conn:
        row = next(
            iter(
                await conn.execute_fetchall("SELECT round_id FROM pick_votes WHERE vote_id = ?", (vote_id,))
            ),
            None,
        )
        if row is None:
            return
        await conn.execute("DELETE FROM pick_votes WHERE vote_id = ?", (vote_id,))
        await conn.execute("UPDATE pick_rounds SET status = 'open' WHERE round_id = ?", (row[0],))


async def finish_vote_in(conn: aiosqlite.Connection, vote: Vote, outcome: Outcome, now: datetime) -> bool:
    """Close an open vote with its result, exactly once: False when another run closed it first.

    A vote that was lost gives its round back to suggestions; any other closes the round.
    """
    status = "lost" if outcome.kind == "lost" else "closed"
    cursor = await conn.execute(
        "UPDATE pick_votes SET status = ?, closed_at = ?, result = ? WHERE vote_id = ? AND status = 'open'",
        (status, db_time(now), outcome_json(outcome), vote.vote_id),
    )
    if cursor.rowcount != 1:
        return False
    if status == "lost":
        await conn.execute("UPDATE pick_rounds SET status = 'open' WHERE round_id = ?", (vote.round_id,))
    else:
        await conn.execute(
            "UPDATE pick_rounds SET status = 'closed', closed_at = ? WHERE round_id = ?",
            (db_time(now), vote.round_id),
        )
    return True


async def open_vote_summary(db: Database, guild_id: int) -> OpenVote | None:
    query = """
        SELECT v.vote_id, v.mode, v.channel_id, v.message_id, v.closes_at,
               (SELECT count(*) FROM pick_vote_options AS o WHERE o.vote_id = v.vote_id) AS books
        FROM pick_votes AS v WHERE v.guild_id = ? AND v.status = 'open'
    """
    row = await db.fetchone(query, (guild_id,))
    if row is None:
        return None
    return OpenVote(
        row["vote_id"],
        row["mode"],
        row["channel_id"],
        row["message_id"],
        parse_db_time(row["closes_at"]),
        row["books"],
    )


# -- ballots -------------------------------------------------------------------------------------


async def ballot(db: Database, vote_id: int, user_id: int) -> list[tuple[int, int]]:
    """The member's ranks: (rank, suggestion_id), first choice first."""
    query = "SELECT rank, suggestion_id FROM pick_ballots WHERE vote_id = ? AND user_id = ? ORDER BY rank"
    return [(row[0], row[1]) for row in await db.fetchall(query, (vote_id, user_id))]


async def set_rank_in(
    conn: aiosqlite.Connection,
    vote_id: int,
    user_id: int,
    rank: int,
    suggestion_id: int | None,
    now: datetime,
) -> None:
    """Put a book at a rank of the member's ballot (a book once only: it leaves any other rank)."""
    await conn.execute(
        "DELETE FROM pick_ballots WHERE vote_id = ? AND user_id = ? AND (rank = ? OR suggestion_id = ?)",
        (vote_id, user_id, rank, suggestion_id),
    )
    if suggestion_id is not None:
        await conn.execute(
            "INSERT INTO pick_ballots (vote_id, user_id, rank, suggestion_id, updated_at) VALUES (?, ?, ?, ?, ?)",
            (vote_id, user_id, rank, suggestion_id, db_time(now)),
        )


async def clear_ballot_in(conn: aiosqlite.Connection, vote_id: int, user_id: int) -> None:
    await conn.execute("DELETE FROM pick_ballots WHERE vote_id = ? AND user_id = ?", (vote_id, user_id))


async def all_ballots(db: Database, vote_id: int) -> list[list[int]]:
    """Every ballot of the vote, each a ranking of suggestion ids (ranks in order, gaps skipped)."""
    query = "SELECT user_id, suggestion_id FROM pick_ballots WHERE vote_id = ? ORDER BY user_id, rank"
    ballots: list[list[int]] = []
    last: int | None = None
    for user_id, suggestion_id in await db.fetchall(query, (vote_id,)):
        if user_id != last:
            ballots.append([])
            last = user_id
        ballots[-1].append(suggestion_id)
    return ballots
