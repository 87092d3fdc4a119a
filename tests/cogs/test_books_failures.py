"""Book commands when Open Library fails: rate limits, malformed or field-less bodies, hangs, stale cache.

Issue #3: the command still answers inside 3 s from the catalogue or the cache with a short note
that live data is unavailable, writes nothing half-way, and never crashes on a provider's body.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from simcord.results import InteractionResult, ResponseMessage

from bot.books.openlibrary import EDITIONS_PAGE, OpenLibraryProvider
from bot.db.books import upsert_book
from bot.models.books import BookData
from tests.books.server import RecordedServer, Reply
from tests.cogs.test_books import (  # noqa: F401 (settings and network_may_hang are fixtures)
    LIVE_NOTE,
    OL,
    books_count,
    network_may_hang,
    serve_sabriel,
    settings,
)
from tests.components import text_of
from tests.conftest import Club

WORK = "/works/OL15832982W.json"
EDITIONS = "/works/OL15832982W/editions.json"
AUTHOR = "/authors/OL382982A.json"
RATE_LIMITED = Reply(429, b"{}", {"Retry-After": "120"})
NOT_KNOWN = "No book with Open Library id OL15832982W is known yet; try /book search."


def answer_of(result: InteractionResult) -> ResponseMessage | None:
    """The message a command answered with: its first follow-up after deferring, else its response."""
    return result.followups[0] if result.followups else result.response


async def count(club: Club, table: str) -> int:
    return int(await club.db.fetchval(f"SELECT count(*) FROM {table}"))


def openlibrary(club: Club) -> OpenLibraryProvider:
    provider = club.bot.books.providers[0]
    assert isinstance(provider, OpenLibraryProvider)
    return provider


# --- 429 with a long Retry-After -------------------------------------------------------------


async def test_show_answers_a_429_from_the_catalogue_at_once_then_open_library_is_skipped(
    club: Club, recorded: RecordedServer
) -> None:
    recorded.reply(WORK, RATE_LIMITED)
    recorded.serve("/search.json", OL + "search_time_war.bookwyrm.json")
    await upsert_book(club.db, BookData(title="Sabriel", authors=("Garth Nix",), ol_work_id="OL15832982W"))
    started = time.monotonic()
    result = await club.alice.slash(club.channel, "book show", book="OL15832982W")
    assert time.monotonic() - started < 3  # Retry-After: 120 is not slept through
    assert result.followups, "the page did not follow the deferral"
    page = answer_of(result)
    assert page is not None
    assert not page.ephemeral
    text = text_of(page.components)
    assert "## Sabriel" in text
    assert LIVE_NOTE in text
    assert recorded.count(WORK) == 1  # no retry inside the 120 s Open Library asked for
    assert await books_count(club) == 1
    assert await count(club, "http_cache") == 0

    # The next command does not ask Open Library again before its Retry-After has passed.
    following = await club.bob.slash(club.channel, "book search", query="sabriel")
    message = answer_of(following)
    assert message is not None
    listed = text_of(message.components)
    assert "**1. Sabriel**\nGarth Nix" in listed
    assert LIVE_NOTE in listed
    assert recorded.count("/search.json") == 0
    assert await books_count(club) == 1


async def test_search_answers_a_429_from_the_catalogue_then_a_lookup_is_skipped(
    club: Club, recorded: RecordedServer
) -> None:
    recorded.reply("/search.json", RATE_LIMITED)
    serve_sabriel(recorded)
    await upsert_book(club.db, BookData(title="Sabriel", authors=("Garth Nix",)))
    started = time.monotonic()
    result = await club.alice.slash(club.channel, "book search", query="sabriel")
    assert time.monotonic() - started < 3
    message = answer_of(result)
    assert message is not None
    assert message.ephemeral
    text = text_of(message.components)
    assert "**1. Sabriel**\nGarth Nix" in text
    assert LIVE_NOTE in text
    assert recorded.count("/search.json") == 1
    assert await books_count(club) == 1

    # An id the catalogue does not know: a clear "not known" with the note, nothing imported.
    following = await club.alice.slash(club.channel, "book show", book="OL15832982W")
    answer = answer_of(following)
    assert answer is not None
    assert answer.ephemeral
    assert f"Live book data is unavailable right now. {NOT_KNOWN}" in answer.content
    assert recorded.count(WORK) == 0  # skipped: Open Library asked for 120 s of quiet
    assert await books_count(club) == 1


async def test_a_429_on_search_with_nothing_in_the_catalogue_says_not_found_with_the_note(
    club: Club, recorded: RecordedServer
) -> None:
    recorded.reply("/search.json", RATE_LIMITED)
    result = await club.alice.slash(club.channel, "book search", query="the dispossessed")
    message = answer_of(result)
    assert message is not None
    assert message.ephemeral
    assert "No book matches “the dispossessed”." in message.content
    assert LIVE_NOTE in message.content
    assert await books_count(club) == 0


# --- malformed and field-less bodies ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "live"),
    [
        pytest.param(None, False, id="truncated"),  # the first 200 bytes of a recorded answer
        pytest.param(b"{}", True, id="no-fields"),
        pytest.param(b'{"docs": [{}]}', True, id="field-less-doc"),
    ],
)
async def test_search_survives_a_malformed_or_field_less_body(
    club: Club, recorded: RecordedServer, body: bytes | None, live: bool
) -> None:
    if body is None:
        body = recorded.fixture(OL + "search_time_war.bookwyrm.json")[:200]
    recorded.reply("/search.json", Reply(body=body))
    result = await club.alice.slash(club.channel, "book search", query="time war")
    message = answer_of(result)
    assert message is not None
    assert message.ephemeral
    assert "No book matches “time war”. Try fewer words" in message.content
    assert (LIVE_NOTE in message.content) is not live
    assert await books_count(club) == 0


async def test_search_with_a_truncated_body_lists_the_catalogue(club: Club, recorded: RecordedServer) -> None:
    recorded.reply("/search.json", Reply(body=recorded.fixture(OL + "search_time_war.bookwyrm.json")[:200]))
    await upsert_book(club.db, BookData(title="The Time War", authors=("Someone Else",)))
    result = await club.alice.slash(club.channel, "book search", query="time war")
    message = answer_of(result)
    assert message is not None
    text = text_of(message.components)
    assert "**1. The Time War**\nSomeone Else" in text
    assert LIVE_NOTE in text
    assert await count(club, "http_cache") == 0  # a malformed body is never cached
    assert await books_count(club) == 1


@pytest.mark.parametrize(
    ("path", "fixture", "body", "book", "expected"),
    [
        pytest.param(
            WORK,
            OL + "works_OL15832982W.bookwyrm.json",
            None,
            "OL15832982W",
            f"Live book data is unavailable right now. {NOT_KNOWN}",
            id="work-truncated",
        ),
        pytest.param(WORK, None, b"{}", "OL15832982W", NOT_KNOWN, id="work-no-fields"),
        pytest.param(
            "/books/OL22951843M.json",
            OL + "books_OL22951843M.bookwyrm.json",
            None,
            "OL22951843M",
            "Live book data is unavailable right now. No book with Open Library id OL22951843M",
            id="edition-truncated",
        ),
        pytest.param(
            "/isbn/9780060273224.json",
            None,
            b"{}",
            "0-06-027322-4",
            "No book with ISBN 9780060273224 is known yet",
            id="isbn-no-fields",
        ),
        pytest.param(
            "/search.json",
            OL + "search_time_war.bookwyrm.json",
            None,
            "time war",
            "Live book data is unavailable right now. No book matches “time war”.",
            id="search-truncated",
        ),
        pytest.param(
            "/search.json",
            None,
            b'{"docs": [{}]}',
            "time war",
            "No book matches “time war”.",
            id="search-field-less-doc",
        ),
    ],
)
async def test_show_survives_a_malformed_or_field_less_body(
    club: Club,
    recorded: RecordedServer,
    path: str,
    fixture: str | None,
    body: bytes | None,
    book: str,
    expected: str,
) -> None:
    recorded.reply(path, Reply(body=body if fixture is None else recorded.fixture(fixture)[:200]))
    result = await club.alice.slash(club.channel, "book show", book=book)
    message = answer_of(result)
    assert message is not None
    assert message.ephemeral
    assert expected in message.content
    assert await books_count(club) == 0
    assert club.channel.last_message is None


async def test_show_survives_truncated_editions_and_a_field_less_author(
    club: Club, recorded: RecordedServer
) -> None:
    recorded.serve(WORK, OL + "works_OL15832982W.bookwyrm.json")
    recorded.reply(EDITIONS, Reply(body=recorded.fixture(OL + "works_editions.bookwyrm.json")[:200]))
    recorded.reply(AUTHOR, Reply(body=b"{}"))
    result = await club.alice.slash(club.channel, "book show", book="OL15832982W")
    page = answer_of(result)
    assert page is not None
    assert not page.ephemeral
    text = text_of(page.components)
    assert "## Sabriel" in text
    assert "First published 1995" in text
    assert LIVE_NOTE in text  # the editions could not be read
    assert await books_count(club) == 1
    enriched = await club.db.fetchval("SELECT enriched_at FROM books")
    assert enriched is None  # incomplete data is not marked enriched: a later lookup completes it


# --- a `book` option resolved before the command can defer, while Open Library hangs ---------


def hang_everything(recorded: RecordedServer) -> None:
    """Open Library takes 10 s on every path a book lookup uses (real bodies, were it to answer)."""
    for path, fixture in (
        ("/search.json", "search_time_war.bookwyrm.json"),
        (WORK, "works_OL15832982W.bookwyrm.json"),
        (EDITIONS, "works_editions.bookwyrm.json"),
        (AUTHOR, "authors_OL33088A.pet_books.json"),
    ):
        recorded.reply(path, Reply(body=recorded.fixture(OL + fixture), delay=10))


@pytest.mark.parametrize(
    ("book", "expected"),
    [
        pytest.param(
            "ol:OL15832982W", f"Live book data is unavailable right now. {NOT_KNOWN}", id="remote-choice"
        ),
        pytest.param(
            "The Left Hand of Darkness",
            "Live book data is unavailable right now. No book matches “The Left Hand of Darkness”.",
            id="uncached-title",
        ),
    ],
)
@pytest.mark.usefixtures("network_may_hang")
async def test_rate_answers_in_time_while_open_library_hangs(
    club: Club, recorded: RecordedServer, book: str, expected: str
) -> None:
    hang_everything(recorded)
    result = await club.alice.slash(club.channel, "rate", book=book, stars=4)
    assert result.response is None  # the transformer is still waiting on Open Library
    await club.env.advance_time(1.6)  # past TRANSFORM_BUDGET (1.5 s), well inside Discord's 3 s
    assert result.response is not None
    assert result.ephemeral
    assert expected in result.response.content
    assert await count(club, "ratings") == 0
    assert await books_count(club) == 0


@pytest.mark.usefixtures("network_may_hang")
async def test_review_write_opens_its_modal_at_once_while_open_library_hangs(
    club: Club, recorded: RecordedServer
) -> None:
    hang_everything(recorded)
    book = await upsert_book(club.db, BookData(title="Sabriel", ol_work_id="OL15832982W"))
    result = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
    assert result.modal is not None  # a catalogue hit: no network before the modal
    assert recorded.hits == []
    assert await count(club, "reviews") == 0


# --- a stale cache entry while Open Library answers 500 --------------------------------------


async def test_show_serves_a_stale_cached_entry_with_the_note_when_open_library_fails(
    club: Club, recorded: RecordedServer
) -> None:
    # A catalogue book not yet enriched (as a CSV import leaves it), whose Open Library records
    # were cached 30 days ago: past their 7-day lifetime.
    await upsert_book(club.db, BookData(title="Sabriel", ol_work_id="OL15832982W"))
    fetcher = openlibrary(club).fetcher
    month_ago = (club.clock.now - timedelta(days=30)).timestamp()
    for path, params, fixture, kind in (
        (WORK, {}, "works_OL15832982W.bookwyrm.json", "work"),
        (EDITIONS, {"limit": EDITIONS_PAGE}, "works_editions.bookwyrm.json", "editions"),
        (AUTHOR, {}, "authors_OL33088A.pet_books.json", "author"),
    ):
        body = recorded.fixture(OL + fixture).decode()
        await fetcher.cache.put(fetcher.cache_key(path, params), 200, body, now=month_ago, kind=kind)
        recorded.reply(path, Reply(500))
    result = await club.alice.slash(club.channel, "book show", book="OL15832982W")
    page = answer_of(result)
    assert page is not None
    assert not page.ephemeral
    text = text_of(page.components)
    for expected in ("## Sabriel", "by Dean Koontz", "336 pages, Paperback", "First published 1995"):
        assert expected in text
    assert LIVE_NOTE in text
    assert recorded.count(WORK) == 3  # tried (with retries), then the stale entry was served
    assert await books_count(club) == 1  # the same row, completed from the cache
    assert await club.db.fetchval("SELECT enriched_at FROM books") is None
    fetched = await club.db.fetchval("SELECT min(fetched_at) FROM http_cache")
    assert fetched == month_ago  # the stale entries stay as they were, to be replaced when it answers


async def test_the_search_select_survives_a_truncated_work(club: Club, recorded: RecordedServer) -> None:
    recorded.serve("/search.json", OL + "search_time_war.bookwyrm.json")
    result = await club.alice.slash(club.channel, "book search", query="time war")
    message = answer_of(result)
    assert message is not None
    # The recorded Sabriel work, cut short, stands in for the chosen work (no record of it exists).
    work = recorded.fixture(OL + "works_OL15832982W.bookwyrm.json")[:200]
    recorded.reply("/works/OL20639540W.json", Reply(body=work))
    picked = await club.alice.select(message, ["ol:OL20639540W"], custom_id="book:open")
    answer = answer_of(picked)
    assert answer is not None
    assert answer.ephemeral
    assert (
        "Live book data is unavailable right now. No book with Open Library id OL20639540W" in answer.content
    )
    assert await books_count(club) == 0


@pytest.mark.parametrize(
    "body", [None, b"{}", b'{"docs": [{}]}'], ids=["truncated", "no-fields", "field-less-doc"]
)
async def test_autocomplete_survives_a_malformed_or_field_less_body(
    club: Club, recorded: RecordedServer, body: bytes | None
) -> None:
    if body is None:
        body = recorded.fixture(OL + "search_time_war.bookwyrm.json")[:200]
    recorded.reply("/search.json", Reply(body=body))
    local = await upsert_book(club.db, BookData(title="Time and Again", authors=("Jack Finney",)))
    choices = await club.alice.autocomplete(club.channel, "book show", "book", "time")
    assert [c["value"] for c in choices] == [f"book:{local.book_id}"]
