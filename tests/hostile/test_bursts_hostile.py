"""Concurrency bursts: up to 200 interactions at once across members, then a recount of every aggregate.

Each burst delivers its interactions together (`support.burst`) so the bot runs them
concurrently, as on a busy gateway; every one must get its normal answer or a clear refusal, and
afterwards every aggregate must equal a count of the base tables.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import simcord
from hypothesis import strategies as st

from bot.models.shelves import SHELVES
from tests.components import custom_ids
from tests.conftest import BotFactory, Club
from tests.helpers import MIG_PILOT, seed_book
from tests.hostile.support import Probe, burst, examples, member_named, recount, without_enricher

FAMILY = "concurrency bursts"
READERS = 40


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


async def write_review(member: simcord.MemberActor, club: Club, book_id: int, body: str) -> None:
    form = await member.slash(club.channel, "review write", book=f"book:{book_id}")
    assert form.modal is not None
    await member.submit_modal(form, {"stars": ["8"], "body": body})


def like_buttons(club: Club) -> dict[int, tuple[object, str]]:
    """Each review card's like button, by review id: (its message, its custom id)."""
    found: dict[int, tuple[object, str]] = {}
    for message in club.channel.history():
        for custom_id in custom_ids([c.to_dict() for c in message.components], "rv:like:"):  # type: ignore[attr-defined]
            found[int(custom_id.split(":")[2])] = (message, custom_id)
    return found


async def check_burst(probe: Probe, results: list[tuple[str, simcord.InteractionResult]]) -> None:
    for what, result in results:
        await probe.play(what, lambda result=result: _ready(result))


async def _ready(result: simcord.InteractionResult) -> simcord.InteractionResult:
    return result


@pytest.mark.parametrize("seed", [0, 1])
async def test_a_burst_of_rates_shelf_moves_likes_and_review_writes_and_deletes(
    club: Club, seed: int
) -> None:
    rng = random.Random(seed)
    books = [await seed_book(club.db)]
    for n in range(1, 3):
        data = replace(MIG_PILOT, title=f"Book {n}", isbn13=None, ol_work_id=f"OL{n}W")
        books.append(await seed_book(club.db, data))
    readers = [member_named(club, f"reader {n}") for n in range(READERS)]
    # Ten reviews with cards to like; the first five are deleted during the burst.
    for reader in readers[:10]:
        await write_review(reader, club, books[0].book_id, f"Thoughts of {reader.name}.")
    buttons = like_buttons(club)
    review_ids = sorted(buttons)
    doomed, kept = review_ids[:5], review_ids[5:]
    confirms = []
    for reader in readers[:5]:
        asked = await reader.slash(club.channel, "review delete", book=f"book:{books[0].book_id}")
        assert asked.response is not None
        confirms.append((reader, asked.response.message))
    forms = []
    for reader in readers[10:25]:
        form = await reader.slash(
            club.channel, "review write", book=f"book:{books[rng.randrange(3)].book_id}"
        )
        forms.append((reader, form))

    results: list[tuple[str, simcord.InteractionResult]] = []
    async with burst(club.env):
        for reader, message in confirms:
            delete = next(c for c in custom_ids([x.to_dict() for x in message.components], "rv:del:"))  # type: ignore[attr-defined]
            results.append((f"{reader.name} deletes", await reader.click(message, custom_id=delete)))
        for reader, form in forms:
            body = f"A burst review by {reader.name}."
            results.append(
                (f"{reader.name} writes", await reader.submit_modal(form, {"stars": ["6"], "body": body}))
            )
        for reader in readers:
            book = f"book:{rng.choice(books).book_id}"
            stars = rng.choice([1, 1.5, 2, 3.5, 4, 4.5, 5])
            results.append(
                (f"{reader.name} rates", await reader.slash(club.channel, "rate", book=book, stars=stars))
            )
            shelf = rng.choice(SHELVES)
            results.append(
                (
                    f"{reader.name} shelves",
                    await reader.slash(club.channel, "shelf add", book=book, shelf=shelf),
                )
            )
            review = rng.choice(kept)
            message, like = buttons[review]
            results.append((f"{reader.name} likes {review}", await reader.click(message, custom_id=like)))
        for reader in readers[:20]:
            book = f"book:{rng.choice(books).book_id}"
            results.append(
                (f"{reader.name} rates again", await reader.slash(club.channel, "rate", book=book, stars=3))
            )
            results.append(
                (f"{reader.name} unshelves", await reader.slash(club.channel, "shelf remove", book=book))
            )
    assert 150 <= len(results) <= 200, len(results)

    probe = Probe(club, FAMILY)
    await check_burst(probe, results)
    probe.finish()
    assert await recount(club.db) == []
    remaining = {row[0] for row in await club.db.fetchall("SELECT review_id FROM reviews")}
    assert not remaining & set(doomed)
    assert await club.db.fetchval("SELECT count(*) FROM reviews") == 5 + len(forms)


async def test_bursts_of_generated_ratings_keep_the_histogram(club: Club) -> None:
    book = await seed_book(club.db)
    readers = [member_named(club, f"reader {n}") for n in range(READERS)]
    choice = st.tuples(
        st.integers(0, READERS - 1), st.sampled_from([1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]), st.booleans()
    )
    probe = Probe(club, FAMILY)
    plan = examples(st.lists(choice, min_size=1, max_size=100), share=0.2)
    for moves in plan:
        results: list[tuple[str, simcord.InteractionResult]] = []
        async with burst(club.env):
            for who, stars, unrate in moves:
                reader = readers[who]
                if unrate:
                    result = await reader.slash(club.channel, "unrate", book=f"book:{book.book_id}")
                else:
                    result = await reader.slash(
                        club.channel, "rate", book=f"book:{book.book_id}", stars=stars
                    )
                results.append((f"{reader.name} {'unrates' if unrate else f'rates {stars}'}", result))
        await check_burst(probe, results)
        problems = await recount(club.db)
        probe.check(not problems, f"after a burst of {len(moves)}: {problems}")
    probe.finish()


async def test_likes_racing_the_delete_of_their_review_are_told_it_is_gone(club: Club) -> None:
    book = await seed_book(club.db)
    readers = [member_named(club, f"reader {n}") for n in range(20)]
    await write_review(club.alice, club, book.book_id, "Soon gone.")
    [(message, like)] = like_buttons(club).values()
    asked = await club.alice.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    assert asked.response is not None
    [delete] = custom_ids([c.to_dict() for c in asked.response.message.components], "rv:del:")  # type: ignore[attr-defined]
    results: list[tuple[str, simcord.InteractionResult]] = []
    async with burst(club.env):
        for reader in readers[:10]:
            results.append((f"{reader.name} likes", await reader.click(message, custom_id=like)))  # type: ignore[arg-type]
        results.append(("alice deletes", await club.alice.click(asked.response.message, custom_id=delete)))
        for reader in readers[10:]:
            results.append((f"{reader.name} likes", await reader.click(message, custom_id=like)))  # type: ignore[arg-type]
    probe = Probe(club, FAMILY)
    await check_burst(probe, results)
    probe.finish()
    assert await recount(club.db) == []
