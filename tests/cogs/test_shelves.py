"""/shelf add|remove|show and /progress through the real client on simcord."""

from __future__ import annotations

import discord
import pytest

from bot.models.books import BookData
from bot.services.paging import compact_stamp
from bot.ui.shelves import FinishButton, ShelfPageButton, ShelfSelect
from tests.cogs.test_ratings import dm_alice, reply, snapshot, stats_row
from tests.components import custom_ids, text_of
from tests.conftest import Club
from tests.helpers import seed_book


async def shelf_counts(club: Club, book_id: int) -> tuple[int, int, int, int]:
    row = await club.db.fetchone(
        "SELECT want_to_read, currently_reading, read_count, did_not_finish FROM book_stats "
        "WHERE guild_id = ? AND book_id = ?",
        (club.guild.id, book_id),
    )
    assert row is not None
    return (row[0], row[1], row[2], row[3])


async def test_shelf_add_moves_between_exclusive_shelves(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    result = await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="want-to-read")
    assert result.ephemeral
    assert reply(result) == "Put *MIG Pilot* on your Want to read shelf."
    assert await shelf_counts(club, book_id) == (1, 0, 0, 0)

    result = await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="read")
    assert reply(result) == "Put *MIG Pilot* on your Read shelf (moved from Want to read)."
    assert await shelf_counts(club, book_id) == (0, 0, 1, 0)
    assert await club.db.fetchval("SELECT count(*) FROM shelves") == 1

    # Reading it again and finishing again counts a re-read.
    await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="currently-reading")
    result = await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="read")
    assert (
        reply(result) == "Put *MIG Pilot* on your Read shelf (moved from Currently reading) — read 2 times."
    )
    row = await club.db.fetchone("SELECT shelf, times_read, started_at, finished_at FROM shelves")
    assert row is not None
    assert row["shelf"] == "read"
    assert row["times_read"] == 2
    assert row["started_at"] == row["finished_at"] == "2026-11-25T12:00:00.000Z"
    assert await shelf_counts(club, book_id) == (0, 0, 1, 0)

    result = await club.alice.slash(club.channel, "shelf remove", book=f"book:{book_id}")
    assert reply(result) == "Removed *MIG Pilot* from your Read shelf."
    assert await shelf_counts(club, book_id) == (0, 0, 0, 0)
    assert await club.db.fetchval("SELECT count(*) FROM shelves") == 0


async def test_shelf_refusals_change_nothing(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="did-not-finish")
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="did-not-finish")
    assert reply(result) == "That book is already on your Did not finish shelf."
    result = await club.bob.slash(club.channel, "shelf remove", book=f"book:{book_id}")
    assert reply(result) == "*MIG Pilot* is not on any of your shelves."
    result = await club.bob.slash(club.channel, "shelf add", book="book:404", shelf="read")
    assert reply(result) == "That book is no longer in the catalogue; look it up again with /book search."
    assert await snapshot(club.db) == before


async def shelve_volumes(club: Club, count: int = 12) -> None:
    """`count` books on alice's read shelf, Volume 00 oldest."""
    for number in range(count):
        book_id = (
            await seed_book(club.db, BookData(title=f"Volume {number:02d}", authors=("A. Writer",)))
        ).book_id
        club.clock.now = club.clock.now.replace(minute=number)
        await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="read")


async def anchor(club: Club, title: str) -> str:
    """The anchor a shelf pager carries for the book titled `title`: its compacted added_at and id."""
    row = await club.db.fetchone(
        "SELECT s.added_at, s.book_id FROM shelves AS s JOIN books AS b USING (book_id) WHERE b.title = ?",
        (title,),
    )
    assert row is not None
    return f"{compact_stamp(row['added_at'])}:{row['book_id']}"


def payload(message: discord.Message) -> list[object]:
    """A message's components as the channel holds them now (after any edits)."""
    return [c.to_dict() for c in message.components]  # type: ignore[attr-defined]


def live_text(message: discord.Message) -> str:
    return text_of(payload(message))


