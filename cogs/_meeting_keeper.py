"""A club meeting's life (not an extension): its event made, its reminders and end as jobs rebuilt
from the database, and what Discord says of the event (moved, cancelled, over) followed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.models.meetings import Meeting
from bot.services import meetings as service
from bot.services import sends
from bot.ui.meetings import reminder_text
from cogs._sends import Sender

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

JOB_PREFIX = "meeting:"
_CHANNEL = re.compile(r"<#(\d+)>|(\d{15,20})")
NO_PERMISSION = (
    "I need the Manage Events permission in this server to schedule meetings (Server Settings → Roles); "
    "nothing was scheduled."
)


def end_job(meeting_id: int) -> str:
    return f"{JOB_PREFIX}end:{meeting_id}"


def send_job(key: str) -> str:
    return f"{JOB_PREFIX}send:{key}"


class MeetingKeeper:
    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self.sender = Sender(bot)
        self._catch_up: asyncio.Task[None] | None = None

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.bot.settings.reminder_grace_minutes)

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.bot.settings.meeting_length_minutes)

    # -- lifecycle ---------------------------------------------------------------------------------
    async def load(self) -> None:
        owned = self.bot.ownership
        for meeting in await service.stale_claims(
            self.bot.db, owned
        ):  # the bot stopped while Discord was asked
            log.warning(
                "meeting %s of guild %s was being created when the bot stopped; dropped",
                meeting.meeting_id,
                meeting.guild_id,
            )
            await service.abandon(self.bot.db, meeting)
        for meeting in await service.scheduled(self.bot.db, owned):
            self.schedule_end(meeting)
        now = self.bot.clock()
        for send in await sends.pending(self.bot.db, owned):
            if send.key.startswith(JOB_PREFIX) and send.due_at > now:
                self.schedule_send(send.key, send.due_at)
        self._catch_up = asyncio.create_task(self.catch_up())

    async def unload(self) -> None:
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                job.remove()
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catch_up

    async def catch_up(self) -> None:
        """After a restart: follow what changed in Discord meanwhile, send (or skip) reminders due."""
        await self.bot.wait_until_ready()
        for meeting in await service.scheduled(self.bot.db, self.bot.ownership):
            guild = self.bot.get_guild(meeting.guild_id)
            event = guild.get_scheduled_event(meeting.event_id) if guild and meeting.event_id else None
            try:
                if guild is not None and event is None:
                    await self.cancelled(meeting)
                elif event is not None:
                    await self.follow(meeting, event)
            except Exception:
                log.exception("could not follow meeting %s after a restart", meeting.meeting_id)
        now = self.bot.clock()
        for send in await sends.pending(self.bot.db, self.bot.ownership):
            if send.key.startswith(JOB_PREFIX) and send.due_at <= now:
                await self.remind(send.key)

    async def joined(self, guild_id: int) -> None:
        """A server joined (its shard is this process's): its meetings' jobs are rebuilt."""
        if not self.bot.owns(guild_id):
            return
        for meeting in await service.scheduled(self.bot.db, self.bot.ownership):
            if meeting.guild_id == guild_id:
                self.schedule_end(meeting)
        now = self.bot.clock()
        for send in await sends.pending(self.bot.db, self.bot.ownership):
            if send.guild_id == guild_id and send.key.startswith(JOB_PREFIX) and send.due_at > now:
                self.schedule_send(send.key, send.due_at)

    async def left(self, guild_id: int) -> None:
        """A server left: its meetings' jobs go (the rows stay; a rejoin schedules them again)."""
        for meeting in await service.scheduled(self.bot.db, self.bot.ownership):
            if meeting.guild_id == guild_id:
                self.unschedule(meeting.meeting_id)

    def schedule_send(self, key: str, due: datetime) -> None:
        self.bot.scheduler.add_job(
            self.remind,
            trigger="date",
            run_date=due,
            args=(key,),
            id=send_job(key),
            name=f"reminder {key}",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def schedule_end(self, meeting: Meeting) -> None:
        self.bot.scheduler.add_job(
            self.on_end_job,
            trigger="date",
            run_date=meeting.ends_at,
            args=(meeting.meeting_id,),
            id=end_job(meeting.meeting_id),
            name=f"end of meeting {meeting.meeting_id}",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def unschedule(self, meeting_id: int) -> None:
        prefix = send_job(service.reminder_prefix(meeting_id))
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(prefix) or job.id == end_job(meeting_id):
                job.remove()

    def schedule_all(self, meeting: Meeting) -> None:
        self.schedule_end(meeting)
        now = self.bot.clock()
        for kind, before in service.REMINDERS:
            if meeting.starts_at - before > now:
                key = service.reminder_key(meeting, kind)
                self.schedule_send(key, meeting.starts_at - before)

    # -- reminders and the end -----------------------------------------------------------------------
    async def remind(self, key: str) -> None:
        """What the scheduler runs for a reminder; never lets an error escape."""
        parsed = service.parse_key(key)
        if parsed is None:
            return
        meeting_id, kind = parsed

        async def build() -> dict[str, Any] | None:
            meeting = await service.get(self.bot.db, meeting_id)
            if meeting is None or meeting.status != "scheduled":
                return None
            return {"content": reminder_text(meeting, kind, await self.interested(meeting))}

        try:
            await self.sender.deliver(key, build, grace=self.grace)
        except Exception:
            log.exception("reminder %s failed", key)

    async def interested(self, meeting: Meeting) -> int | None:
        """Discord's count of members interested in the event (None when it cannot be read)."""
        guild = self.bot.get_guild(meeting.guild_id)
        if guild is None or meeting.event_id is None:
            return None
        try:
            event = await guild.fetch_scheduled_event(meeting.event_id, with_counts=True)
        except discord.HTTPException:
            log.warning("could not read the event of meeting %s", meeting.meeting_id, exc_info=True)
            return None
        return event.user_count

    async def on_end_job(self, meeting_id: int) -> None:
        meeting = await service.get(self.bot.db, meeting_id)
        if meeting is not None and meeting.status == "scheduled":
            try:
                await self.over(meeting)
            except Exception:
                log.exception("ending meeting %s failed", meeting_id)

    async def over(self, meeting: Meeting) -> None:
        """The meeting ended: once; a repeating one gets its next occurrence."""
        if not await service.end(self.bot.db, meeting, self.bot.clock()):
            return
        self.unschedule(meeting.meeting_id)
        if meeting.repeat == "none":
            return
        guild = self.bot.get_guild(meeting.guild_id)
        if guild is None:
            return
        start = service.next_start(meeting)
        where = guild.get_channel(meeting.where_channel_id) if meeting.where_channel_id else None
        try:
            await self.create(
                guild,
                channel_id=meeting.channel_id,
                user_id=meeting.created_by,
                starts_at=start,
                timezone=meeting.timezone,
                repeat=meeting.repeat,
                topic=meeting.topic,
                where=where,
                location=meeting.location,
                follows=meeting.meeting_id,
            )
        except UserFacingError as refusal:
            log.warning(
                "the next occurrence of meeting %s could not be made: %s", meeting.meeting_id, refusal
            )

    async def cancelled(self, meeting: Meeting) -> None:
        if await service.cancel(self.bot.db, meeting, self.bot.clock()):
            self.unschedule(meeting.meeting_id)
            log.info("meeting %s was cancelled", meeting.meeting_id)

    async def follow(self, meeting: Meeting, event: discord.ScheduledEvent) -> None:
        """Follow the event as Discord has it now: cancelled, over, or moved."""
        if event.status in (discord.EventStatus.cancelled,):
            await self.cancelled(meeting)
        elif event.status in (discord.EventStatus.completed,):
            await self.over(meeting)
        else:
            end = event.end_time or (event.start_time + self.length)
            channel_id = event.channel_id if event.entity_type is not discord.EntityType.external else None
            changed = (event.start_time, end, event.name, channel_id, event.location)
            if changed != (
                meeting.starts_at,
                meeting.ends_at,
                meeting.name,
                meeting.where_channel_id,
                meeting.location,
            ):
                moved = await service.move(
                    self.bot.db,
                    meeting,
                    starts_at=event.start_time,
                    ends_at=end,
                    name=event.name,
                    where_channel_id=channel_id,
                    location=None if channel_id else event.location,
                    now=self.bot.clock(),
                )
                self.unschedule(meeting.meeting_id)
                self.schedule_all(moved)

    async def create(
        self,
        guild: discord.Guild,
        *,
        channel_id: int,
        user_id: int,
        starts_at: datetime,
        timezone: str,
        repeat: str,
        topic: str | None,
        where: Any,
        location: str | None,
        follows: int | None = None,
    ) -> Meeting:
        """Claim the meeting, ask Discord for the event, keep it: Discord's refusal leaves nothing stored."""
        me = guild.me.guild_permissions
        if not (me.manage_events or me.create_events):
            raise UserFacingError(NO_PERMISSION)
        voice = where if isinstance(where, discord.VoiceChannel | discord.StageChannel) else None
        now = self.bot.clock()
        plan = await service.plan(
            self.bot.db,
            guild_id=guild.id,
            channel_id=channel_id,
            created_by=user_id,
            starts_at=starts_at,
            length=self.length,
            timezone=timezone,
            repeat=repeat,
            topic=topic,
            where_channel_id=voice.id if voice else None,
            location=None if voice else location,
            follows=follows,
        )
        meeting = await service.claim(self.bot.db, plan, now)
        options: dict[str, Any] = {
            "name": meeting.name,
            "start_time": meeting.starts_at,
            "end_time": meeting.ends_at,
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        if meeting.description:
            options["description"] = meeting.description
        if voice is not None:  # discord.py sends no entity_type unless it is given
            kind = (
                discord.EntityType.stage_instance
                if isinstance(voice, discord.StageChannel)
                else discord.EntityType.voice
            )
            options.update(entity_type=kind, channel=voice)
        else:
            options.update(entity_type=discord.EntityType.external, location=meeting.location)
        try:
            event = await guild.create_scheduled_event(**options)
        except discord.HTTPException as error:
            await service.abandon(self.bot.db, meeting)
            detail = f": {error.text}" if error.text else ""
            raise UserFacingError(
                f"Discord refused the event ({error.status}{detail}); nothing was scheduled."
            ) from None
        except BaseException:
            await service.abandon(self.bot.db, meeting)
            raise
        scheduled = await service.activate(self.bot.db, meeting, event.id, now)
        self.schedule_all(scheduled)
        return scheduled

    def resolve_where(self, guild: discord.Guild, where: str | None, fallback: str) -> tuple[Any, str | None]:
        """(a voice or stage channel, None) or (None, a place or link); a text channel is refused."""
        if where is None or not where.strip():
            return None, fallback
        text = where.strip()
        match = _CHANNEL.fullmatch(text)
        named = discord.utils.get(guild.channels, name=text.lstrip("#"))
        channel = guild.get_channel(int(match[1] or match[2])) if match else named
        if isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            return channel, None
        if channel is not None:
            raise UserFacingError(
                f"{channel.mention} is not a voice or stage channel: meet in one of those, or type a place or a link."
            )
        return None, service.check_location(text)
