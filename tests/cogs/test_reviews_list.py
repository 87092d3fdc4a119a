"""/reviews: paging, sorts, star filter, search, outsiders, restarts and spoiler gating on simcord."""

from __future__ import annotations

from typing import Any

from bot.models.books import Book
from tests.cogs.test_reviews_support import header_of, nav_id, seed_book, seed_reviews
from tests.components import custom_ids, text_of
from tests.conftest import Club


def shown(result: Any) -> str:
    assert result.response is not None
    return text_of(result.response.components)


async def listed(club: Club, book: Book, actor: Any = None, **options: Any) -> Any:
    actor = actor or club.alice
    result = await actor.slash(club.channel, "reviews", book=f"book:{book.book_id}", **options)
    assert result.response is not None
    return result


async def press(actor: Any, result: Any, move: str) -> Any:
    return await actor.click(result.response, custom_id=nav_id(result.response.components, move))


async def test_pages_forward_back_last_first_and_jump(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 83)
    result = await listed(club, book)
    assert not result.ephemeral
    text = shown(result)
    assert header_of(text) == "Displaying 1 - 5 of 83 reviews"
    assert "**Reader 83**\n-# 1 review · 0 followers\n" in text
    assert "Page 1 of 17" in str(result.response.components)
    steps = [
        ("n", "6 - 10"),
        ("n", "11 - 15"),
        ("p", "6 - 10"),
        ("l", "81 - 83"),
        ("p", "76 - 80"),
        ("f", "1 - 5"),
    ]
    for move, expected in steps:
        await press(club.alice, result, move)
        assert header_of(shown(result)) == f"Displaying {expected} of 83 reviews", move
    (jump,) = custom_ids(result.response.components, "rv:jump:")
    modal = await club.alice.click(result.response, custom_id=jump)
    assert modal.modal is not None
    await club.alice.submit_modal(modal, {"page": "10"})
    assert header_of(shown(result)) == "Displaying 46 - 50 of 83 reviews"
    assert "**Reader 38**" in shown(result)
    await press(club.alice, result, "n")
    assert header_of(shown(result)) == "Displaying 51 - 55 of 83 reviews"


async def test_jump_out_of_range_is_refused(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 83)
    result = await listed(club, book)
    (jump,) = custom_ids(result.response.components, "rv:jump:")
    for typed in ("0", "18", "abc"):
        modal = await club.alice.click(result.response, custom_id=jump)
        answer = await club.alice.submit_modal(modal, {"page": typed})
        assert answer.ephemeral
        assert answer.response is not None
        assert "type 1 to 17" in answer.response.content or "from 1 to 17" in answer.response.content
    assert header_of(shown(result)) == "Displaying 1 - 5 of 83 reviews"


async def test_sorts_and_star_filter(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 83)  # stars cycle 1 … 5 in half steps
    result = await listed(club, book, sort="highest")
    assert shown(result).count("★★★★★ ·") == 5
    (sort_id,) = custom_ids(result.response.components, "rv:sort:")
    await club.alice.select(result.response, ["l"], custom_id=sort_id)
    text = shown(result)
    assert text.count("\n★ ·") == 5
    assert "Lowest rated" in text
    (stars_id,) = custom_ids(result.response.components, "rv:stars:")
    await club.alice.select(result.response, ["4"], custom_id=stars_id)
    text = shown(result)
    four = await club.db.fetchval("SELECT count(*) FROM reviews WHERE stars_x2 IN (8, 9)")
    assert header_of(text) == f"Displaying 1 - 5 of {four} reviews"
    assert "4 stars · Lowest rated" in text
    assert text.count("★★★★ ·") + text.count("★★★★½ ·") == 5
    await press(club.alice, result, "l")
    assert header_of(shown(result)).endswith(f"of {four} reviews")
    liked = await listed(club, book, sort="most liked", stars=1)
    assert "1 star · Most liked" in shown(liked)


async def test_search_czech_and_russian_and_fts_syntax(club: Club) -> None:
    book = await seed_book(club.db)
    bodies = ["Příliš žluťoučký kůň úpěl ďábelské ódy.", "Война и мир — великий роман.", "Plain English."]
    await seed_reviews(club.db, club.guild.id, book.book_id, 6, bodies=bodies)
    czech = await listed(club, book, search="prilis zlutoucky")
    assert header_of(shown(czech)) == "Displaying 1 - 2 of 2 reviews"
    assert "Příliš" in shown(czech)
    russian = await listed(club, book, search="ВОЙНА")
    assert header_of(shown(russian)) == "Displaying 1 - 2 of 2 reviews"
    assert "Война" in shown(russian)
    for typed in ('"kůň', "kůň*", "kůň)", "(ódy", "ódy^"):
        found = await listed(club, book, search=typed)
        assert header_of(shown(found)) == "Displaying 1 - 2 of 2 reviews", typed
    near = await listed(club, book, search="NEAR(kůň ódy")  # NEAR is a plain word here, not an operator
    assert header_of(shown(near)) == "No reviews match."
    nothing = await club.alice.slash(club.channel, "reviews", book=f"book:{book.book_id}", search='"*()"')
    assert nothing.ephemeral
    assert "Search for at least one word" in nothing.response.content
    none = await listed(club, book, search="dune")
    assert header_of(shown(none)) == "No reviews match."
    # paging keeps the search: 4 stored matches over one page
    await seed_reviews(club.db, club.guild.id, book.book_id, 12, first_user=20_000, bodies=["Plain English."])
    plain = await listed(club, book, search="english")
    assert header_of(shown(plain)) == "Displaying 1 - 5 of 14 reviews"
    await press(club.alice, plain, "n")
    assert header_of(shown(plain)) == "Displaying 6 - 10 of 14 reviews"
    assert "Война" not in shown(plain)


