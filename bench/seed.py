"""The scale database of issue #14, built in SQL on the project's own migrations and cached.

Full size (`BENCH_SCALE=full`, `make bench-scale`): 1,000 servers, 200,000 books, 1,000,000 ratings
(900,000 of them in one big server of 10,000 members), 200,000 reviews (100,000 on one book of the
big server), 220,000 shelf entries (5,000 on one member's shelves). `BENCH_SCALE=small` (the
default) builds 2% of it; a number builds that fraction. The aggregates (`book_stats`,
`member_stats`) are filled in bulk and then checked against a recount before the file is kept.

The file is cached in `~/.cache/bookclub-bench/` (or `$BENCH_CACHE`) under a hash of the migrations, this module's
source and the sizes, so a second run costs a file copy. `python -m bench.seed [small|full|n]`
builds (or finds) it and prints its path.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
import shutil
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.db import open_database
from bot.db.database import load_migrations

CACHE: Path | None = None  # set to override; else $BENCH_CACHE, else ~/.cache/bookclub-bench


def cache_dir() -> Path:
    if CACHE is not None:
        return CACHE
    return Path(os.environ.get("BENCH_CACHE", Path.home() / ".cache" / "bookclub-bench"))


BIG_GUILD, SMALL_GUILD = 1, 2  # the big server; a small one (80 members) to compare with
BIG_BOOK, SMALL_BOOK = 1, 2  # 100k reviews in the big server; a handful in the small one
BIG_MEMBER, SMALL_MEMBER = 1, 2  # placeholder user ids: the bench renames them to simcord's users
SMALL_SHELF = 20  # books on the small member's shelves


@dataclass(frozen=True, slots=True)
class Sizes:
    guilds: int
    books: int
    big_members: int  # members rating in the big server
    big_ratings_per_member: int
    other_ratings: int  # spread over the other servers
    big_book_reviews: int
    other_reviews: int
    big_shelf: int  # entries on BIG_MEMBER's shelves
    shelves_per_member: int  # for every other member of the big server

    @property
    def ratings(self) -> int:
        return self.big_members * self.big_ratings_per_member + self.other_ratings


FULL = Sizes(
    guilds=1_000,
    books=200_000,
    big_members=10_000,
    big_ratings_per_member=90,
    other_ratings=100_000,
    big_book_reviews=100_000,
    other_reviews=100_000,
    big_shelf=5_000,
    shelves_per_member=20,
)


def fraction(setting: str | None) -> float:
    """`small` (default) → 0.02, `full` → 1, a number → itself."""
    if setting in (None, "", "small"):
        return 0.02
    if setting == "full":
        return 1.0
    return float(setting)


def sizes_for(share: float) -> Sizes:
    def part(n: int, floor: int) -> int:
        return max(floor, round(n * share))

    return Sizes(
        guilds=part(FULL.guilds, 3),
        books=part(FULL.books, 400),
        big_members=part(FULL.big_members, 100),
        big_ratings_per_member=FULL.big_ratings_per_member,
        other_ratings=part(FULL.other_ratings, 200),
        big_book_reviews=part(FULL.big_book_reviews, 60),
        other_reviews=part(FULL.other_reviews, 60),
        big_shelf=part(FULL.big_shelf, 60),
        shelves_per_member=FULL.shelves_per_member,
    )


def _key(sizes: Sizes) -> str:
    digest = hashlib.sha256()
    for migration in load_migrations():
        digest.update(migration.sql.encode())
    digest.update(inspect.getsource(sys.modules[__name__]).encode())
    digest.update(repr(sorted(asdict(sizes).items())).encode())
    return digest.hexdigest()[:16]


_NUMBERS = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)"
STAMP = "strftime('%Y-%m-%dT%H:%M:%S.000Z', '2020-01-01', '+' || ({minutes}) || ' minutes')"


def fill(conn: sqlite3.Connection, s: Sizes) -> None:
    """Everything, in a few set-based statements."""
    run = conn.execute
    run(f"{_NUMBERS} INSERT INTO guilds (guild_id) SELECT i + 1 FROM n", {"count": s.guilds})
    run(
        f"""{_NUMBERS}
        INSERT INTO books (book_id, ol_work_id, title, authors, pages, first_published, source, enriched_at)
        SELECT i + 1, 'OL' || (i + 1) || 'W',
               CASE i % 7 WHEN 0 THEN 'The ' ELSE '' END || 'Book ' || (i + 1) || ' of ' ||
               CASE i % 5 WHEN 0 THEN 'Winter' WHEN 1 THEN 'Pilots' WHEN 2 THEN 'Rivers'
                          WHEN 3 THEN 'Glass' ELSE 'Harbours' END,
               'Author ' || (i % 5000), 100 + i % 700, 1900 + i % 125, 'openlibrary',
               '2026-01-01T00:00:00.000Z'
        FROM n""",
        {"count": s.books},
    )
    # Ratings. The big server: each member rates `big_ratings_per_member` distinct books.
    per = s.big_ratings_per_member
    run(
        f"""{_NUMBERS}
        INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at)
        SELECT :g, 1 + ((i % :m) * 97 + (i / :m) * 2203) % :books, 1 + i % :m,
               2 + (i * 7 + i / 3) % 9, {STAMP.format(minutes="i % 500000")}
        FROM n""",
        {"count": s.big_members * per, "g": BIG_GUILD, "m": s.big_members, "books": s.books},
    )
    # The other servers: ~80 members each, each member a handful of books.
    others = max(1, s.guilds - 1)
    run(
        f"""{_NUMBERS}
        INSERT OR IGNORE INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at)
        SELECT 2 + i % :others, 1 + (i * 7919) % :books, 1 + (i / :others) % 80,
               2 + (i * 5) % 9, {STAMP.format(minutes="i % 500000")}
        FROM n""",
        {"count": s.other_ratings, "others": others, "books": s.books},
    )
    # Reviews: `big_book_reviews` on BIG_BOOK in the big server, the rest spread.
    body = (
        "'Review ' || i || ': ' || CASE i % 4 WHEN 0 THEN 'a slow cold war story' "
        "WHEN 1 THEN 'the pilot escapes, good' WHEN 2 THEN 'dense and rewarding' ELSE 'not for me' END"
    )
    run(
        f"""{_NUMBERS}
        INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, spoiler, created_at, likes)
        SELECT :g, :book, 1000000 + i, 2 + (i * 3) % 9, {body}, i % 10 = 0,
               {STAMP.format(minutes="i * 7")}, (i * 13) % 51
        FROM n""",
        {"count": s.big_book_reviews, "g": BIG_GUILD, "book": BIG_BOOK},
    )
    run(
        f"""{_NUMBERS}
        INSERT OR IGNORE INTO reviews (guild_id, book_id, user_id, stars_x2, body, created_at, likes)
        SELECT 1 + i % :guilds, 3 + (i * 31) % (:books - 2), 2000000 + i, 2 + i % 9, {body},
               {STAMP.format(minutes="i * 3")}, i % 7
        FROM n""",
        {"count": s.other_reviews, "guilds": s.guilds, "books": s.books},
    )
    run(
        f"""{_NUMBERS}
        INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, created_at, likes)
        SELECT :g, :book, 3000000 + i, 2 + i % 9, {body}, {STAMP.format(minutes="i * 11")}, i % 3
        FROM n""",
        {"count": 12, "g": SMALL_GUILD, "book": SMALL_BOOK},
    )
    # Shelves: BIG_MEMBER's long shelves, every other big-server member's short ones, and the
    # small member's in the small server.
    shelf = (
        "CASE {k} % 4 WHEN 0 THEN 'read' WHEN 1 THEN 'want-to-read' WHEN 2 THEN 'currently-reading' "
        "ELSE 'did-not-finish' END"
    )
    run(
        f"""{_NUMBERS}
        INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, started_at, finished_at,
                             times_read, page)
        SELECT :g, :u, 1 + (i * 37) % :books, {shelf.format(k="i")},
               {STAMP.format(minutes="i * 60")}, NULL,
               CASE i % 4 WHEN 0 THEN {STAMP.format(minutes="i * 60 + 30")} END,
               i % 4 = 0, CASE i % 4 WHEN 2 THEN 10 END
        FROM n""",
        {"count": s.big_shelf, "g": BIG_GUILD, "u": BIG_MEMBER, "books": s.books},
    )
    run(
        f"""{_NUMBERS}
        INSERT OR IGNORE INTO shelves (guild_id, user_id, book_id, shelf, added_at, finished_at,
                                       times_read, page)
        SELECT :g, 2 + i % (:m - 1), 1 + (i * 101) % :books, {shelf.format(k="(i / 7)")},
               {STAMP.format(minutes="i")},
               CASE (i / 7) % 4 WHEN 0 THEN {STAMP.format(minutes="i + 30")} END,
               (i / 7) % 4 = 0, CASE (i / 7) % 4 WHEN 2 THEN 10 END
        FROM n""",
        {
            "count": (s.big_members - 1) * s.shelves_per_member,
            "g": BIG_GUILD,
            "m": s.big_members,
            "books": s.books,
        },
    )
    run(
        f"""{_NUMBERS}
        INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, finished_at, times_read, page)
        SELECT :g, :u, 3 + i * 5, {shelf.format(k="i")}, {STAMP.format(minutes="i * 60")},
               CASE i % 4 WHEN 0 THEN {STAMP.format(minutes="i * 60 + 30")} END,
               i % 4 = 0, CASE i % 4 WHEN 2 THEN 10 END
        FROM n""",
        {"count": SMALL_SHELF, "g": SMALL_GUILD, "u": SMALL_MEMBER},
    )
    run(
        "INSERT OR IGNORE INTO members (guild_id, user_id, display_name) "
        "SELECT DISTINCT guild_id, user_id, 'Reader ' || user_id FROM reviews"
    )
    run(
        "INSERT OR IGNORE INTO members (guild_id, user_id, display_name) "
        "SELECT DISTINCT guild_id, user_id, 'Reader ' || user_id FROM ratings"
    )
    # The aggregates, in bulk (what the writes keep in step one delta at a time).
    run(
        """
        INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2,
                                stars_1, stars_2, stars_3, stars_4, stars_5)
        SELECT guild_id, book_id, count(*), sum(stars_x2), sum(stars_x2 / 2 = 1), sum(stars_x2 / 2 = 2),
               sum(stars_x2 / 2 = 3), sum(stars_x2 / 2 = 4), sum(stars_x2 / 2 = 5)
        FROM ratings GROUP BY 1, 2
        """
    )
    run(
        """
        INSERT INTO book_stats (guild_id, book_id, reviews_count)
        SELECT guild_id, book_id, count(*) FROM reviews WHERE true GROUP BY 1, 2
        ON CONFLICT (guild_id, book_id) DO UPDATE SET reviews_count = excluded.reviews_count
        """
    )
    run(
        """
        INSERT INTO book_stats (guild_id, book_id, want_to_read, currently_reading, read_count,
                                did_not_finish)
        SELECT guild_id, book_id, sum(shelf = 'want-to-read'), sum(shelf = 'currently-reading'),
               sum(shelf = 'read'), sum(shelf = 'did-not-finish')
        FROM shelves WHERE true GROUP BY 1, 2
        ON CONFLICT (guild_id, book_id) DO UPDATE SET
            want_to_read = excluded.want_to_read, currently_reading = excluded.currently_reading,
            read_count = excluded.read_count, did_not_finish = excluded.did_not_finish
        """
    )
    run(
        """
        INSERT INTO member_stats (guild_id, user_id, ratings_count, ratings_sum_x2)
        SELECT guild_id, user_id, count(*), sum(stars_x2) FROM ratings WHERE true GROUP BY 1, 2
        ON CONFLICT (guild_id, user_id) DO UPDATE SET
            ratings_count = excluded.ratings_count, ratings_sum_x2 = excluded.ratings_sum_x2
        """
    )
    run(
        """
        INSERT INTO member_stats (guild_id, user_id, reviews_count)
        SELECT guild_id, user_id, count(*) FROM reviews WHERE true GROUP BY 1, 2
        ON CONFLICT (guild_id, user_id) DO UPDATE SET reviews_count = excluded.reviews_count
        """
    )
    after_fill(conn)


def after_fill(conn: sqlite3.Connection) -> None:
    """The per-member shelf counts of migration 0015 (its triggers keep them while the seed inserts;
    set once more here from a recount, so the seed also builds on a schema without the triggers)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(member_stats)")}
    if "shelf_read" in columns:
        conn.execute(
            """
            INSERT INTO member_stats (guild_id, user_id, shelf_want_to_read, shelf_currently_reading,
                                      shelf_read, shelf_did_not_finish)
            SELECT guild_id, user_id, sum(shelf = 'want-to-read'), sum(shelf = 'currently-reading'),
                   sum(shelf = 'read'), sum(shelf = 'did-not-finish')
            FROM shelves WHERE true GROUP BY 1, 2
            ON CONFLICT (guild_id, user_id) DO UPDATE SET
                shelf_want_to_read = excluded.shelf_want_to_read,
                shelf_currently_reading = excluded.shelf_currently_reading,
                shelf_read = excluded.shelf_read, shelf_did_not_finish = excluded.shelf_did_not_finish
            """
        )


