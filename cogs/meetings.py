"""/meeting schedule|list|cancel: club meetings as Discord scheduled events, with reminders before them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.services import meetings as service
from bot.services.digest import timezone_suggestions
from bot.ui.meetings import Listed, choice_label, list_view, place_of, scheduled_text
from bot.ui.organisers import organiser_only
from cogs._meeting_keeper import MeetingKeeper

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

Repeat = Literal["none", "weekly", "every-2-weeks", "monthly"]


class Meetings(commands.Cog):
    meeting = app_commands.Group(
        name="meeting", description="The club's meetings: Discord events", guild_only=True
    )

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self.keeper = MeetingKeeper(bot)

    async def cog_load(self) -> None:
        await self.keeper.load()

    async def cog_unload(self) -> None:
        await self.keeper.unload()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.keeper.joined(guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.keeper.left(guild.id)

    @commands.Cog.listener()
    async def on_scheduled_event_update(
        self, before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        meeting = await service.by_event(self.bot.db, after.id)
        if meeting is not None and meeting.status == "scheduled":
            await self.keeper.follow(meeting, after)

    @commands.Cog.listener()
    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        meeting = await service.by_event(self.bot.db, event.id)
        if meeting is not None and meeting.status == "scheduled":
            await self.keeper.cancelled(meeting)

    # -- commands ------------------------------------------------------------------------------------
    @meeting.command(name="schedule")
    @app_commands.describe(
        when="Local date and time, YYYY-MM-DD HH:MM",
        timezone="The time zone of `when`, an IANA name such as Europe/Prague",
        where="A voice or stage channel, or a place or link (default: this channel's name)",
        repeat="Make the next one when this one ends (default none)",
        topic="The event's name (default: the club book's title)",
    )
    @organiser_only()
    async def schedule(
        self,
        interaction: discord.Interaction[BookClubBot],
        when: str,
        timezone: str,
        where: str | None = None,
        repeat: Repeat = "none",
        topic: str | None = None,
    ) -> None:
        """Organisers: schedule a club meeting as a Discord event, with reminders 24 h and 1 h before."""
        guild = interaction.guild
        channel = interaction.channel
        assert guild is not None
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise UserFacingError(
                "Schedule meetings from the club's text channel: reminders are posted there."
            )
        starts_at = service.parse_when(when, timezone, self.bot.clock())
        voice, location = self.keeper.resolve_where(guild, where, f"#{channel.name}")
        await interaction.response.defer(ephemeral=True, thinking=True)
        meeting = await self.keeper.create(
            guild,
            channel_id=channel.id,
            user_id=interaction.user.id,
            starts_at=starts_at,
            timezone=timezone,
            repeat=repeat,
            topic=topic,
            where=voice,
            location=location,
        )
        await interaction.followup.send(scheduled_text(meeting), ephemeral=True)

    @schedule.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction[BookClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in timezone_suggestions(current)]

    @schedule.autocomplete("where")
    async def where_choices(
        self, interaction: discord.Interaction[BookClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        guild = interaction.guild
        rooms = (
            [c for c in guild.channels if isinstance(c, discord.VoiceChannel | discord.StageChannel)]
            if guild
            else []
        )
        typed = current.casefold().lstrip("#")
        return [
            app_commands.Choice(name=f"🔊 {c.name}", value=f"<#{c.id}>")
            for c in rooms
            if typed in c.name.casefold()
        ][:25]

    @meeting.command(name="list")
    async def list_meetings(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Upcoming meetings and how many members are interested."""
        guild = interaction.guild
        assert guild is not None
        upcoming = await service.upcoming(self.bot.db, guild.id, self.bot.clock())
        await interaction.response.defer(ephemeral=True, thinking=True)
        events = {}
        if upcoming:
            try:
                events = {e.id: e for e in await guild.fetch_scheduled_events(with_counts=True)}
            except discord.HTTPException as error:
                raise UserFacingError(
                    f"Discord did not list the server's events ({error.status}); try again."
                ) from None
        listed = []
        for meeting in upcoming:
            event = events.get(meeting.event_id or 0)
            if event is None:
                await self.keeper.cancelled(meeting)  # deleted in Discord while the bot was away
                continue
            listed.append(Listed(meeting, event.start_time, place_of(event), event.user_count or 0))
        await interaction.followup.send(view=list_view(listed), ephemeral=True)

    @meeting.command(name="cancel")
    @app_commands.describe(meeting="The meeting to cancel")
    @organiser_only()
    async def cancel(self, interaction: discord.Interaction[BookClubBot], meeting: str) -> None:
        """Organisers: cancel a meeting: its Discord event and its reminders."""
        guild = interaction.guild
        assert guild is not None
        chosen = await service.require_meeting(self.bot.db, guild.id, meeting)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if chosen.event_id is not None:
            try:
                event = guild.get_scheduled_event(chosen.event_id)
                await (event or await guild.fetch_scheduled_event(chosen.event_id)).delete()
            except discord.NotFound:
                pass  # already gone in Discord
            except discord.HTTPException as error:
                raise UserFacingError(
                    f"Discord refused to cancel the event ({error.status}); nothing changed."
                ) from None
        await self.keeper.cancelled(chosen)
        await interaction.followup.send(
            f"Cancelled **{chosen.name}**; its reminders are off.", ephemeral=True
        )

    @cancel.autocomplete("meeting")
    async def meeting_choices(
        self, interaction: discord.Interaction[BookClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await service.upcoming(self.bot.db, interaction.guild_id, self.bot.clock())
        typed = current.casefold()
        return [
            app_commands.Choice(name=choice_label(m), value=str(m.meeting_id))
            for m in found
            if typed in m.name.casefold()
        ][:25]


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Meetings(bot))
