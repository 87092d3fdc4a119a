"""/suggest and /pick with a native Discord poll, end to end through the real client on simcord."""

from __future__ import annotations

from typing import cast

import pytest

from bot.services import picks as service
from cogs.picks import Picks
from tests.cogs.pick_support import (
    advance,
    books,
    bot_messages,
    held_factory,
    in_sync,
    member,
    message_text,
    told,
)
from tests.components import custom_ids
from tests.conftest import BotFactory, Club


@pytest.fixture
def bot_factory() -> BotFactory:
    return held_factory


def cog(club: Club) -> Picks:
    # load_extension imports the module afresh, so the loaded class is not this module's class.
    found = club.bot.get_cog("Picks")
    assert type(found).__qualname__ == Picks.__qualname__
    return cast(Picks, found)


async def suggest_three(club: Club) -> list[int]:
    one, two, three = await books(club.db, 3)
    await club.alice.slash(club.channel, "suggest", book=f"book:{one.book_id}", pitch="Short and gripping")
    await club.bob.slash(club.channel, "suggest", book=f"book:{two.book_id}")
    await club.admin.slash(club.channel, "suggest", book=f"book:{three.book_id}")
    return [one.book_id, two.book_id, three.book_id]


async def test_a_poll_ends_in_discord_and_the_result_is_posted_once(club: Club) -> None:
    in_sync(club)
    await suggest_three(club)
    started = await club.admin.slash(club.channel, "pick start", mode="poll", hours=24)
    assert "The poll is open with 3 books until <t:" in told(started)
    poll_message = bot_messages(club)[-1]
    assert poll_message.poll is not None
    assert [a.text for a in poll_message.poll.answers] == [
        "Book 1 — Author 1",
        "Book 2 — Author 2",
        "Book 3 — Author 3",
    ]
    carol = await member(club, "carol")
    await club.alice.vote(poll_message, answer=2)
    await club.bob.vote(poll_message, answer=2)
    await carol.vote(poll_message, answer=1)
    await advance(club, 24 * 3600 + 1)  # Discord finalises the poll at its expiry
    result = bot_messages(club)[-1]
    text = message_text(result)
    assert "Winner: *Book 2* by Author 2" in text
    assert "with 2 of 3 votes" in text
    assert "Runner-up: *Book 1* by Author 1 (1 vote)" in text
    assert custom_ids([c.to_dict() for c in result.components], "pick:read:")  # type: ignore[attr-defined]
    # The close job, a late trigger and a restart's catch-up find it closed: nothing more is posted.
    vote = (await service.open_votes(club.db)) or None
    assert vote is None
    await cog(club).on_close_job(1)
    await club.restart()
    await club.env.settle()
    assert len([m for m in bot_messages(club) if "Winner:" in message_text(m)]) == 1
    status = await club.alice.slash(club.channel, "pick status")
    assert "Winner: *Book 2* by Author 2" in told(status)


async def test_closing_a_poll_early_reads_discords_counts(club: Club) -> None:
    in_sync(club)
    await suggest_three(club)
    await club.admin.slash(club.channel, "pick start", hours=48)
    poll_message = bot_messages(club)[-1]
    await club.alice.vote(poll_message, answer=3)
    closed = await club.admin.slash(club.channel, "pick close")
    assert "The vote is closed; the result is posted in" in told(closed)
    assert "Winner: *Book 3* by Author 3" in message_text(bot_messages(club)[-1])
    again = await club.admin.slash(club.channel, "pick close")
    assert told(again) == service.NO_VOTE


async def test_a_tie_goes_to_the_earlier_suggestion_and_says_so(club: Club) -> None:
    in_sync(club)
    await suggest_three(club)
    await club.admin.slash(club.channel, "pick start")
    poll_message = bot_messages(club)[-1]
    await club.alice.vote(poll_message, answer=3)
    await club.bob.vote(poll_message, answer=1)
    await club.admin.slash(club.channel, "pick close")
    text = message_text(bot_messages(club)[-1])
    assert "Winner: *Book 1* by Author 1" in text
    assert (
        "*Book 1* by Author 1 and *Book 3* by Author 3 tied on 1 vote: the tie goes to the earlier suggestion."
        in text
    )


async def test_a_deleted_poll_loses_the_vote_and_says_so(club: Club) -> None:
    in_sync(club)
    await suggest_three(club)
    await club.admin.slash(club.channel, "pick start")
    poll_message = bot_messages(club)[-1]
    await club.admin.delete(poll_message)
    text = message_text(bot_messages(club)[-1])
    assert "The vote was lost" in text
    assert "The suggestions are open again" in text
    status = await club.alice.slash(club.channel, "pick status")
    assert "The last vote was lost" in told(status)
    again = await club.admin.slash(club.channel, "pick start", mode="ranked")  # nothing reopened by itself
    assert "The ranked vote is open with 3 books" in told(again)


async def test_a_poll_that_ended_while_the_bot_was_down_is_counted_at_start_up(club: Club) -> None:
    in_sync(club)
    await suggest_three(club)
    await club.admin.slash(club.channel, "pick start", hours=1)
    poll_message = bot_messages(club)[-1]
    await club.bob.vote(poll_message, answer=3)
    stored = club.env.backend.get_message(club.channel.id, poll_message.id)
    stored.poll.finalized = True  # Discord ended it while no bot was connected to hear the update
    await club.restart()
    await club.env.settle()
    results = [m for m in bot_messages(club) if "Winner:" in message_text(m)]
    assert len(results) == 1
    assert "Winner: *Book 3* by Author 3" in message_text(results[0])
