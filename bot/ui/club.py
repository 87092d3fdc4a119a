"""The club read on screen: the status message with its Caught up button and shelf menu, and the
schedule form.

Every control is a `Control`, and the form a `bot.ui.forms` form, whose custom id carries its
state, so they keep working on messages posted before a restart. The words are in `club_text.py`,
the history list in `club_history.py`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

import discord
from discord.utils import format_dt

from bot.errors import UserFacingError
from bot.models.club import ClubRead, Section
from bot.models.stats import plural
from bot.render import clip, one_line
from bot.services.club import ClubStatus, due_at, require_read
from bot.services.club_edit import form_text, save_form
from bot.services.club_gate import caught_up
from bot.services.shelves import SHELF_NAMES, shelve_book, unshelve_book
from bot.ui.base import require_guild
from bot.ui.club_text import book_line, edited_text, pace_line, place, readers_line, section_heading
from bot.ui.club_threads import refresh_threads
from bot.ui.forms import MODAL_TIMEOUT, Submitted, text_value
from bot.ui.items import INT, Control, Field
from bot.ui.meta import ACCENT
from bot.ui.organisers import require_organiser

if TYPE_CHECKING:
    from bot.client import BookClubBot

REMOVE = "remove"


def section_line(status: ClubStatus, section: Section, *, linked: bool) -> str:
    """`Section 2 · pp. 57–111 · due <t:…:D>` then the thread link, or when it opens."""
    read = status.read
    line = f"{section_heading(read, section)} · due {format_dt(status.due[section.number], 'D')}"
    if linked and section.thread_id is not None:
        return f"{line} · <#{section.thread_id}>"
    return f"{line} · opens at {place(read, section.first_page)}"


def warnings(status: ClubStatus) -> list[str]:
    read = status.read
    lines = []
    if read.book_id is None:
        lines.append(
            f"⚠️ {book_line(read)} was removed from the catalogue: progress on it can't be recorded. "
            "An organiser can end this read with `/club read end`."
        )
    if read.channel_gone:
        lines.append(
            "⚠️ The discussion channel was deleted: section threads can't be opened any more. "
            "An organiser can end this read with `/club read end`."
        )
    for section in read.sections:
        if section.recreated_at is not None:
            lines.append(
                f"-# The {section.label} thread was deleted by hand; it was made again "
                f"{format_dt(section.recreated_at, 'R')}."
            )
    for number, count in status.numbers.refused:
        refused = read.section(number)
        label = refused.label if refused else f"Section {number}"
        lines.append(
            f"-# Discord refused to add {plural(count, 'member')} to the {label} thread "
            "(it is tried again when their progress moves)."
        )
    return lines


def status_view(status: ClubStatus, *, viewer: int | None, sees_all: bool = False) -> discord.ui.LayoutView:
    """The schedule, the counts, the viewer's pace, a Caught up button and the shelf menu.

    `viewer` None renders the shared announcement (no pace line, no thread links); `sees_all` is
    for members whom Discord shows every thread (Manage Threads).
    """
    read = status.read
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    header = (
        f"## Club read: {book_line(read)}\n"
        f"-# Started {format_dt(due_at(read, read.start_date), 'D')} · "
        f"{plural(len(read.sections), 'section')}, one every {plural(read.every_days, 'day')} · "
        f"threads in <#{read.channel_id}>"
    )
    container.add_item(discord.ui.TextDisplay(header))
    container.add_item(discord.ui.Separator())
    joined = status.numbers.joined
    lines = [
        section_line(status, s, linked=viewer is not None and (sees_all or s.number in joined))
        for s in read.sections
    ]
    container.add_item(discord.ui.TextDisplay("\n".join(lines)))
    container.add_item(discord.ui.Separator())
    counts = f"**{readers_line(status.numbers.on_track, status.numbers.readers)}**"
    if viewer is not None:
        counts += f"\n{pace_line(read, status.pace)}"
    container.add_item(discord.ui.TextDisplay(counts))
    notes = warnings(status)
    if notes:
        container.add_item(discord.ui.TextDisplay("\n".join(notes)))
    container.add_item(discord.ui.ActionRow(CaughtUpButton(read.read_id)))
    if read.book_id is not None:
        container.add_item(discord.ui.ActionRow(ClubShelfSelect(read.book_id)))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view


# -- Caught up -----------------------------------------------------------------------------


def sections_view(read: ClubRead) -> discord.ui.View:
    options = [
        discord.SelectOption(label=section_heading(read, s)[:100], value=str(s.number)) for s in read.sections
    ]
    view = discord.ui.View(timeout=None)
    view.add_item(SectionSelect(read.read_id, options))
    return view


class CaughtUpButton(Control[discord.ui.Button[discord.ui.LayoutView]], template="club:caught:{read_id}"):
    """Asks the presser which section they finished (their own answer, ephemeral)."""

    read_id = Field(INT)

    def __init__(self, read_id: int) -> None:
        self.read_id = read_id
        super().__init__(discord.ui.Button(label="Caught up", emoji="✅", style=discord.ButtonStyle.success))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        read = await require_read(interaction.client.db, require_guild(interaction))
        if read.read_id != self.read_id:
            raise UserFacingError("This schedule is from a read that has ended; see `/club read status`.")
        await interaction.response.send_message(
            f"Which section of {book_line(read)} did you finish?", view=sections_view(read), ephemeral=True
        )


class SectionSelect(Control[discord.ui.Select[discord.ui.View]], template="club:finished:{read_id}"):
    """Moves the presser's progress to the end of the chosen section; its threads open for them."""

    read_id = Field(INT)

    def __init__(self, read_id: int, options: list[discord.SelectOption] | None = None) -> None:
        self.read_id = read_id
        default = [discord.SelectOption(label="—", value="0")]  # a pressed id is rebuilt without them
        super().__init__(discord.ui.Select(placeholder="I finished…", options=options or default))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        guild_id = require_guild(interaction)
        choice = self.item.values[0]
        number = int(choice) if choice.isdigit() else 0
        done = await caught_up(bot.db, guild_id, interaction.user.id, self.read_id, number, bot.clock())
        read, section = done.read, done.section
        if done.already:
            text = f"You are already past {section.label} ({place(read, done.position)}); nothing changed."
        elif done.finished:
            text = f"You finished {book_line(read)}: it is on your Read shelf, and every section thread opens for you."
        else:
            text = (
                f"Caught up through {section.label}: you are at {place(read, done.position)} of {book_line(read)}. "
                "The threads you reached open for you in a moment."
            )
        await interaction.response.edit_message(content=text, view=None)
        bot.progress_moved(guild_id, interaction.user.id, read.book_id)


