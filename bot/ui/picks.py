"""Choosing the next book on screen: the poll, the ranked ballot and its private ballots, the result
with its "Start the club read" button, and `/pick status` on the shared pager."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.models.picks import Vote
from bot.render import TITLE, clip, one_line
from bot.services import picks as service
from bot.ui.base import require_guild
from bot.ui.items import INT, Control, Field
from bot.ui.meta import ACCENT
from bot.ui.organisers import require_organiser
from bot.ui.pager import PageButton, Turn, previous_next
from bot.ui.pick_text import (
    POLL_QUESTION,
    book_words,
    poll_answer,
    result_lines,
    stamp,
    suggestion_line,
    vote_state,
)

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

Layout = discord.ui.LayoutView
RANK_NAMES = ("1st", "2nd", "3rd", "4th", "5th")


def _view(*items: discord.ui.Item[Any]) -> Layout:
    container: discord.ui.Container[Layout] = discord.ui.Container(accent_colour=ACCENT)
    for item in items:
        container.add_item(item)
    view = Layout(timeout=None)
    view.add_item(container)
    return view


# -- opening the vote ----------------------------------------------------------------------------


def make_poll(vote: Vote) -> discord.Poll:
    """The native poll: one answer per suggestion, lasting until the vote closes."""
    poll = discord.Poll(question=POLL_QUESTION, duration=vote.closes_at - vote.opened_at)
    for suggestion in vote.options:
        poll.add_answer(text=poll_answer(suggestion))
    return poll


def poll_intro(vote: Vote) -> str:
    return f"Vote for the club's next book: the poll closes {stamp(vote)} ({stamp(vote, 'R')})."


def ballot_message(vote: Vote) -> Layout:
    """The ranked vote's public message: the books and a Vote button that opens a private ballot."""
    books = "\n".join(f"{n}. {book_words(s)}" for n, s in enumerate(vote.options, 1))
    return _view(
        discord.ui.TextDisplay(
            "### Which book should the club read next?\n"
            f"Rank up to {service.RANKS} books, your favourite first. Change your ballot as often as you "
            f"like until the vote closes {stamp(vote)} ({stamp(vote, 'R')}). Nobody sees any count before then."
        ),
        discord.ui.Separator(),
        discord.ui.TextDisplay(books),
        discord.ui.ActionRow(VoteButton(vote.vote_id)),
    )


# -- the private ballot --------------------------------------------------------------------------


def ballot_view(vote: Vote, mine: dict[int, int], *, note: str | None = None) -> Layout:
    """A member's own ballot: a menu per rank (a book once only) and a button to clear it."""
    chosen = [(rank, vote.option(sid)) for rank, sid in sorted(mine.items())]
    lines = [f"{RANK_NAMES[rank - 1]}: {book_words(s)}" for rank, s in chosen if s is not None]
    text = "### Your ballot\n" + ("\n".join(lines) if lines else "Nothing ranked yet: choose your 1st below.")
    text += f"\n-# Counted when the vote closes {stamp(vote)}; you can change it until then."
    if note:
        text = f"{note}\n{text}"
    items: list[discord.ui.Item[Any]] = [discord.ui.TextDisplay(text)]
    for rank in range(1, min(service.RANKS, len(vote.options)) + 1):
        items.append(discord.ui.ActionRow(RankSelect(vote.vote_id, rank, vote=vote, chosen=mine.get(rank))))
    items.append(discord.ui.ActionRow(ClearBallotButton(vote.vote_id)))
    return _view(*items)


class VoteButton(Control[discord.ui.Button[Layout]], template="pick:vote:{vote_id}"):
    """Opens the presser's private ballot (their current ranks filled in)."""

    vote_id = Field(INT)

    def __init__(self, vote_id: int) -> None:
        self.vote_id = vote_id
        super().__init__(discord.ui.Button(label="Vote", emoji="🗳️", style=discord.ButtonStyle.primary))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        require_guild(interaction)
        vote = await service.require_votable(bot.db, self.vote_id, bot.clock())
        mine = await service.my_ballot(bot.db, vote, interaction.user.id)
        await interaction.response.send_message(view=ballot_view(vote, mine), ephemeral=True)


class RankSelect(Control[discord.ui.Select[Layout]], template="pick:rank:{vote_id}:{rank}"):
    """One rank of a private ballot; choosing a book here takes it off any other rank."""

    vote_id = Field(INT)
    rank = Field(INT)

    def __init__(
        self, vote_id: int, rank: int, *, vote: Vote | None = None, chosen: int | None = None
    ) -> None:
        self.vote_id = vote_id
        self.rank = rank
        options = [
            discord.SelectOption(
                label=clip(one_line(s.byline), 100, at_word=True),
                value=str(s.suggestion_id),
                default=s.suggestion_id == chosen,
            )
            for s in (vote.options if vote else ())
        ] or [discord.SelectOption(label="—", value="0")]  # a pressed id is rebuilt without them
        placeholder = f"{RANK_NAMES[rank - 1] if 1 <= rank <= len(RANK_NAMES) else rank} choice"
        super().__init__(
            discord.ui.Select(placeholder=placeholder, options=options, min_values=0, max_values=1)
        )

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        values = self.item.values
        choice = int(values[0]) if values and values[0].isdigit() else None
        now = bot.clock()
        vote = await service.set_rank(bot.db, self.vote_id, interaction.user.id, self.rank, choice, now)
        mine = await service.my_ballot(bot.db, vote, interaction.user.id)
        await interaction.response.edit_message(view=ballot_view(vote, mine))


