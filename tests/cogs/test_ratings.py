"""/rate, /unrate and the book page's star buttons through the real client on simcord."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import simcord

from bot.db import Database
from bot.services.book_page import load_book_page
from bot.services.ratings import rate_book
from bot.ui.ratings import StarButton
from tests.components import text_of
from tests.conftest import Club
from tests.helpers import seed_book


async def post_page(club: Club, book_id: int) -> discord.Message:
    """Post the book page with /book show, as a member would."""
    result = await club.admin.slash(club.channel, "book show", book=f"book:{book_id}")
    assert result.response is not None
    assert not result.response.ephemeral
    return result.response.message


def page_text(club: Club) -> str:
    message = club.channel.last_message
    assert message is not None
    return text_of([component.to_dict() for component in message.components])  # type: ignore[attr-defined]


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every club table, to assert that a refused input changed nothing."""
    tables = ("ratings", "book_stats", "member_stats", "shelves", "follows", "goals")
    return {
        table: [tuple(row) for row in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2, 3")]
        for table in tables
    }


async def stats_row(db: Database, guild_id: int, book_id: int) -> tuple[int, ...]:
    row = await db.fetchone(
        "SELECT ratings_count, ratings_sum_x2, stars_1, stars_2, stars_3, stars_4, stars_5 "
        "FROM book_stats WHERE guild_id = ? AND book_id = ?",
        (guild_id, book_id),
    )
    return tuple(row) if row else ()


def reply(result: simcord.InteractionResult) -> str:
    """The ephemeral text the presser/invoker was told (response or first follow-up)."""
    assert result.ephemeral or result.followups
    if result.response is not None and result.response.content and result.response.ephemeral:
        return result.response.content
    followups = [message for message in result.followups if message.ephemeral]
    assert followups, result
    return followups[-1].content


# -- by command ------------------------------------------------------------------------------


async def test_rate_by_command_with_a_half_star(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    result = await club.alice.slash(club.channel, "rate", book=f"book:{book_id}", stars=4.5)
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == "You rated *MIG Pilot* ★★★★½ (4.5)."
    assert await club.db.fetchval("SELECT stars_x2 FROM ratings WHERE user_id = ?", (club.alice.id,)) == 9
    # 4½ counts in the 4-star row; the sum keeps the half.
    assert await stats_row(club.db, club.guild.id, book_id) == (1, 9, 0, 0, 0, 1, 0)
    member = await club.db.fetchone(
        "SELECT ratings_count, ratings_sum_x2 FROM member_stats WHERE user_id = ?", (club.alice.id,)
    )
    assert member is not None
    assert tuple(member) == (1, 9)


async def test_second_rate_replaces_and_unrate_removes(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    await club.alice.slash(club.channel, "rate", book="MIG Pilot", stars=4)
    result = await club.alice.slash(club.channel, "rate", book="9780380538683", stars=2)
    assert result.response is not None
    assert result.response.content == "You rated *MIG Pilot* ★★ (2) (was 4)."
    assert await club.db.fetchval("SELECT count(*) FROM ratings") == 1
    assert await stats_row(club.db, club.guild.id, book_id) == (1, 4, 0, 1, 0, 0, 0)

    result = await club.alice.slash(club.channel, "unrate", book=f"book:{book_id}")
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == "Removed your ★★ rating of *MIG Pilot*."
    assert await club.db.fetchval("SELECT count(*) FROM ratings") == 0
    assert await stats_row(club.db, club.guild.id, book_id) == (0, 0, 0, 0, 0, 0, 0)


async def test_ratings_belong_to_one_server(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    await club.alice.slash(club.channel, "rate", book=f"book:{book_id}", stars=5)
    other = club.env.create_guild("Elsewhere")
    page = await load_book_page(club.db, other.id, book_id)
    assert page is not None
    assert page.stats.ratings_count == 0


async def test_unrate_without_a_rating_is_refused(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    await club.bob.slash(club.channel, "rate", book=f"book:{book_id}", stars=3)
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "unrate", book=f"book:{book_id}")
    assert reply(result) == "You haven't rated *MIG Pilot*, so there is nothing to remove."
    assert await snapshot(club.db) == before


@pytest.mark.parametrize("stars", [4.3, 1.25, 2.75])
async def test_stars_off_the_half_steps_are_refused(club: Club, stars: float) -> None:
    book_id = (await seed_book(club.db)).book_id
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "rate", book=f"book:{book_id}", stars=stars)
    assert (
        reply(result) == f"{stars:g} is not a rating: give 1 to 5 stars in half steps (1, 1.5, 2 … 4.5, 5)."
    )
    assert await snapshot(club.db) == before


@pytest.mark.parametrize("stars", [0, 0.5, 5.5, 6, -1])
async def test_stars_outside_one_to_five_never_reach_the_bot(club: Club, stars: float) -> None:
    # The option declares min 1 and max 5, so Discord's client refuses these before sending;
    # simcord enforces the same limits. (The service refuses them too: see the service tests.)
    book_id = (await seed_book(club.db)).book_id
    before = await snapshot(club.db)
    with pytest.raises(simcord.OptionError):
        await club.alice.slash(club.channel, "rate", book=f"book:{book_id}", stars=stars)
    assert await snapshot(club.db) == before


async def test_rating_an_unknown_book_is_refused(club: Club) -> None:
    await seed_book(club.db)
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "rate", book="Zzyzx Quuxbook", stars=4)
    assert "No book matches “Zzyzx Quuxbook”" in reply(result)
    result = await club.alice.slash(club.channel, "rate", book="book:999", stars=4)
    assert reply(result) == "That book is no longer in the catalogue; look it up again with /book search."
    result = await club.alice.slash(club.channel, "unrate", book="book:999")
    assert reply(result) == "That book is no longer in the catalogue; look it up again with /book search."
    assert await snapshot(club.db) == before


# -- by button -------------------------------------------------------------------------------


async def test_star_button_rates_and_refreshes_the_page(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    page = await post_page(club, book_id)
    assert "No ratings yet" in page_text(club)

    result = await club.alice.click(page, custom_id=f"rate:{book_id}:8")
    assert reply(result) == "You rated *MIG Pilot* ★★★★ (4)."
    text = page_text(club)
    assert "**4.00** · 1 rating · 0 reviews" in text
    assert "4 stars 1 (100%)" in text
    assert "5 stars 0 (0%)" in text
    assert club.channel.last_message is not None
    assert club.channel.last_message.id == page.id  # edited in place, not reposted

    await club.bob.click(page, custom_id=f"rate:{book_id}:2")
    text = page_text(club)
    assert "**2.50** · 2 ratings · 0 reviews" in text
    assert "1 star 1 (50%)" in text
    # Clicking again replaces the rating rather than adding one.
    await club.bob.click(page, custom_id=f"rate:{book_id}:10")
    assert "**4.50** · 2 ratings" in page_text(club)
    assert await stats_row(club.db, club.guild.id, book_id) == (2, 18, 0, 0, 0, 1, 1)


async def test_star_button_works_after_a_restart(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    page = await post_page(club, book_id)
    await club.alice.click(page, custom_id=f"rate:{book_id}:6")
    await club.restart()
    result = await club.bob.click(page, custom_id=f"rate:{book_id}:10")
    assert reply(result) == "You rated *MIG Pilot* ★★★★★ (5)."
    assert "**4.00** · 2 ratings" in page_text(club)
    assert await stats_row(club.db, club.guild.id, book_id) == (2, 16, 0, 0, 1, 0, 1)


async def test_star_button_on_a_removed_book_says_so(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    page = await post_page(club, book_id)
    await club.db.execute("DELETE FROM books WHERE book_id = ?", (book_id,))
    before = await snapshot(club.db)
    result = await club.alice.click(page, custom_id=f"rate:{book_id}:8")
    assert reply(result) == "That book is no longer in the catalogue; look it up again with /book search."
    result = await club.alice.select(page, ["read"], custom_id=f"shelve:{book_id}")
    assert reply(result) == "That book is no longer in the catalogue; look it up again with /book search."
    assert await snapshot(club.db) == before


async def dm_alice(club: Club, *items: discord.ui.Item[Any]) -> discord.Message:
    """A bot message in alice's DMs carrying `items` (controls are only ever posted in a server)."""
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.ActionRow(*items))
    user = await club.bot.fetch_user(club.alice.id)
    message = await user.send(view=view)
    await club.env.settle()
    return message


async def test_a_star_button_outside_a_server_is_refused(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    message = await dm_alice(club, StarButton(book_id, 8))
    before = await snapshot(club.db)
    result = await club.alice.user.click(message, custom_id=f"rate:{book_id}:8")
    assert reply(result) == "This only works inside a server."
    assert await snapshot(club.db) == before


async def test_seed_histogram_on_the_rendered_page(club: Club) -> None:
    # MIG Pilot on Goodreads: 290 / 240 / 106 / 14 / 0 — the last five-star rating is a click.
    book_id = (await seed_book(club.db)).book_id
    counts = {10: 289, 8: 240, 6: 106, 4: 14}
    now = club.clock()
    user_id = 10_000
    for stars_x2, count in counts.items():
        for _ in range(count):
            user_id += 1
            await rate_book(club.db, club.guild.id, user_id, book_id, stars_x2, now)
    page = await post_page(club, book_id)
    await club.alice.click(page, custom_id=f"rate:{book_id}:10")
    text = page_text(club)
    for line in (
        "5 stars 290 (44%)",
        "4 stars 240 (36%)",
        "3 stars 106 (16%)",
        "2 stars 14 (2%)",
        "1 star 0 (0%)",
        "**4.24** · 650 ratings",
    ):
        assert line in text


async def test_shelf_select_on_the_page_counts_readers(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    page = await post_page(club, book_id)
    result = await club.alice.select(page, ["currently-reading"], custom_id=f"shelve:{book_id}")
    assert reply(result) == "Put *MIG Pilot* on your Currently reading shelf."
    assert "1 person is currently reading" in page_text(club)
    await club.bob.select(page, ["currently-reading"], custom_id=f"shelve:{book_id}")
    assert "2 people are currently reading" in page_text(club)
    await club.restart()
    result = await club.bob.select(page, ["want-to-read"], custom_id=f"shelve:{book_id}")
    assert reply(result) == "Put *MIG Pilot* on your Want to read shelf (moved from Currently reading)."
    text = page_text(club)
    assert "1 person is currently reading" in text
    assert "1 person wants to read" in text
    result = await club.bob.select(page, ["remove"], custom_id=f"shelve:{book_id}")
    assert reply(result) == "Removed *MIG Pilot* from your Want to read shelf."
    assert "0 people want to read" in page_text(club)
