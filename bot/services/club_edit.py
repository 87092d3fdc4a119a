"""/club read edit: the schedule as a form, one line per section (`Chapters 1–4 | 2026-12-02`).

Every line is checked before anything is written: a bad line changes nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.db import Database
from bot.db import club as store
from bot.errors import UserFacingError
from bot.models.club import ClubRead, Section
from bot.services.club import parse_date, require_read, today_in, within_a_year

MAX_NAME = 60
EXAMPLE = "Chapters 1–4 | 2026-12-02"


@dataclass(frozen=True, slots=True)
class SectionEdit:
    number: int
    name: str | None
    due_date: date
    renamed: bool
    moved: bool


def form_text(read: ClubRead) -> str:
    """The form's starting text: each section's name and due date."""
    return "\n".join(f"{s.label} | {s.due_date.isoformat()}" for s in read.sections)


def _line(number: int, text: str, section: Section, today: date) -> SectionEdit:
    name, bar, when = text.rpartition("|")
    if not bar:
        raise UserFacingError(
            f"Line {number} needs a name and a due date separated by `|`, for example `{EXAMPLE}`."
        )
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise UserFacingError(f"Line {number}: a section name can be up to {MAX_NAME} characters.")
    due = parse_date(when)
    if due is None:
        raise UserFacingError(f"Line {number}: `{when.strip()[:20]}` is not a date; use YYYY-MM-DD.")
    if not within_a_year(due, today):
        raise UserFacingError(f"Line {number}: {due.isoformat()} is more than a year away.")
    stored = None if name in ("", f"Section {number}") else name
    return SectionEdit(number, stored, due, stored != section.name, due != section.due_date)


def parse_form(text: str, read: ClubRead, today: date) -> list[SectionEdit]:
    """Every section's new name and due date, or the first problem as a UserFacingError."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != len(read.sections):
        raise UserFacingError(
            f"Give one line per section, in order: this read has {len(read.sections)} sections "
            f"and the form had {len(lines)} lines."
        )
    edits = [_line(s.number, line, s, today) for s, line in zip(read.sections, lines, strict=True)]
    if edits[0].due_date < read.start_date:
        raise UserFacingError(
            f"Line 1: the first section can't be due before the read starts ({read.start_date.isoformat()})."
        )
    for before, after in itertools.pairwise(edits):
        if after.due_date < before.due_date:
            raise UserFacingError(
                f"Line {after.number}: due {after.due_date.isoformat()}, before the section above it; "
                "due dates follow the sections' order."
            )
    return edits


async def save_form(
    db: Database, guild_id: int, read_id: int, text: str, now: datetime
) -> tuple[ClubRead, list[SectionEdit]]:
    """Apply the form: the read as it is now and the sections that changed (none: nothing written)."""
    read = await require_read(db, guild_id)
    if read.read_id != read_id:
        raise UserFacingError("That form belongs to a read that has ended; nothing was changed.")
    edits = parse_form(text, read, today_in(read.timezone, now))
    changed = [edit for edit in edits if edit.renamed or edit.moved]
    if changed:
        await store.update_sections(db, read.read_id, [(e.number, e.name, e.due_date) for e in changed])
    by_number = {edit.number: edit for edit in edits}
    sections = tuple(
        replace(s, name=by_number[s.number].name, due_date=by_number[s.number].due_date)
        for s in read.sections
    )
    return replace(read, sections=sections), changed
