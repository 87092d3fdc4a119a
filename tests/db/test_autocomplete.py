"""Autocomplete from `books_ac` (issue #14 item 2): the suggestions it gave before, a plan that reads
the index in order, and the index kept in step with the catalogue by triggers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.autocomplete import generate_books
from bot.db import Database, open_database
from bot.db.books import AUTOCOMPLETE_QUERY, autocomplete_books, complete_book_in, fts_query, upsert_book
from bot.db.database import load_migrations
from bot.models.books import BookData

GUILD, OTHER_GUILD = 1, 2

# What autocomplete ran before #14: the first 500 full-text matches (in book order), ranked by bm25.
BEFORE = """
    SELECT b.book_id
    FROM (SELECT rowid, rank FROM books_fts WHERE books_fts MATCH :match LIMIT 500) AS m
    JOIN books AS b ON b.book_id = m.rowid
    WHERE (b.import_guild_id IS NULL OR b.import_guild_id = :guild)
    ORDER BY m.rank
    LIMIT :limit
"""

CATALOGUE: list[tuple[str, str, str | None]] = [  # title, authors (one per line), ISBN-13
    ("Dune", "Frank Herbert", "9780441013593"),
    ("Dune Messiah", "Frank Herbert", None),
    ("Children of Dune", "Frank Herbert", None),
    ("God Emperor of Dune", "Frank Herbert", None),
    ("The Dispossessed", "Ursula K. Le Guin", None),
    ("The Left Hand of Darkness", "Ursula K. Le Guin", None),
    ("Sabriel", "Garth Nix", None),
    ("Lirael", "Garth Nix", None),
    ("Válka s mloky", "Karel Čapek", None),
    ("R.U.R.", "Karel Čapek", None),
    ("Krakatit", "Karel Čapek", None),
    ("Nesnesitelná lehkost bytí", "Milan Kundera", None),
    ("Žert", "Milan Kundera", None),
    ("Война и мир", "Лев Толстой", None),
    ("Анна Каренина", "Лев Толстой", None),
    ("Преступление и наказание", "Фёдор Достоевский", None),
    ("Идиот", "Фёдор Достоевский", None),
    ("Les Misérables", "Victor Hugo", None),
    ("L'Étranger", "Albert Camus", None),
    ("Élodie's Garden", "Anna Nix", None),
    ("MIG Pilot", "John Barron", None),
    ("This Is How You Lose the Time War", "Amal El-Mohtar\nMax Gladstone", None),
    ("Time and Again", "Jack Finney", None),
    ("Cien años de soledad", "Gabriel García Márquez", None),
    ("Mistborn: The Final Empire", "Brandon Sanderson", None),
]

QUERIES = [
    "d",
    "du",
    "dune",
    "DUNE mes",  # a prefix after a whole word
    "messiah",  # a word in the middle
    "emperor dune",  # words out of order
    "frank her",
    "elodie",
    "Élo",
    "capek",
    "čap",
    "valka s ml",
    "zert",
    "война",
    "вой",
    "толст",
    "фёдор",
    "l'etranger",
    "time war",
    "ti",
    "nix",
    "9780441013593",  # ISBNs are resolved by the `book` option itself, never suggested: none before either
    "",
    "  !! ",
    "zzz",
]


async def seed_catalogue(db: Database) -> None:
    for title, authors, isbn13 in CATALOGUE:
        await upsert_book(db, BookData(title=title, authors=tuple(authors.split("\n")), isbn13=isbn13))
    # Two servers' imports under made-up titles, provisional until a provider replaces them.
    for guild, title in ((GUILD, "Dune Notes"), (OTHER_GUILD, "Dune Journal"), (OTHER_GUILD, "Time Diary")):
        await db.execute(
            "INSERT INTO books (title, authors, source, import_guild_id) VALUES (?, 'Someone', 'import', ?)",
            (title, guild),
        )


async def before(db: Database, text: str, guild: int | None, limit: int = 25) -> list[int]:
    match = fts_query(text)
    if match is None:
        return []
    rows = await db.fetchall(BEFORE, {"match": match, "guild": guild, "limit": limit})
    return [int(row[0]) for row in rows]


async def now(db: Database, text: str, guild: int | None, limit: int = 25) -> list[int]:
    return [book.book_id for book in await autocomplete_books(db, text, limit=limit, guild_id=guild)]


@pytest.mark.parametrize("guild", [None, GUILD, OTHER_GUILD])
async def test_the_same_suggestions_as_before(db: Database, guild: int | None) -> None:
    await seed_catalogue(db)
    for text in QUERIES:
        assert await now(db, text, guild) == await before(db, text, guild), text
        assert await now(db, text, guild, limit=3) == await before(db, text, guild, limit=3), text
    assert len(await now(db, "d", None)) > 5  # the catalogue does give these queries something to rank
    assert await now(db, "вой", None)
    assert await now(db, "čap", None)
    assert await now(db, "ti", None)


async def test_no_server_sees_another_servers_provisional_book(db: Database) -> None:
    await seed_catalogue(db)
    titles = {
        guild: [b.title for b in await autocomplete_books(db, "dune", guild_id=guild)]
        for guild in (None, GUILD, OTHER_GUILD)
    }
    assert "Dune Notes" in titles[GUILD]
    assert "Dune Journal" not in titles[GUILD]
    assert "Dune Journal" in titles[OTHER_GUILD]
    assert "Dune Notes" not in titles[OTHER_GUILD]
    assert not {"Dune Notes", "Dune Journal"} & set(titles[None])
    # Another server's provisional books are skipped, not counted against the limit: "Time Diary"
    # (3 words) comes first in the index, before "Time and Again" (5).
    assert [b.title for b in await autocomplete_books(db, "time", limit=1, guild_id=GUILD)] == [
        "Time and Again"
    ]
    assert [b.title for b in await autocomplete_books(db, "time", limit=1, guild_id=OTHER_GUILD)] == [
        "Time Diary"
    ]
    assert await autocomplete_books(db, "dune j", guild_id=GUILD) == []


async def test_the_same_suggestions_as_before_on_a_generated_catalogue(db: Database) -> None:
    await db.executemany(
        "INSERT INTO books (ol_work_id, title, authors) VALUES (?, ?, ?)", generate_books(300)
    )
    for text in ("go", "gold", "silver crown ki", "élodie", "nix", "čap", "война", "вой", "si", "time war"):
        assert await now(db, text, None) == await before(db, text, None), text


async def test_a_word_matching_twice_no_longer_lifts_a_book(db: Database) -> None:
    """The one place the order leaves bm25: a typed word twice in one book (title and author
    here) made bm25 rank it above a shorter book; the index ranks by length alone."""
    short = await upsert_book(db, BookData(title="Nix", authors=("Anna Berg",)))
    twice = await upsert_book(db, BookData(title="Nix Nix", authors=("Garth Nix",)))
    assert await before(db, "nix", None) == [twice.book_id, short.book_id]
    assert await now(db, "nix", None) == [short.book_id, twice.book_id]


def plan(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        f"EXPLAIN QUERY PLAN {AUTOCOMPLETE_QUERY}", {"match": '"du"*', "limit": 25, "guild": GUILD}
    )
    return [str(row[3]) for row in rows]


async def test_the_plan_reads_the_index_in_order_and_books_by_key(db: Database) -> None:
    await seed_catalogue(db)
    with sqlite3.connect(db.path) as conn:
        steps = plan(conn)
    assert len(steps) == 2, steps
    assert steps[0].startswith("SCAN books_ac VIRTUAL TABLE INDEX"), steps  # the MATCH, in rowid order
    assert steps[1] == "SEARCH b USING INTEGER PRIMARY KEY (rowid=?)", steps
    assert not [step for step in steps if "TEMP B-TREE" in step], steps
    # No sort: FTS5 took the ORDER BY rowid (it reads its lists in rowid order) and the LIMIT stops
    # the read at the 25th visible book, however many books match.


def index_problems(path: Path) -> list[str]:
    """How `books_ac` differs from the catalogue: every book under its key, with the same words at
    the same places as in `books_fts` (both indexes listed by fts5vocab), and each index as its
    content says (FTS5's own check)."""
    problems = []
    with sqlite3.connect(path) as conn:
        for index in ("books_fts", "books_ac"):  # each against its content: the books, the keyed view
            try:
                conn.execute(f"INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as exc:
                problems.append(f"{index} differs from its content: {exc}")
        conn.execute("CREATE VIRTUAL TABLE temp.ac_words USING fts5vocab(main, books_ac, instance)")
        conn.execute("CREATE VIRTUAL TABLE temp.fts_words USING fts5vocab(main, books_fts, instance)")
        keys = dict(conn.execute("SELECT book_id, ac_key FROM books_ac_key").fetchall())
        books = {int(row[0]) for row in conn.execute("SELECT book_id FROM books")}
        ac = sorted(conn.execute("SELECT doc, term, col, offset FROM temp.ac_words"))
        fts = sorted(conn.execute("SELECT doc, term, col, offset FROM temp.fts_words"))
    if set(keys) != books:
        problems.append(f"keys for {sorted(set(keys) ^ books)}")
    expected = sorted((keys.get(doc, -doc), term, col, offset) for doc, term, col, offset in fts)
    if ac != expected:
        problems.append(f"books_ac differs: {sorted(set(ac) ^ set(expected))[:10]}")
    return problems


async def test_the_index_follows_inserts_updates_and_deletes(db: Database) -> None:
    await seed_catalogue(db)
    assert index_problems(db.path) == []

    mine = await upsert_book(db, BookData(title="Hyperion", authors=("Dan Simmons",)))
    assert await now(db, "hyperi", None) == [mine.book_id]
    assert index_problems(db.path) == []

    # A title and author change: the old words stop matching, the new ones match, the key follows
    # the new length (four words now rank after three).
    await db.execute(
        "UPDATE books SET title = 'The Fall of Hyperion', authors = 'Dan Simmons' WHERE book_id = ?",
        (mine.book_id,),
    )
    three = await upsert_book(db, BookData(title="Hyperion Cantos", authors=("Someone",)))
    assert await now(db, "hyperion", None) == [three.book_id, mine.book_id]
    assert await now(db, "fall hyp", None) == [mine.book_id]
    await db.execute("UPDATE books SET authors = 'Nobody' WHERE book_id = ?", (mine.book_id,))
    assert await now(db, "simmons", None) == []
    assert index_problems(db.path) == []

    # Other columns leave the index alone; a delete takes the book out.
    await db.execute("UPDATE books SET pages = 482 WHERE book_id = ?", (mine.book_id,))
    await db.execute("DELETE FROM books WHERE book_id = ?", (mine.book_id,))
    assert await now(db, "hyperion", None) == [three.book_id]
    assert index_problems(db.path) == []


async def test_a_provisional_book_becomes_shared_under_the_providers_title(db: Database) -> None:
    await seed_catalogue(db)
    book_id = await db.fetchval("SELECT book_id FROM books WHERE title = 'Dune Notes'")
    assert isinstance(book_id, int)
    async with db.transaction() as conn:
        await complete_book_in(conn, book_id, BookData(title="Heretics of Dune", authors=("Frank Herbert",)))
    for guild in (None, GUILD, OTHER_GUILD):
        assert book_id in await now(db, "heretics", guild)
        assert await now(db, "notes", guild) == []
    assert index_problems(db.path) == []


async def test_a_long_title_counts_its_words_past_one_byte(db: Database) -> None:
    """Token counts of 128 and more take two bytes in the docsize record the key is read from."""
    long = await upsert_book(db, BookData(title=" ".join(["word"] * 130) + " Zephyr", authors=("A B",)))
    short = await upsert_book(db, BookData(title="Zephyr Nights", authors=("C D",)))
    assert await now(db, "zephyr", None) == [short.book_id, long.book_id]
    with sqlite3.connect(db.path) as conn:
        key = conn.execute("SELECT ac_key FROM books_ac_key WHERE book_id = ?", (long.book_id,)).fetchone()[0]
    assert key == (131 + 2) * 2**40 + long.book_id
    # Three bytes (16,384 words and more): counted as the most a key reads, 16,383 a column.
    longest = await upsert_book(db, BookData(title=" ".join(["w"] * 20_000) + " Zephyr", authors=("E F",)))
    assert await now(db, "zephyr", None) == [short.book_id, long.book_id, longest.book_id]
    await db.execute("UPDATE books SET authors = 'G H I' WHERE book_id = ?", (longest.book_id,))
    assert index_problems(db.path) == []
    await db.execute("DELETE FROM books WHERE book_id = ?", (longest.book_id,))
    assert index_problems(db.path) == []


async def test_upgrading_fills_the_index_from_the_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    migrations = load_migrations()
    mine = next(m for m in migrations if m.name.endswith("_autocomplete.sql"))
    with sqlite3.connect(path) as raw:
        for migration in migrations:
            if migration.version < mine.version:
                raw.executescript(migration.sql)
        raw.execute(f"PRAGMA user_version = {mine.version - 1}")
        raw.executemany("INSERT INTO books (title, authors) VALUES (?, ?)", [(t, a) for t, a, _ in CATALOGUE])
    db = await open_database(path)
    try:
        await db.migrate()
        assert index_problems(path) == []
        assert [b.title for b in await autocomplete_books(db, "dune m")] == ["Dune Messiah"]
    finally:
        await db.close()
