"""Where a review's card is posted, and the intents that make posting it idempotent (see 0011)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.db.database import Database, db_time, parse_db_time
from bot.db.shards import owned
from bot.models.reviews import CardIntent
from bot.models.shards import ALL, Shards

_INTENT_COLUMNS = "review_id, guild_id, channel_id, nonce, message_id, created_at"


def _intent_from_row(row: sqlite3.Row) -> CardIntent:
    return CardIntent(
        review_id=row["review_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        nonce=row["nonce"],
        message_id=row["message_id"],
        created_at=parse_db_time(row["created_at"]),
    )


async def get_card_intent(db: Database, review_id: int) -> CardIntent | None:
    query = f"SELECT {_INTENT_COLUMNS} FROM review_card_intents WHERE review_id = ?"
    row = await db.fetchone(query, (review_id,))
    return None if row is None else _intent_from_row(row)


async def pending_card_intents(db: Database, shards: Shards = ALL) -> list[CardIntent]:
    """Every card a crash may have left half-posted in the servers `shards` owns, oldest first."""
    where, params = owned(shards)
    query = f"SELECT {_INTENT_COLUMNS} FROM review_card_intents WHERE {where} ORDER BY created_at, review_id"
    return [_intent_from_row(row) for row in await db.fetchall(query, params)]


async def put_card_intent(
    db: Database, review_id: int, channel_id: int, nonce: str, now: datetime
) -> CardIntent | None:
    """Record (or replace) the intent to post a review's card; None when the review is gone."""
    query = f"""
        INSERT INTO review_card_intents (review_id, guild_id, channel_id, nonce, message_id, created_at)
        SELECT review_id, guild_id, ?, ?, NULL, ? FROM reviews WHERE review_id = ?
        ON CONFLICT (review_id) DO UPDATE SET
            channel_id = excluded.channel_id, nonce = excluded.nonce, message_id = NULL,
            created_at = excluded.created_at
        RETURNING {_INTENT_COLUMNS}
    """
    async with db.transaction() as conn:
        rows = list(await conn.execute_fetchall(query, (channel_id, nonce, db_time(now), review_id)))
    return _intent_from_row(rows[0]) if rows else None


async def record_card_message(db: Database, review_id: int, channel_id: int, message_id: int) -> None:
    """The card is sent: the review points at it (no thread yet) and its intent waits for the thread."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE reviews SET channel_id = ?, message_id = ?, thread_id = NULL WHERE review_id = ?",
            (channel_id, message_id, review_id),
        )
        await conn.execute(
            "UPDATE review_card_intents SET message_id = ? WHERE review_id = ?", (message_id, review_id)
        )


async def record_card_thread(db: Database, review_id: int, thread_id: int | None) -> None:
    """The card's thread is settled (None: it has none): the review records it and the intent goes."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE reviews SET thread_id = ? WHERE review_id = ?", (thread_id, review_id))
        await conn.execute("DELETE FROM review_card_intents WHERE review_id = ?", (review_id,))


async def drop_card_intent(db: Database, review_id: int) -> None:
    """Forget an intent whose card Discord refused or whose channel is gone."""
    await db.execute("DELETE FROM review_card_intents WHERE review_id = ?", (review_id,))


async def forget_card(db: Database, review_id: int) -> None:
    """The card was deleted: the review has none (the next edit posts one) and no intent."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE reviews SET channel_id = NULL, message_id = NULL, thread_id = NULL WHERE review_id = ?",
            (review_id,),
        )
        await conn.execute("DELETE FROM review_card_intents WHERE review_id = ?", (review_id,))
