"""Owner commands: syncing the slash commands without a global sync on every boot; the bot's status."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.logs import RecentErrors
from bot.models.ops import ErrorLine, OpsStatus
from bot.services.ops import backup_state, database_size, next_jobs
from bot.ui.admin import status_view

if TYPE_CHECKING:
    from bot.client import BookClubBot


async def owner_only(interaction: discord.Interaction[BookClubBot]) -> bool:
    """An app-command check: only the ids in OWNER_IDS pass."""
    if interaction.user.id in interaction.client.settings.owner_ids:
        return True
    raise app_commands.CheckFailure("Only the bot's owners (OWNER_IDS) can run this command.")


class Admin(commands.Cog):
    admin = app_commands.Group(
        name="admin",
        description="Owner only: how the bot is doing",
        default_permissions=discord.Permissions(administrator=True),
    )

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self.recent_errors = RecentErrors()  # the last ERROR log lines, with their error ids

    async def cog_load(self) -> None:
        logging.getLogger().addHandler(self.recent_errors)

    async def cog_unload(self) -> None:
        logging.getLogger().removeHandler(self.recent_errors)

    @admin.command(name="status")
    @app_commands.check(owner_only)
    async def status(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Owner only: version, uptime, database and backups, jobs, providers and recent errors."""
        bot = self.bot
        jobs, job_count = next_jobs(bot.scheduler.get_jobs() if bot.scheduler.running else [])
        status = OpsStatus(
            version=bot.version,
            started_at=bot.started_at,
            now=bot.clock(),
            guilds=len(bot.guilds),
            latency=bot.latency if math.isfinite(bot.latency) else None,
            database_path=bot.db.path,
            database_size=(
                await asyncio.to_thread(database_size, bot.db.path) if bot.db.dialect == "sqlite" else None
            ),
            backups=await backup_state(bot.backups),
            jobs=jobs,
            job_count=job_count,
            breakers=bot.books.breaker_states(),
            errors=[
                ErrorLine(line.time, line.message, line.error_id)
                for line in reversed(self.recent_errors.lines)
            ],
        )
        await interaction.response.send_message(view=status_view(status), ephemeral=True)

    @app_commands.command(name="sync")
    @app_commands.describe(scope="Where to sync: everywhere (global) or only this server")
    @app_commands.default_permissions(administrator=True)
    @app_commands.check(owner_only)
    async def sync(
        self,
        interaction: discord.Interaction[BookClubBot],
        scope: Literal["global", "server"] = "global",
    ) -> None:
        """Owner only: sync the slash commands with Discord."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        tree = self.bot.tree
        if scope == "server" and interaction.guild is not None:
            tree.copy_global_to(guild=interaction.guild)
            synced = await tree.sync(guild=interaction.guild)
            where = "to this server"
        else:
            synced = await self.bot.sync_commands(force=True) or []
            where = "to the development guild" if self.bot.settings.dev_guild_id else "globally"
        await interaction.followup.send(f"Synced {len(synced)} commands {where}.", ephemeral=True)


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Admin(bot))
