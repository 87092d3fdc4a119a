"""/digest setup, preview, status and off, and the weekly job that posts the digest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.models.digest import Schedule as DigestSchedule
from bot.services import digest as service
from bot.services.digest import Action, Due
from bot.ui.base import cannot_post
from bot.ui.digest import digest_views, setup_text, status_view

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

JOB_PREFIX = "digest:"
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def job_id(guild_id: int) -> str:
    return f"{JOB_PREFIX}{guild_id}"


async def manage_server_only(interaction: discord.Interaction[BookClubBot]) -> bool:
    """Runtime check behind the default permission, which server admins can override."""
    if interaction.guild is not None and interaction.permissions.manage_guild:
        return True
    raise app_commands.CheckFailure("You need the Manage Server permission to change the weekly digest.")


class Digest(commands.Cog):
    """The weekly digest: one APScheduler job per club, rebuilt from the database at start-up."""

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

    # -- lifecycle -------------------------------------------------------------------------
    async def cog_load(self) -> None:
        await service.load_zone_names()  # before the first /digest setup autocomplete needs them
        for schedule in await service.all_schedules(self.bot.db):
            self.schedule_job(schedule)
        self._catch_up = asyncio.create_task(self.catch_up())

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
        self.bot.scheduler.add_job(
            self.on_trigger,
            trigger=service.trigger_for(schedule),
            args=(schedule.guild_id,),
            id=job_id(schedule.guild_id),
            name=f"weekly digest of {schedule.guild_id}",
            replace_existing=True,
            coalesce=True,
            # A late wake-up (busy loop, suspended laptop) still runs; the claim keeps it single.
            misfire_grace_time=max(1, int(self.grace.total_seconds())),
        )

    def unschedule_job(self, guild_id: int) -> None:
        if self.bot.scheduler.get_job(job_id(guild_id)) is not None:
            self.bot.scheduler.remove_job(job_id(guild_id))

    async def catch_up(self) -> None:
        """Post, once, every digest that fell due while the bot was down (within the grace window)."""
        await self.bot.wait_until_ready()
        for schedule in await service.all_schedules(self.bot.db):
            try:
                await self.post_digest(schedule.guild_id, self.bot.clock())
            except Exception:
                log.exception("digest catch-up failed for guild %s", schedule.guild_id)

    async def on_trigger(self, guild_id: int) -> None:
        """What the scheduler runs: the job with the bot's clock; never lets an error escape."""
        try:
            await self.post_digest(guild_id, self.bot.clock())
        except Exception:
            log.exception("weekly digest job failed for guild %s", guild_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.unschedule_job(guild.id)
        await service.turn_off_quietly(self.bot.db, guild.id)
        log.info("left guild %s: its weekly digest is off", guild.id)

    # -- the weekly post -------------------------------------------------------------------
    async def post_digest(self, guild_id: int, now: datetime) -> Action:
        """Post this club's digest if the database says it is due at `now` and unclaimed."""
        due = await service.claim_due(
            self.bot.db, guild_id, now, grace=self.grace, post_empty=self.bot.settings.digest_post_empty
        )
        if due.action is Action.POST:
            try:
                await self._send(due, now)
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

    async def _send(self, due: Due, now: datetime) -> None:
        assert due.schedule is not None
        assert due.digest is not None
        schedule = due.schedule
        guild = self.bot.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.channel_id) if guild else None
        if guild is None:
            await self._failed(due, "I am no longer in this server, so the digest could not be posted.", now)
            return
        if not isinstance(channel, discord.TextChannel):
            missing = (
                f"The digest channel (<#{schedule.channel_id}>) no longer exists. "
                "Pick another one with `/digest setup`."
            )
            await self._failed(due, missing, now)
            return
        problem = cannot_post(channel)
        if problem is not None:
            await self._failed(due, problem, now)
            return
        first: discord.Message | None = None
        sent = 0
        try:
            for view in digest_views(due.digest, club=guild.name):
                message = await channel.send(view=view)
                first = first or message
                sent += 1
        except discord.HTTPException as exc:
            if isinstance(exc, discord.NotFound):
                reason = f"the channel <#{channel.id}> no longer exists"
            elif isinstance(exc, discord.Forbidden):
                reason = f"Discord refused: I lack permission to post in {channel.mention}"
            else:
                reason = f"Discord answered {exc.status} ({exc.text or 'no detail'})"
            partial = f" after {sent} of its messages" if sent else ""
            await self._failed(
                due,
                f"The digest could not be posted{partial}: {reason}.",
                now,
                channel_id=channel.id,
                message_id=first.id if first else None,
                messages=sent,
            )
            return
        except Exception as exc:  # rendering, or anything else: logged with its traceback, shown by id
            await self._failed(
                due,
                service.log_failure(exc, guild.id, due.period, sent=sent),
                now,
                channel_id=channel.id,
                message_id=first.id if first else None,
                messages=sent,
            )
            return
        assert first is not None
        await service.record_posted(
            self.bot.db, due, channel_id=channel.id, message_id=first.id, messages=sent, now=now
        )
        log.info("posted the digest of guild %s for %s in %s messages", guild.id, due.period, sent)

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
        await interaction.response.send_message(
            view=status_view(status, interaction.guild_id), ephemeral=True
        )

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
