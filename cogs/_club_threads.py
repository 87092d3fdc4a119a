"""The club read's thread gate (not an extension): adds members to the section threads their
progress reached, remakes a thread deleted by hand, and resumes both after a restart.

Adding runs in the background, after the member's reply: what is owed is in the database first
(`club_gate`), then one worker adds members one call at a time, retrying 429 and 5xx answers
with backoff, and records each outcome, so an add is sent once and a restart resumes the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any

import discord

from bot.models.club import ThreadAdd
from bot.services import club_gate as gate
from bot.services.club import abandon, stale_starts
from bot.ui.club_threads import delete_threads, find_thread, open_thread

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

UNKNOWN_CHANNEL = 10003  # Discord's code for a channel (here a thread) that no longer exists


def _retryable(error: discord.HTTPException) -> bool:
    return error.status == 429 or error.status >= 500


class ThreadGate:
    """Adds members to the section threads they reached, in the background, each add once."""

    #: Seconds to wait before each retry of a 429/5xx answer (a 429's own Retry-After wins).
    retry_delays: tuple[float, ...] = (2.0, 10.0, 30.0, 120.0)
    #: Accepted adds are written down together, this many at a time (and whenever the queue empties).
    record_every = 50

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self.sent = 0  # thread-member adds that Discord accepted (the benchmark counts them)
        self._queue: deque[ThreadAdd] = deque()
        self._queued: set[tuple[int, int, int]] = set()
        self._added: list[ThreadAdd] = []  # accepted by Discord, not yet written down
        self._done: set[tuple[int, int, int]] = set()  # added by this process: never sent twice
        self._threads: dict[tuple[int, int], int] = {}  # (read, section) → its thread, once remade
        self._remaking = asyncio.Lock()
        self._moved: dict[int, set[tuple[int, int | None]]] = {}  # guild → (member, book) to gate
        self._gating: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- entry points ----------------------------------------------------------------------
    def member_moved(self, guild_id: int, user_id: int, book_id: int | None) -> None:
        """The progress listener: work out what the member is owed, after their reply.

        Moves are gathered and gated per server by one task, so a burst (an import, a thousand
        members at once) is a few queries, not a task and a transaction each.
        """
        self._moved.setdefault(guild_id, set()).add((user_id, book_id))
        if self._gating is None or self._gating.done():
            self._gating = self.spawn(self._gate_moved())

    def read_started(self, read_id: int) -> None:
        """Members who had started the book before the read did get their threads too."""
        self.spawn(self._owed(gate.gate_read(self.bot.db, read_id, self.bot.clock())))

    def thread_deleted(self, thread_id: int) -> None:
        self.spawn(self._remake_deleted(thread_id))

    def resume(self) -> None:
        """At start-up: clear reads a crash left half-started, then add everyone still owed."""
        self.spawn(self._resume())

    def enqueue(self, adds: Iterable[ThreadAdd]) -> None:
        for add in adds:
            if add.key in self._queued or add.key in self._done:
                continue
            self._queued.add(add.key)
            self._queue.append(add)
        if self._queue and (self._worker is None or self._worker.done()):
            self._worker = asyncio.create_task(self._drain(), name="club thread gate")

    async def idle(self) -> None:
        """Wait until every scheduled piece of work is done (tests and benchmarks)."""
        while self._tasks or (self._worker is not None and not self._worker.done()):
            await asyncio.gather(
                *self._tasks, *([self._worker] if self._worker else []), return_exceptions=True
            )

    async def close(self) -> None:
        for task in (*self._tasks, *([self._worker] if self._worker else [])):
            task.cancel()
        await asyncio.gather(*self._tasks, *([self._worker] if self._worker else []), return_exceptions=True)

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("club thread work failed", exc_info=task.exception())

    async def _owed(self, work: Coroutine[Any, Any, list[ThreadAdd]]) -> None:
        self.enqueue(await work)

    async def _gate_moved(self) -> None:
        while self._moved:
            guild_id, moved = self._moved.popitem()
            try:
                self.enqueue(await gate.gate_members(self.bot.db, guild_id, moved, self.bot.clock()))
            except Exception:
                log.exception("gating %d members in guild %s failed", len(moved), guild_id)

    async def _resume(self) -> None:
        await self.bot.wait_until_ready()
        for stale in await stale_starts(self.bot.db, self.bot.ownership):
            guild = self.bot.get_guild(stale.guild_id)
            if guild is not None:
                await delete_threads(guild, stale.thread_ids)
            await abandon(self.bot.db, stale.read_id)
            log.info("removed club read %s, left half-started by a restart", stale.read_id)
        self.enqueue(await gate.owed(self.bot.db, self.bot.ownership))

    # -- the worker ------------------------------------------------------------------------
    async def _drain(self) -> None:
        try:
            while self._queue:
                add = self._queue.popleft()
                try:
                    await self._deliver(add)
                except Exception:
                    log.exception(
                        "adding %s to club thread %s/%s failed", add.user_id, add.read_id, add.number
                    )
                finally:
                    self._queued.discard(add.key)
                if len(self._added) >= self.record_every or not self._queue:
                    await self._record_added()
                else:
                    await asyncio.sleep(0)  # let the loop breathe between adds, whatever HTTP does
        finally:
            await asyncio.shield(self._record_added())

    async def _record_added(self) -> None:
        """Write down the adds Discord accepted, in one statement for many.

        Until then they are 'pending' in the database: a crash in between only means Discord is
        asked again after the restart, to add members it already added (which changes nothing).
        """
        if self._added:
            batch, self._added = self._added, []
            await gate.added_all(self.bot.db, batch, self.bot.clock())

    async def _deliver(self, add: ThreadAdd) -> None:
        for delay in (*self.retry_delays, None):
            try:
                await self._add_once(add)
                return
            except discord.Forbidden as refused:
                log.warning(
                    "Discord refused to add %s to club thread %s/%s: %s",
                    add.user_id,
                    add.read_id,
                    add.number,
                    refused,
                )
                await gate.refused(self.bot.db, add, f"{refused.status} {refused.text}", self.bot.clock())
                return
            except discord.HTTPException as error:
                if not _retryable(error) or delay is None:
                    log.warning(
                        "giving up on adding %s to club thread %s/%s for now: %s",
                        add.user_id,
                        add.read_id,
                        add.number,
                        error,
                    )
                    await gate.failed(self.bot.db, add, f"{error.status} {error.text}", self.bot.clock())
                    return
                retry_after = getattr(error, "retry_after", None)
                await self._record_added()
                await asyncio.sleep(retry_after if isinstance(retry_after, int | float) else delay)

    async def _add_once(self, add: ThreadAdd) -> None:
        guild = self.bot.get_guild(add.guild_id)
        if guild is None:  # the bot left the server (or it is not loaded yet): stays owed
            return
        thread = await self._thread(guild, add)
        if thread is None:
            return
        if thread.archived:
            await thread.edit(archived=False)
        try:
            await thread.add_user(discord.Object(add.user_id))
        except discord.NotFound as error:
            if error.code != UNKNOWN_CHANNEL:  # the member left the server
                await gate.refused(self.bot.db, add, f"{error.status} {error.text}", self.bot.clock())
                return
            thread = await self._remake(guild, add.read_id, add.number, thread.id)
            if thread is None:
                return
            await thread.add_user(discord.Object(add.user_id))
        self.sent += 1
        self._done.add(add.key)
        self._added.append(add)

    async def _thread(self, guild: discord.Guild, add: ThreadAdd) -> discord.Thread | None:
        thread_id = self._threads.get((add.read_id, add.number), add.thread_id)
        thread = None if thread_id is None else await find_thread(guild, thread_id)
        if thread is not None:
            return thread
        return await self._remake(guild, add.read_id, add.number, thread_id)

    # -- a thread deleted by hand ----------------------------------------------------------
    async def _remake_deleted(self, thread_id: int) -> None:
        found = await gate.thread_section(self.bot.db, thread_id)
        if found is None:
            return
        read, section = found
        guild = self.bot.get_guild(read.guild_id)
        if guild is not None:
            await self._remake(guild, read.read_id, section.number, thread_id)

    async def _remake(
        self, guild: discord.Guild, read_id: int, number: int, gone: int | None
    ) -> discord.Thread | None:
        """Make a section's thread again and owe its members to it; None when it can't be made."""
        async with self._remaking:
            await self._record_added()  # the old thread's adds are written before they are owed again
            found = await gate.section_now(self.bot.db, read_id, number)
            if found is None:  # the read ended meanwhile
                return None
            read, section = found
            if read.channel_gone:
                return None
            if section.thread_id is not None and section.thread_id != gone:  # already remade
                self._threads[(read_id, number)] = section.thread_id
                return await find_thread(guild, section.thread_id)
            channel = guild.get_channel(read.channel_id)
            if not isinstance(channel, discord.TextChannel):
                await gate.channel_gone(self.bot.db, read_id, self.bot.clock())
                log.warning(
                    "club read %s: its channel %s is gone; no thread can be made", read_id, read.channel_id
                )
                return None
            thread, message_id = await open_thread(channel, read, section)
            again = await gate.thread_recreated(
                self.bot.db, read, section, thread.id, message_id, self.bot.clock()
            )
            if again is None:
                with contextlib.suppress(discord.HTTPException):
                    await thread.delete()
                return None
            log.info("club read %s: remade the deleted thread of section %s", read_id, number)
            self._threads[(read_id, number)] = thread.id
            for add in again:
                self._done.discard(add.key)
            self.enqueue(again)
            return thread
