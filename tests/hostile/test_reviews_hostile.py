"""/review write (the modal) and /reviews (sort, stars, search) under hostile input."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from tests.conftest import BotFactory, Club
from tests.helpers import seed_book
from tests.hostile.strategies import bounded_text
from tests.hostile.support import Probe, examples, member_named, recount, without_enricher

FAMILY = "reviews"

STARS = st.one_of(st.integers(2, 10).map(str), st.sampled_from(["0", "11", "4.5", "", "x", "-2", "١٠"]))
VALID_SORTS = st.sampled_from(["newest", "oldest", "highest", "lowest", "most liked"])
SORTS = st.one_of(
    VALID_SORTS, VALID_SORTS, VALID_SORTS, st.sampled_from(["best", ""])
)  # Discord refuses those


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


async def test_review_write_answers_every_text_and_stars(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for body, stars, spoiler in examples(st.tuples(bounded_text(4000), STARS, st.booleans())):
        writer = member_named(club, "writer")  # a new member each time: every input is a new review

        async def write(writer=writer, body=body, stars=stars, spoiler=spoiler):  # type: ignore[no-untyped-def]
            shown = await writer.slash(
                club.channel, "review write", book=f"book:{book.book_id}", spoiler=spoiler
            )
            assert shown.modal is not None, "no modal"
            return await writer.submit_modal(shown, {"stars": [stars], "body": body})

        await probe.play(
            f"/review write stars:{stars!r} spoiler:{spoiler} body:{body!r}",
            write,
        )
    probe.finish()
    assert await recount(club.db) == []


async def test_editing_a_review_answers_every_text(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for body in examples(bounded_text(4000), share=0.5):

        async def edit(body: str = body):  # type: ignore[no-untyped-def]
            shown = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
            assert shown.modal is not None, "no modal"
            return await club.alice.submit_modal(shown, {"stars": ["7"], "body": body})

        await probe.play(f"/review write (again) body:{body!r}", edit)
    probe.finish()
    assert await recount(club.db) == []


async def test_reviews_list_answers_every_sort_stars_and_search(club: Club) -> None:
    book = await seed_book(club.db)
    for n, body in enumerate(
        ["A tense, true story.", "**Bold** claims; ||a spoiler||", 'NEAR(x y) "quoted"']
    ):
        writer = member_named(club, f"seed {n}")
        shown = await writer.slash(club.channel, "review write", book=f"book:{book.book_id}")
        await writer.submit_modal(shown, {"stars": [str(4 + 2 * n)], "body": body})
    probe = Probe(club, FAMILY)
    search = bounded_text(100, min_size=1)
    searches = st.one_of(st.none(), search, search)
    stars = st.sampled_from([None, 1, 2, 3, 4, 5])
    for sort, star, search in examples(st.tuples(SORTS, stars, searches)):
        options = {key: value for key, value in (("stars", star), ("search", search)) if value is not None}
        await probe.play(
            f"/reviews sort:{sort!r} stars:{star!r} search:{search!r}",
            lambda sort=sort, options=options: club.alice.slash(
                club.channel, "reviews", book=f"book:{book.book_id}", sort=sort, **options
            ),
        )
    probe.finish()
    assert await recount(club.db) == []


async def test_a_review_starting_with_nul_is_answered_clearly(club: Club) -> None:
    book = await seed_book(club.db)
    shown = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
    assert shown.modal is not None
    probe = Probe(club, FAMILY)
    await probe.play(
        "/review write body:'\\x00 Great book'",
        lambda: club.alice.submit_modal(shown, {"stars": ["8"], "body": "\x00 Great book"}),
    )
    probe.finish()
