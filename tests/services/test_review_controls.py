"""What a review control fetches through the service, each in one query: card, form draft, list book."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db import Database
from bot.db.ratings import write_rating_in
from bot.db.review_writes import toggle_like
from bot.errors import UserFacingError
from bot.services import reviews as service
from bot.services.reviews import ListState
from tests.cogs.test_reviews_support import seed_book, seed_reviews

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_a_card_carries_the_reviewer_the_book_and_the_reviews_channel(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1)
    card = await service.load_card(db, GUILD, review_id)
    assert card is not None
    assert (card.line.review.review_id, card.line.display_name, card.line.reviews_count) == (
        review_id,
        "Reader 1",
        1,
    )
    assert card.book == book
    assert card.reviews_channel_id is None
    await service.set_reviews_channel(db, GUILD, 555)
    again = await service.load_card(db, GUILD, review_id)
    assert again is not None
    assert again.reviews_channel_id == 555
    assert await service.load_card(db, GUILD + 1, review_id) is None  # another server's review


async def test_the_draft_is_the_members_review_and_rating(db: Database) -> None:
    book = await seed_book(db)
    empty = await service.draft(db, GUILD, book.book_id, 7)
    assert (empty.existing, empty.rating) == (None, None)
    async with db.transaction() as conn:
        await write_rating_in(conn, GUILD, 7, book.book_id, 6, NOW)
    rated = await service.draft(db, GUILD, book.book_id, 7)
    assert (rated.existing, rated.rating) == (None, 6)
    review, _ = await service.save_review(
        db, guild_id=GUILD, book_id=book.book_id, user_id=7, stars_x2=9, text="Fine.", spoiler=True, now=NOW
    )
    written = await service.draft(db, GUILD, book.book_id, 7)
    assert (written.existing, written.rating) == (review, 9)
    assert (await service.draft(db, GUILD + 1, book.book_id, 7)).existing is None


async def test_delete_own_refuses_another_members_review(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1, first_user=7)
    with pytest.raises(UserFacingError, match="already deleted"):
        await service.delete_own(db, GUILD, review_id, 8)
    card = await service.delete_own(db, GUILD, review_id, 7)
    assert (card.line.review.review_id, card.book) == (review_id, book)
    with pytest.raises(UserFacingError, match="already deleted"):
        await service.delete_own(db, GUILD, review_id, 7)


async def test_a_page_carries_its_book_and_the_readers_spoiler_gate(db: Database) -> None:
    book = await seed_book(db)
    await seed_reviews(db, GUILD, book.book_id, 2)
    page = await service.load_page(db, GUILD, ListState(book.book_id), page=1, move="first", viewer_id=7)
    assert (page.book, page.viewer_has_read) == (book, False)
    await db.execute(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at) VALUES (?, 7, ?, 'read', 'x')",
        (GUILD, book.book_id),
    )
    read = await service.load_page(db, GUILD, ListState(book.book_id), page=1, move="first", viewer_id=7)
    assert read.viewer_has_read
    with pytest.raises(UserFacingError, match="no longer in the catalogue"):
        await service.load_page(db, GUILD, ListState(book.book_id + 1), page=1, move="first", viewer_id=7)


async def test_a_search_id_is_zero_without_a_search(db: Database) -> None:
    assert await service.search_id(db, None) == 0
    assert await service.search_id(db, "   ") == 0
    first = await service.search_id(db, "  war   and peace ")
    assert first > 0
    assert await service.search_id(db, "war and peace") == first
    with pytest.raises(UserFacingError):
        await service.search_id(db, "!!!")


async def test_a_like_of_a_review_deleted_after_it_was_read_is_gone(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1, first_user=7)
    review = await service.require_review_by_id(db, GUILD, review_id)
    await service.delete_review(db, review)
    assert await toggle_like(db, review_id, 8) is None  # not a foreign-key error
    assert await db.fetchval("SELECT count(*) FROM review_likes") == 0
    with pytest.raises(UserFacingError, match="That review is gone"):
        await service.like(db, GUILD, review_id, 8)
