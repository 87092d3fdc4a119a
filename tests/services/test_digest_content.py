"""The digest's content, built from shelves, ratings and reviews seeded with SQL (0003/0004 tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import db_time
from bot.db.database import Database
from bot.models.books import BookData
from bot.services import digest as service
from tests.helpers import seed_book

GUILD = 1001
OTHER_GUILD = 1002
END = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
START = END - timedelta(days=7)


class Seed:
    """Rows as the shelves/ratings/reviews features write them, book_stats kept in step."""

    def __init__(self, db: Database, guild_id: int = GUILD) -> None:
        self.db = db
        self.guild_id = guild_id

    async def book(self, title: str, author: str = "", pages: int | None = None) -> int:
        book = await seed_book(
            self.db, BookData(title=title, authors=(author,) if author else (), pages=pages)
        )
        return book.book_id

    async def member(self, user_id: int, name: str) -> None:
        query = """
            INSERT INTO members (guild_id, user_id, display_name) VALUES (?, ?, ?)
            ON CONFLICT (guild_id, user_id) DO UPDATE SET display_name = excluded.display_name
        """
        await self.db.execute(query, (self.guild_id, user_id, name))

    async def _stat(self, book_id: int, column: str, by: int = 1) -> None:
        query = f"""
            INSERT INTO book_stats (guild_id, book_id, {column}) VALUES (?, ?, ?)
            ON CONFLICT (guild_id, book_id) DO UPDATE SET {column} = book_stats.{column} + excluded.{column}
        """
        await self.db.execute(query, (self.guild_id, book_id, by))

    async def shelf(
        self,
        user_id: int,
        book_id: int,
        shelf: str,
        *,
        at: datetime,
        page: int | None = None,
        percent: int | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        query = """
            INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, started_at, finished_at,
                                 page, percent, progress_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        started = db_time(at) if shelf in ("currently-reading", "read") else None
        finished = db_time(finished_at) if finished_at else None
        progress_at = db_time(at) if page is not None or percent is not None else None
        params = (self.guild_id, user_id, book_id, shelf, db_time(at), started, finished)
        await self.db.execute(query, (*params, page, percent, progress_at))
        column = {
            "want-to-read": "want_to_read",
            "currently-reading": "currently_reading",
            "read": "read_count",
            "did-not-finish": "did_not_finish",
        }[shelf]
        await self._stat(book_id, column)

    async def rate(self, user_id: int, book_id: int, stars_x2: int, at: datetime) -> None:
        query = "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, ?, ?, ?, ?)"
        await self.db.execute(query, (self.guild_id, book_id, user_id, stars_x2, db_time(at)))
        await self._stat(book_id, "ratings_count")
        await self._stat(book_id, "ratings_sum_x2", stars_x2)
        await self._stat(book_id, f"stars_{stars_x2 // 2}")

    async def review(
        self,
        user_id: int,
        book_id: int,
        body: str,
        *,
        at: datetime,
        likes: int = 0,
        stars_x2: int | None = None,
        spoiler: bool = False,
        card: tuple[int, int] | None = None,
        imported: bool = False,
    ) -> int:
        query = """
            INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, spoiler, created_at, likes,
                                 imported, channel_id, message_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        channel_id, message_id = card or (None, None)
        params = (self.guild_id, book_id, user_id, stars_x2, body, int(spoiler), db_time(at), likes)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(query, (*params, int(imported), channel_id, message_id))
            review_id = cursor.lastrowid
        await self._stat(book_id, "reviews_count")
        assert review_id is not None
        return review_id


async def seed_week(db: Database) -> dict[str, int]:
    """A small club week: two readers, one finished book, three reviews, wish lists."""
    seed = Seed(db)
    ids = {
        "mig": await seed.book("MIG Pilot: The Final Escape of Lt. Belenko", "John Barron", 222),
        "dune": await seed.book("Dune", "Frank Herbert", 412),
        "hobbit": await seed.book("The Hobbit", "J.R.R. Tolkien", 310),
        "ulysses": await seed.book("Ulysses", "James Joyce"),
    }
    await seed.member(1, "Alice")
    await seed.member(2, "Bob")
    await seed.member(3, "Carmen")
    await seed.shelf(1, ids["mig"], "currently-reading", at=START - timedelta(days=10), page=120)
    await seed.shelf(2, ids["ulysses"], "currently-reading", at=START + timedelta(days=1), percent=12)
    await seed.shelf(
        3, ids["dune"], "read", at=START - timedelta(days=30), finished_at=START + timedelta(days=2)
    )
    await seed.rate(3, ids["dune"], 9, at=START + timedelta(days=2))
    # Finished the week before: not this week's news.
    await seed.shelf(
        1, ids["hobbit"], "read", at=START - timedelta(days=40), finished_at=START - timedelta(hours=1)
    )
    await seed.review(
        3, ids["dune"], "Spice!", at=START + timedelta(days=2), likes=1, stars_x2=9, card=(55, 66)
    )
    await seed.review(2, ids["mig"], "Gripping **true** story", at=START + timedelta(days=3), likes=5)
    await seed.review(1, ids["hobbit"], "Gandalf dies", at=START + timedelta(days=4), spoiler=True)
    await seed.review(1, ids["dune"], "Old review", at=START - timedelta(days=1), likes=50)  # last week
    await seed.review(2, ids["hobbit"], "From Goodreads", at=START + timedelta(days=1), imported=True)
    for user_id in (1, 2, 3):
        await seed.shelf(user_id + 10, ids["hobbit"], "want-to-read", at=START)
    await seed.shelf(11, ids["ulysses"], "want-to-read", at=START)
    # Another club's activity never appears.
    other = Seed(db, OTHER_GUILD)
    await other.member(1, "Alice elsewhere")
    await other.shelf(1, ids["dune"], "currently-reading", at=START, page=3)
    await other.review(1, ids["dune"], "Elsewhere", at=START + timedelta(days=1))
    return ids


async def test_digest_content_from_seeded_rows(db: Database) -> None:
    await seed_week(db)
    digest = await service.build_digest(db, GUILD, START, END)

    assert [(e.member, e.title, e.page, e.pages, e.percent) for e in digest.reading] == [
        ("Alice", "MIG Pilot: The Final Escape of Lt. Belenko", 120, 222, None),
        ("Bob", "Ulysses", None, None, 12),
    ]
    assert digest.reading[0].since == START - timedelta(days=10)
    assert [(e.member, e.title, e.stars_x2) for e in digest.finished] == [("Carmen", "Dune", 9)]
    # Best liked first; last week's and imported reviews are not this week's news.
    assert [(e.member, e.title, e.likes) for e in digest.reviews] == [
        ("Bob", "MIG Pilot: The Final Escape of Lt. Belenko", 5),
        ("Carmen", "Dune", 1),
        ("Alice", "The Hobbit", 0),
    ]
    assert digest.reviews_total == 3
    assert (digest.reviews[1].channel_id, digest.reviews[1].message_id) == (55, 66)
    assert digest.reviews[2].spoiler
    assert [(e.title, e.count) for e in digest.wanted] == [("The Hobbit", 3), ("Ulysses", 1)]
    assert not digest.quiet


async def test_an_empty_club_is_a_quiet_week(db: Database) -> None:
    digest = await service.build_digest(db, GUILD, START, END)
    assert digest.quiet
    assert (digest.reading, digest.finished, digest.reviews, digest.wanted) == ([], [], [], [])


async def test_reviews_are_capped_but_counted(db: Database) -> None:
    seed = Seed(db)
    book = await seed.book("Dune", "Frank Herbert")
    for user_id in range(1, 16):
        await seed.review(
            user_id, book, f"review {user_id}", at=START + timedelta(hours=user_id), likes=user_id
        )
    digest = await service.build_digest(db, GUILD, START, END)
    assert len(digest.reviews) == service.REVIEWS_SHOWN
    assert digest.reviews_total == 15
    assert [e.likes for e in digest.reviews] == list(range(15, 5, -1))


async def test_members_without_a_stored_name_are_not_mentioned(db: Database) -> None:
    seed = Seed(db)
    book = await seed.book("Dune")
    await seed.shelf(42, book, "currently-reading", at=START)
    digest = await service.build_digest(db, GUILD, START, END)
    assert digest.reading[0].member is None


async def test_timestamps_written_with_an_offset_suffix_are_in_the_window(db: Database) -> None:
    # Another writer might store `datetime.isoformat()` ('…+00:00') instead of '…Z'.
    seed = Seed(db)
    book = await seed.book("Dune")
    query = """
        INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, finished_at)
        VALUES (?, ?, ?, 'read', ?, ?)
    """
    inside = (START + timedelta(seconds=1)).isoformat()
    await db.execute(query, (GUILD, 1, book, inside, inside))
    await db.execute(query, (GUILD, 2, book, END.isoformat(), END.isoformat()))  # the end is exclusive
    digest = await service.build_digest(db, GUILD, START, END)
    assert [e.user_id for e in digest.finished] == [1]
