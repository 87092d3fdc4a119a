"""The book page as /book show posts it: every feature's controls, and they survive a refresh."""

from __future__ import annotations

from tests.components import custom_ids, text_of
from tests.conftest import Club
from tests.helpers import seed_book


async def test_the_page_carries_stars_shelf_and_reviews_controls_through_a_refresh(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    shown = await club.alice.slash(club.channel, "book show", book=f"book:{book_id}")
    assert shown.response is not None
    message = shown.response.message
    expected = [f"rate:{book_id}:{x2}" for x2 in (2, 4, 6, 8, 10)]
    expected += [f"shelve:{book_id}", f"rv:open:{book_id}", f"rv:write:{book_id}"]
    assert custom_ids(shown.response.components) == expected
    text = text_of(shown.response.components)
    assert "222 pages, Mass Market Paperback" in text
    assert "First published January 1, 1980" in text

    clicked = await club.bob.click(message, custom_id=f"rate:{book_id}:8")
    assert clicked.followups
    assert clicked.followups[0].ephemeral
    refreshed = club.channel.last_message
    assert refreshed is not None
    assert refreshed.id == message.id
    components = [c.to_dict() for c in refreshed.components]
    assert custom_ids(components) == expected  # the refresh kept every feature's row
    assert "4 stars 1 (100%)" in text_of(components)

    opened = await club.alice.click(refreshed, custom_id=f"rv:open:{book_id}")
    assert opened.acknowledged


async def test_display_names_are_stored_by_commands_not_by_keystrokes(club: Club) -> None:
    await seed_book(club.db)
    choices = await club.bob.autocomplete(club.channel, "book show", "book", "mig")
    assert [c["name"] for c in choices] == ["MIG Pilot by John Barron"]
    query = "SELECT display_name FROM members WHERE guild_id = ? AND user_id = ?"
    assert await club.db.fetchval(query, (club.guild.id, club.bob.id)) is None
    await club.bob.slash(club.channel, "help")
    assert await club.db.fetchval(query, (club.guild.id, club.bob.id)) == "bob"


async def test_a_member_whose_first_action_is_a_page_button_is_named_on_their_card(club: Club) -> None:
    book_id = (await seed_book(club.db)).book_id
    shown = await club.admin.slash(club.channel, "book show", book=f"book:{book_id}")
    assert shown.response is not None
    form = await club.bob.click(shown.response.message, custom_id=f"rv:write:{book_id}")
    assert form.modal is not None
    query = "SELECT display_name FROM members WHERE guild_id = ? AND user_id = ?"
    assert await club.db.fetchval(query, (club.guild.id, club.bob.id)) == "bob"
    await club.bob.submit_modal(form, {"stars": ["8"], "body": "A tense, true escape story."})
    message_id = await club.db.fetchval("SELECT message_id FROM reviews WHERE user_id = ?", (club.bob.id,))
    card = next(m for m in club.channel.history() if m.id == message_id)
    text = text_of([c.to_dict() for c in card.components])
    assert "bob reviewed **MIG Pilot** by John Barron" in text
    assert "A former member" not in text
