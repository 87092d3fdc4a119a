"""The intents that make posting a review card idempotent, on a temporary database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.services import review_cards as cards
from bot.services import reviews as service
from tests.cogs.test_reviews_support import seed_book, seed_reviews

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def card_columns(db: Database, review_id: int) -> tuple[object, ...]:
    row = await db.fetchone(
        "SELECT channel_id, message_id, thread_id FROM reviews WHERE review_id = ?", (review_id,)
    )
    assert row is not None
    return tuple(row)


async def test_an_intent_lives_from_before_the_post_until_the_thread_is_settled(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1)
    begun = await cards.begin_card(db, review_id, 500, NOW)
    assert begun is not None
    intent, retry = begun
    assert not retry
    assert (intent.review_id, intent.guild_id, intent.channel_id, intent.message_id) == (
        review_id,
        GUILD,
        500,
        None,
    )
    assert intent.nonce.isdigit()
    assert len(intent.nonce) <= 25
    assert await cards.pending_cards(db) == [intent]
    await cards.card_sent(db, review_id, 500, 600)
    assert await card_columns(db, review_id) == (500, 600, None)
    (sent,) = await cards.pending_cards(db)
    assert (sent.nonce, sent.message_id) == (intent.nonce, 600)  # the thread is still to settle
    await cards.card_settled(db, review_id, 600)
    assert await card_columns(db, review_id) == (500, 600, 600)
    assert await cards.pending_cards(db) == []


async def test_a_retry_for_the_same_channel_keeps_the_nonce(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1)
    first = await cards.begin_card(db, review_id, 500, NOW)
    again = await cards.begin_card(db, review_id, 500, NOW + timedelta(minutes=1))
    assert first is not None
    assert again is not None
    assert again == (first[0], True)
    elsewhere = await cards.begin_card(db, review_id, 501, NOW)  # the reviews channel changed
    assert elsewhere is not None
    assert not elsewhere[1]
    assert elsewhere[0].nonce != first[0].nonce
    await cards.card_sent(db, review_id, 501, 700)
    fresh = await cards.begin_card(db, review_id, 501, NOW)  # that card was deleted: a new one
    assert fresh is not None
    assert not fresh[1]
    assert fresh[0].nonce != elsewhere[0].nonce
    assert fresh[0].message_id is None


async def test_refused_and_gone_cards_leave_no_intent(db: Database) -> None:
    book = await seed_book(db)
    first, second = await seed_reviews(db, GUILD, book.book_id, 2)
    await cards.begin_card(db, first, 500, NOW)
    await cards.card_refused(db, first)
    assert await cards.pending_cards(db) == []
    await cards.begin_card(db, second, 500, NOW)
    await cards.card_sent(db, second, 500, 800)
    await cards.card_gone(db, second)
    assert await card_columns(db, second) == (None, None, None)
    assert await cards.pending_cards(db) == []


async def test_an_intent_goes_with_its_review_and_none_is_made_for_a_gone_one(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1)
    await cards.begin_card(db, review_id, 500, NOW)
    await service.delete_review(db, await service.require_review_by_id(db, GUILD, review_id))
    assert await cards.pending_cards(db) == []
    assert await cards.begin_card(db, review_id, 500, NOW) is None
