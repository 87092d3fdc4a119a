"""/profile, /follow, /unfollow and /goal: members in this server's club."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.models.stats import plural
from bot.render import NAME, plain
from bot.services.profiles import follow, load_profile, set_reading_goal, unfollow
from bot.ui.profiles import profile_view

if TYPE_CHECKING:
    from bot.client import BookClubBot


class Profiles(commands.Cog):
    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot

    @app_commands.command(name="profile")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose profile (yours when empty)")
    async def profile(
        self, interaction: discord.Interaction[BookClubBot], member: discord.Member | None = None
    ) -> None:
        """A member's reviews, ratings, followers, shelves, current books and yearly goal."""
        assert interaction.guild_id is not None
        who = member or interaction.user
        profile = await load_profile(
            self.bot.db, interaction.guild_id, who.id, name=who.display_name, now=self.bot.clock()
        )
        await interaction.response.send_message(view=profile_view(profile))

    @app_commands.command(name="follow")
    @app_commands.guild_only()
    @app_commands.describe(member="The member to follow")
    async def follow(self, interaction: discord.Interaction[BookClubBot], member: discord.Member) -> None:
        """Follow a member's reading in this server."""
        assert interaction.guild_id is not None
        await follow(
            self.bot.db,
            interaction.guild_id,
            interaction.user.id,
            member.id,
            followee_name=member.display_name,
            followee_is_bot=member.bot,
            now=self.bot.clock(),
        )
        await interaction.response.send_message(
            f"You now follow **{plain(member.display_name, NAME)}**.", ephemeral=True
        )

    @app_commands.command(name="unfollow")
    @app_commands.guild_only()
    @app_commands.describe(member="The member to stop following")
    async def unfollow(self, interaction: discord.Interaction[BookClubBot], member: discord.Member) -> None:
        """Stop following a member."""
        assert interaction.guild_id is not None
        await unfollow(
            self.bot.db,
            interaction.guild_id,
            interaction.user.id,
            member.id,
            followee_name=member.display_name,
        )
        await interaction.response.send_message(
            f"You no longer follow **{plain(member.display_name, NAME)}**.", ephemeral=True
        )

    @app_commands.command(name="goal")
    @app_commands.guild_only()
    @app_commands.describe(books="How many books you mean to read this year")
    async def goal(self, interaction: discord.Interaction[BookClubBot], books: int) -> None:
        """Set how many books you mean to read this year."""
        assert interaction.guild_id is not None
        year = await set_reading_goal(
            self.bot.db, interaction.guild_id, interaction.user.id, books, self.bot.clock()
        )
        await interaction.response.send_message(
            f"Your {year} goal: {plural(books, 'book')}. Good reading!", ephemeral=True
        )


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Profiles(bot))
