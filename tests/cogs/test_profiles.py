"""/profile, /follow, /unfollow and /goal through the real client on simcord."""

from __future__ import annotations

from bot.models.books import BookData
from tests.cogs.test_ratings import reply, snapshot
from tests.components import text_of
from tests.conftest import Club
from tests.helpers import seed_book


async def follow_counts(club: Club, user_id: int) -> tuple[int, int]:
    row = await club.db.fetchone(
        "SELECT followers_count, following_count FROM member_stats WHERE guild_id = ? AND user_id = ?",
        (club.guild.id, user_id),
    )
    return (0, 0) if row is None else (row[0], row[1])


async def test_follow_and_unfollow_keep_both_counters(club: Club) -> None:
    result = await club.alice.slash(club.channel, "follow", member=club.bob)
    assert result.ephemeral
    assert reply(result) == "You now follow **bob**."
    await club.admin.slash(club.channel, "follow", member=club.bob)
    assert await follow_counts(club, club.bob.id) == (2, 0)
    assert await follow_counts(club, club.alice.id) == (0, 1)

    result = await club.alice.slash(club.channel, "unfollow", member=club.bob)
    assert reply(result) == "You no longer follow **bob**."
    assert await follow_counts(club, club.bob.id) == (1, 0)
    assert await follow_counts(club, club.alice.id) == (0, 0)
    assert await club.db.fetchval("SELECT count(*) FROM follows") == 1


async def test_follow_refusals_change_nothing(club: Club) -> None:
    robot = club.guild.add_member(club.env.create_user("robot", bot=True))
    await club.alice.slash(club.channel, "follow", member=club.bob)
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "follow", member=club.alice)
    assert reply(result) == "You can't follow yourself; pick another member."
    result = await club.alice.slash(club.channel, "follow", member=robot)
    assert reply(result) == "robot is a bot; bots don't read, so there is nothing to follow."
    result = await club.alice.slash(club.channel, "follow", member=club.bob)
    assert reply(result) == "You already follow bob."
    result = await club.bob.slash(club.channel, "unfollow", member=club.alice)
    assert reply(result) == "You don't follow alice, so there is nothing to undo."
    assert await snapshot(club.db) == before


async def test_goal_sets_and_replaces_this_years_goal(club: Club) -> None:
    result = await club.alice.slash(club.channel, "goal", books=12)
    assert reply(result) == "Your 2026 goal: 12 books. Good reading!"
    result = await club.alice.slash(club.channel, "goal", books=1)
    assert reply(result) == "Your 2026 goal: 1 book. Good reading!"
    rows = await club.db.fetchall("SELECT year, books FROM goals")
    assert [tuple(row) for row in rows] == [(2026, 1)]


async def test_goal_refusals_change_nothing(club: Club) -> None:
    await club.alice.slash(club.channel, "goal", books=5)
    before = await snapshot(club.db)
    for books in (0, -2, 1001):
        result = await club.alice.slash(club.channel, "goal", books=books)
        assert reply(result) == f"A yearly goal is 1 to 1,000 books; {books:,} is not."
    assert await snapshot(club.db) == before


async def test_profile_shows_counts_progress_and_goal(club: Club) -> None:
    mig = (await seed_book(club.db)).book_id
    dune = (await seed_book(club.db, BookData(title="Dune", authors=("Frank Herbert",), pages=412))).book_id
    await club.alice.slash(club.channel, "rate", book=f"book:{mig}", stars=4.5)
    await club.alice.slash(club.channel, "rate", book=f"book:{dune}", stars=4)
    await club.alice.slash(club.channel, "shelf add", book=f"book:{mig}", shelf="read")
    await club.alice.slash(club.channel, "progress", book=f"book:{dune}", page=206)
    await club.alice.slash(club.channel, "goal", books=4)
    await club.bob.slash(club.channel, "follow", member=club.alice)
    # The reviews feature keeps reviews_count; stand in for it here.
    await club.db.execute(
        "UPDATE member_stats SET reviews_count = 1 WHERE guild_id = ? AND user_id = ?",
        (club.guild.id, club.alice.id),
    )

    result = await club.bob.slash(club.channel, "profile", member=club.alice)
    assert not result.ephemeral
    assert result.response is not None
    text = text_of(result.response.components)
    for line in (
        "## alice",
        "1 review · 1 follower · following 0",
        "**Ratings** 2 ratings · average 4.25",
        "**Shelves** Want to read 0 · Currently reading 1 · Read 1 · Did not finish 0",
        "**Reading now**\n- *Dune* — on page 206 of 412 (50%)",
        "**2026 goal** 1 book read of 4 (25%)",
    ):
        assert line in text


async def test_own_empty_profile_uses_plural_forms(club: Club) -> None:
    result = await club.bob.slash(club.channel, "profile")
    assert result.response is not None
    text = text_of(result.response.components)
    assert "## bob" in text
    assert "0 reviews · 0 followers · following 0" in text
    assert "**Ratings** none yet" in text
    assert "**2026** 0 books read · no goal yet (set one with /goal)" in text
