"""The autocomplete index under hostile titles and authors (issue #14 item 2): whatever a provider or
an import names a book (control and invisible characters, mixed scripts, FTS syntax, very long
text), `books_ac` stays in step with the catalogue through inserts, updates and deletes, and a
query finds the same books the old bm25 query found."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.db import Database
from bot.db.books import upsert_book
from bot.models.books import BookData
from tests.db.test_autocomplete import before, index_problems, now
from tests.hostile.strategies import hostile_text
from tests.hostile.support import examples

BOOKS = st.tuples(hostile_text, st.lists(hostile_text, max_size=3))


async def test_the_index_follows_hostile_titles_and_finds_what_bm25_found(db: Database) -> None:
    drawn = examples(BOOKS)
    ids = []
    for n, (title, authors) in enumerate(drawn):
        book = await upsert_book(
            db, BookData(title=title or "x", authors=tuple(authors), ol_work_id=f"OL{n}W")
        )
        ids.append(book.book_id)
    assert index_problems(db.path) == []

    async def same_books() -> None:
        for title, authors in drawn:
            for text in (title, *authors, title[:3]):
                found = await before(db, text, None)
                if (
                    len(found) < 25
                ):  # every match shown: the same books (in bm25's order unless a word matches twice)
                    assert sorted(await now(db, text, None)) == sorted(found), text
                else:
                    assert len(await now(db, text, None)) == 25, text

    await same_books()
    for book_id, (title, authors) in zip(ids[::2], reversed(drawn), strict=False):
        await db.execute(
            "UPDATE books SET title = ?, authors = ? WHERE book_id = ?",
            (title[::-1] or "y", "\n".join(authors), book_id),
        )
    for book_id in ids[1::3]:
        await db.execute("DELETE FROM books WHERE book_id = ?", (book_id,))
    assert index_problems(db.path) == []
    await same_books()
