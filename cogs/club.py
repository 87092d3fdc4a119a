"""/club organiser, /club read start|status|edit|end and /club history: the club reads together."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.services import organisers
from bot.services.club import (
    DEFAULT_EVERY,
    DEFAULT_SECTIONS,
    abandon,
    activate,
    claim,
    end_read,
    load_status,
    parse_start,
    plan_read,
    record_thread,
    require_read,
    server_today,
)
from bot.services.club_gate import channel_deleted
from bot.ui.club import EditForm, status_view
from bot.ui.club_history import HistorySource
from bot.ui.club_text import ended_text, started_text
from bot.ui.club_threads import close_threads, delete_threads, missing_permissions, open_thread, thread_home
from bot.ui.forms import answer_form, send_modal
from bot.ui.organisers import organiser_only
from bot.ui.pager import open_pages
from cogs._club_threads import ThreadGate
from cogs._options import BookOption

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

AnyChannel = discord.abc.GuildChannel | discord.Thread


async def manage_server_only(interaction: discord.Interaction[BookClubBot]) -> bool:
    if interaction.guild is not None and interaction.permissions.manage_guild:
        return True
    raise app_commands.CheckFailure("You need the Manage Server permission to choose the organiser role.")


class Club(commands.Cog):
    club = app_commands.Group(
        name="club", description="The club: its current read, organisers and history", guild_only=True
    )
    read = app_commands.Group(name="read", description="The book the club reads together", parent=club)

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self.gate = ThreadGate(bot)

    async def cog_load(self) -> None:
        self.bot.progress_listeners.append(self.gate.member_moved)
        self.gate.resume()

    async def cog_unload(self) -> None:
        if self.gate.member_moved in self.bot.progress_listeners:
            self.bot.progress_listeners.remove(self.gate.member_moved)
        await self.gate.close()

    # -- events ----------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Answer the schedule form, also one shown before a restart (its custom id names the read)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        await answer_form(interaction, (EditForm,))

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        self.gate.thread_deleted(payload.thread_id)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await channel_deleted(self.bot.db, channel.guild.id, channel.id, self.bot.clock())

    # -- organisers ------------------------------------------------------------------------
    @club.command(name="organiser")
    @app_commands.describe(
        role="Members with this role may run organiser commands (empty: Manage Server only)"
    )
    @app_commands.check(manage_server_only)
    async def organiser(
        self, interaction: discord.Interaction[BookClubBot], role: discord.Role | None = None
    ) -> None:
        """Manage Server: choose the role whose members run the club's organiser commands."""
        assert interaction.guild_id is not None
        await organisers.set_role(self.bot.db, interaction.guild_id, role.id if role else None)
        if role is None:
            text = "Organisers are now the members with the Manage Server permission."
        else:
            text = (
                f"Organisers are now the members with the {role.mention} role, and those with Manage Server."
            )
        await interaction.response.send_message(text, ephemeral=True)

    # -- the read ----------------------------------------------------------------------------
    @read.command(name="start")
    @app_commands.describe(
        book="The book the club reads together",
        sections=f"How many parts to split it into, 2 to 20 (default {DEFAULT_SECTIONS})",
        every=f"Days between two due dates, 1 to 60 (default {DEFAULT_EVERY})",
        start="The first day, YYYY-MM-DD (default today)",
        channel="The text channel for the section threads (default this one)",
    )
    @organiser_only()
    async def read_start(
        self,
        interaction: discord.Interaction[BookClubBot],
        book: BookOption,
        sections: int = DEFAULT_SECTIONS,
        every: int = DEFAULT_EVERY,
        start: str | None = None,
        channel: AnyChannel | None = None,
    ) -> None:
        """Organisers: start the club's read, split into sections with private discussion threads."""
        guild = interaction.guild
        assert guild is not None
        home = thread_home(channel or interaction.channel)
        now = self.bot.clock()
        timezone, today = await server_today(self.bot.db, guild.id, now)
        plan = plan_read(
            guild_id=guild.id,
            book=book,
            channel_id=home.id,
            started_by=interaction.user.id,
            sections=sections,
            every=every,
            start=parse_start(start, today),
            timezone=timezone,
        )
        refusal = missing_permissions(home)
        if refusal is not None:
            raise UserFacingError(refusal)
        read = await claim(self.bot.db, plan, now)
        await interaction.response.defer(ephemeral=True, thinking=True)
        made: list[int] = []
        try:
            for section in read.sections:
                thread, message_id = await open_thread(home, read, section)
                made.append(thread.id)
                await record_thread(self.bot.db, read.read_id, section.number, thread.id, message_id)
        except discord.HTTPException as error:
            await delete_threads(guild, made)
            await abandon(self.bot.db, read.read_id)
            log.warning("could not make the threads of club read %s", read.read_id, exc_info=True)
            raise UserFacingError(
                f"Discord refused to make the section threads in {home.mention} ({error.status}); "
                "nothing was started. Check my permissions there and try again."
            ) from None
        await activate(self.bot.db, read.read_id)
        status = await load_status(self.bot.db, guild.id, 0, now)
        await home.send(view=status_view(status, viewer=None))
        await interaction.followup.send(started_text(status.read), ephemeral=True)
        self.gate.read_started(read.read_id)

    @read.command(name="status")
    async def read_status(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """The schedule, who is on track, and your pace."""
        guild = interaction.guild
        assert guild is not None
        status = await load_status(self.bot.db, guild.id, interaction.user.id, self.bot.clock())
        home = guild.get_channel(status.read.channel_id)
        user = interaction.user
        sees_all = (
            isinstance(home, discord.TextChannel)
            and isinstance(user, discord.Member)
            and (home.permissions_for(user).manage_threads)
        )
        view = status_view(status, viewer=user.id, sees_all=sees_all)
        await interaction.response.send_message(view=view, ephemeral=True)

    @read.command(name="edit")
    @organiser_only()
    async def read_edit(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Organisers: rename sections and move due dates, in a form."""
        assert interaction.guild_id is not None
        read = await require_read(self.bot.db, interaction.guild_id)
        await send_modal(interaction, EditForm(read))

    @read.command(name="end")
    @organiser_only()
    async def read_end(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Organisers: end the read; its readers, finishers and the club's rating go into the history."""
        guild = interaction.guild
        assert guild is not None
        await require_read(self.bot.db, guild.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        ended = await end_read(self.bot.db, guild.id, self.bot.clock())
        unclosed = await close_threads(guild, ended.read)
        home = guild.get_channel(ended.read.channel_id)
        note = ""
        if isinstance(home, discord.TextChannel):
            try:
                await home.send(ended_text(ended))
            except discord.HTTPException:
                note = f" I could not post the summary in {home.mention}."
        else:
            note = " Its channel is gone, so no summary was posted."
        if unclosed:
            note += f" {unclosed} thread(s) could not be closed: check my Manage Threads permission."
        title = discord.utils.escape_markdown(ended.read.title)
        await interaction.followup.send(
            f"The read of *{title}* has ended; it is in `/club history`.{note}", ephemeral=True
        )

    # -- history ---------------------------------------------------------------------------
    @club.command(name="history")
    async def history(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """The club's past reads, newest first."""
        await open_pages(interaction, HistorySource())


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Club(bot))
