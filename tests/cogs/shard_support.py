"""Several bot processes of one sharded deployment, side by side in one test (no tests of its own).

Each `ShardProcess` is a bot as `python -m bot` builds it for its SHARD_COUNT and SHARD_IDS (an
AutoShardedBot), in a thread of its own with its own event loop and its own simcord environment,
on the database shared with the others: a SQLite file (two connections of one OS process share it
as two processes would) or a PostgreSQL database, as the `database_backend` fixture's parameter says. Each environment is a simulated Discord of its own: it delivers to its bot only the servers
of the bot's shards, as the real gateway does. Every environment builds the same world, in the same
order, so the servers, channels and members have the same ids in each (simcord's ids come from its
virtual clock and a sequence), and a message counted in all of them is a message posted in Discord.

Time is the shared `Clock` the bots read; jobs are held (`HeldScheduler`) and run by the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import discord
import pytest
import simcord

from bot.books.enrich import build_enricher
from bot.books.service import build_book_service
from bot.client import BookClubBot, build_bot
from bot.config import Settings
from bot.db import Database, open_configured
from bot.models.shards import shard_of
from tests.cogs.pick_support import HeldScheduler
from tests.conftest import Clock, make_settings, on_backend

T = TypeVar("T")

SHARD_COUNT = 2


def guild_id_on(shard: int, index: int, count: int = SHARD_COUNT) -> int:
    """A fixed server id that Discord routes to `shard` (the rule is the id's bits above 22)."""
    millis = 1_100_000_000_000 + index * count + shard
    guild_id = (millis << 22) | 17
    assert shard_of(guild_id, count) == shard
    return guild_id


@dataclass
class Server:
    """One server as every environment has it (the same ids in each)."""

    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    admin: simcord.MemberActor
    alice: simcord.MemberActor
    bob: simcord.MemberActor

    @property
    def id(self) -> int:
        return self.guild.id


@dataclass
class World:
    servers: dict[int, Server] = field(default_factory=dict)


def build_world(env: simcord.Env, guild_ids: list[int]) -> World:
    """The same servers, channels and members, created in the same order, in one environment."""
    world = World()
    ada = env.create_user("ada")
    alice = env.create_user("alice")
    bob = env.create_user("bob")
    for number, guild_id in enumerate(guild_ids):
        guild = env.create_guild(f"Club {number}", id=guild_id)
        world.servers[guild_id] = add_server(guild, ada, alice, bob)
    return world


def add_server(
    guild: simcord.GuildHandle, ada: simcord.UserHandle, alice: simcord.UserHandle, bob: simcord.UserHandle
) -> Server:
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
    return Server(
        guild,
        channel,
        guild.add_member(ada, roles=[admins]),
        guild.add_member(alice),
        guild.add_member(bob),
    )


class ShardProcess:
    """A bot process running `shard_ids` of SHARD_COUNT (None: unsharded), in a thread of its own."""

    def __init__(
        self, name: str, settings: Settings, clock: Clock, guild_ids: list[int], *, number: int = 0
    ) -> None:
        self.name = name
        self.number = number
        self.settings = settings
        self.clock = clock
        self.guild_ids = guild_ids
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run_loop, name=f"bot process {name}", daemon=True)
        self.env: simcord.Env | None = None
        self.world = World()
        self.session: aiohttp.ClientSession | None = None
        self.databases: list[Database] = []
        # The test's own handle on the shared database, opened on the test's loop: an asyncpg pool
        # serves only the loop that made it, so the test never borrows the bot's.
        self.db: Database | None = None

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    # -- running code in the process ---------------------------------------------------------------
    async def call(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work()` on this process's event loop and wait for its result from the test's loop."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(_awaited(work), self.loop)
        return await asyncio.wrap_future(future)

    async def do(self, work: Callable[[], T]) -> T:
        """Run a plain function (a simcord handle's method, a look at the bot) on this process's loop."""

        async def plain() -> T:
            return work()

        return await self.call(plain)

    @property
    def bot(self) -> BookClubBot:
        assert self.env is not None
        bot = self.env.bot
        assert isinstance(bot, BookClubBot)
        return bot

    # -- life --------------------------------------------------------------------------------------
    def _build(self, database: Database) -> BookClubBot:
        assert self.session is not None
        books = build_book_service(self.settings, self.session, database, clock=self.clock)
        return build_bot(
            settings=self.settings,
            db=database,
            session=self.session,
            clock=self.clock,
            books=books,
            enricher=build_enricher(books),
            scheduler=HeldScheduler(),
        )

    async def start(self) -> None:
        self.thread.start()
        await self.call(self._start)
        self.db = await open_configured(self.settings)

    async def _start(self) -> None:
        self.session = aiohttp.ClientSession()
        database = await open_configured(self.settings)
        self.databases.append(database)
        self.env = simcord.Env(self._build(database), check_errors=False)
        await self.env.start()
        # Commands are global in Discord, synced once for the deployment (the first process, as the
        # hash in the shared database says); each simulated Discord here is separate, so each syncs.
        await self.bot.tree.sync()
        self.world = build_world(self.env, self.guild_ids)
        # What each Discord makes from now on (messages, events) must not share ids with another's:
        # each starts its clock an hour apart (the bots read the test's clock, not this one).
        await self.env.advance_time(3600 * self.number)
        await self.env.settle()

    async def restart(self) -> None:
        """A new bot on a new connection to the shared database, as a restarted process."""

        async def restart() -> None:
            assert self.env is not None
            database = await open_configured(self.settings)
            self.databases.append(database)
            await self.env.restart_bot(self._build(database))
            await self.env.settle()

        await self.call(restart)

    async def settle(self) -> None:
        async def settle() -> None:
            assert self.env is not None
            await self.env.settle()

        await self.call(settle)

    async def stop(self) -> list[BaseException]:
        """Shut the environment down and end the thread; the errors the bot raised meanwhile."""

        async def stop() -> list[BaseException]:
            errors: list[BaseException] = []
            if self.env is not None:
                errors = list(self.env.errors_since(0))
                await self.env.shutdown()
            if self.session is not None:
                await self.session.close()
            for database in self.databases:
                await database.close()
            return errors

        if self.db is not None:
            await self.db.close()
        try:
            return await self.call(stop)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            await asyncio.to_thread(self.thread.join, 10)
            with contextlib.suppress(RuntimeError):
                self.loop.close()

    # -- what the tests look at --------------------------------------------------------------------
    @property
    def database(self) -> Database:
        """The test's handle on the shared database (see `db`)."""
        assert self.db is not None, "the process has not started"
        return self.db

    def job_ids(self, prefix: str) -> set[str]:
        return {job.id for job in self.bot.scheduler.get_jobs() if job.id.startswith(prefix)}

    async def run_jobs(self, prefix: str, *, due_by: datetime | None = None) -> None:
        """Run every held job whose id starts with `prefix`, as the scheduler would at its time;
        with `due_by`, only the one-off jobs due by then."""

        async def run() -> None:
            for job in list(self.bot.scheduler.get_jobs()):
                run_date = getattr(job.trigger, "run_date", None)
                if job.id.startswith(prefix) and (due_by is None or run_date is None or run_date <= due_by):
                    await job.func(*job.args)
            assert self.env is not None
            await self.env.settle()

        await self.call(run)

    async def bot_messages(self, guild_id: int) -> list[discord.Message]:
        """What the bot posted in the server's #general in this process's Discord."""

        def read() -> list[discord.Message]:
            channel = self.world.servers[guild_id].channel
            return [message for message in channel.history() if message.author.bot]

        return await self.do(read)

    def server(self, guild_id: int) -> Server:
        return self.world.servers[guild_id]


async def _awaited(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


@dataclass(frozen=True)
class DatabaseBackend:
    """Which database the processes share; the settings of each process point at it."""

    url: str | None  # PostgreSQL's, or None for the SQLite file in `folder`
    folder: Path

    def settings(self, **overrides: Any) -> Settings:
        return on_backend(make_settings(self.folder, **overrides), self.url)


@pytest.fixture
def database_backend(backend: str | None, tmp_path: Path) -> DatabaseBackend:
    """The shared database of the processes: a SQLite file, or (`[postgres]`) a PostgreSQL database,
    as the conftest's `backend` parameter says."""
    return DatabaseBackend(backend, tmp_path)


class Deployment:
    """Processes started in order (each migrates the shared database before the next starts)."""

    def __init__(self, backend: DatabaseBackend, guild_ids: list[int]) -> None:
        self.backend = backend
        self.guild_ids = guild_ids
        self.clock = Clock()
        self.processes: list[ShardProcess] = []

    async def add(
        self, name: str, shard_ids: tuple[int, ...] | None, count: int = SHARD_COUNT
    ) -> ShardProcess:
        options: dict[str, Any] = {} if shard_ids is None else {"shard_count": count, "shard_ids": shard_ids}
        process = ShardProcess(
            name, self.backend.settings(**options), self.clock, self.guild_ids, number=len(self.processes)
        )
        await process.start()
        self.processes.append(process)
        return process

    async def close(self) -> list[BaseException]:
        errors: list[BaseException] = []
        for process in reversed(self.processes):
            errors += await process.stop()
        return errors

    async def posted(self, guild_id: int) -> list[discord.Message]:
        """The bot's messages in a server's #general, in every process's Discord together."""
        found: list[discord.Message] = []
        for process in self.processes:
            if guild_id in process.world.servers:
                found += await process.bot_messages(guild_id)
        return found


class Deployments:
    """Makes the test's deployments and closes them all at its end."""

    def __init__(self, backend: DatabaseBackend) -> None:
        self.backend = backend
        self.made: list[Deployment] = []

    def make(self, guild_ids: list[int]) -> Deployment:
        self.made.append(Deployment(self.backend, guild_ids))
        return self.made[-1]

    async def close(self) -> list[BaseException]:
        errors: list[BaseException] = []
        for deployment in self.made:
            errors += await deployment.close()
        return errors
