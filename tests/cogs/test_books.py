"""/book search, its select, /book show and its autocomplete, through the real client on simcord."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.books.http import JsonFetcher
from bot.config import Settings
from bot.db.books import upsert_book
from bot.models.books import BookData
from tests.books.server import RecordedServer, Reply
from tests.components import text_of
from tests.conftest import Club, make_settings

OL = "openlibrary/"
LIVE_NOTE = "Live book data is unavailable right now"


@pytest.fixture
def settings(tmp_path: Path, recorded: RecordedServer) -> Settings:
    """The bot's providers point at the local fixture server."""
    return make_settings(
        tmp_path,
        openlibrary_url=recorded.url,
        openlibrary_covers_url="https://covers.example.org",
        autocomplete_deadline=0.5,
        http_timeout=2.0,
    )


@pytest.fixture
def network_may_hang(club: Club, monkeypatch: pytest.MonkeyPatch) -> None:
    """Declare each provider request as external input to simcord, for tests where one hangs.

    simcord settles the bot between steps and cannot tell a socket read from a stuck task; a
    request declared with `env.external_wait` is allowed to be pending while time moves on (the
    autocomplete deadline's timer fires and cancels it). Only tests with a hanging provider use
    it: a declared wait is not waited for, so elsewhere an actor could return before a prompt
    local answer arrived.
    """
    original = JsonFetcher._once

    async def once(
        self: JsonFetcher, url: str, params: dict[str, str | int], headers: dict[str, str]
    ) -> tuple[int, str]:
        return await club.env.external_wait(
            original(self, url, params, headers), reason=f"{self.name} request"
        )

    monkeypatch.setattr(JsonFetcher, "_once", once)


def serve_sabriel(server: RecordedServer, work_path: str = "/works/OL15832982W.json") -> None:
    server.serve(work_path, OL + "works_OL15832982W.bookwyrm.json")
    server.serve("/works/OL15832982W/editions.json", OL + "works_editions.bookwyrm.json")
    server.serve("/books/OL22951843M.json", OL + "books_OL22951843M.bookwyrm.json")
    # The only recorded author record stands in for Sabriel's author: the shape is what matters.
    server.serve("/authors/OL382982A.json", OL + "authors_OL33088A.pet_books.json")


async def books_count(club: Club) -> int:
    return int(await club.db.fetchval("SELECT count(*) FROM books"))


async def test_search_lists_matches_and_the_select_opens_a_page(club: Club, recorded: RecordedServer) -> None:
    recorded.serve("/search.json", OL + "search_time_war.bookwyrm.json")
    result = await club.alice.slash(club.channel, "book search", query="time war")
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    assert message.ephemeral
    text = text_of(message.components)
    assert "**1. This Is How You Lose the Time War**\nAmal El-Mohtar, Max Gladstone · 2019" in text
    assert "**2. This is How You Lose the Time War**" in text
    assert await books_count(club) == 0

    # The recorded Sabriel work stands in for the chosen work (no record of that work exists).
    serve_sabriel(recorded, "/works/OL20639540W.json")
    picked = await club.alice.select(message, ["ol:OL20639540W"], custom_id="book:open")
    page = picked.followups[0] if picked.followups else picked.response
    assert page is not None
    assert not page.ephemeral
    page_text = text_of(page.components)
    assert "## Sabriel" in page_text
    assert "by Dean Koontz" in page_text
    assert "First published 1995" in page_text
    assert await books_count(club) == 1


async def test_search_falls_back_to_the_catalogue_when_open_library_fails(
    club: Club, recorded: RecordedServer
) -> None:
    recorded.reply("/search.json", Reply(500))
    await upsert_book(club.db, BookData(title="Sabriel", authors=("Garth Nix",)))
    result = await club.alice.slash(club.channel, "book search", query="sabriel")
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    text = text_of(message.components)
    assert "**1. Sabriel**\nGarth Nix" in text
    assert LIVE_NOTE in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [("   ", "Type a title, an author"), ("x" * 300, "That is 300 characters; keep a book query under 200.")],
)
async def test_search_bad_query(club: Club, query: str, expected: str) -> None:
    result = await club.alice.slash(club.channel, "book search", query=query)
    assert result.ephemeral
    assert result.response is not None
    assert expected in result.response.content


