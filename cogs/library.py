"""/library import and /library export, and the background enrichment of imported books."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import UserFacingError
from bot.services.library import (
    FORMATS,
    ImportGuard,
    close_interrupted_imports,
    export_library,
    import_library,
    read_library_file,
)
from bot.ui.library import failed_text, progress_text, summary_text

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

ENRICH_EVERY_SECONDS = 30.0
_NO_MENTIONS = discord.AllowedMentions.none()


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


@app_commands.guild_only()
class Library(
    commands.GroupCog, group_name="library", group_description="Bring your reading history in, or take it out"
):
    """Import a Goodreads or StoryGraph export; export a Goodreads-format CSV."""

    #: Seconds between two edits of the progress message (Discord rate-limits message edits).
    progress_interval = 2.0

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self.guard = ImportGuard()

    async def cog_load(self) -> None:
        # No import survives a restart: one left running by a stopped process has failed.
        await close_interrupted_imports(self.bot.db, self.bot.clock(), self.bot.ownership)
        if self.bot.enricher is None:
            log.info("no Open Library provider: imported books are not enriched")
            return
        if not self.bot.ownership.shared_work:
            # The catalogue is shared by every server: one process completes it, the one with shard 0.
            log.info("imported books are enriched by the process running shard 0, not this one")
            return
        self.enrich_loop.start()

    async def cog_unload(self) -> None:
        self.enrich_loop.cancel()

    @tasks.loop(seconds=ENRICH_EVERY_SECONDS)
    async def enrich_loop(self) -> None:
        """Drain the enrichment queue batch by batch; the loop's interval is the retry delay."""
        enricher = self.bot.enricher
        assert enricher is not None
        try:
            while await enricher.run_once() and not enricher.last_failed:
                pass
        except Exception:  # run_once handles each book's errors; this is a last resort (a database outage)
            log.exception("library enrichment failed; retrying in %.0f s", ENRICH_EVERY_SECONDS)

    @app_commands.command(name="import")
    @app_commands.describe(
        file="The CSV from Goodreads (Export Library) or StoryGraph (Export StoryGraph Library)",
        format="Which site the file comes from (detected from its header when left out)",
    )
    @app_commands.choices(
        format=[
            app_commands.Choice(name="Goodreads", value="goodreads"),
            app_commands.Choice(name="StoryGraph", value="storygraph"),
        ]
    )
    async def import_(
        self,
        interaction: discord.Interaction[BookClubBot],
        file: discord.Attachment,
        format: app_commands.Choice[str] | None = None,
    ) -> None:
        """Import your shelves, ratings and reviews from a Goodreads or StoryGraph CSV."""
        assert interaction.guild_id is not None
        limit = self.bot.settings.import_max_bytes
        if file.size > limit:
            raise UserFacingError(
                f"That file is {_megabytes(file.size)}; the import limit is {_megabytes(limit)}. "
                "Export again without extra columns, or split the file."
            )
        if file.size == 0:
            raise UserFacingError(
                "That file is empty. Attach the CSV from Goodreads' or StoryGraph's export."
            )
        requested = FORMATS.get(format.value) if format is not None else None
        with self.guard.claim(interaction.guild_id, interaction.user.id):
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                data = await file.read()
            except discord.HTTPException as exc:
                raise UserFacingError("I could not download that file from Discord; try again.") from exc
            library = await read_library_file(data, requested)
            await self._edit(interaction, progress_text(0, library.total))
            loop = asyncio.get_running_loop()
            last_edit = loop.time()
            saved = 0  # rows committed so far

            async def progress(done: int, total: int) -> None:
                nonlocal last_edit, saved
                saved = done
                if done < total and loop.time() - last_edit >= self.progress_interval:
                    last_edit = loop.time()
                    await self._edit(interaction, progress_text(done, total))

            try:
                summary = await import_library(
                    self.bot.db,
                    guild_id=interaction.guild_id,
                    user_id=interaction.user.id,
                    file=library,
                    now=self.bot.clock(),
                    progress=progress,
                )
            except Exception:  # the job is marked failed; the rows saved so far stay saved
                log.exception(
                    "library import by %s in guild %s failed after %d of %d rows",
                    interaction.user.id,
                    interaction.guild_id,
                    saved,
                    library.total,
                )
                text = failed_text(saved, library.total)
            else:
                text = summary_text(summary)
            # the rows saved so far count, even when the import stopped early
            self.bot.progress_moved(interaction.guild_id, interaction.user.id)
            await self._finish(interaction, text)

    async def _edit(self, interaction: discord.Interaction[BookClubBot], text: str) -> bool:
        """Show `text` in the progress message; a lost edit must not stop the import, but is logged."""
        try:
            await interaction.edit_original_response(content=text, allowed_mentions=_NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not edit the import message of %s: %s", interaction.user.id, exc)
            return False
        return True

    async def _finish(self, interaction: discord.Interaction[BookClubBot], text: str) -> None:
        """The closing message must reach the member: in the progress message, else as a follow-up
        (the interaction's token lasts 15 minutes), else by direct message; every failure is logged."""
        if await self._edit(interaction, text):
            return
        try:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=_NO_MENTIONS)
            return
        except discord.HTTPException as exc:
            log.warning(
                "could not send the import summary to %s as a follow-up: %s", interaction.user.id, exc
            )
        try:
            await interaction.user.send(text, allowed_mentions=_NO_MENTIONS)
        except discord.HTTPException:
            log.exception(
                "the import summary for %s was lost: no edit, follow-up or DM got through",
                interaction.user.id,
            )

    @app_commands.command(name="export")
    async def export(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Download your library in this server as a Goodreads-format CSV."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        export = await export_library(
            self.bot.db, guild_id=interaction.guild_id, user_id=interaction.user.id, now=self.bot.clock()
        )
        await interaction.followup.send(
            f"Your library: {export.books} {'book' if export.books == 1 else 'books'}, in Goodreads' "
            "CSV format (Goodreads, StoryGraph and BookWyrm import it).",
            file=discord.File(io.BytesIO(export.data), filename=export.filename),
            ephemeral=True,
        )


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Library(bot))
