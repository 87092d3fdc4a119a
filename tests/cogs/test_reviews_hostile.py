"""Hostile and careless review input on simcord: control and invisible characters, a like racing a
delete, mentions in an edited card. Every refusal is a clear ephemeral answer that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.db import Database
from bot.db import reviews as store
from bot.db.reviews import get_review
from bot.models.reviews import Review
from bot.services import reviews as service
from tests.cogs.test_reviews_support import Snapshot, message_text, seed_book, snapshot
from tests.cogs.test_reviews_write import card_message, reply_of, write
from tests.components import custom_ids
from tests.conftest import Club

EMPTY = "Your review is empty; write a few words about the book."

# Texts that draw nothing: control characters, whitespace, format (Cf) characters and fillers.
BLANK_TEXTS = (
    "\x00",
    "\x00\x01\x1f\x7f\x85",
    "\x00 \n\t",
    "\u200b",
    "\u2060",
    "\u3164",
    "\u2800",
    "\u200b\u200c\u200d\ufeff",
    "\u115f\u1160\uffa0",
    "\u2028\u2029",
    "\ufe0f\ufe0e\U000e0100",
    "\U000e0020\U000e007f",
    "\u00ad\u034f\u180e\u17b4",
    "\u202e\u2066\u200f",
    " \u3000\u00a0\u200b ",
)


async def test_a_review_starting_with_nul_is_saved_without_its_control_characters(club: Club) -> None:
    book = await seed_book(club.db)
    done = await write(club, club.alice, book.book_id, "\x00 Great book\x07,\r\nreally.\tYes\x1b[31m")
    assert "Your review of **MIG Pilot** by John Barron is saved." in reply_of(done)
    assert await club.db.fetchval("SELECT body FROM reviews") == "Great book,\nreally.\tYes[31m"
    assert "Great book,\nreally.\tYes[31m" in message_text(card_message(club))


async def test_reviews_that_draw_nothing_are_refused_and_change_nothing(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Kept as it was.")
    card = message_text(card_message(club))
    before = await snapshot(club.db)
    for body in BLANK_TEXTS:
        for actor in (club.alice, club.bob):  # an edit of a review and a new one
            refused = await write(club, actor, book.book_id, body)
            assert reply_of(refused) == EMPTY, repr(body)
    assert await snapshot(club.db) == before
    assert message_text(card_message(club)) == card
    assert len([m for m in club.channel.history() if m.components]) == 1


async def test_invisible_characters_next_to_real_text_are_kept_as_typed(club: Club) -> None:
    book = await seed_book(club.db)
    typed = "\u200bGreat\u200d book \U0001f44d\U0001f3fd \u2764\ufe0f \u3164!"
    done = await write(club, club.alice, book.book_id, typed)
    assert "is saved" in reply_of(done)
    assert await club.db.fetchval("SELECT body FROM reviews") == typed


@pytest.mark.parametrize("where", ["card", "list"])
async def test_a_like_racing_a_delete_answers_that_the_review_is_gone(
    club: Club, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Deleted while Bob likes it.")
    if where == "card":
        pressed: object = card_message(club)
        components: Any = [c.to_dict() for c in card_message(club).components]
    else:
        listed = await club.bob.slash(club.channel, "reviews", book=f"book:{book.book_id}")
        assert listed.response is not None
        pressed, components = listed.response, listed.response.components
    (like_id,) = custom_ids(components, "rv:like:")
    read = store.get_review_by_id
    taken: list[Snapshot] = []

    async def read_then_deleted(db: Database, guild_id: int, review_id: int) -> Review | None:
        """The like reads the review; a moderator's delete lands before the like is written."""
        review = await read(db, guild_id, review_id)
        if review is not None:
            await service.delete_review(db, review)
            taken.append(await snapshot(db))
        return review

    monkeypatch.setattr(store, "get_review_by_id", read_then_deleted)
    answer = await club.bob.click(pressed, custom_id=like_id)  # type: ignore[arg-type]
    assert reply_of(answer) == service.REVIEW_GONE
    assert taken
    assert await snapshot(club.db) == taken[0]
    assert await club.db.fetchval("SELECT count(*) FROM review_likes") == 0


async def test_an_edited_card_pings_nobody(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Harmless at first.")
    card = card_message(club)
    edited = await write(club, club.alice, book.book_id, f"@everyone <@&1> <@2> {club.bob.mention}")
    assert "is updated" in reply_of(edited)
    assert "@everyone <@&1> <@2>" in message_text(card_message(club))
    edits = [
        r
        for r in club.env.http_requests
        if r.method == "PATCH" and r.path == f"/channels/{club.channel.id}/messages/{card.id}"
    ]
    assert edits
    assert all((r.json or {})["allowed_mentions"] == {"parse": []} for r in edits)

    await club.bob.click(card_message(club), label="♥ Like")
    (liked,) = [
        r
        for r in club.env.http_requests
        if r.method == "POST" and r.path.endswith("/callback") and r.json and r.json["type"] == 7
    ]
    assert (liked.json or {})["data"]["allowed_mentions"] == {"parse": []}
    review = await get_review(club.db, club.guild.id, book.book_id, club.alice.id)
    assert review is not None
    assert review.likes == 1
