"""Reviews across restarts, in threads, across servers and for members who left, on simcord."""

from __future__ import annotations

from typing import Any

import discord

from bot.db.reviews import get_review
from bot.services.reviews import ListState
from bot.ui.reviews.card import LikeButton, ReadButton, row_of
from bot.ui.reviews.deleting import confirm_delete_view
from bot.ui.reviews.listing import JumpModal
from tests.cogs.test_reviews_support import header_of, message_text, seed_book, seed_reviews
from tests.cogs.test_reviews_write import card_message, count, reply_of, write
from tests.components import custom_ids, text_of
from tests.conftest import Club


def live_modals(club: Club) -> dict[str, Any]:
    """discord.py's in-memory modal store (private: the only place a leaked modal would show)."""
    return club.bot._connection._view_store._modals  # type: ignore[no-any-return]


async def test_a_review_typed_across_a_restart_is_saved_and_carded(club: Club) -> None:
    book = await seed_book(club.db)
    shown = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}", spoiler=True)
    assert shown.modal is not None
    assert shown.modal["custom_id"] == f"rv:modal:write:{book.book_id}:1"
    assert not live_modals(club)  # a dismissed modal leaves nothing behind
    await club.restart()
    done = await club.alice.submit_modal(shown, {"stars": ["8"], "body": "Typed while the bot restarted."})
    assert "Your review of **MIG Pilot** by John Barron is saved." in reply_of(done)
    assert f"Its card is posted in <#{club.channel.id}>." in reply_of(done)
    row = await club.db.fetchone("SELECT stars_x2, body, spoiler, message_id FROM reviews")
    assert row is not None
    assert (row["stars_x2"], row["body"], row["spoiler"]) == (8, "Typed while the bot restarted.", 1)
    assert row["message_id"] == card_message(club).id
    assert "||Typed while the bot restarted.||" in message_text(card_message(club))
    assert not live_modals(club)


async def test_bad_input_in_a_modal_after_a_restart_changes_nothing(club: Club) -> None:
    book = await seed_book(club.db)
    shown = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
    await club.restart()
    blank = await club.alice.submit_modal(shown, {"stars": ["8"], "body": "   "})
    assert "Your review is empty" in reply_of(blank)
    assert await count(club, "SELECT count(*) FROM reviews") == 0
    assert await count(club, "SELECT count(*) FROM ratings") == 0
    assert not [m for m in club.channel.history() if m.components]


async def test_a_form_for_a_book_removed_meanwhile_is_refused(club: Club) -> None:
    book = await seed_book(club.db)
    shown = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
    await club.db.execute("DELETE FROM books WHERE book_id = ?", (book.book_id,))
    gone = await club.alice.submit_modal(shown, {"stars": ["8"], "body": "Too late."})
    assert "That book is no longer in the catalogue." in reply_of(gone)
    assert await count(club, "SELECT count(*) FROM reviews") == 0
    assert await count(club, "SELECT count(*) FROM ratings") == 0


async def test_a_jump_typed_across_a_restart_moves_the_list(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 83)
    result = await club.alice.slash(club.channel, "reviews", book=f"book:{book.book_id}")
    assert result.response is not None
    (jump,) = custom_ids(result.response.components, "rv:jump:")
    modal = await club.alice.click(result.response, custom_id=jump)
    assert modal.modal is not None
    assert modal.modal["custom_id"] == f"rv:modal:jump:{club.alice.id}:{book.book_id}:n:0:0:17"
    assert not live_modals(club)
    await club.restart()
    await club.alice.submit_modal(modal, {"page": "10"})
    assert header_of(text_of(result.response.components)) == "Displaying 46 - 50 of 83 reviews"
    refused = await club.alice.click(result.response, custom_id=jump)
    answer = await club.alice.submit_modal(refused, {"page": "18"})
    assert "type 1 to 17" in reply_of(answer)
    assert header_of(text_of(result.response.components)) == "Displaying 46 - 50 of 83 reviews"


def test_modal_custom_ids_fit_discord_with_the_largest_ids() -> None:
    biggest = 2**63 - 1
    modal = JumpModal(biggest, ListState(biggest, "liked", 5, biggest), 9_999_999)
    assert len(modal.custom_id) <= 100
    assert JumpModal.TEMPLATE.fullmatch(modal.custom_id)


