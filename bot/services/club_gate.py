"""Discussion gated by progress: which section threads each member is owed, kept in the database.

A member is owed every section thread whose first page they reached. What is owed is written
first ('pending'), then the bot adds them and records the outcome, so adding is idempotent and a
restart resumes what was left; Discord's refusals are recorded to show in the status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database, db_time
from bot.db import club as store
from bot.db import club_threads as threads
from bot.errors import UserFacingError
from bot.models.club import ClubRead, Section, ThreadAdd
from bot.models.shards import ALL, Shards
from bot.services.club import BOOK_REMOVED, reached, require_read
from bot.services.shelves import finish_book, record_progress


async def gate_members(
    db: Database, guild_id: int, moved: Iterable[tuple[int, int | None]], now: datetime
) -> list[ThreadAdd]:
    """The invitations owed to members whose progress moved: (member, book or None for any book).

    A burst of moves in one server costs one read and one transaction, however many members.
    """
    read = await store.current_read(db, guild_id)
    if read is None or read.book_id is None:
        return []
    users = sorted({user for user, book in moved if book in (None, read.book_id)})
    return await _gate(db, read, users, now) if users else []


async def gate_member(
    db: Database, guild_id: int, user_id: int, book_id: int | None, now: datetime
) -> list[ThreadAdd]:
    """The invitations a member is owed after their progress on `book_id` (None: any book) moved."""
    return await gate_members(db, guild_id, [(user_id, book_id)], now)


async def gate_read(db: Database, read_id: int, now: datetime) -> list[ThreadAdd]:
    """Every invitation owed in a read, e.g. to members who had started the book before the read did."""
    read = await store.read_by_id(db, read_id)
    if read is None or read.status != "active" or read.book_id is None:
        return []
    return await _gate(db, read, None, now)


async def _gate(db: Database, read: ClubRead, user_ids: list[int] | None, now: datetime) -> list[ThreadAdd]:
    async with db.transaction() as conn:
        placed = await store.member_positions(conn, read, user_ids)
        owed = [(number, member) for member, position in placed for number in reached(read, position)]
        await threads.queue_adds_in(conn, read.read_id, owed, db_time(now))
        return await threads.pending_adds(conn, read_id=read.read_id, user_ids=user_ids)


async def owed(db: Database, shards: Shards = ALL) -> list[ThreadAdd]:
    """Every invitation still owed, in every server `shards` owns: resumed at start-up."""
    return await threads.pending_adds(db, shards=shards)


async def added_all(db: Database, adds: Sequence[ThreadAdd], now: datetime) -> None:
    """Discord accepted these adds: they are never sent again."""
    await threads.set_states(db, adds, "added", None, db_time(now))


async def refused(db: Database, add: ThreadAdd, error: str, now: datetime) -> None:
    """Discord said no (403): recorded and shown in the status; tried again when their progress moves."""
    await threads.set_state(db, add, "refused", error[:200], db_time(now))


async def failed(db: Database, add: ThreadAdd, error: str, now: datetime) -> None:
    """Discord kept failing (429/5xx): still owed, resumed at the next start-up or progress move."""
    await threads.note_error(db, add, error[:200], db_time(now))


async def thread_section(db: Database, thread_id: int) -> tuple[ClubRead, Section] | None:
    """The active read and section a thread belongs to."""
    found = await threads.section_of_thread(db, thread_id)
    if found is None:
        return None
    read = await store.read_by_id(db, found[0])
    section = None if read is None else read.section(found[1])
    return None if read is None or section is None else (read, section)


async def section_now(db: Database, read_id: int, number: int) -> tuple[ClubRead, Section] | None:
    """The read (if still active) and the section as stored now."""
    read = await store.read_by_id(db, read_id)
    section = None if read is None or read.status != "active" else read.section(number)
    return None if read is None or section is None else (read, section)


async def thread_recreated(
    db: Database, read: ClubRead, section: Section, thread_id: int, message_id: int | None, now: datetime
) -> list[ThreadAdd] | None:
    """Point the section at its new thread; everyone who was in the old one is owed it again.

    None when another task recreated it first (the caller should delete its duplicate).
    """
    done = await threads.replace_thread(
        db, read.read_id, section.number, section.thread_id, thread_id, message_id, db_time(now)
    )
    if not done:
        return None
    return [
        add for add in await threads.pending_adds(db, read_id=read.read_id) if add.number == section.number
    ]


async def channel_gone(db: Database, read_id: int, now: datetime) -> None:
    """The thread channel was deleted: no thread can be made or joined; the status says so."""
    await store.mark_channel_gone(db, read_id, db_time(now))


async def channel_deleted(db: Database, guild_id: int, channel_id: int, now: datetime) -> None:
    """A channel was deleted: when it held the current read's threads, note it."""
    read = await store.current_read(db, guild_id)
    if read is not None and read.channel_id == channel_id:
        await channel_gone(db, read.read_id, now)


# -- Caught up -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaughtUp:
    read: ClubRead
    section: Section
    position: int
    already: bool  # the member was already there: nothing changed
    finished: bool  # that was the last section: the book is marked read


async def caught_up(
    db: Database, guild_id: int, user_id: int, read_id: int, number: int, now: datetime
) -> CaughtUp:
    """The member finished section `number`: their progress moves to its last page (read at the end)."""
    read = await require_read(db, guild_id)
    if read.read_id != read_id:
        raise UserFacingError("That schedule is from a read that has ended; see `/club read status`.")
    section = read.section(number)
    if section is None:
        raise UserFacingError(
            f"There is no Section {number}: *{read.title}* is read in {len(read.sections)} sections."
        )
    if read.book_id is None:
        raise UserFacingError(BOOK_REMOVED.format(title=read.title))
    placed = dict(await store.member_positions(db, read, [user_id]))
    position = placed.get(user_id)
    if position is not None and position >= section.last_page:
        return CaughtUp(read, section, position, already=True, finished=position >= read.end)
    if section.last_page >= read.end:
        await finish_book(db, guild_id, user_id, read.book_id, None, now)
    elif read.by_pages:
        await record_progress(db, guild_id, user_id, read.book_id, page=section.last_page, now=now)
    else:
        await record_progress(db, guild_id, user_id, read.book_id, percent=section.last_page, now=now)
    return CaughtUp(read, section, section.last_page, already=False, finished=section.last_page >= read.end)
