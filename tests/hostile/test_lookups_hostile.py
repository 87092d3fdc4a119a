"""Book lookups under hostile input: /book show, /book search and the `book` autocomplete.

Open Library answers from a recorded search whatever the query, so every input also travels
through a live provider request (its URL, its parsing) and the picking of a hit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from tests.books.server import RecordedServer
from tests.conftest import BotFactory, Club, make_settings
from tests.helpers import seed_book
from tests.hostile.strategies import hostile_text
from tests.hostile.support import Probe, examples, recount, without_enricher

FAMILY = "book lookups"


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


@pytest.fixture
def settings(tmp_path: Path, recorded: RecordedServer) -> Settings:
    recorded.serve("/search.json", "openlibrary/search_time_war.bookwyrm.json")
    return make_settings(tmp_path, openlibrary_url=recorded.url, autocomplete_deadline=0.5, http_timeout=2.0)


async def test_book_show_answers_every_input(club: Club) -> None:
    await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for text in examples(hostile_text):
        await probe.play(
            f"/book show book:{text!r}",
            lambda text=text: club.alice.slash(club.channel, "book show", book=text),
        )
    probe.finish()
    assert await recount(club.db) == []


async def test_book_search_answers_every_input(club: Club) -> None:
    await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for text in examples(hostile_text):
        await probe.play(
            f"/book search query:{text!r}",
            lambda text=text: club.alice.slash(club.channel, "book search", query=text),
        )
    probe.finish()


async def test_book_autocomplete_offers_valid_choices_for_every_input(club: Club) -> None:
    await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for text in examples(hostile_text):
        for command in ("book show", "rate"):
            await probe.choices(
                f"/{command} book:{text!r} (typing)",
                lambda command=command, text=text: club.alice.autocomplete(
                    club.channel, command, "book", text
                ),
            )
    probe.finish()


async def test_book_show_refuses_an_id_beyond_sqlites_integers_clearly(club: Club) -> None:
    probe = Probe(club, FAMILY)
    await probe.play(
        "/book show book:book:99999999999999999999999",
        lambda: club.alice.slash(club.channel, "book show", book="book:99999999999999999999999"),
    )
    probe.finish()