async def test_search_nothing_found(club: Club, recorded: RecordedServer) -> None:
    recorded.serve("/search.json", OL + "search_empty_numFound0.tolearn.json")
    result = await club.alice.slash(club.channel, "book search", query="qqqq")
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    assert message.ephemeral
    assert "No book matches “qqqq”. Try fewer words" in message.content


async def test_show_by_id_imports_the_book_and_renders_its_facts(
    club: Club, recorded: RecordedServer
) -> None:
    serve_sabriel(recorded)
    result = await club.alice.slash(club.channel, "book show", book="OL22951843M")
    page = result.followups[0] if result.followups else result.response
    assert page is not None
    assert not page.ephemeral
    text = text_of(page.components)
    for expected in (
        "## Sabriel",
        "by Dean Koontz",
        "491 pages, Hardcover",
        "First published 1995",
        "ISBN 9780060273224",
        "[Open Library OL15832982W](https://openlibrary.org/works/OL15832982W)",
        "Sabriel, daughter of the necromancer Abhorsen",
        "0 people are currently reading",
    ):
        assert expected in text
    assert LIVE_NOTE not in text
    hits = len(recorded.hits)
    again = await club.alice.slash(club.channel, "book show", book="0-06-027322-4")
    assert not again.deferred
    assert again.response is not None
    assert "## Sabriel" in text_of(again.response.components)
    assert len(recorded.hits) == hits


async def test_show_a_catalogue_book_while_open_library_is_down(club: Club, recorded: RecordedServer) -> None:
    recorded.reply("/works/OL15832982W.json", Reply(503))
    await upsert_book(
        club.db, BookData(title="Sabriel", ol_work_id="OL15832982W", pages=491, format="Hardcover")
    )
    started = time.monotonic()
    result = await club.alice.slash(club.channel, "book show", book="OL15832982W")
    assert time.monotonic() - started < 3
    page = result.followups[0] if result.followups else result.response
    assert page is not None
    text = text_of(page.components)
    assert "491 pages, Hardcover" in text
    assert LIVE_NOTE in text


@pytest.mark.parametrize(
    ("book", "expected"),
    [
        (
            "0-06-027322-5",
            "`0-06-027322-5` is not a valid ISBN (its check digit is wrong); check for a typo.",
        ),
        ("OL999W", "No book with Open Library id OL999W is known yet; try /book search."),
        ("", "Type a title, an author, an ISBN or an Open Library id."),
        ("y" * 300, "keep a book query under 200"),
    ],
)
async def test_show_bad_input_is_ephemeral_and_writes_nothing(club: Club, book: str, expected: str) -> None:
    result = await club.alice.slash(club.channel, "book show", book=book)
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    assert message.ephemeral
    assert expected in message.content
    assert await books_count(club) == 0
    assert club.channel.last_message is None or "Sabriel" not in str(club.channel.last_message.content)


async def test_several_matches_answer_with_a_select(club: Club, recorded: RecordedServer) -> None:
    recorded.serve("/search.json", OL + "search_time_war.bookwyrm.json")
    result = await club.alice.slash(club.channel, "book show", book="time war")
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    assert "**2. This is How You Lose the Time War**" in text_of(message.components)
    assert '"custom_id": "book:open"' in str(message.components).replace("'", '"')


