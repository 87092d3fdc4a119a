"""Two bot processes of one sharded deployment on one database (tests/cogs/shard_support.py): every
digest and reminder is posted once, by the process whose shards hold the server; processes
misconfigured with overlapping shards still never double a post; a rating written through one
process shows on a page rendered by the other; joining and leaving a server rebuild its jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.client import ShardedBookClubBot
from bot.db import digest as digest_store
from bot.services import digest as digest_service
from bot.services import digest_delivery as delivery
from bot.services import meetings as meeting_service
from bot.services.digest import Action
from bot.services.nonces import SEND_LEASE
from tests.cogs.shard_support import (
    SHARD_COUNT,
    DatabaseBackend,
    Deployments,
    ShardProcess,
    add_server,
    database_backend,
    guild_id_on,
)
from tests.components import text_of
from tests.helpers import seed_book

__all__ = ["database_backend"]  # the fixture, used by name

# The shared clock starts on Wednesday 25 November 2026, 12:00 UTC; Friday 18:00 in Prague is 17:00 UTC.
SLOT = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
# Two servers on each of the two shards.
SPREAD = [guild_id_on(shard, index) for index in range(2) for shard in range(SHARD_COUNT)]
ON_SHARD_1 = [guild_id_on(1, index) for index in range(3)]


@pytest.fixture
async def deployment(database_backend: DatabaseBackend) -> AsyncIterator[Deployments]:
    made = Deployments(database_backend)
    yield made
    errors = await made.close()
    expected = ("CheckFailure", "UserFacingError")
    bugs = [error for error in errors if type(getattr(error, "original", error)).__name__ not in expected]
    if bugs:
        raise ExceptionGroup("a bot process raised unexpected errors", bugs)


def owner_of(guild_id: int, processes: list[ShardProcess]) -> ShardProcess:
    [owner] = [process for process in processes if process.bot.owns(guild_id)]
    return owner


async def digest_setup(process: ShardProcess, guild_id: int) -> None:
    server = process.server(guild_id)

    async def run() -> None:
        result = await server.admin.slash(
            server.channel,
            "digest setup",
            channel=server.channel,
            weekday="Friday",
            time="18:00",
            timezone="Europe/Prague",
        )
        assert result.ephemeral

    await process.call(run)


async def meeting_schedule(process: ShardProcess, guild_id: int, start: datetime) -> None:
    server = process.server(guild_id)

    async def run() -> None:
        result = await server.admin.slash(
            server.channel, "meeting schedule", when=f"{start:%Y-%m-%d %H:%M}", timezone="UTC", where="Café"
        )
        assert result.response is not None

    await process.call(run)


def due_here(process: ShardProcess) -> set[int]:
    """The clubs whose digest this process has in its timetable."""
    cog = process.bot.get_cog("Digest")
    assert cog is not None
    return {g for g in SPREAD + ON_SHARD_1 + [guild_id_on(0, 7)] if cog.next_due(g) is not None}  # type: ignore[attr-defined]


def digests(messages: list[discord.Message]) -> list[discord.Message]:
    return [m for m in messages if "weekly digest" in text_of([c.to_dict() for c in m.components])]  # type: ignore[misc]


def reminders(messages: list[discord.Message]) -> list[discord.Message]:
    return [m for m in messages if m.content.startswith("⏰")]


# -- disjoint shards: each server's work done once, by its owner --------------------------------------


async def test_digests_and_reminders_are_posted_once_by_the_owner(deployment: Deployments) -> None:
    world = deployment.make(SPREAD)
    first = await world.add("A", (0,))
    second = await world.add("B", (1,))
    processes = [first, second]
    assert isinstance(first.bot, ShardedBookClubBot)
    assert (first.bot.shard_count, first.bot.shard_ids) == (2, [0])
    # Each process's Discord delivers only its shards' servers.
    assert {g.id for g in first.bot.guilds} == {g for g in SPREAD if first.bot.owns(g)}
    assert {g.id for g in second.bot.guilds} == {g for g in SPREAD if second.bot.owns(g)}
    meeting_start = (world.clock() + timedelta(days=5)).replace(second=0, microsecond=0)
    for guild_id in SPREAD:
        owner = owner_of(guild_id, processes)
        await digest_setup(owner, guild_id)
        await meeting_schedule(owner, guild_id, meeting_start)

    # Restarted, each process rebuilds from the shared database the jobs of its own servers only.
    for process in processes:
        await process.restart()
    for process in processes:
        owned = [g for g in SPREAD if process.bot.owns(g)]
        assert len(owned) == 2
        assert due_here(process) == set(owned)
        meetings = {
            m.meeting_id for m in await meeting_service.scheduled(process.database) if m.guild_id in owned
        }
        assert len(meetings) == 2
        assert {job.split(":")[3] for job in process.job_ids("meeting:send:")} == {str(m) for m in meetings}

    # The week's digest, caught up at start-up inside the grace window and then by every job held.
    world.clock.now = SLOT + timedelta(hours=1)
    for process in processes:
        await process.restart()
        await process.run_jobs("digest:timetable")
    # Both reminders, each due time run by every process's held jobs.
    for before in (timedelta(hours=24), timedelta(hours=1)):
        world.clock.now = meeting_start - before
        for process in processes:
            await process.run_jobs("meeting:send:", due_by=world.clock())

    for guild_id in SPREAD:
        owner = owner_of(guild_id, processes)
        other = second if owner is first else first
        assert await other.bot_messages(guild_id) == []  # never in a Discord that does not deliver it
        posted = await world.posted(guild_id)
        assert len(digests(posted)) == 1, guild_id
        assert len(reminders(posted)) == 2, guild_id
        post = await digest_store.last_post(owner.database, guild_id)
        assert post is not None
        assert post.status == "posted"


# -- overlapping shards: a misconfiguration that must still never double a post -----------------------


async def test_overlapping_shards_never_double_a_digest(deployment: Deployments) -> None:
    """A runs both shards, B shard 1 too: both own the servers of shard 1, schedule their digests and
    fire them at the same moment, week after week. The claim, the first plan kept whole and the send
    lease leave one message a week per server, whichever process posts it."""
    world = deployment.make(ON_SHARD_1)
    first = await world.add("A", (0, 1))
    second = await world.add("B", (1,))
    for guild_id in ON_SHARD_1:
        assert first.bot.owns(guild_id)
        assert second.bot.owns(guild_id)
        assert first.server(guild_id).channel.id == second.server(guild_id).channel.id  # one Discord
        await digest_setup(first, guild_id)
    await second.restart()  # B's jobs come from the shared database
    assert due_here(second) == set(ON_SHARD_1)
    weeks = 3
    for week in range(weeks):
        world.clock.now = SLOT + week * WEEK + timedelta(seconds=1)
        await asyncio.gather(first.run_jobs("digest:timetable"), second.run_jobs("digest:timetable"))
    for guild_id in ON_SHARD_1:
        assert len(digests(await world.posted(guild_id))) == weeks, guild_id
        periods = await first.database.fetchall(
            "SELECT status FROM digest_posts WHERE guild_id = ? ORDER BY slot_at", (guild_id,)
        )
        assert [row["status"] for row in periods] == ["posted"] * weeks


async def test_a_digest_leased_by_another_process_is_left_to_it_and_taken_over_after_the_lease(
    deployment: Deployments,
) -> None:
    """A stopped right after writing its attempt (before the POST). B, owning the server too, resumes
    the claimed week but finds the message leased: it leaves it and looks again when the lease has
    run out, then posts it once, with the nonce A planned."""
    world = deployment.make(ON_SHARD_1[:1])
    [guild_id] = ON_SHARD_1[:1]
    first = await world.add("A", (0, 1))
    second = await world.add("B", (1,))
    await digest_setup(first, guild_id)
    db = first.database
    # What A did before it stopped: claimed the week, planned its message, wrote the attempt.
    due = await digest_service.claim_due(db, guild_id, SLOT, grace=timedelta(hours=24))
    assert due.action is Action.POST
    [part] = await delivery.plan(db, due, first.server(guild_id).channel.id, [["## A's plan"]])
    assert await delivery.attempting(db, part, SLOT, holder=first.bot.ownership.label)

    async def post(at: datetime) -> Action:
        cog = second.bot.get_cog("Digest")
        assert cog is not None
        return await cog.post_digest(guild_id, at)  # type: ignore[attr-defined,no-any-return]

    world.clock.now = SLOT + timedelta(seconds=5)
    assert await second.call(lambda: post(SLOT + timedelta(seconds=5))) is Action.RESUME
    assert await world.posted(guild_id) == []
    assert second.job_ids(f"digest:retry:{guild_id}")  # looks again after the lease
    late = SLOT + SEND_LEASE + timedelta(seconds=6)
    world.clock.now = late
    assert await second.call(lambda: post(late)) is Action.RESUME
    [message] = await second.bot_messages(guild_id)
    assert "A's plan" in text_of([c.to_dict() for c in message.components])  # type: ignore[misc]

    def nonces() -> list[object]:
        assert second.env is not None
        requests = second.env.http_requests
        return [r.json.get("nonce") for r in requests if r.method == "POST" and r.path.endswith("/messages")]

    assert await second.do(nonces) == [part.nonce]  # A's nonce: had A's POST gone out, Discord keeps one
    post_record = await digest_store.last_post(db, guild_id)
    assert post_record is not None
    assert post_record.status == "posted"


# -- one database: what one process writes, the other shows ------------------------------------------


async def test_a_rating_written_through_one_process_shows_on_a_page_rendered_by_the_other(
    deployment: Deployments,
) -> None:
    """Two processes serving one server (as while a shard moves between them): nothing is cached in a
    process, so B's page counts the rating A wrote, and A's page the one B wrote."""
    [guild_id] = ON_SHARD_1[:1]
    world = deployment.make([guild_id])
    first = await world.add("A", (0, 1))
    second = await world.add("B", (1,))
    book = await seed_book(first.database)

    async def slash(process: ShardProcess, who: str, command: str, **options: object) -> str:
        server = process.server(guild_id)
        actor = getattr(server, who)

        async def run() -> str:
            result = await actor.slash(server.channel, command, **options)
            assert result.response is not None
            return text_of(result.response.components) or result.response.content

        return await process.call(run)

    told = await slash(first, "alice", "rate", book=f"book:{book.book_id}", stars=4)
    assert told == "You rated *MIG Pilot* ★★★★ (4)."
    page = await slash(second, "bob", "book show", book=f"book:{book.book_id}")
    assert "**4.00** · 1 rating" in page
    await slash(second, "bob", "rate", book=f"book:{book.book_id}", stars=5)
    page = await slash(first, "alice", "book show", book=f"book:{book.book_id}")
    assert "**4.50** · 2 ratings" in page


# -- joining and leaving ------------------------------------------------------------------------------


async def test_joining_a_server_schedules_its_digest_in_its_owner_only_and_leaving_drops_it(
    deployment: Deployments,
) -> None:
    world = deployment.make([])
    first = await world.add("A", (0,))
    second = await world.add("B", (1,))
    newcomer = guild_id_on(0, 7)
    # A club set up before (its schedule is in the database), the bot invited again meanwhile.
    schedule = digest_service.new_schedule(
        newcomer, 1, weekday="Friday", time="18:00", timezone="Europe/Prague", now=world.clock()
    )
    await digest_service.save(first.database, schedule)
    assert due_here(first) == set()

    def join(process: ShardProcess) -> None:
        assert process.env is not None
        guild = process.env.create_guild("Newcomers", id=newcomer)
        process.world.servers[newcomer] = add_server(
            guild,
            process.env.create_user("ada"),
            process.env.create_user("al"),
            process.env.create_user("bo"),
        )

    for process in (first, second):
        await process.do(lambda process=process: join(process))  # type: ignore[misc]
        await process.settle()

    async def joined() -> None:
        # simcord marks every GUILD_CREATE `unavailable: false`, which discord.py reads as a server
        # available again; Discord's payload for a newly joined server has no such key, which it reads
        # as a join. So the join's listeners (every cog's) are run here, and awaited, as discord.py's
        # dispatch would run them, where the process's Discord delivered the server.
        guild = first.bot.get_guild(newcomer)
        assert guild is not None
        listeners = first.bot.extra_events["on_guild_join"]
        assert len(listeners) >= 3  # the digest, the votes, the meetings
        await asyncio.gather(*(listener(guild) for listener in listeners))

    await first.call(joined)
    assert second.bot.get_guild(newcomer) is None  # not its shard: B's Discord never delivered it
    assert due_here(first) == {newcomer}  # its shard's process: on join
    assert due_here(second) == set()  # never told of it

    async def leave() -> None:
        guild = first.bot.get_guild(newcomer)
        assert guild is not None
        await guild.leave()

    await first.call(leave)
    await first.settle()
    assert due_here(first) == set()
    assert await digest_store.get_schedule(first.database, newcomer) is None


# -- work of no server in particular, and another process's work in flight --------------------------


async def test_a_process_fails_only_its_own_interrupted_imports_and_only_shard_0_enriches(
    deployment: Deployments,
) -> None:
    """At start-up a process marks the imports left running as failed, as none of its own can still
    run; an import of another process's server is that process's, running on, and is left alone. The
    shared catalogue is completed from Open Library by the process running shard 0 alone."""
    mine, theirs = guild_id_on(0, 3), guild_id_on(1, 3)
    world = deployment.make([])
    first = await world.add("A", (0,))
    query = """
        INSERT INTO import_jobs (guild_id, user_id, format, file_sha256, status, started_at)
        VALUES (?, 1, 'goodreads', 'f00d', 'running', '2026-11-25T11:00:00.000Z')
    """
    for guild_id in (mine, theirs):
        await first.database.execute(query, (guild_id,))
    second = await world.add("B", (1,))  # B's start fails B's import only

    async def statuses() -> dict[int, str]:
        rows = await first.database.fetchall("SELECT guild_id, status FROM import_jobs")
        return {row[0]: row[1] for row in rows}

    assert await statuses() == {mine: "running", theirs: "failed"}
    await first.restart()
    assert await statuses() == {mine: "failed", theirs: "failed"}

    def enriching(process: ShardProcess) -> bool:
        library = process.bot.get_cog("Library")
        assert library is not None
        return bool(library.enrich_loop.is_running())  # type: ignore[attr-defined]

    assert await first.do(lambda: enriching(first))
    assert not await second.do(lambda: enriching(second))