# -- the shelf menu ------------------------------------------------------------------------


class ClubShelfSelect(Control[discord.ui.Select[discord.ui.LayoutView]], template="club:shelf:{book_id}"):
    """The club book's shelf menu: answers the presser alone and leaves the schedule as it is."""

    book_id = Field(INT)

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        options = [discord.SelectOption(label=name, value=shelf) for shelf, name in SHELF_NAMES.items()]
        options.append(discord.SelectOption(label="Remove from my shelves", value=REMOVE))
        super().__init__(discord.ui.Select(placeholder="Add to a shelf…", options=options))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        guild_id = require_guild(interaction)
        choice = self.item.values[0]
        user_id = interaction.user.id
        if choice == REMOVE:
            change = await unshelve_book(bot.db, guild_id, user_id, self.book_id)
        else:
            change = await shelve_book(bot.db, guild_id, user_id, self.book_id, choice, bot.clock())
        await interaction.response.send_message(change.message, ephemeral=True)
        bot.progress_moved(guild_id, user_id, self.book_id)


# -- the edit form -------------------------------------------------------------------------


class EditForm(discord.ui.Modal):
    """One line per section, `name | YYYY-MM-DD`; answered by its custom id (`bot.ui.forms`)."""

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(r"club:edit:(?P<read>\d+)")
    FIELD: ClassVar[str] = "schedule"

    def __init__(self, read: ClubRead) -> None:
        super().__init__(
            title=clip(f"Schedule: {one_line(read.title)}", 45),
            timeout=MODAL_TIMEOUT,
            custom_id=f"club:edit:{read.read_id}",
        )
        text: discord.ui.TextInput[EditForm] = discord.ui.TextInput(
            custom_id=self.FIELD, style=discord.TextStyle.paragraph, default=form_text(read), max_length=4000
        )
        self.add_item(
            discord.ui.Label(
                text="Name | due date (YYYY-MM-DD)",
                description="One line per section, in order, e.g. Chapters 1–4 | 2026-12-02",
                component=text,
            )
        )

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction[BookClubBot], match: re.Match[str], values: Submitted
    ) -> None:
        """Organisers only, checked again: the form may have been opened before a role changed."""
        await require_organiser(interaction)
        guild = interaction.guild
        assert guild is not None
        bot = interaction.client
        read, changed = await save_form(
            bot.db, guild.id, int(match["read"]), text_value(values, cls.FIELD), bot.clock()
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        await refresh_threads(guild, read, [edit.number for edit in changed])
        renamed = sum(edit.renamed for edit in changed)
        moved = sum(edit.moved for edit in changed)
        await interaction.followup.send(edited_text(len(changed), renamed, moved), ephemeral=True)