async def test_shelf_show_pages_survive_a_restart(club: Club) -> None:
    await shelve_volumes(club)

    result = await club.bob.slash(club.channel, "shelf show", member=club.alice, shelf="read")
    assert not result.ephemeral
    assert result.response is not None
    text = text_of(result.response.components)
    assert "### alice's shelves · Read" in text
    assert "12 books · page 1 of 2" in text
    assert "**Volume 11** by A. Writer" in text  # newest first
    assert "Volume 01" not in text
    message = result.response
    posted = len(club.channel.history())

    await club.restart()
    # bob ran /shelf show: his presses move it. Next seeks from the page's last book.
    next_id = f"shelfpage:{club.bob.id}:{club.alice.id}:read:1:n:{await anchor(club, 'Volume 02')}"
    assert custom_ids(message.components, "shelfpage:")[1] == next_id
    clicked = await club.bob.click(message, custom_id=next_id)
    assert not clicked.followups
    assert len(club.channel.history()) == posted  # moved in place, nothing new posted
    edited = club.channel.last_message
    assert edited is not None
    assert edited.id == message.id
    text = live_text(edited)
    assert "page 2 of 2" in text
    assert "**Volume 01**" in text
    assert "Volume 11" not in text
    assert "alice's shelves" in text  # the stored display name, after the restart


async def test_an_outsider_paging_a_shelf_gets_their_own_copy(club: Club) -> None:
    await shelve_volumes(club)
    result = await club.bob.slash(club.channel, "shelf show", member=club.alice, shelf="read")
    assert result.response is not None
    message = result.response
    bob, alice = club.bob.id, club.alice.id
    newest, oldest = await anchor(club, "Volume 11"), await anchor(club, "Volume 02")
    assert custom_ids(message.components, "shelfpage:") == [
        f"shelfpage:{bob}:{alice}:read:0:p:{newest}",
        f"shelfpage:{bob}:{alice}:read:1:n:{oldest}",
    ]

    copy = await club.alice.click(message, custom_id=f"shelfpage:{bob}:{alice}:read:1:n:{oldest}")
    assert copy.ephemeral
    assert copy.response is not None
    assert "12 books · page 2 of 2" in text_of(copy.response.components)
    assert "**Volume 01**" in text_of(copy.response.components)
    assert custom_ids(copy.response.components, "shelfpage:") == [  # the copy is alice's to move
        f"shelfpage:{alice}:{alice}:read:0:p:{await anchor(club, 'Volume 01')}",
        f"shelfpage:{alice}:{alice}:read:2:n:{await anchor(club, 'Volume 00')}",
    ]
    last = club.channel.last_message
    assert last is not None
    assert last.id == message.id
    assert "page 1 of 2" in live_text(last)  # bob's message did not move

    await club.restart()
    previous_id = f"shelfpage:{alice}:{alice}:read:0:p:{await anchor(club, 'Volume 01')}"
    await club.alice.click(copy.response, custom_id=previous_id)
    assert "page 1 of 2" in text_of(copy.response.components)  # her copy moves in place
    again = await club.admin.click(message, custom_id=f"shelfpage:{bob}:{alice}:read:1:n:{oldest}")
    assert again.ephemeral
    assert again.response is not None
    assert "page 2 of 2" in text_of(again.response.components)
    last = club.channel.last_message
    assert last is not None
    assert last.id == message.id
    assert "page 1 of 2" in live_text(last)  # still unmoved after the restart


async def test_a_shelf_list_posted_before_owners_were_carried_gives_everyone_a_copy(club: Club) -> None:
    await shelve_volumes(club)
    legacy = ShelfPageButton(None, club.alice.id, "read", 2, label="Next ▶", disabled=False)
    assert legacy.custom_id == f"shelfpage:{club.alice.id}:read:1"  # the id format before the fix
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.ActionRow(legacy))
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send(view=view)
    await club.env.settle()

    await club.restart()
    for member in (club.alice, club.bob):
        copy = await member.click(message, custom_id=legacy.custom_id)
        assert copy.ephemeral
        assert copy.response is not None
        assert "page 2 of 2" in text_of(copy.response.components)
        assert custom_ids(copy.response.components, "shelfpage:")[0] == (
            f"shelfpage:{member.id}:{club.alice.id}:read:0:p:{await anchor(club, 'Volume 01')}"
        )
    last = club.channel.last_message
    assert last is not None
    assert last.id == message.id
    assert custom_ids(payload(last)) == [legacy.custom_id]


