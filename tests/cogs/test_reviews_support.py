"""Seeding and reading helpers shared by the review tests (no tests of its own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.db import Database, dialect_of
from bot.db.books import upsert_book
from bot.db.ratings import write_rating_in
from bot.db.review_writes import insert_review_in
from bot.models.books import Book, BookData
from tests.components import custom_ids, text_of

BASE = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def seed_book(db: Database, title: str = "MIG Pilot", ol: str = "OL1W") -> Book:
    return await upsert_book(
        db,
        BookData(
            title=title, authors=("John Barron",), ol_work_id=ol, pages=222, first_published="1980-01-01"
        ),
    )


async def seed_reviews(
    db: Database,
    guild_id: int,
    book_id: int,
    count: int,
    *,
    first_user: int = 10_000,
    bodies: list[str] | None = None,
    stars: list[int] | None = None,
    spoiler: bool = False,
) -> list[int]:
    """`count` reviews by members first_user…, one day apart (review i on BASE + i days)."""
    ids: list[int] = []
    async with db.transaction() as conn:
        for i in range(count):
            user = first_user + i
            stars_x2 = stars[i % len(stars)] if stars else 2 + (i % 9)
            body = bodies[i % len(bodies)] if bodies else f"Review number {i + 1} of the book."
            await conn.execute(
                "INSERT INTO members (guild_id, user_id, display_name) VALUES (?, ?, ?)",
                (guild_id, user, f"Reader {i + 1}"),
            )
            review_id = await insert_review_in(
                conn,
                guild_id=guild_id,
                book_id=book_id,
                user_id=user,
                stars_x2=stars_x2,
                body=body,
                spoiler=spoiler,
                created_at=BASE + timedelta(days=i),
            )
            await write_rating_in(conn, guild_id, user, book_id, stars_x2, BASE)
            ids.append(review_id)
    return ids


def nav_id(components: list[dict[str, Any]], move: str) -> str:
    """The custom id of the first/prev/next/last button (move = f/p/n/l)."""
    (found,) = custom_ids(components, f"rv:nav:{move}:")
    return found


def message_text(message: discord.Message | Any) -> str:
    components = message.components if isinstance(message.components, list) else []
    raw = [c.to_dict() if hasattr(c, "to_dict") else c for c in components]
    return text_of(raw)


def header_of(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(("Displaying", "No reviews")))


Snapshot = dict[str, list[tuple[object, ...]]]


async def snapshot(db: Database) -> Snapshot:
    """Every row of every table, to show that a refused input changed nothing.

    `members` is left out: any interaction notes the member's display name, whatever it asks.
    """
    query = (
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        if dialect_of(db) == "postgres"
        else "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    tables = await db.fetchall(query)
    found: Snapshot = {}
    for (name,) in tables:
        if name != "members":
            rows = await db.fetchall(f'SELECT * FROM "{name}"')
            found[name] = sorted((tuple(row) for row in rows), key=repr)
    return found
