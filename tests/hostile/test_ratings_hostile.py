"""/rate and /unrate under hostile input: the book option and the stars."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from tests.conftest import BotFactory, Club
from tests.helpers import seed_book
from tests.hostile.strategies import NUMBER_TEXT, hostile_text, star_numbers
from tests.hostile.support import Probe, examples, recount, without_enricher

FAMILY = "ratings"


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


async def test_rate_and_unrate_answer_every_book_and_stars(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    books = st.one_of(hostile_text, NUMBER_TEXT, st.just(f"book:{book.book_id}"), st.just("MIG Pilot"))
    for text, stars in examples(st.tuples(books, star_numbers)):
        await probe.play(
            f"/rate book:{text!r} stars:{stars!r}",
            lambda text=text, stars=stars: club.alice.slash(club.channel, "rate", book=text, stars=stars),
        )
        await probe.play(
            f"/unrate book:{text!r}", lambda text=text: club.bob.slash(club.channel, "unrate", book=text)
        )
    probe.finish()
    assert await recount(club.db) == []


async def test_any_stars_on_a_known_book_are_saved_on_a_half_step_or_refused(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for stars in examples(star_numbers):
        result = await probe.play(
            f"/rate stars:{stars!r}",
            lambda stars=stars: club.alice.slash(
                club.channel, "rate", book=f"book:{book.book_id}", stars=stars
            ),
        )
        stored = await club.db.fetchval("SELECT stars_x2 FROM ratings WHERE user_id = ?", (club.alice.id,))
        if (
            result is not None
            and result.response is not None
            and result.response.content.startswith("You rated")
        ):
            probe.check(
                stored is not None and abs(stored / 2 - stars) < 0.25, f"stars {stars!r} saved as {stored}"
            )
    probe.finish()
    assert await recount(club.db) == []


async def test_stars_a_hair_off_a_half_step_are_named_as_given(club: Club) -> None:
    book = await seed_book(club.db)
    result = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4.999999999)
    assert result.response is not None
    club.take_errors()
    assert "5 is not a rating" not in result.response.content