async def test_shelf_show_defaults_to_yourself_and_all_shelves(club: Club) -> None:
    result = await club.alice.slash(club.channel, "shelf show")
    assert result.response is not None
    text = text_of(result.response.components)
    assert "### alice's shelves · All shelves\n0 books" in text
    assert "Nothing on this shelf yet." in text
    book_id = (await seed_book(club.db)).book_id
    await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", page=10)
    result = await club.alice.slash(club.channel, "shelf show")
    assert result.response is not None
    text = text_of(result.response.components)
    assert "1 book" in text
    assert "Currently reading · started <t:" in text
    assert "on page 10 of 222 (4%)" in text


async def test_a_page_count_found_later_shows_a_percent_not_none(club: Club) -> None:
    book_id = (await seed_book(club.db, BookData(title="Unpaged", authors=("Ann Author",)))).book_id
    result = await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", page=120)
    assert result.response is not None
    assert result.response.content == "**alice** is on page 120 in *Unpaged*."
    # Enrichment fills in the page count afterwards; the stored percent stays NULL.
    await club.db.execute("UPDATE books SET pages = 222 WHERE book_id = ?", (book_id,))
    shelf = await club.alice.slash(club.channel, "shelf show")
    assert shelf.response is not None
    shelf_text = text_of(shelf.response.components)
    assert "on page 120 of 222 (54%)" in shelf_text
    profile = await club.bob.slash(club.channel, "profile", member=club.alice)
    assert profile.response is not None
    profile_text = text_of(profile.response.components)
    assert "**Reading now**\n- *Unpaged* — on page 120 of 222 (54%)" in profile_text
    assert "None" not in shelf_text + profile_text


async def test_progress_by_page_moves_the_book_to_currently_reading(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="want-to-read")
    result = await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", page=120)
    assert not result.ephemeral
    assert result.response is not None
    assert result.response.content == "**alice** is on page 120 of 222 (54%) in *MIG Pilot*."
    assert result.response.components == []  # not finished: nothing to offer
    assert await shelf_counts(club, book_id) == (0, 1, 0, 0)
    row = await club.db.fetchone("SELECT shelf, page, percent FROM shelves")
    assert row is not None
    assert tuple(row) == ("currently-reading", 120, 54)

    result = await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", percent=60)
    assert result.response is not None
    assert result.response.content == "**alice** is at 60% in *MIG Pilot*."
    assert await shelf_counts(club, book_id) == (0, 1, 0, 0)  # still one reader


async def test_last_page_offers_to_mark_read_and_rate(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    result = await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", page=222)
    assert result.response is not None
    assert result.response.content.startswith("**alice** is on page 222 of 222 (100%) in *MIG Pilot*.")
    message = result.response

    # Only the reader may press them.
    before = await snapshot(club.db)
    refused = await club.bob.click(message, custom_id=f"finish:{club.alice.id}:{book_id}:8")
    assert reply(refused) == "These buttons belong to the member who posted this progress."
    assert await snapshot(club.db) == before

    await club.restart()
    await club.alice.click(message, custom_id=f"finish:{club.alice.id}:{book_id}:8")
    finished = club.channel.last_message
    assert finished is not None
    assert finished.content == "**alice** finished *MIG Pilot* and rated it ★★★★."
    assert finished.components == []
    assert await shelf_counts(club, book_id) == (0, 0, 1, 0)
    assert await stats_row(club.db, club.guild.id, book_id) == (1, 8, 0, 0, 0, 1, 0)


async def test_percent_100_offers_to_mark_read(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    result = await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", percent=100)
    assert result.response is not None
    await club.alice.click(result.response, custom_id=f"finish:{club.alice.id}:{book_id}:0")
    finished = club.channel.last_message
    assert finished is not None
    assert finished.content == "**alice** finished *MIG Pilot*."
    assert await club.db.fetchval("SELECT count(*) FROM ratings") == 0
    assert await club.db.fetchval("SELECT times_read FROM shelves") == 1


@pytest.mark.parametrize(
    ("options", "told"),
    [
        ({"page": 0}, "Page 0 doesn't exist: pages start at 1."),
        ({"page": -3}, "Page -3 doesn't exist: pages start at 1."),
        ({"page": 223}, "*MIG Pilot* has 222 pages; page 223 is beyond its end."),
        ({"percent": 101}, "101% is not a percentage: give 0 to 100."),
        ({"percent": -1}, "-1% is not a percentage: give 0 to 100."),
        ({"page": 10, "percent": 5}, "Give either `page` or `percent` (one of them, not both)."),
        ({}, "Give either `page` or `percent` (one of them, not both)."),
    ],
)
async def test_progress_refusals_change_nothing(club: Club, options: dict[str, int], told: str) -> None:
    book_id = (await seed_book(club.db)).book_id
    await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="want-to-read")
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", **options)
    assert reply(result) == told
    assert await snapshot(club.db) == before


async def test_progress_on_an_unknown_book_is_refused(club: Club) -> None:
    await seed_book(club.db)
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "progress", book="Nonexistent Tome Qwerty", page=3)
    assert "No book matches" in reply(result)
    assert await snapshot(club.db) == before


