"""/pick with a ranked ballot counted by instant runoff, and every refusal of /suggest and /pick."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import pytest
import simcord

from bot.services import picks as service
from bot.services import sends
from cogs.picks import Picks, job_id
from tests.cogs.pick_support import (
    books,
    bot_messages,
    held_factory,
    member,
    message_text,
    snapshot,
    told,
)
from tests.components import custom_ids, text_of
from tests.conftest import BotFactory, Club


@pytest.fixture
def bot_factory() -> BotFactory:
    return held_factory


def cog(club: Club) -> Picks:
    found = club.bot.get_cog("Picks")
    assert type(found).__qualname__ == Picks.__qualname__
    return cast(Picks, found)


async def rank(club: Club, voter: simcord.MemberActor, choices: list[int]) -> simcord.InteractionResult:
    """Open the ballot from the Vote button and choose `choices` (suggestion ids) 1st, 2nd, …"""
    ballot = next(
        m
        for m in reversed(bot_messages(club))
        if custom_ids([c.to_dict() for c in m.components], "pick:vote:")
    )  # type: ignore[attr-defined]
    shown = await voter.click(ballot, label="Vote")
    assert shown.response is not None
    assert shown.response.ephemeral
    for position, choice in enumerate(choices, start=1):
        rank_id = next(
            i for i in custom_ids(shown.response.components, "pick:rank:") if i.endswith(f":{position}")
        )
        shown = await voter.select(shown.response, [str(choice)], custom_id=rank_id)
        assert shown.response is not None
    return shown


async def open_ranked(club: Club, count: int) -> list[int]:
    """`count` suggestions by as many members, then a ranked vote; the suggestion ids in order."""
    for n, book in enumerate(await books(club.db, count)):
        suggester = await member(club, f"suggester{n}")
        await suggester.slash(club.channel, "suggest", book=f"book:{book.book_id}")
    started = await club.admin.slash(club.channel, "pick start", mode="ranked", hours=24)
    assert "The ranked vote is open" in told(started)
    vote = await service.require_open_vote(club.db, club.guild.id)
    return [s.suggestion_id for s in vote.options]


async def test_the_plurality_leader_loses_after_redistribution(club: Club) -> None:
    a, b, c = await open_ranked(club, 3)
    voters = [await member(club, f"voter{n}") for n in range(12)]
    for voter in voters[:5]:
        await rank(club, voter, [a])
    for voter in voters[5:9]:
        await rank(club, voter, [b, c])
    for voter in voters[9:]:
        await rank(club, voter, [c, b])
    listed = await club.alice.slash(club.channel, "pick status")
    status = told(listed)
    assert "nobody sees any count before then" in status
    assert listed.response is not None
    assert custom_ids(listed.response.components, "pick:vote:")  # vote from the status too
    assert "Winner" not in status
    vote = await service.require_open_vote(club.db, club.guild.id)
    club.clock.now = vote.closes_at
    job = club.bot.scheduler.get_job(job_id(vote.vote_id))
    assert job is not None
    await job.func(*job.args)  # what the scheduler runs at the close
    text = message_text(bot_messages(club)[-1])
    assert "Winner: *Book 2* by Author 2" in text
    assert "after 2 rounds, 7 of 12 ballots" in text
    assert "Runner-up: *Book 1* by Author 1 (5 ballots)" in text
    assert "Round 1: Book 1 5 · Book 2 4 · Book 3 3 — *Book 3* out" in text
    late = await rank(club, voters[0], [])
    assert late.response is not None


async def test_a_ballot_ranks_a_book_once_and_can_change_until_the_close(club: Club) -> None:
    a, b, _ = await open_ranked(club, 3)
    shown = await rank(club, club.alice, [a, b])
    assert shown.response is not None
    assert "1st: *Book 1* by Author 1\n2nd: *Book 2* by Author 2" in text_of(shown.response.components)
    moved = await club.alice.select(
        shown.response, [str(a)], custom_id=custom_ids(shown.response.components, "pick:rank:")[1]
    )
    assert moved.response is not None
    assert "2nd: *Book 1* by Author 1" in text_of(moved.response.components)
    assert "1st:" not in text_of(moved.response.components)
    vote = await service.require_open_vote(club.db, club.guild.id)
    assert await service.my_ballot(club.db, vote, club.alice.id) == {2: a}
    club.clock.now = vote.closes_at + timedelta(seconds=1)
    before = await snapshot(club.db)
    late = await club.alice.select(
        moved.response, [str(b)], custom_id=custom_ids(moved.response.components, "pick:rank:")[0]
    )
    assert "This vote closed <t:" in told(late)
    assert await snapshot(club.db) == before


async def test_a_tie_in_the_runoff_goes_to_the_earlier_suggestion(club: Club) -> None:
    a, b = await open_ranked(club, 2)
    await rank(club, club.alice, [b])
    await rank(club, club.bob, [a])
    await club.admin.slash(club.channel, "pick close")
    text = message_text(bot_messages(club)[-1])
    assert "Winner: *Book 1* by Author 1" in text
    assert "broken by the earlier suggestion" in text


async def test_a_restart_between_start_and_close_keeps_ballots_and_closes_once(club: Club) -> None:
    a, b, c = await open_ranked(club, 3)
    await rank(club, club.alice, [c, a])
    await rank(club, club.bob, [c])
    vote = await service.require_open_vote(club.db, club.guild.id)
    await club.restart()
    await club.env.settle()
    assert club.bot.scheduler.get_job(job_id(vote.vote_id)) is not None  # rebuilt from the database
    await rank(club, club.admin, [b])  # the ballot message posted before the restart still works
    club.clock.now = vote.closes_at + timedelta(hours=3)  # the bot was down at the close
    await club.restart()
    await club.env.settle()
    job = club.bot.scheduler.get_job(job_id(vote.vote_id))
    results = [m for m in bot_messages(club) if "Winner:" in message_text(m)]
    assert len(results) == 1  # the catch-up at start-up closed it
    assert "Winner: *Book 3* by Author 3" in message_text(results[0])
    assert job is None
    await cog(club).on_close_job(vote.vote_id)  # overlapping triggers: still one result
    await cog(club).check(vote.vote_id)
    assert len([m for m in bot_messages(club) if "Winner:" in message_text(m)]) == 1
    posts = [r.json for r in club.env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    claimed = await sends.get(club.db, service.result_key(vote.vote_id))
    assert claimed is not None
    assert [p["enforce_nonce"] for p in posts if p.get("nonce") == claimed.nonce] == [True]  # one POST


async def test_start_the_club_read_from_the_result(club: Club) -> None:
    a, _ = await open_ranked(club, 2)
    await rank(club, club.alice, [a])
    await club.admin.slash(club.channel, "pick close")
    result = bot_messages(club)[-1]
    refused = await club.alice.click(result, label="Start the club read")
    assert "Only organisers can do that" in told(refused)
    started = await club.admin.click(result, label="Start the club read")
    assert "The club is reading *Book 1* by Author 1" in told(started)


# -- refusals: a clear answer, nothing written ---------------------------------------------------


async def test_refusals_change_nothing(club: Club) -> None:
    one, two = await books(club.db, 2)
    long_pitch = "x" * 301
    before = await snapshot(club.db)
    assert "Keep the pitch to 300 characters" in told(
        await club.alice.slash(club.channel, "suggest", book=f"book:{one.book_id}", pitch=long_pitch)
    )
    assert told(await club.admin.slash(club.channel, "pick start")) == service.NO_ROUND
    assert told(await club.admin.slash(club.channel, "pick close")) == service.NO_VOTE
    assert await snapshot(club.db) == before

    await club.alice.slash(club.channel, "suggest", book=f"book:{one.book_id}")
    before = await snapshot(club.db)
    assert f"*Book 1* is already suggested, by <@{club.alice.id}>." in told(
        await club.bob.slash(club.channel, "suggest", book=f"book:{one.book_id}")
    )
    assert "at least 2 suggestions" in told(await club.admin.slash(club.channel, "pick start"))
    assert "Only organisers can do that" in told(await club.alice.slash(club.channel, "pick start"))
    assert await snapshot(club.db) == before

    await club.bob.slash(club.channel, "suggest", book=f"book:{two.book_id}")
    before = await snapshot(club.db)
    for hours in (0, 769):
        assert "give 1 to 768" in told(await club.admin.slash(club.channel, "pick start", hours=hours))
    assert await snapshot(club.db) == before
    await club.admin.slash(club.channel, "pick start")
    before = await snapshot(club.db)
    assert "A vote is already open" in told(await club.admin.slash(club.channel, "pick start"))
    assert "Only organisers can do that" in told(await club.alice.slash(club.channel, "pick close"))
    assert "The vote on the next book is open" in told(
        await club.alice.slash(club.channel, "suggest", book=f"book:{two.book_id}")
    )
    assert await snapshot(club.db) == before


async def test_a_poll_holds_ten_books_at_most(club: Club) -> None:
    for n, book in enumerate(await books(club.db, 11)):
        suggester = await member(club, f"s{n}")
        await suggester.slash(club.channel, "suggest", book=f"book:{book.book_id}")
    before = await snapshot(club.db)
    refused = await club.admin.slash(club.channel, "pick start", mode="poll")
    assert "A Discord poll holds at most 10 books and this round has 11: use `mode:ranked`" in told(refused)
    assert await snapshot(club.db) == before


async def test_discord_refusing_the_vote_message_opens_nothing(club: Club) -> None:
    one, two = await books(club.db, 2)
    await club.alice.slash(club.channel, "suggest", book=f"book:{one.book_id}")
    await club.bob.slash(club.channel, "suggest", book=f"book:{two.book_id}")
    before = await snapshot(club.db)
    club.env.inject_error("POST", f"/channels/{club.channel.id}/messages", status=503)
    refused = await club.admin.slash(club.channel, "pick start")
    assert "Discord refused to post the vote" in told(refused)
    assert "(503)" in told(refused)
    assert await snapshot(club.db) == before


async def test_a_suggestion_whose_book_left_the_catalogue(club: Club) -> None:
    a, _ = await open_ranked(club, 2)
    await rank(club, club.alice, [a])
    await club.admin.slash(club.channel, "pick close")
    vote = (await service.status_page(club.db, club.guild.id, 1)).vote
    assert vote is not None
    book_id = vote.options[0].book_id
    await club.db.execute("DELETE FROM books WHERE book_id = ?", (book_id,))
    gone = await club.admin.click(bot_messages(club)[-1], label="Start the club read")
    assert "no longer in the catalogue" in told(gone)
    status = told(await club.alice.slash(club.channel, "pick status"))
    assert "(no longer in the catalogue)" in status
    missing = await club.alice.slash(club.channel, "suggest", book=f"book:{book_id}")
    assert missing.response is not None
    assert missing.response.ephemeral
