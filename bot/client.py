"""The Bot subclass: dependencies come in through the constructor; `setup_hook` wires them up."""

from __future__ import annotations

import hashlib
import json
import logging
import pkgutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.ext import commands

import cogs
from bot import __version__
from bot.books.cache import schedule_pruning
from bot.books.enrich import Enricher
from bot.books.service import BookService
from bot.config import Settings
from bot.db import Database
from bot.db.meta import get_meta, remember_member, set_meta
from bot.models.health import StorageFault
from bot.models.shards import Shards
from bot.ops.gate import InteractionGate
from bot.services.backups import Backups
from bot.tree import BookClubTree, StorageHealth, is_storage_fault, note_commit
from bot.ui.persistent import PERSISTENT_ITEMS

log = logging.getLogger(__name__)


def discover_extensions() -> tuple[str, ...]:
    """Every module of the `cogs` package is an extension, except helpers named with a leading `_`."""
    found = pkgutil.iter_modules(cogs.__path__, prefix="cogs.")
    return tuple(
        sorted(module.name for module in found if not module.name.rpartition(".")[2].startswith("_"))
    )


COMMANDS_HASH_KEY = "commands_hash"

# Told (guild_id, user_id, book_id or None for "any book") after a member's progress moved.
ProgressListener = Callable[[int, int, int | None], None]


def utcnow() -> datetime:
    return datetime.now(UTC)


class BookClubBot(commands.Bot):
    """The book-club bot. Everything it needs is injected; nothing is read from globals."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        session: aiohttp.ClientSession,
        scheduler: AsyncIOScheduler | None = None,
        clock: Callable[[], datetime] = utcnow,
        books: BookService | None = None,
        enricher: Enricher | None = None,
    ) -> None:
        # A book club needs no voice: skip discord.py's start-up warnings about its libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.default()  # non-privileged only: no members, no message content
        # The servers whose scheduled work (digests, reminders, vote closes…) this process does.
        self.ownership = Shards.of(settings.shard_count, settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BookClubTree,
            help_command=None,
            **self._shard_options(),
        )
        self.settings = settings
        self.db = db
        self.session = session
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.clock = clock
        # Book lookups; without injected providers the bot answers from the catalogue alone.
        self.books = books or BookService(db, clock=clock)
        # Completes imported books in the background (cogs.library); None: they stay as imported.
        self.enricher = enricher
        self.version = __version__
        self.failed_extensions: dict[str, BaseException] = {}
        self.sync_on_start = True  # `python -m bot sync` turns it off and forces one sync itself
        self._known_names: dict[tuple[int, int], str] = {}
        self.progress_listeners: list[ProgressListener] = []  # e.g. the club read's thread gate
        # Whether the database takes writes: every commit says it does (and marks the interaction
        # being answered, see bot.tree); a storage fault answered by the tree says it does not.
        self.storage = StorageHealth(clock)
        db.on_commit = self._committed
        # Operating it: every interaction passes the gate (log context, metrics, graceful stop).
        self.started_at = clock()
        self.gate = InteractionGate(db.telemetry)
        self.gate.install(self._connection)
        self.backups = Backups(db, folder=settings.backup_dir, keep=settings.backup_keep, clock=clock)

    def _shard_options(self) -> dict[str, Any]:
        return {}

    def owns(self, guild_id: int) -> bool:
        """Whether this process schedules and sends for the server `guild_id` (its shards hold it)."""
        return self.ownership.owns(guild_id)

    @property
    def storage_fault(self) -> StorageFault | None:
        """Since when, and why, the database refuses writes; None while it takes them."""
        return self.storage.fault

    def _committed(self) -> None:
        self.storage.succeeded()
        note_commit()

    async def setup_hook(self) -> None:
        await self.db.migrate()
        self.scheduler.start()
        schedule_pruning(self.scheduler, self.db, clock=self.clock)
        await self.backups.schedule(self.scheduler)
        self.add_dynamic_items(*PERSISTENT_ITEMS)
        for extension in discover_extensions():
            try:
                await self.load_extension(extension)
            except Exception as exc:
                self.failed_extensions[extension] = exc
                log.exception("failed to load extension %s", extension)
        if self.sync_on_start:
            await self.sync_commands()

    async def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()

    # -- command sync --------------------------------------------------------------------
    def commands_hash(self) -> str:
        """A digest of every global command definition, to sync only when they changed."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> list[discord.app_commands.AppCommand] | None:
        """Sync to the development guild when set; else globally, only when definitions changed (or forced).

        Returns the synced commands, or None when nothing needed syncing.
        """
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the development guild %s", len(synced), guild.id)
            return synced
        digest = self.commands_hash()
        if not force and await get_meta(self.db, COMMANDS_HASH_KEY) == digest:
            log.info("global commands unchanged since the last sync; not syncing")
            return None
        synced = await self.tree.sync()
        await set_meta(self.db, COMMANDS_HASH_KEY, digest)
        log.info("synced %d global commands", len(synced))
        return synced

    # -- progress ------------------------------------------------------------------------
    def progress_moved(self, guild_id: int, user_id: int, book_id: int | None = None) -> None:
        """A member's progress on `book_id` (None: on any book, e.g. after an import) moved.

        Called after the member's reply; each listener schedules its own background work, so this
        returns at once and never raises.
        """
        for listener in self.progress_listeners:
            try:
                listener(guild_id, user_id, book_id)
            except Exception:
                log.exception("a progress listener failed for %s in %s", user_id, guild_id)

    # -- members -------------------------------------------------------------------------
    async def on_interaction(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Buttons, menus and forms record names too (slash commands do it in the tree's check)."""
        if interaction.type in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            await self.note_member(interaction)

    async def note_member(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Remember the member's display name for lists and digests (a write only when it changed)."""
        user = interaction.user
        if interaction.guild_id is None or user.bot:
            return
        key = (interaction.guild_id, user.id)
        if self._known_names.get(key) == user.display_name:
            return
        try:
            await remember_member(self.db, interaction.guild_id, user.id, user.display_name)
        except sqlite3.Error as exc:  # a name is nice to have; the command itself must still run
            if is_storage_fault(exc):
                self.storage.failed(exc)  # logged once per fault, not once per interaction
            else:
                log.warning("could not store the display name of %s", user.id, exc_info=True)
            return
        self._known_names[key] = user.display_name


class ShardedBookClubBot(BookClubBot, commands.AutoShardedBot):
    """The bot running the shards SHARD_IDS of SHARD_COUNT in one process (discord.py's AutoShardedBot)."""

    def _shard_options(self) -> dict[str, Any]:
        assert self.ownership.count is not None
        return {"shard_count": self.ownership.count, "shard_ids": list(self.ownership.ids)}


def build_bot(
    *,
    settings: Settings,
    db: Database,
    session: aiohttp.ClientSession,
    scheduler: AsyncIOScheduler | None = None,
    clock: Callable[[], datetime] = utcnow,
    books: BookService | None = None,
    enricher: Enricher | None = None,
) -> BookClubBot:
    """The bot for these settings: with SHARD_COUNT an AutoShardedBot running SHARD_IDS, else unsharded."""
    kind = ShardedBookClubBot if settings.shard_count is not None else BookClubBot
    return kind(
        settings=settings,
        db=db,
        session=session,
        scheduler=scheduler,
        clock=clock,
        books=books,
        enricher=enricher,
    )