RECOUNT = {
    "book_stats ratings": """
        SELECT count(*) FROM (
            SELECT guild_id, book_id, count(*) AS c, sum(stars_x2) AS s, sum(stars_x2 / 2 = 5) AS s5
            FROM ratings GROUP BY 1, 2) AS r
        LEFT JOIN book_stats AS b USING (guild_id, book_id)
        WHERE b.ratings_count IS NOT r.c OR b.ratings_sum_x2 IS NOT r.s OR b.stars_5 IS NOT r.s5
    """,
    "book_stats reviews": """
        SELECT count(*) FROM (SELECT guild_id, book_id, count(*) AS c FROM reviews GROUP BY 1, 2) AS r
        LEFT JOIN book_stats AS b USING (guild_id, book_id) WHERE b.reviews_count IS NOT r.c
    """,
    "book_stats shelves": """
        SELECT count(*) FROM (SELECT guild_id, book_id, sum(shelf = 'read') AS c FROM shelves GROUP BY 1, 2) AS r
        LEFT JOIN book_stats AS b USING (guild_id, book_id) WHERE b.read_count IS NOT r.c
    """,
    "member_stats ratings": """
        SELECT count(*) FROM (
            SELECT guild_id, user_id, count(*) AS c, sum(stars_x2) AS s FROM ratings GROUP BY 1, 2) AS r
        LEFT JOIN member_stats AS m USING (guild_id, user_id)
        WHERE m.ratings_count IS NOT r.c OR m.ratings_sum_x2 IS NOT r.s
    """,
    "member_stats shelves": """
        SELECT count(*) FROM (
            SELECT guild_id, user_id, sum(shelf = 'read') AS rd, sum(shelf = 'want-to-read') AS wtr
            FROM shelves GROUP BY 1, 2) AS r
        LEFT JOIN member_stats AS m USING (guild_id, user_id)
        WHERE m.shelf_read IS NOT r.rd OR m.shelf_want_to_read IS NOT r.wtr
    """,
    "review_star_counts": """
        SELECT count(*) FROM (
            SELECT guild_id, book_id, star_row, count(*) AS c FROM reviews GROUP BY 1, 2, 3) AS r
        LEFT JOIN review_star_counts AS k USING (guild_id, book_id, star_row) WHERE k.reviews IS NOT r.c
    """,
}


