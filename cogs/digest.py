"""/digest setup, preview, status and off, and the weekly job that posts the digest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.models.digest import PlannedMessage
from bot.models.digest import Schedule as DigestSchedule
from bot.services import digest as service
from bot.services import digest_delivery as delivery
from bot.services.digest import Action, Due
from bot.services.digest_timetable import Timetable, plan_groups, plan_start_up
from bot.services.nonces import SEND_LEASE
from bot.ui import digest as digest_ui
from bot.ui.base import cannot_post
from bot.ui.digest import digest_pages, digest_views, message_texts, setup_text, status_view

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

JOB_PREFIX = "digest:"
TIMETABLE_JOB = f"{JOB_PREFIX}timetable"  # the one job, set for the earliest slot of any club
# How many clubs' digests are posted at once when many fall due together (Friday 18:00, say).
AT_ONCE = 8
STORAGE_RETRY = timedelta(minutes=5)
# How far the bot's clock and Discord's may disagree when looking for a message sent before a restart.
CLOCK_SKEW = timedelta(minutes=1)
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class _CannotTell(Exception):
    """Whether an interrupted message got through cannot be checked: it is not sent again."""


class _Leased(Exception):
    """Another process (overlapping shards) is sending this message now: it is left to that one."""


async def manage_server_only(interaction: discord.Interaction[BookClubBot]) -> bool:
    """Runtime check behind the default permission, which server admins can override."""
    if interaction.guild is not None and interaction.permissions.manage_guild:
        return True
    raise app_commands.CheckFailure("You need the Manage Server permission to change the weekly digest.")


class Digest(commands.Cog):
    """The weekly digest: a timetable of every club's next slot (rebuilt from the database at start-up)
    and one APScheduler job for the earliest of them."""

    digest = app_commands.Group(
        name="digest",
        description="The club's weekly digest of what everyone is reading",
        guild_only=True,
        # No default permissions: Discord sets them per top-level command only, and members should
        # see preview and status. setup and off check Manage Server when run.
    )

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self._catch_up: asyncio.Task[None] | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self.faults = delivery.StorageFaults()
        self.timetable = Timetable()
        self._handled: datetime | None = None  # see service.handled_until
        # Until the start-up catch-up has decided every week it looked at, no later mark is written:
        # a mark past a week still owed would let a restart skip it.
        self._caught_up = False

    # -- lifecycle -------------------------------------------------------------------------
    async def cog_load(self) -> None:
        await service.load_zone_names()  # before the first /digest setup autocomplete needs them
        # A few queries and one pass for every club this process owns, however many (digest_timetable):
        # the clubs grouped by time, and only those whose slot came since every slot was last handled
        # are looked at after READY. Without that mark (a first start, new shards), each club's posts.
        db, owned, now = self.bot.db, self.bot.ownership, self.bot.clock()
        self._handled = await service.handled_until(db, owned.label)
        start = None
        if self._handled is not None:
            start = plan_groups(await service.schedule_groups(db, owned), now, self._handled)
        if start is None:
            start = plan_start_up(await service.schedule_times(db, owned), now)
        self.timetable.load(start.groups)
        self._arm()
        self._catch_up = asyncio.create_task(self.catch_up(start.catch_up, through=now))

    async def cog_unload(self) -> None:
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                job.remove()
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catch_up

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.bot.settings.digest_grace_hours)

    def schedule_job(self, schedule: DigestSchedule) -> None:
        """Put the club's next slot in the timetable (replacing any earlier one)."""
        self.timetable.put(schedule.guild_id, service.next_slot(schedule, self.bot.clock()))
        self._arm()

    def unschedule_job(self, guild_id: int) -> None:
        self.timetable.drop(guild_id)
        self._arm()

    def next_due(self, guild_id: int) -> datetime | None:
        """When the club's digest is next due here (None: not scheduled in this process)."""
        return self.timetable.due_at(guild_id)

    def _arm(self) -> None:
        """Set the one job for the timetable's earliest slot (the scheduler runs on the wall clock;
        the slot is in the bot's clock, which is the wall clock outside tests)."""
        at = self.timetable.next_at()
        if at is None:
            if self.bot.scheduler.get_job(TIMETABLE_JOB) is not None:
                self.bot.scheduler.remove_job(TIMETABLE_JOB)
            return
        wait = max(timedelta(), at - self.bot.clock())
        self.bot.scheduler.add_job(
            self.on_timetable,
            trigger="date",
            run_date=datetime.now(UTC) + wait,
            id=TIMETABLE_JOB,
            name=f"weekly digests ({len(self.timetable)} clubs)",
            replace_existing=True,
            # However late (busy loop, suspended laptop): each club's claim decides what is still due.
            misfire_grace_time=None,
        )

    async def on_timetable(self) -> None:
        """What the scheduler runs at a slot: every club due by now, a few at a time, each then put
        back with its next slot; never lets an error escape."""
        now = self.bot.clock()
        gate = asyncio.Semaphore(AT_ONCE)
        handled = True

        async def run(guild_id: int) -> None:
            nonlocal handled
            async with gate:
                if await self.on_trigger(guild_id) in (None, Action.INTERRUPTED):
                    handled = False
                try:
                    schedule = await service.schedule_of(self.bot.db, guild_id)
                except sqlite3.Error:
                    self.timetable.put(guild_id, now + STORAGE_RETRY)  # looked up again then
                    return
                if schedule is not None and self.timetable.due_at(guild_id) is None:
                    self.timetable.put(guild_id, service.next_slot(schedule, max(now, self.bot.clock())))

        try:
            await asyncio.gather(*(run(guild_id) for guild_id in self.timetable.take_due(now)))
            if handled and self._caught_up:
                await self._mark_handled(now)
        finally:
            self._arm()

    async def _mark_handled(self, until: datetime) -> None:
        """Every owned club's slots up to `until` are handled: a restart looks at later ones only."""
        if self._handled is not None and until <= self._handled:
            return
        try:
            await service.mark_handled(self.bot.db, self.bot.ownership.label, until)
        except sqlite3.Error:
            log.warning("could not record up to when the digests were handled", exc_info=True)
            return
        self._handled = until

    async def catch_up(self, guild_ids: list[int] | None = None, *, through: datetime | None = None) -> None:
        """Post, once, every digest that fell due while the bot was down (within the grace window),
        and finish or close the weeks a stopped run left claimed.

        `guild_ids`: the clubs whose latest slot may be owed (start-up finds them in one pass); None:
        every club this process owns is looked at. `through`: the start-up instant, recorded as
        handled when every club's week was decided.
        """
        await self.bot.wait_until_ready()
        db, owned = self.bot.db, self.bot.ownership
        if guild_ids is None:
            guild_ids = plan_start_up(await service.schedule_times(db, owned), self.bot.clock()).catch_up
        handled = True
        for guild_id in dict.fromkeys([*guild_ids, *await service.claimed_guilds(db, owned)]):
            try:
                if await self.post_digest(guild_id, self.bot.clock()) is Action.INTERRUPTED:
                    handled = False
            except Exception:
                handled = False
                log.exception("digest catch-up failed for guild %s", guild_id)
        if handled and through is not None:
            await self._mark_handled(through)
            self._caught_up = True

    async def on_trigger(self, guild_id: int) -> Action | None:
        """Run the club's week with the bot's clock; never lets an error escape (None after one)."""
        try:
            return await self.post_digest(guild_id, self.bot.clock())
        except Exception:
            log.exception("weekly digest job failed for guild %s", guild_id)
            return None

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A server joined (its shard is this process's): its job is rebuilt, a week due is posted."""
        if not self.bot.owns(guild.id):
            return
        schedule = await service.schedule_of(self.bot.db, guild.id)
        if schedule is not None:
            self.schedule_job(schedule)
            await self.on_trigger(guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.unschedule_job(guild.id)
        await service.turn_off_quietly(self.bot.db, guild.id)
        log.info("left guild %s: its weekly digest is off", guild.id)

    # -- the weekly post -------------------------------------------------------------------
    async def post_digest(self, guild_id: int, now: datetime) -> Action:
        """Post this club's digest if the database says it is due at `now` and unclaimed, or
        finish one that a stopped run left half-sent."""
        # One run per club at a time: a claimed week found unfinished was then left by a run that stopped.
        async with self._locks.setdefault(guild_id, asyncio.Lock()):
            try:
                action = await self._post_digest(guild_id, now)
            except sqlite3.Error as exc:  # disk full, read-only database: nothing more can be recorded
                self.faults.failed(exc, guild_id)
                self._retry_soon(guild_id)
                return Action.INTERRUPTED
        if action not in (Action.NOT_SET_UP, Action.NOT_DUE, Action.ALREADY):
            self.faults.recovered()  # it wrote its outcome
        return action

    async def _post_digest(self, guild_id: int, now: datetime) -> Action:
        await delivery.settle_interrupted(self.bot.db, guild_id, now, grace=self.grace)
        post_empty = self.bot.settings.digest_post_empty
        due = await service.claim_due(
            self.bot.db, guild_id, now, grace=self.grace, post_empty=post_empty, resume=True
        )
        if due.action in (Action.POST, Action.RESUME):
            if due.action is Action.RESUME:
                log.info("resuming the digest of guild %s for %s, left unfinished", guild_id, due.period)
            try:
                await self._send(due, now)
            except sqlite3.Error:
                raise
            except Exception as exc:
                # _send records what it can foresee; anything else must not leave the week 'claimed'
                # with no word in /digest status. The job itself stays scheduled.
                await self._failed(due, service.log_failure(exc, guild_id, due.period), now)
        elif due.action is Action.FAILED:
            log.warning("digest of guild %s for %s could not be built", guild_id, due.period)
        elif due.action is Action.MISSED:
            log.warning("digest of guild %s due %s was missed (outside the grace window)", guild_id, due.slot)
        else:
            log.debug("digest of guild %s: %s", guild_id, due.action.value)
        return due.action

    def _retry_soon(self, guild_id: int, *, after: timedelta = STORAGE_RETRY) -> None:
        """Try the club's week again shortly: the storage may be back by then (within the grace window
        the claimed week is resumed; its nonces keep a message that got through from doubling)."""
        self.bot.scheduler.add_job(
            self.on_trigger,
            trigger="date",
            run_date=datetime.now(UTC) + after,
            args=(guild_id,),
            id=f"{JOB_PREFIX}retry:{guild_id}",
            replace_existing=True,
        )

    async def _send(self, due: Due, now: datetime) -> None:
        assert due.schedule is not None
        schedule = due.schedule
        # A resumed week stays in the channel it began in, even if the schedule moved since.
        channel_id = due.parts[0].channel_id if due.parts else schedule.channel_id
        guild = self.bot.get_guild(schedule.guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if guild is None:
            await self._failed(due, "I am no longer in this server, so the digest could not be posted.", now)
            return
        if not isinstance(channel, discord.TextChannel):
            missing = f"The digest channel (<#{channel_id}>) no longer exists. Pick another one with `/digest setup`."
            await self._failed(due, missing, now)
            return
        problem = cannot_post(channel)
        if problem is not None:
            await self._failed(due, problem, now)
            return
        parts = list(due.parts)
        if not parts:
            assert due.digest is not None
            pages = digest_pages(due.digest, club=guild.name)
            parts = await delivery.plan(self.bot.db, due, channel.id, pages)
        posted = {part.part: part.message_id for part in parts if part.message_id is not None}
        try:
            for part in parts:
                if part.message_id is None:
                    posted[part.part] = await self._send_part(channel, part)
        except _Leased:
            # Only with overlapping shards: the other process finishes the week; should it die, this
            # one resumes it once the lease has run out (the week is still claimed, not failed).
            log.warning(
                "digest of guild %s for %s is being posted by another process, so this one (%s) leaves "
                "it; do two processes' SHARD_IDS overlap?",
                guild.id,
                due.period,
                self.bot.ownership.label,
            )
            self._retry_soon(guild.id, after=SEND_LEASE + timedelta(seconds=1))
            return
        except (discord.HTTPException, _CannotTell) as exc:
            if isinstance(exc, _CannotTell):
                reason = str(exc)
            elif isinstance(exc, discord.NotFound):
                reason = f"the channel <#{channel.id}> no longer exists"
            elif isinstance(exc, discord.Forbidden):
                reason = f"Discord refused: I lack permission to post in {channel.mention}"
            else:
                reason = f"Discord answered {exc.status} ({exc.text or 'no detail'})"
            partial = f" after {len(posted)} of its messages" if posted else ""
            await self._failed(
                due,
                f"The digest could not be posted{partial}: {reason}.",
                now,
                channel_id=channel.id,
                message_id=posted.get(0),
                messages=len(posted),
            )
            return
        except sqlite3.Error:
            raise
        except Exception as exc:  # rendering, or anything else: logged with its traceback, shown by id
            await self._failed(
                due,
                service.log_failure(exc, guild.id, due.period, sent=len(posted)),
                now,
                channel_id=channel.id,
                message_id=posted.get(0),
                messages=len(posted),
            )
            return
        sent = await delivery.finish(self.bot.db, due, now)
        log.info("posted the digest of guild %s for %s in %s messages", guild.id, due.period, sent)
        self.bot.db.telemetry.digest("posted")

    async def _send_part(self, channel: discord.TextChannel, part: PlannedMessage) -> int:
        """Send one planned message, recording the attempt before the POST and its id after it."""
        now = self.bot.clock()
        if delivery.needs_lookup(part, now):
            earlier = await self._find_earlier(channel, part)
            if earlier is not None:
                await delivery.sent(self.bot.db, part, earlier.id)
                return earlier.id
        if not await delivery.attempting(self.bot.db, part, now, holder=self.bot.ownership.label):
            raise _Leased
        message = await channel.send(view=digest_ui.page_view(part.blocks), nonce=part.nonce)
        await delivery.sent(self.bot.db, part, message.id)
        return message.id

    async def _find_earlier(
        self, channel: discord.TextChannel, part: PlannedMessage
    ) -> discord.Message | None:
        """The message of `part` if an attempt too old for Discord's nonce check got through."""
        assert part.first_attempt_at is not None
        me = channel.guild.me
        cannot_tell = _CannotTell(
            f"I stopped while posting it and cannot read {channel.mention}'s history to see whether "
            f"message {part.part + 1} got through (I need the Read Message History permission there), "
            "so I did not send it again"
        )
        # Without the permission Discord answers an empty history rather than an error.
        if not channel.permissions_for(me).read_message_history:
            raise cannot_tell
        after = discord.Object(discord.utils.time_snowflake(part.first_attempt_at - CLOCK_SKEW))
        try:
            async for message in channel.history(limit=100, after=after, oldest_first=True):
                if message.author.id == me.id and message_texts(message) == list(part.blocks):
                    return message
        except discord.Forbidden:
            raise cannot_tell from None
        return None

    async def _failed(
        self,
        due: Due,
        error: str,
        now: datetime,
        *,
        channel_id: int | None = None,
        message_id: int | None = None,
        messages: int = 0,
    ) -> None:
        assert due.schedule is not None
        log.warning("digest of guild %s for %s failed: %s", due.schedule.guild_id, due.period, error)
        self.bot.db.telemetry.digest("failed")
        await service.record_failed(
            self.bot.db, due, error, now=now, channel_id=channel_id, message_id=message_id, messages=messages
        )

    # -- commands --------------------------------------------------------------------------
    @digest.command(name="setup")
    @app_commands.describe(
        channel="Where the digest is posted",
        weekday="The day of the week to post it",
        time="The time of day, 24-hour HH:MM (e.g. 18:00)",
        timezone="The club's time zone, an IANA name such as Europe/Prague",
    )
    @app_commands.check(manage_server_only)
    async def digest_setup(
        self,
        interaction: discord.Interaction[BookClubBot],
        channel: discord.TextChannel,
        weekday: Weekday,
        time: str,
        timezone: str,
    ) -> None:
        """Manage Server: post the weekly digest in a channel on a day and time."""
        assert interaction.guild_id is not None
        now = self.bot.clock()
        schedule = service.new_schedule(
            interaction.guild_id, channel.id, weekday=weekday, time=time, timezone=timezone, now=now
        )
        problem = cannot_post(channel)
        if problem is not None:
            raise UserFacingError(f"{problem} Give me that permission or pick another channel.")
        await service.save(self.bot.db, schedule)
        self.schedule_job(schedule)
        next_at = await service.next_post(self.bot.db, schedule, now)
        text = setup_text(
            schedule.weekday, schedule.hour, schedule.minute, schedule.timezone, channel.id, next_at
        )
        await interaction.response.send_message(text, ephemeral=True)

    @digest_setup.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[BookClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in service.timezone_suggestions(current)]

    @digest.command(name="preview")
    async def digest_preview(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Show this week's digest now, only to you."""
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        digest = await service.preview(self.bot.db, interaction.guild.id, self.bot.clock())
        for view in digest_views(digest, club=interaction.guild.name):
            await interaction.followup.send(view=view, ephemeral=True)

    @digest.command(name="status")
    async def digest_status(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """The next post, the last post and the last error."""
        assert interaction.guild_id is not None
        status = await service.status(self.bot.db, interaction.guild_id, self.bot.clock())
        view = status_view(status, interaction.guild_id, storage_error=self.faults.error)
        await interaction.response.send_message(view=view, ephemeral=True)

    @digest.command(name="off")
    @app_commands.check(manage_server_only)
    async def digest_off(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Manage Server: stop posting the weekly digest."""
        assert interaction.guild_id is not None
        await service.turn_off(self.bot.db, interaction.guild_id)
        self.unschedule_job(interaction.guild_id)
        await interaction.response.send_message(
            "The weekly digest is off. `/digest setup` starts it again.", ephemeral=True
        )


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Digest(bot))