async def test_delete_prompt_answered_after_a_restart(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Soon gone.")
    kept = await club.alice.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    asked = await club.alice.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    assert kept.response is not None
    assert asked.response is not None
    await club.restart()
    cancelled = await club.alice.click(kept.response, label="Cancel")
    assert cancelled.response is not None
    assert cancelled.response.content == "Nothing was deleted."
    assert await count(club, "SELECT count(*) FROM reviews") == 1
    done = await club.alice.click(asked.response, label="Delete")
    assert done.response is not None
    assert done.response.content == "Your review of **MIG Pilot** by John Barron is deleted."
    assert await count(club, "SELECT count(*) FROM reviews") == 0
    assert await count(club, "SELECT reviews_count FROM book_stats") == 0
    assert not [m for m in club.channel.history() if m.components]


async def test_someone_else_pressing_delete_is_turned_away(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Mine.")
    review = await get_review(club.db, club.guild.id, book.book_id, club.alice.id)
    assert review is not None
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    # The prompt is ephemeral in use; posted here so that another member can reach its buttons.
    prompt = await channel.send("Delete?", view=confirm_delete_view(club.alice.id, review))
    await club.restart()
    for label in ("Delete", "Cancel"):
        refused = await club.bob.click(prompt, label=label)
        assert refused.response is not None
        assert refused.ephemeral
        assert refused.response.content == "This menu is not yours."
    assert await count(club, "SELECT count(*) FROM reviews") == 1
    assert club.channel.last_message is not None
    assert club.channel.last_message.content == "Delete?"  # untouched


async def test_delete_of_a_review_already_removed(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Removed by a moderator first.")
    asked = await club.alice.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    await club.admin.slash(club.channel, "review remove", book=f"book:{book.book_id}", member=club.alice)
    late = await club.alice.click(asked.response, label="Delete")
    assert "That review was already deleted." in reply_of(late)


async def test_a_review_written_in_a_thread_is_carded_in_that_thread(club: Club) -> None:
    book = await seed_book(club.db)
    parent = club.bot.get_channel(club.channel.id)
    assert isinstance(parent, discord.TextChannel)
    made = await parent.create_thread(name="Book chat", type=discord.ChannelType.public_thread)
    (thread,) = club.channel.threads
    assert thread.id == made.id
    shown = await club.alice.slash(thread, "review write", book=f"book:{book.book_id}")
    done = await club.alice.submit_modal(shown, {"stars": ["9"], "body": "Written in a thread."})
    assert f"Its card is posted in <#{thread.id}>." in reply_of(done)
    card = thread.last_message
    assert card is not None
    assert "Written in a thread." in message_text(card)
    row = await club.db.fetchone("SELECT channel_id, message_id, thread_id FROM reviews")
    assert row is not None
    assert tuple(row) == (thread.id, card.id, None)  # the thread is its discussion: no thread of its own
    assert len(club.channel.threads) == 1
    assert not [m for m in club.channel.history() if m.components]

    again = await club.alice.slash(thread, "review write", book=f"book:{book.book_id}")
    edited = await club.alice.submit_modal(again, {"stars": ["9"], "body": "Edited in a thread."})
    assert f"Its card in <#{thread.id}> is updated." in reply_of(edited)
    assert "Edited in a thread." in message_text(thread.last_message)

    asked = await club.alice.slash(thread, "review delete", book=f"book:{book.book_id}")
    await club.alice.click(asked.response, label="Delete")
    assert not [m for m in thread.history() if m.components]


async def test_a_moderator_removes_the_review_of_someone_who_left(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Written before leaving.")
    club.guild.remove_member(club.alice)
    done = await club.admin.slash(  # Discord resolves a former member as a user only
        club.channel, "review remove", book=f"book:{book.book_id}", member=club.alice.user, reason="left"
    )
    assert "Removed alice's review of **MIG Pilot** by John Barron. Reason: left" in reply_of(done)
    assert await count(club, "SELECT count(*) FROM reviews") == 0
    assert not [m for m in club.channel.history() if m.components]


async def test_a_review_id_from_another_server_is_gone(club: Club) -> None:
    book = await seed_book(club.db)
    (review_id,) = await seed_reviews(club.db, club.guild.id, book.book_id, 1, spoiler=True)
    other = club.env.create_guild("Elsewhere")
    other_channel = other.create_text_channel("general")
    carol = other.add_member(club.env.create_user("carol"))
    channel = club.bot.get_channel(other_channel.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(
        row_of(
            LikeButton(review_id, 0, on_card=True),
            LikeButton(review_id, 0, on_card=False),
            ReadButton(review_id, label="Reveal spoiler"),
        )
    )
    forged = await channel.send(view=view)
    for custom_id in (f"rv:like:{review_id}:c", f"rv:like:{review_id}:l", f"rv:read:{review_id}"):
        answer = await carol.click(forged, custom_id=custom_id)
        assert "That review is gone" in reply_of(answer), custom_id
    assert await count(club, "SELECT likes FROM reviews") == 0
    assert await count(club, "SELECT count(*) FROM review_likes") == 0


async def test_a_thread_the_bot_may_not_write_in_still_saves(club: Club) -> None:
    book = await seed_book(club.db)
    closed = club.guild.create_text_channel(
        "closed",
        overwrites={club.guild.default_role: discord.PermissionOverwrite(send_messages_in_threads=False)},
    )
    parent = club.bot.get_channel(closed.id)
    assert isinstance(parent, discord.TextChannel)
    await parent.create_thread(name="Quiet chat", type=discord.ChannelType.public_thread)
    (thread,) = closed.threads
    shown = await club.alice.slash(thread, "review write", book=f"book:{book.book_id}")
    assert shown.modal is not None
    done = await club.alice.submit_modal(shown, {"stars": ["9"], "body": "Saved anyway."})
    assert f"Its card could not be posted in <#{thread.id}>" in reply_of(done)
    assert await count(club, "SELECT count(*) FROM reviews WHERE message_id IS NULL") == 1
    assert not [m for m in thread.history() if m.components]
