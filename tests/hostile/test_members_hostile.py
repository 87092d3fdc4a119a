"""/profile, /follow, /unfollow and /goal under hostile input: members' names and goal numbers."""

from __future__ import annotations

import pytest

from tests.conftest import BotFactory, Club
from tests.helpers import seed_book
from tests.hostile.strategies import discord_ints, hostile_text
from tests.hostile.support import Probe, examples, member_named, recount, without_enricher

FAMILY = "profiles, follows, goals"


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


async def test_profiles_and_follows_answer_for_members_with_any_name(club: Club) -> None:
    book = await seed_book(club.db)
    probe = Probe(club, FAMILY)
    for nick in examples(hostile_text):
        member = member_named(club, nick)
        await probe.play(
            f"{nick!r} /rate",
            lambda member=member: member.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=3),
        )
        await probe.play(
            f"/follow {nick!r}", lambda member=member: club.alice.slash(club.channel, "follow", member=member)
        )
        await probe.play(
            f"{nick!r} /follow alice",
            lambda member=member: member.slash(club.channel, "follow", member=club.alice),
        )
        await probe.play(
            f"{nick!r} /follow self",
            lambda member=member: member.slash(club.channel, "follow", member=member),
        )
        await probe.play(
            f"/profile {nick!r}", lambda member=member: club.bob.slash(club.channel, "profile", member=member)
        )
        await probe.play(f"{nick!r} /profile", lambda member=member: member.slash(club.channel, "profile"))
        await probe.play(
            f"/unfollow {nick!r}",
            lambda member=member: club.alice.slash(club.channel, "unfollow", member=member),
        )
    probe.finish()
    assert await recount(club.db) == []


async def test_goal_answers_every_number(club: Club) -> None:
    probe = Probe(club, FAMILY)
    for books in examples(discord_ints):
        result = await probe.play(
            f"/goal books:{books!r}", lambda books=books: club.alice.slash(club.channel, "goal", books=books)
        )
        stored = await club.db.fetchval("SELECT books FROM goals WHERE user_id = ?", (club.alice.id,))
        if result is not None and result.response is not None and "goal:" in result.response.content:
            probe.check(stored == books, f"/goal books:{books} stored {stored}")
    await probe.play("/profile", lambda: club.alice.slash(club.channel, "profile"))
    probe.finish()


async def test_following_a_bot_is_refused_clearly(club: Club) -> None:
    probe = Probe(club, FAMILY)
    robot = club.guild.add_member(club.env.create_user("robot", bot=True))
    await probe.play("/follow a bot", lambda: club.alice.slash(club.channel, "follow", member=robot))
    probe.finish()
    assert probe.refusals == 1
    assert await recount(club.db) == []
