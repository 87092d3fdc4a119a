"""/shelf add|remove|show and /progress under hostile input: books, shelves, pages, members' names."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from bot.models.shelves import SHELVES
from tests.conftest import BotFactory, Club
from tests.helpers import seed_book
from tests.hostile.strategies import NUMBER_TEXT, discord_ints, hostile_text
from tests.hostile.support import Probe, examples, member_named, recount, without_enricher

FAMILY = "shelves and progress"

SHELF_VALUES = st.one_of(st.sampled_from(SHELVES), st.sampled_from(["Read", "reading", "", "read\x00"]))


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


async def test_shelf_add_and_remove_answer_every_input(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    books = st.one_of(hostile_text, NUMBER_TEXT, st.just(f"book:{book.book_id}"))
    for text, shelf in examples(st.tuples(books, SHELF_VALUES)):
        await probe.play(
            f"/shelf add book:{text!r} shelf:{shelf!r}",
            lambda text=text, shelf=shelf: club.alice.slash(
                club.channel, "shelf add", book=text, shelf=shelf
            ),
        )
        await probe.play(
            f"/shelf remove book:{text!r}",
            lambda text=text: club.bob.slash(club.channel, "shelf remove", book=text),
        )
    probe.finish()
    assert await recount(club.db) == []


async def test_progress_answers_every_page_and_percent(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    maybe_int = st.one_of(st.none(), discord_ints)
    for page, percent in examples(st.tuples(maybe_int, maybe_int)):
        options = {key: value for key, value in (("page", page), ("percent", percent)) if value is not None}
        await probe.play(
            f"/progress page:{page!r} percent:{percent!r}",
            lambda options=options: club.alice.slash(
                club.channel, "progress", book=f"book:{book.book_id}", **options
            ),
        )
    probe.finish()
    assert await recount(club.db) == []


async def test_shelf_show_answers_for_members_with_any_name(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for nick, shelf in examples(st.tuples(hostile_text, st.one_of(st.none(), st.sampled_from(SHELVES)))):
        member = member_named(club, nick)
        await probe.play(
            f"{nick!r} /shelf add",
            lambda member=member: member.slash(
                club.channel, "shelf add", book=f"book:{book.book_id}", shelf="read"
            ),
        )
        options = {} if shelf is None else {"shelf": shelf}
        await probe.play(
            f"/shelf show member:{nick!r} shelf:{shelf}",
            lambda member=member, options=options: club.alice.slash(
                club.channel, "shelf show", member=member, **options
            ),
        )
        await probe.play(
            f"{nick!r} /progress",
            lambda member=member: member.slash(
                club.channel, "progress", book=f"book:{book.book_id}", page=222
            ),
        )
    probe.finish()
    assert await recount(club.db) == []