async def test_shelf_controls_outside_a_server_are_refused(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    await club.alice.slash(club.channel, "progress", book=f"book:{book_id}", page=222)
    alice = club.alice.id
    pager = ShelfPageButton(alice, alice, None, 2, label="Next ▶", disabled=False)
    finish = FinishButton(alice, book_id, 8)
    message = await dm_alice(club, pager, finish)
    select_message = await dm_alice(club, ShelfSelect(book_id))
    before = await snapshot(club.db)
    for custom_id in (f"shelfpage:{alice}:{alice}:all:1", f"finish:{alice}:{book_id}:8"):
        result = await club.alice.user.click(message, custom_id=custom_id)
        assert reply(result) == "This only works inside a server."
    result = await club.alice.user.select(select_message, ["read"], custom_id=f"shelve:{book_id}")
    assert reply(result) == "This only works inside a server."
    assert await snapshot(club.db) == before


def titles_in(components: object) -> list[str]:
    """The volumes a shelf list shows, in order."""
    text = text_of(components)
    return [line.split("**")[1] for line in text.splitlines() if line.startswith("**Volume")]


async def shelve_more(club: Club, numbers: range) -> None:
    """More volumes on alice's read shelf, each newer than all before."""
    for number in numbers:
        book_id = (
            await seed_book(club.db, BookData(title=f"Volume {number:02d}", authors=("A. Writer",)))
        ).book_id
        club.clock.now = club.clock.now.replace(minute=number)
        await club.alice.slash(club.channel, "shelf add", book=f"book:{book_id}", shelf="read")


async def test_next_goes_on_from_the_last_book_shown_when_books_were_added_above(club: Club) -> None:
    """Keyset: page 2 starts right after page 1's last book, however many were shelved since (an
    offset would repeat page 1's last books)."""
    await shelve_volumes(club, 25)
    result = await club.alice.slash(club.channel, "shelf show", shelf="read")
    assert result.response is not None
    message = result.response
    assert titles_in(message.components) == [f"Volume {n:02d}" for n in range(24, 14, -1)]
    await shelve_more(club, range(25, 28))  # three newer books: page 1 is now 27 … 18

    await club.restart()
    next_id = custom_ids(message.components, "shelfpage:")[1]
    await club.alice.click(message, custom_id=next_id)
    shown = club.channel.last_message
    assert shown is not None
    assert titles_in(payload(shown)) == [f"Volume {n:02d}" for n in range(14, 4, -1)]
    assert "28 books · page 2 of 3" in live_text(shown)

    # Previous from there seeks back from its first book: the ten newer than Volume 14.
    previous_id = custom_ids(payload(shown), "shelfpage:")[0]
    assert ":p:" in previous_id
    await club.alice.click(shown, custom_id=previous_id)
    back = club.channel.last_message
    assert back is not None
    assert "page 1 of 3" in live_text(back)
    # Page 1 is read from the top (by number): the newest books, those added since included.
    assert titles_in(payload(back)) == [f"Volume {n:02d}" for n in range(27, 17, -1)]


def current(club: Club) -> discord.Message:
    """The channel's last message as it is now (the shelf list, after its edits)."""
    message = club.channel.last_message
    assert message is not None
    return message


async def press(club: Club, which: int) -> discord.Message:
    """The owner presses Previous (0) or Next (1) under the list; it moves in place."""
    message = current(club)
    await club.alice.click(message, custom_id=custom_ids(payload(message), "shelfpage:")[which])
    moved = current(club)
    assert moved.id == message.id
    return moved


async def test_previous_seeks_back_to_the_page_before(club: Club) -> None:
    await shelve_volumes(club, 35)
    await club.alice.slash(club.channel, "shelf show", shelf="read")
    for _ in range(3):  # to page 4
        message = await press(club, 1)
    assert "page 4 of 4" in live_text(message)
    assert titles_in(payload(message)) == [f"Volume {n:02d}" for n in range(4, -1, -1)]
    message = await press(club, 0)
    assert "page 3 of 4" in live_text(message)
    assert titles_in(payload(message)) == [f"Volume {n:02d}" for n in range(14, 4, -1)]


async def test_a_page_whose_anchor_left_the_shelf_still_seeks_from_its_place(club: Club) -> None:
    """The anchor's key travels in the id: the book itself need not be there any more."""
    await shelve_volumes(club, 25)
    await club.alice.slash(club.channel, "shelf show", shelf="read")
    listed = current(club)
    last = await club.db.fetchval("SELECT book_id FROM books WHERE title = 'Volume 15'")
    await club.alice.slash(club.channel, "shelf remove", book=f"book:{last}")
    await club.alice.click(listed, custom_id=custom_ids(payload(listed), "shelfpage:")[1])
    message = current(club)
    assert message.id == listed.id
    assert "24 books · page 2 of 3" in live_text(message)
    assert titles_in(payload(message)) == [f"Volume {n:02d}" for n in range(14, 4, -1)]


async def remove_volumes(club: Club, numbers: range) -> None:
    for number in numbers:
        book_id = await club.db.fetchval(
            "SELECT book_id FROM books WHERE title = ?", (f"Volume {number:02d}",)
        )
        await club.alice.slash(club.channel, "shelf remove", book=f"book:{book_id}")


async def test_a_short_last_page_keeps_its_seek(club: Club) -> None:
    """Books removed below the anchor leave the seek short of a page, but it is the last page now:
    the seek stands (read by number, the page would start at a book page 1 showed)."""
    await shelve_volumes(club, 40)
    await club.alice.slash(club.channel, "shelf show", shelf="read")
    listed = current(club)  # page 1: 39 … 30; Next seeks after Volume 30
    await shelve_more(club, range(40, 45))  # five newer: 45 books
    await remove_volumes(club, range(3, 29))  # 26 older ones go: after Volume 30 only 29, 02, 01, 00
    await club.alice.click(listed, custom_id=custom_ids(payload(listed), "shelfpage:")[1])
    message = current(club)
    assert "19 books · page 2 of 2" in live_text(message)  # the last page: the seek stands
    assert titles_in(payload(message)) == ["Volume 29", "Volume 02", "Volume 01", "Volume 00"]


async def test_a_short_keyset_page_that_is_not_the_last_is_read_by_its_number(club: Club) -> None:
    await shelve_volumes(club, 40)
    await club.alice.slash(club.channel, "shelf show", shelf="read")
    listed = current(club)  # page 1: 39 … 30; Next seeks after Volume 30
    await shelve_more(club, range(40, 60))  # twenty newer
    await remove_volumes(club, range(28))  # after Volume 30 only 29 and 28 are left: 32 books
    await club.alice.click(listed, custom_id=custom_ids(payload(listed), "shelfpage:")[1])
    message = current(club)
    assert "32 books · page 2 of 4" in live_text(message)
    assert titles_in(payload(message)) == [f"Volume {n:02d}" for n in range(49, 39, -1)]


async def test_shelf_buttons_posted_before_the_anchor_still_page_by_number(club: Club) -> None:
    """An id from before keyset paging (owner, member, shelf, page; no anchor) reads its page by
    number, and the page it draws carries anchors."""
    await shelve_volumes(club, 25)
    bob, alice = club.bob.id, club.alice.id
    legacy = ShelfPageButton(bob, alice, "read", 2, label="Next ▶", disabled=False)
    assert legacy.custom_id == f"shelfpage:{bob}:{alice}:read:1"  # the id format before keyset paging
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.ActionRow(legacy))
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    posted = await channel.send(view=view)
    await club.env.settle()

    await club.restart()
    await club.bob.click(posted, custom_id=legacy.custom_id)
    message = current(club)
    assert message.id == posted.id
    assert "25 books · page 2 of 3" in live_text(message)
    assert titles_in(payload(message)) == [f"Volume {n:02d}" for n in range(14, 4, -1)]
    assert custom_ids(payload(message), "shelfpage:") == [
        f"shelfpage:{bob}:{alice}:read:0:p:{await anchor(club, 'Volume 14')}",
        f"shelfpage:{bob}:{alice}:read:2:n:{await anchor(club, 'Volume 05')}",
    ]
