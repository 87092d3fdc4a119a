"""/review write|edit|delete|remove|channel, cards, threads and likes through the real client on simcord."""

from __future__ import annotations

import discord

from bot.db.reviews import get_history, set_reviews_channel
from bot.ui.reviews import review_actions
from tests.cogs.test_reviews_support import seed_book, seed_reviews
from tests.components import custom_ids, text_of
from tests.conftest import Club


async def write(
    club: Club, actor: object, book_id: int, body: str, stars: str = "9", **options: object
) -> object:
    result = await actor.slash(club.channel, "review write", book=f"book:{book_id}", **options)  # type: ignore[attr-defined]
    assert result.modal is not None, result
    return await actor.submit_modal(result, {"stars": [stars], "body": body})  # type: ignore[attr-defined]


def reply_of(result: object) -> str:
    response = result.response  # type: ignore[attr-defined]
    assert response is not None
    assert response.ephemeral
    return str(response.content)


def card_message(club: Club) -> discord.Message:
    return next(m for m in club.channel.history() if m.components)


async def count(club: Club, query: str) -> int:
    return int(await club.db.fetchval(query))


async def test_write_posts_a_card_with_a_thread_and_sets_the_rating(club: Club) -> None:
    book = await seed_book(club.db)
    done = await write(club, club.alice, book.book_id, "A tense, true story of a defection.")
    assert "Your review of **MIG Pilot** by John Barron is saved." in reply_of(done)
    assert f"Its card is posted in <#{club.channel.id}>." in reply_of(done)
    row = await club.db.fetchone("SELECT * FROM reviews")
    assert row is not None
    assert row["stars_x2"] == 9
    assert row["message_id"] is not None
    card = card_message(club)
    assert card.id == row["message_id"]
    text = text_of([c.to_dict() for c in card.components])  # type: ignore[attr-defined]
    assert "alice reviewed **MIG Pilot** by John Barron" in text
    assert "1 review · 0 followers" in text
    assert "★★★★½ · <t:" in text
    assert ":D>" in text
    assert "A tense, true story of a defection." in text
    (thread,) = club.channel.threads
    assert thread.id == row["thread_id"]
    assert thread.name == "MIG Pilot — alice"
    assert await count(club, "SELECT stars_4 FROM book_stats") == 1
    assert await count(club, "SELECT reviews_count FROM book_stats") == 1
    assert await count(club, "SELECT reviews_count FROM member_stats") == 1


async def test_modal_is_prefilled_with_the_rating_and_limits_the_text(club: Club) -> None:
    book = await seed_book(club.db)
    await club.db.execute(
        "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, ?, ?, 7, 'x')",
        (club.guild.id, book.book_id, club.alice.id),
    )
    result = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
    assert result.modal is not None
    stars, body = (label["component"] for label in result.modal["components"])
    assert [o["value"] for o in stars["options"] if o.get("default")] == ["7"]
    assert body["max_length"] == 4000


async def test_writing_again_edits_keeps_history_and_updates_the_card_in_place(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "First thoughts.")
    card_id = card_message(club).id
    club.clock.now = club.clock.now.replace(month=12)
    shown = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
    assert shown.modal is not None
    assert shown.modal["title"].startswith("Edit your review")
    assert shown.modal["components"][1]["component"]["value"] == "First thoughts."
    done = await club.alice.submit_modal(shown, {"stars": ["6"], "body": "28 FEB UPDATE: second thoughts."})
    assert "is updated. Its card in" in reply_of(done)
    row = await club.db.fetchone("SELECT review_id, body, updated_at, message_id FROM reviews")
    assert row is not None
    assert row["message_id"] == card_id
    assert row["updated_at"].startswith("2026-12-25")
    assert [h.body for h in await get_history(club.db, row["review_id"])] == ["First thoughts."]
    text = text_of([c.to_dict() for c in card_message(club).components])  # type: ignore[attr-defined]
    assert "second thoughts." in text
    assert "Updated <t:" in text
    assert "★★★ ·" in text
    assert len([m for m in club.channel.history() if m.components]) == 1  # edited, not reposted


async def test_edit_command_prefills_and_errors_without_a_review(club: Club) -> None:
    book = await seed_book(club.db)
    missing = await club.alice.slash(club.channel, "review edit", book=f"book:{book.book_id}")
    assert missing.modal is None
    assert "You have not reviewed this book" in reply_of(missing)
    await write(club, club.alice, book.book_id, "Original.")
    shown = await club.alice.slash(club.channel, "review edit", book=f"book:{book.book_id}")
    assert shown.modal is not None
    await club.alice.submit_modal(shown, {"stars": ["9"], "body": "Revised."})
    assert await club.db.fetchval("SELECT body FROM reviews") == "Revised."
    assert await count(club, "SELECT count(*) FROM review_history") == 1


