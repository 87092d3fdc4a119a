"""Installation facts, remembered member names and a club's totals."""

from __future__ import annotations

from bot.db import Database
from bot.db.meta import club_counts, get_meta, remember_member, set_meta
from bot.db.ratings import bump_book_stats
from bot.models.books import BookData
from tests.helpers import seed_book

GUILD, OTHER_GUILD = 1, 2
ALICE = 10


async def test_meta_values_are_set_and_replaced(db: Database) -> None:
    assert await get_meta(db, "commands_hash") is None
    await set_meta(db, "commands_hash", "abc")
    await set_meta(db, "commands_hash", "def")
    assert await get_meta(db, "commands_hash") == "def"
    assert await db.fetchval("SELECT count(*) FROM meta") == 1


async def test_a_member_is_remembered_with_their_club(db: Database) -> None:
    await remember_member(db, GUILD, ALICE, "alice")
    assert await db.fetchval("SELECT count(*) FROM guilds WHERE guild_id = ?", (GUILD,)) == 1
    query = "SELECT display_name FROM members WHERE guild_id = ? AND user_id = ?"
    assert await db.fetchval(query, (GUILD, ALICE)) == "alice"
    await remember_member(db, GUILD, ALICE, "Alice Liddell")
    await remember_member(db, OTHER_GUILD, ALICE, "ally")
    assert await db.fetchval(query, (GUILD, ALICE)) == "Alice Liddell"
    assert await db.fetchval(query, (OTHER_GUILD, ALICE)) == "ally"  # a name per server


async def test_an_unchanged_name_is_not_rewritten(db: Database) -> None:
    await remember_member(db, GUILD, ALICE, "alice")
    stamp = "2020-01-01T00:00:00.000Z"
    await db.execute("UPDATE members SET updated_at = ?", (stamp,))
    await remember_member(db, GUILD, ALICE, "alice")
    assert await db.fetchval("SELECT updated_at FROM members") == stamp
    await remember_member(db, GUILD, ALICE, "alicia")
    assert await db.fetchval("SELECT updated_at FROM members") > stamp


async def test_club_counts_come_from_the_aggregates_of_one_club(db: Database) -> None:
    assert await club_counts(db, GUILD) == (0, 0, 0)
    mig = (await seed_book(db)).book_id
    dune = (await seed_book(db, BookData(title="Dune"))).book_id
    unrated = (await seed_book(db, BookData(title="Unrated"))).book_id
    async with db.transaction() as conn:
        await bump_book_stats(
            conn, GUILD, mig, {"ratings_count": 3, "ratings_sum_x2": 24, "reviews_count": 2}
        )
        await bump_book_stats(conn, GUILD, dune, {"want_to_read": 1})
        # Rated, then unrated: the row stays behind with zeros and is not a book of the club.
        await bump_book_stats(conn, GUILD, unrated, {"ratings_count": 1, "ratings_sum_x2": 8})
        await bump_book_stats(conn, GUILD, unrated, {"ratings_count": -1, "ratings_sum_x2": -8})
        await bump_book_stats(conn, OTHER_GUILD, dune, {"ratings_count": 5, "reviews_count": 5})
    assert await club_counts(db, GUILD) == (2, 3, 2)
    assert await club_counts(db, OTHER_GUILD) == (1, 5, 5)