async def test_full_description_button_survives_a_restart(club: Club) -> None:
    long_text = "A long tale. " * 100
    book = await upsert_book(club.db, BookData(title="Long Book", description=long_text.strip()))
    result = await club.alice.slash(club.channel, "book show", book=f"book:{book.book_id}")
    assert result.response is not None
    text = text_of(result.response.components)
    assert "A long tale." in text
    assert "…" in text
    assert len(text) < len(long_text)
    await club.restart()
    shown = await club.bob.click(result.response, custom_id=f"book:desc:{book.book_id}")
    assert shown.ephemeral
    assert shown.response is not None
    assert long_text.strip() in text_of(shown.response.components)


async def test_autocomplete_puts_the_catalogue_first_then_remote_results(
    club: Club, recorded: RecordedServer
) -> None:
    recorded.serve("/search.json", OL + "search_time_war.bookwyrm.json")
    local = await upsert_book(
        club.db,
        BookData(
            title="This Is How You Lose the Time War", authors=("Amal El-Mohtar",), ol_work_id="OL20639540W"
        ),
    )
    choices = await club.alice.autocomplete(club.channel, "book show", "book", "time war")
    assert [c["value"] for c in choices] == [f"book:{local.book_id}", "ol:OL19859295W"]
    assert [c["name"] for c in choices] == [
        "This Is How You Lose the Time War by Amal El-Mohtar",
        "This is How You Lose the Time War by Amal El-Mohtar, Max Gladstone",
    ]


async def test_autocomplete_answers_in_time_while_open_library_hangs(
    club: Club, recorded: RecordedServer, network_may_hang: None
) -> None:
    recorded.reply(
        "/search.json", Reply(body=recorded.fixture(OL + "search_time_war.bookwyrm.json"), delay=5)
    )
    local = await upsert_book(club.db, BookData(title="Time and Again", authors=("Jack Finney",)))
    started = time.monotonic()
    choices = await club.alice.autocomplete(club.channel, "book show", "book", "time")
    elapsed = time.monotonic() - started
    assert [c["value"] for c in choices] == [f"book:{local.book_id}"]
    assert elapsed < 2.0  # the deadline is 0.5 s; the server would answer after 5 s


async def test_a_remote_choice_is_resolved_when_the_command_runs(
    club: Club, recorded: RecordedServer
) -> None:
    serve_sabriel(recorded)
    result = await club.alice.slash(club.channel, "book show", book="ol:OL15832982W")
    page = result.followups[0] if result.followups else result.response
    assert page is not None
    assert "## Sabriel" in text_of(page.components)


async def test_show_answers_from_the_catalogue_when_open_library_is_slow(
    club: Club, recorded: RecordedServer, network_may_hang: None
) -> None:
    recorded.reply(
        "/works/OL15832982W.json",
        Reply(body=recorded.fixture(OL + "works_OL15832982W.bookwyrm.json"), delay=10),
    )
    await upsert_book(club.db, BookData(title="Sabriel", ol_work_id="OL15832982W"))
    result = await club.alice.slash(club.channel, "book show", book="OL15832982W")
    assert result.deferred  # acknowledged at once; the lookup is still waiting on the server
    await club.env.advance_time(2.5)  # past HTTP_TIMEOUT (2 s here); the server would take 10
    page = result.followups[0] if result.followups else None
    assert page is not None
    assert not page.ephemeral
    assert LIVE_NOTE in text_of(page.components)
    assert await books_count(club) == 1


async def test_the_search_select_still_works_after_a_restart(club: Club, recorded: RecordedServer) -> None:
    recorded.serve("/search.json", OL + "search_time_war.bookwyrm.json")
    book = await upsert_book(club.db, BookData(title="Time War", ol_work_id="OL20639540W"))
    await club.db.execute("UPDATE books SET enriched_at = '2026-11-25T12:00:00+00:00'")
    result = await club.alice.slash(club.channel, "book search", query="time war")
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    await club.restart()
    picked = await club.alice.select(message, ["ol:OL20639540W"], custom_id="book:open")
    assert not picked.deferred  # enriched catalogue book: no provider call, answered at once
    assert picked.response is not None
    assert "## Time War" in text_of(picked.response.components)
    assert book.book_id == 1