class ClearBallotButton(Control[discord.ui.Button[Layout]], template="pick:clear:{vote_id}"):
    vote_id = Field(INT)

    def __init__(self, vote_id: int) -> None:
        self.vote_id = vote_id
        super().__init__(discord.ui.Button(label="Clear my ballot", style=discord.ButtonStyle.secondary))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        vote = await service.clear_ballot(bot.db, self.vote_id, interaction.user.id, bot.clock())
        await interaction.response.edit_message(view=ballot_view(vote, {}, note="Your ballot is empty."))


# -- the result ----------------------------------------------------------------------------------


def result_view(vote: Vote) -> Layout:
    """The closed vote's result; a won vote offers organisers to start the winner as the club read."""
    assert vote.result is not None
    outcome = vote.result
    title = "### The vote is lost" if outcome.kind == "lost" else "### The club has chosen its next book"
    items: list[discord.ui.Item[Any]] = [
        discord.ui.TextDisplay(title + "\n" + "\n".join(result_lines(outcome, vote)))
    ]
    if outcome.kind == "won":
        items.append(discord.ui.ActionRow(StartReadButton(vote.vote_id)))
    return _view(*items)


class StartReadButton(Control[discord.ui.Button[Layout]], template="pick:read:{vote_id}"):
    """Organisers: start the winner as the club read, with `/club read start`'s defaults."""

    vote_id = Field(INT)

    def __init__(self, vote_id: int) -> None:
        self.vote_id = vote_id
        super().__init__(
            discord.ui.Button(label="Start the club read", emoji="📖", style=discord.ButtonStyle.success)
        )

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        await require_organiser(interaction)
        bot = interaction.client
        vote = await service.get_vote(bot.db, self.vote_id)
        if vote is None or vote.result is None or vote.result.winner is None:
            raise UserFacingError("This vote has no winner to start.")
        book = await service.book_of(bot.db, vote, vote.result.winner)
        club = bot.get_cog("Club")
        command = getattr(club, "read_start", None)
        if club is None or not isinstance(command, app_commands.Command):
            raise UserFacingError(
                f"Start it with `/club read start book:{clip(one_line(book.title), TITLE)}`."
            )
        # The same path as `/club read start book:<winner>` with every other option at its default.
        await command.callback(club, interaction, book)  # type: ignore[arg-type]


# -- /pick status on the pager -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickSource:
    """The server's current round (or its last one) and its suggestions, five a page."""

    async def fetch(self, interaction: discord.Interaction[BookClubBot], turn: Turn) -> service.PickPage:
        return await service.status_page(interaction.client.db, require_guild(interaction), turn.page)

    def format(self, page: service.PickPage, owner_id: int) -> Layout:
        return status_view(page, owner_id)


class PickPageButton(PageButton, template="pick:list:[{owner_id}:]{page}"):
    def __init__(self, owner_id: int | None, page: int, *, label: str = "", disabled: bool = False) -> None:
        self.owner_id = owner_id
        self.page = page
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled)
        )

    def source(self) -> PickSource:
        return PickSource()


def _header(page: service.PickPage) -> str:
    round_, vote = page.round, page.vote
    if round_ is None:
        return f"### Choosing the next book\n{service.NO_ROUND}"
    count = f"{page.total:,} suggestion{'s' if page.total != 1 else ''}"
    if round_.status == "voting" and vote is not None and vote.status in ("open", "starting"):
        return f"### Voting on the next book\n{count}. {vote_state(vote)}"
    if round_.status == "closed" and vote is not None and vote.result is not None:
        return "### The last pick\n" + "\n".join(result_lines(vote.result, vote)) + f"\n-# It had {count}."
    head = f"### Suggestions for the next book\n{count} so far: add yours with `/suggest`; an organiser opens the vote with `/pick start`."
    if vote is not None and vote.status == "lost":
        head += "\n-# The last vote was lost (its poll was deleted before it ended); nothing was counted."
    return head


def status_view(page: service.PickPage, owner_id: int) -> Layout:
    items: list[discord.ui.Item[Any]] = [discord.ui.TextDisplay(_header(page))]
    if page.suggestions:
        first = (page.page - 1) * service.SUGGESTIONS_PAGE_SIZE + 1
        lines = [suggestion_line(first + i, s) for i, s in enumerate(page.suggestions)]
        items += [discord.ui.Separator(), discord.ui.TextDisplay("\n".join(lines))]
        if page.pages > 1:
            items.append(discord.ui.TextDisplay(f"-# page {page.page} of {page.pages}"))

    def button(target: int, label: str, disabled: bool) -> PickPageButton:
        return PickPageButton(owner_id, target, label=label, disabled=disabled)

    nav = previous_next(page, button)
    if nav is not None:
        items.append(nav)
    vote = page.vote
    if vote is not None and vote.mode == "ranked" and vote.status == "open":
        items.append(discord.ui.ActionRow(VoteButton(vote.vote_id)))  # also when the ballot was deleted
    return _view(*items)