async def test_delete_asks_first_then_removes_review_and_card(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Soon gone.")
    asked = await club.alice.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    assert asked.response is not None
    assert asked.ephemeral
    assert "This can't be undone" in asked.response.content
    cancelled = await club.alice.click(asked.response, label="Cancel")
    assert cancelled.response is not None
    assert cancelled.response.content == "Nothing was deleted."
    assert await count(club, "SELECT count(*) FROM reviews") == 1
    asked = await club.alice.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    assert asked.response is not None
    done = await club.alice.click(asked.response, label="Delete")
    assert done.response is not None
    assert "is deleted" in done.response.content
    assert await count(club, "SELECT count(*) FROM reviews") == 0
    assert await count(club, "SELECT reviews_count FROM book_stats") == 0
    assert not [m for m in club.channel.history() if m.components]


async def test_delete_without_a_review_is_refused(club: Club) -> None:
    book = await seed_book(club.db)
    result = await club.alice.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    assert "You have not reviewed this book" in reply_of(result)


async def test_remove_needs_manage_messages(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Moderated.")
    denied = await club.bob.slash(
        club.channel, "review remove", book=f"book:{book.book_id}", member=club.alice
    )
    assert "You need the Manage Messages permission" in reply_of(denied)
    assert await count(club, "SELECT count(*) FROM reviews") == 1
    nothing = await club.admin.slash(
        club.channel, "review remove", book=f"book:{book.book_id}", member=club.bob
    )
    assert "That member has not reviewed this book." in reply_of(nothing)
    done = await club.admin.slash(
        club.channel, "review remove", book=f"book:{book.book_id}", member=club.alice, reason="spam"
    )
    assert "Removed alice's review of **MIG Pilot** by John Barron. Reason: spam" in reply_of(done)
    assert await count(club, "SELECT count(*) FROM reviews") == 0
    assert not [m for m in club.channel.history() if m.components]


async def test_likes_on_a_card_toggle_and_never_your_own(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "Like me.")
    card = card_message(club)
    (like_id,) = custom_ids([c.to_dict() for c in card.components], "rv:like:")  # type: ignore[attr-defined]
    own = await club.alice.click(card, custom_id=like_id)
    assert "You can't like your own review." in reply_of(own)
    await club.bob.click(card, custom_id=like_id)
    assert await count(club, "SELECT likes FROM reviews") == 1
    assert "♥ 1" in str([c.to_dict() for c in card_message(club).components])  # type: ignore[attr-defined]
    await club.bob.click(card, custom_id=like_id)
    assert await count(club, "SELECT likes FROM reviews") == 0
    assert await count(club, "SELECT count(*) FROM review_likes") == 0


async def test_bad_input_changes_nothing(club: Club) -> None:
    book = await seed_book(club.db)
    blank = await write(club, club.alice, book.book_id, "   \n  ")
    assert "Your review is empty" in reply_of(blank)
    unknown = await club.alice.slash(club.channel, "review write", book="9780441013593")
    assert unknown.modal is None
    assert "No book with ISBN 9780441013593 is known yet" in reply_of(unknown)
    gone = await club.alice.slash(club.channel, "review write", book="book:999")
    assert gone.modal is None
    assert "no longer in the catalogue" in reply_of(gone)
    assert await count(club, "SELECT count(*) FROM reviews") == 0
    assert await count(club, "SELECT count(*) FROM ratings") == 0
    assert not [m for m in club.channel.history() if m.components]


async def test_mentions_in_a_review_ping_nobody(club: Club) -> None:
    book = await seed_book(club.db)
    role = club.guild.create_role("Readers")
    await write(
        club, club.alice, book.book_id, f"@everyone @here {role.mention} {club.bob.mention} read this"
    )
    card = card_message(club)
    # Discord still lists who a text names (message.mentions); what matters is that nobody is pinged.
    assert not card.mention_everyone
    stored = club.env.backend.get_message(club.channel.id, card.id)
    assert not stored.ping_user_ids
    assert not stored.ping_role_ids
    posts = [r for r in club.env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert posts
    assert all(r.json["allowed_mentions"]["parse"] == [] for r in posts if r.json)


async def test_unwritable_or_deleted_channel_still_saves(club: Club) -> None:
    book = await seed_book(club.db)
    locked = club.guild.create_text_channel(
        "locked", overwrites={club.guild.default_role: discord.PermissionOverwrite(send_messages=False)}
    )
    await set_reviews_channel(club.db, club.guild.id, locked.id)
    done = await write(club, club.alice, book.book_id, "Saved anyway.")
    assert f"Its card could not be posted in <#{locked.id}>" in reply_of(done)
    assert await count(club, "SELECT count(*) FROM reviews WHERE message_id IS NULL") == 1
    await set_reviews_channel(club.db, club.guild.id, 123456789)  # a channel since deleted
    done = await write(club, club.bob, book.book_id, "Saved too.")
    assert "Its card could not be posted in <#123456789>" in reply_of(done)
    assert await count(club, "SELECT count(*) FROM reviews") == 2


async def test_reviews_channel_command(club: Club) -> None:
    book = await seed_book(club.db)
    cards = club.guild.create_text_channel("reviews")
    denied = await club.alice.slash(club.channel, "review channel", channel=cards)
    assert "You need the Manage Server permission to do that." in reply_of(denied)
    done = await club.admin.slash(club.channel, "review channel", channel=cards)
    assert f"Review cards will be posted in <#{cards.id}>." in reply_of(done)
    await write(club, club.alice, book.book_id, "Over there.")
    assert cards.last_message is not None
    assert len(cards.threads) == 1
    unset = await club.admin.slash(club.channel, "review channel")
    assert "channel where each review is written" in reply_of(unset)
    me = club.guild.me
    assert me is not None
    closed = club.guild.create_text_channel(
        "closed", overwrites={me: discord.PermissionOverwrite(send_messages=False)}
    )
    warned = await club.admin.slash(club.channel, "review channel", channel=closed)
    assert f"I can't post in <#{closed.id}>: I need the Send Messages permission there." in reply_of(warned)


async def test_book_page_buttons_open_the_list_and_the_modal(club: Club) -> None:
    book = await seed_book(club.db)
    await seed_reviews(club.db, club.guild.id, book.book_id, 7)
    view = discord.ui.LayoutView(timeout=None)
    for action_row in review_actions(book.book_id):
        view.add_item(action_row)
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    page = await channel.send(view=view)
    listed = await club.alice.click(page, label="Reviews")
    assert listed.ephemeral
    assert listed.response is not None
    assert "Displaying 1 - 5 of 7 reviews" in text_of(listed.response.components)
    modal = await club.bob.click(page, label="Write a review")
    assert modal.modal is not None
    await club.bob.submit_modal(modal, {"stars": ["10"], "body": "From the page."})
    assert (
        await club.db.fetchval("SELECT body FROM reviews WHERE user_id = ?", (club.bob.id,))
        == "From the page."
    )


async def test_spoiler_review_card_hides_the_text(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "He lands in ||Hakodate||.", spoiler=True)
    text = text_of([c.to_dict() for c in card_message(club).components])  # type: ignore[attr-defined]
    assert "||He lands in Hakodate.||" in text
    assert await club.db.fetchval("SELECT spoiler FROM reviews") == 1


async def test_no_thread_without_the_permission_and_delete_locks_the_thread(club: Club) -> None:
    book = await seed_book(club.db)
    quiet = club.guild.create_text_channel(
        "quiet",
        overwrites={club.guild.default_role: discord.PermissionOverwrite(create_public_threads=False)},
    )
    await set_reviews_channel(club.db, club.guild.id, quiet.id)
    done = await write(club, club.alice, book.book_id, "No thread here.")
    assert f"Its card is posted in <#{quiet.id}>." in reply_of(done)
    assert quiet.last_message is not None
    assert not quiet.threads
    await set_reviews_channel(club.db, club.guild.id, None)
    await write(club, club.bob, book.book_id, "Thread here.")
    assert len(club.channel.threads) == 1
    asked = await club.bob.slash(club.channel, "review delete", book=f"book:{book.book_id}")
    await club.bob.click(asked.response, label="Delete")
    (thread,) = club.channel.threads  # the discussion is kept, closed
    metadata = club.env.backend.get_channel(thread.id).thread_metadata
    assert metadata is not None
    assert metadata.locked
    assert metadata.archived


async def test_a_card_deleted_by_hand_is_posted_again_on_edit(club: Club) -> None:
    book = await seed_book(club.db)
    await write(club, club.alice, book.book_id, "First.")
    await club.admin.delete(card_message(club))
    done = await write(club, club.alice, book.book_id, "Second.")
    assert f"Its card is posted in <#{club.channel.id}>." in reply_of(done)
    assert await club.db.fetchval("SELECT message_id FROM reviews") == card_message(club).id


async def test_a_review_of_4000_characters_is_carded_with_read_all(club: Club) -> None:
    book = await seed_book(club.db)
    body = ("Belenko " * 500)[:4000]
    done = await write(club, club.alice, book.book_id, body)
    assert "Its card is posted" in reply_of(done)
    components = [c.to_dict() for c in card_message(club).components]  # type: ignore[attr-defined]
    (read_id,) = custom_ids(components, "rv:read:")
    whole = await club.bob.click(card_message(club), custom_id=read_id)
    pieces = [text_of(whole.response.components)] + [text_of(f.components) for f in whole.followups]
    assert len(pieces) == 2  # a whole review and its header do not fit one message's 4,000 characters
    assert "".join(pieces).count("Belenko") == 500