async def test_an_outsider_gets_their_own_ephemeral_copy(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 83)
    result = await listed(club, book)
    copy = await press(club.bob, result, "n")
    assert copy.ephemeral
    assert copy.response is not None
    assert header_of(text_of(copy.response.components)) == "Displaying 6 - 10 of 83 reviews"
    assert header_of(shown(result)) == "Displaying 1 - 5 of 83 reviews"  # alice's list did not move
    await club.bob.click(copy.response, custom_id=nav_id(copy.response.components, "n"))
    assert header_of(text_of(copy.response.components)) == "Displaying 11 - 15 of 83 reviews"
    (sort_id,) = custom_ids(result.response.components, "rv:sort:")
    sorted_copy = await club.bob.select(result.response, ["h"], custom_id=sort_id)
    assert sorted_copy.ephemeral
    assert "Highest rated" in text_of(sorted_copy.response.components)


async def test_a_list_posted_before_a_restart_still_pages(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 83)
    result = await listed(club, book, sort="oldest")
    await press(club.alice, result, "n")
    await club.restart()
    await press(club.alice, result, "n")
    text = shown(result)
    assert header_of(text) == "Displaying 11 - 15 of 83 reviews"
    assert "**Reader 11**" in text
    await press(club.alice, result, "l")
    assert header_of(shown(result)) == "Displaying 81 - 83 of 83 reviews"


async def test_likes_in_a_list(club: Club) -> None:
    book = await seed_book(club.db)
    (review_id,) = await seed_reviews(club.db, club.guild.id, book.book_id, 1)
    result = await listed(club, book)
    answer = await club.bob.click(result.response, custom_id=f"rv:like:{review_id}:l")
    assert answer.ephemeral
    assert answer.response.content == "You liked this review (1 like)."
    answer = await club.bob.click(result.response, custom_id=f"rv:like:{review_id}:l")
    assert answer.response.content == "You no longer like this review (0 likes)."


async def test_spoilers_collapse_until_read_and_reveal_for_the_viewer(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(
        club.db, club.guild.id, book.book_id, 1, bodies=["He lands in Hakodate."], spoiler=True
    )
    await seed_reviews(
        club.db,
        club.guild.id,
        book.book_id,
        1,
        first_user=20_000,
        bodies=["Open text, ||the ending|| hidden."],
    )
    result = await listed(club, book, actor=club.bob)
    text = shown(result)
    assert "Hakodate" not in text
    assert "🔒 Spoiler review, hidden until you mark the book read." in text
    assert "Open text, ||the ending|| hidden." in text  # inline spoilers kept as written
    revealed = await club.bob.click(result.response, label="Reveal spoiler")
    assert revealed.ephemeral
    assert "||He lands in Hakodate.||" in text_of(revealed.response.components)
    await club.db.execute(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at) VALUES (?, ?, ?, 'read', 'x')",
        (club.guild.id, club.bob.id, book.book_id),
    )
    again = await listed(club, book, actor=club.bob)
    assert "||He lands in Hakodate.||" in shown(again)
    assert "🔒" not in shown(again)


async def test_long_reviews_trim_without_opening_spoilers_and_read_whole(club: Club) -> None:
    book = await seed_book(club.db)
    body = (
        "Slow start. " * 30 + "||" + "The defector escapes in a MiG-25. " * 10 + "||" + " Fine book. " * 250
    )
    (review_id,) = await seed_reviews(club.db, club.guild.id, book.book_id, 1, bodies=[body])
    result = await listed(club, book)
    text = shown(result)
    review_part = text.split("★", 1)[1]
    assert review_part.count("||") % 2 == 0
    assert "…" in review_part
    whole = await club.bob.click(result.response, custom_id=f"rv:read:{review_id}")
    assert whole.ephemeral
    pieces = [text_of(whole.response.components)] + [text_of(f.components) for f in whole.followups]
    joined = "".join(pieces)
    assert all(piece.count("||") % 2 == 0 for piece in pieces)
    assert joined.count("Fine book.") == 250


async def test_reviews_of_a_book_nobody_reviewed(club: Club) -> None:
    book = await seed_book(club.db)
    result = await listed(club, book)
    assert header_of(shown(result)) == "No reviews yet."


async def test_an_outsider_jumping_gets_a_copy_and_the_list_stays(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 83)
    result = await listed(club, book)
    (jump,) = custom_ids(result.response.components, "rv:jump:")
    modal = await club.bob.click(result.response, custom_id=jump)
    copy = await club.bob.submit_modal(modal, {"page": "17"})
    assert copy.ephemeral
    assert copy.response is not None
    assert header_of(text_of(copy.response.components)) == "Displaying 81 - 83 of 83 reviews"
    assert header_of(shown(result)) == "Displaying 1 - 5 of 83 reviews"


async def test_a_page_of_the_longest_reviews_fits_discord_limits(club: Club) -> None:
    book = await seed_book(club.db)
    longest = ("word " * 790 + "||hidden end||")[:4000]
    await seed_reviews(club.db, club.guild.id, book.book_id, 3, bodies=[longest])
    await seed_reviews(
        club.db, club.guild.id, book.book_id, 3, first_user=20_000, bodies=[longest], spoiler=True
    )
    result = await listed(club, book)  # simcord enforces the 4,000-character and component limits
    text = shown(result)
    assert header_of(text) == "Displaying 1 - 5 of 6 reviews"
    assert len(custom_ids(result.response.components, "rv:read:")) == 5