def check(conn: sqlite3.Connection, s: Sizes) -> None:
    """Every aggregate against a recount, and the headline sizes; raises on any mismatch."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(member_stats)")}
    for name, query in RECOUNT.items():
        if name == "member_stats shelves" and "shelf_read" not in columns:
            continue
        wrong = conn.execute(query).fetchone()[0]
        if wrong:
            raise AssertionError(f"seed: {wrong} {name} rows differ from a recount")
    big = conn.execute(
        "SELECT count(*) FROM reviews WHERE guild_id = ? AND book_id = ?", (BIG_GUILD, BIG_BOOK)
    ).fetchone()[0]
    if big != s.big_book_reviews:
        raise AssertionError(f"seed: {big} reviews on the big book, expected {s.big_book_reviews}")


async def _migrated(path: Path) -> None:
    db = await open_database(path)
    try:
        await db.migrate()
    finally:
        await db.close()


def build(path: Path, s: Sizes) -> None:
    asyncio.run(_migrated(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("BEGIN")
        fill(conn, s)
        check(conn, s)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def seeded(setting: str | None = None, *, share: float | None = None) -> tuple[Path, Sizes]:
    """The cached seed file for `setting` (or an explicit `share` of full size), built when missing."""
    sizes = sizes_for(fraction(setting) if share is None else share)
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"scale-{_key(sizes)}.sqlite3"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        build(partial, sizes)
        partial.replace(path)
        print(
            f"# seed: built {path.name} ({sizes.ratings:,} ratings) in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return path, sizes


def copy_to(folder: Path, setting: str | None = None, *, share: float | None = None) -> tuple[Path, Sizes]:
    """A private copy of the seed in `folder` (benchmarks write to it)."""
    source, sizes = seeded(setting, share=share)
    target = folder / "scale.sqlite3"
    shutil.copyfile(source, target)
    return target, sizes


if __name__ == "__main__":
    built, sized = seeded(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SCALE"))
    print(built, sized)
