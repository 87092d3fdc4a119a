"""/suggest and /pick start|status|close: the club chooses its next book, by a Discord poll or a ranked vote."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.models.picks import Vote
from bot.services import picks as service
from bot.services import sends
from bot.ui.base import cannot_post
from bot.ui.organisers import organiser_only
from bot.ui.pager import open_pages
from bot.ui.pick_text import book_words
from bot.ui.picks import PickSource, ballot_message, make_poll, poll_intro, result_view
from cogs._options import BookOption
from cogs._sends import Sender

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

JOB_PREFIX = "pick:close:"
# Discord ends a poll at its expiry; its finalised counts can take a moment to arrive.
POLL_SETTLE = timedelta(seconds=30)
POLL_RECHECK = timedelta(minutes=1)


def job_id(vote_id: int) -> str:
    return f"{JOB_PREFIX}{vote_id}"


def poll_counts(message: discord.Message) -> dict[int, int] | None:
    """A finalised poll's counts by answer id; None while Discord has not finalised it."""
    poll = message.poll
    if poll is None or not poll.is_finalised():
        return None
    return {answer.id: answer.vote_count for answer in poll.answers}


class Picks(commands.Cog):
    pick = app_commands.Group(
        name="pick", description="Choose the club's next book together", guild_only=True
    )

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self.sender = Sender(bot)
        self._catch_up: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def cog_load(self) -> None:
        # Before any interaction can arrive: a vote left 'starting' was stopped before its message
        # was recorded, so its round takes suggestions again.
        for vote in await service.stale_starts(self.bot.db, self.bot.ownership):
            log.warning(
                "vote %s of guild %s never opened (the bot stopped); dropped", vote.vote_id, vote.guild_id
            )
            await service.abandon(self.bot.db, vote)
        for vote in await service.open_votes(self.bot.db, self.bot.ownership):
            self.schedule_close(vote)
        self._catch_up = asyncio.create_task(self.catch_up())

    async def cog_unload(self) -> None:
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                job.remove()
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catch_up

    async def catch_up(self) -> None:
        """After a restart: post results claimed but not sent, and close votes that ended meanwhile."""
        await self.bot.wait_until_ready()
        for send in await sends.pending(self.bot.db, self.bot.ownership):
            if send.key.startswith("pick:"):
                await self.post_result(int(send.key.split(":")[1]))
        for vote in await service.open_votes(self.bot.db, self.bot.ownership):
            try:
                await self.check(vote.vote_id)
            except Exception:
                log.exception("could not check vote %s after a restart", vote.vote_id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A server joined (its shard is this process's): its open vote's close is scheduled again."""
        if not self.bot.owns(guild.id):
            return
        for vote in await service.open_votes(self.bot.db, self.bot.ownership):
            if vote.guild_id == guild.id:
                self.schedule_close(vote)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """A server left: its vote's close job goes (the vote stays; a rejoin schedules it again)."""
        for vote in await service.open_votes(self.bot.db, self.bot.ownership):
            if vote.guild_id == guild.id:
                self.unschedule_close(vote.vote_id)

    def schedule_close(self, vote: Vote, *, at: Any = None) -> None:
        run_date = at or (vote.closes_at + (POLL_SETTLE if vote.mode == "poll" else timedelta()))
        self.bot.scheduler.add_job(
            self.on_close_job,
            trigger="date",
            run_date=run_date,
            args=(vote.vote_id,),
            id=job_id(vote.vote_id),
            name=f"close vote {vote.vote_id}",
            replace_existing=True,
            misfire_grace_time=None,  # however late: the claim keeps the close single
        )

    def unschedule_close(self, vote_id: int) -> None:
        if self.bot.scheduler.get_job(job_id(vote_id)) is not None:
            self.bot.scheduler.remove_job(job_id(vote_id))

    async def on_close_job(self, vote_id: int) -> None:
        """What the scheduler runs at the close; never lets an error escape."""
        try:
            await self.check(vote_id)
        except Exception:
            log.exception("closing vote %s failed", vote_id)

    # -- closing -----------------------------------------------------------------------------------
    async def check(self, vote_id: int) -> None:
        """Close the vote if its time is up (a poll: once Discord has finalised it)."""
        vote = await service.get_vote(self.bot.db, vote_id)
        if vote is None or vote.status != "open":
            return
        now = self.bot.clock()
        if vote.mode == "ranked":
            if now >= vote.closes_at:
                await self.close_ranked(vote)
            return
        message = await self.poll_message(vote)
        if message is None:
            await self.lose(vote)
            return
        counts = poll_counts(message) if message is not False else None
        if counts is not None:
            await self.close_poll(vote, counts)
        elif now >= vote.closes_at:
            self.schedule_close(vote, at=now + POLL_RECHECK)  # not finalised yet: look again shortly

    async def poll_message(self, vote: Vote) -> discord.Message | Literal[False] | None:
        """The poll's message; None when it was deleted; False when it cannot be read now."""
        channel = self.bot.get_channel(vote.channel_id)
        if channel is None:
            return None
        if vote.message_id is None or not isinstance(channel, discord.TextChannel | discord.Thread):
            return None
        try:
            return await channel.fetch_message(vote.message_id)
        except discord.NotFound:
            return None
        except discord.HTTPException:
            log.warning("could not read the poll of vote %s", vote.vote_id, exc_info=True)
            return False

    async def close_poll(self, vote: Vote, counts: dict[int, int]) -> bool:
        return await self._finish(vote, service.count_poll(vote, counts))

    async def close_ranked(self, vote: Vote) -> bool:
        return await self._finish(vote, await service.ranked_outcome(self.bot.db, vote))

    async def lose(self, vote: Vote) -> bool:
        log.warning("the poll of vote %s was deleted before the vote ended", vote.vote_id)
        return await self._finish(vote, service.lost())

    async def _finish(self, vote: Vote, outcome: Any) -> bool:
        closed = await service.finish(self.bot.db, vote, outcome, self.bot.clock())
        if closed:
            self.unschedule_close(vote.vote_id)
            await self.post_result(vote.vote_id)
        return closed

    async def post_result(self, vote_id: int) -> None:
        async def build() -> dict[str, Any] | None:
            vote = await service.get_vote(self.bot.db, vote_id)
            return None if vote is None or vote.result is None else {"view": result_view(vote)}

        await self.sender.deliver(service.result_key(vote_id), build, grace=None)

    # -- Discord's end of a poll, and its deletion --------------------------------------------------
    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        poll = payload.data.get("poll")
        if not poll or not poll.get("results", {}).get("is_finalized"):
            return
        vote = await service.vote_of_message(self.bot.db, payload.message_id)
        counts = poll_counts(payload.message)
        if vote is not None and vote.mode == "poll" and counts is not None:
            await self.close_poll(vote, counts)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Discord's poll-result message points at the poll that ended."""
        if message.type is not discord.MessageType.poll_result or message.reference is None:
            return
        poll_id = message.reference.message_id
        vote = await service.vote_of_message(self.bot.db, poll_id) if poll_id else None
        if vote is not None and vote.mode == "poll":
            await self.check(vote.vote_id)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self._deleted(payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in payload.message_ids:
            await self._deleted(message_id)

    async def _deleted(self, message_id: int) -> None:
        vote = await service.vote_of_message(self.bot.db, message_id)
        if vote is not None and vote.mode == "poll":  # a ranked ballot lives on: /pick status has its button
            await self.lose(vote)

    # -- commands ------------------------------------------------------------------------------------
    @app_commands.command(name="suggest")
    @app_commands.describe(
        book="The book to suggest for the next club read", pitch="Why the club should read it"
    )
    @app_commands.guild_only()
    async def suggest(
        self, interaction: discord.Interaction[BookClubBot], book: BookOption, pitch: str | None = None
    ) -> None:
        """Suggest a book for the club's next pick (one per member per round; again replaces it)."""
        assert interaction.guild_id is not None
        done = await service.suggest(
            self.bot.db, interaction.guild_id, interaction.user.id, book, pitch, self.bot.clock()
        )
        words = book_words(done.suggestion)
        if done.kind == "pitch":
            text = f"{words} is already your suggestion; its pitch is updated."
        elif done.replaced is not None:
            text = f"You now suggest {words}, in place of {book_words(done.replaced)}."
        else:
            text = f"You suggested {words} for the club's next pick."
        total = f"{done.count} suggestion{'s' if done.count != 1 else ''}"
        await interaction.response.send_message(
            f"{text} The round has {total}: see `/pick status`.", ephemeral=True
        )

    @pick.command(name="start")
    @app_commands.describe(
        mode="poll: a Discord poll (up to 10 books); ranked: a ranked ballot counted by instant runoff",
        hours=f"How long the vote stays open, {service.MIN_HOURS} to {service.MAX_HOURS} (default {service.DEFAULT_HOURS})",
    )
    @organiser_only()
    async def pick_start(
        self,
        interaction: discord.Interaction[BookClubBot],
        mode: Literal["poll", "ranked"] = "poll",
        hours: int = service.DEFAULT_HOURS,
    ) -> None:
        """Organisers: close suggestions and open the vote on the next book."""
        assert interaction.guild_id is not None
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise UserFacingError("Open the vote in a text channel or a thread.")
        service.check_hours(hours)
        problem = cannot_post(channel)
        if problem is None and mode == "poll" and not channel.permissions_for(channel.guild.me).send_polls:
            problem = f"I can't post a poll in {channel.mention}: I need the Create Polls permission there."
        if problem is not None:
            raise UserFacingError(problem)
        now = self.bot.clock()
        vote = await service.claim_vote(
            self.bot.db,
            interaction.guild_id,
            user_id=interaction.user.id,
            mode=mode,
            hours=hours,
            channel_id=channel.id,
            now=now,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            if vote.mode == "poll":
                message = await channel.send(poll_intro(vote), poll=make_poll(vote))
            else:
                message = await channel.send(view=ballot_message(vote))
        except discord.HTTPException as error:
            await service.abandon(self.bot.db, vote)
            raise UserFacingError(
                f"Discord refused to post the vote in {channel.mention} ({error.status}); no vote was opened "
                "and the suggestions stay open."
            ) from None
        await service.vote_posted(self.bot.db, vote, message.id)
        self.schedule_close(vote)
        how = "The poll" if vote.mode == "poll" else "The ranked vote"
        closes = int(vote.closes_at.timestamp())
        await interaction.followup.send(
            f"{how} is open with {len(vote.options)} books until <t:{closes}:f> (<t:{closes}:R>): {message.jump_url}",
            ephemeral=True,
        )

    @pick.command(name="status")
    async def pick_status(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """The suggestions, the vote's closing time, and after it closes the result."""
        await open_pages(interaction, PickSource(), ephemeral=True)

    @pick.command(name="close")
    @organiser_only()
    async def pick_close(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Organisers: close the vote now and post the result."""
        assert interaction.guild_id is not None
        vote = await service.require_open_vote(self.bot.db, interaction.guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if vote.mode == "ranked":
            await self.close_ranked(vote)
        else:
            await self.end_poll(vote)
        after = await service.get_vote(self.bot.db, vote.vote_id)
        if after is not None and after.status == "lost":
            text = "The poll was gone, so the vote is lost; the suggestions are open again."
        elif after is not None and after.status == "open":
            text = "Discord is ending the poll; the result follows in a moment."
        else:
            text = f"The vote is closed; the result is posted in <#{vote.channel_id}>."
        await interaction.followup.send(text, ephemeral=True)

    async def end_poll(self, vote: Vote) -> None:
        """End the poll early; Discord answers with the finalised counts."""
        channel = self.bot.get_channel(vote.channel_id)
        if vote.message_id is None or not isinstance(channel, discord.TextChannel | discord.Thread):
            await self.lose(vote)
            return
        try:
            message = await channel.get_partial_message(vote.message_id).end_poll()
        except discord.NotFound:
            await self.lose(vote)
            return
        except discord.HTTPException as error:
            raise UserFacingError(
                f"Discord refused to end the poll ({error.status}); the vote is still open. Try again in a moment."
            ) from None
        counts = poll_counts(message)
        if counts is None:  # not finalised in the answer: Discord's update or the job closes it
            self.schedule_close(vote, at=self.bot.clock() + POLL_RECHECK)
            return
        await self.close_poll(vote, counts)


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Picks(bot))
