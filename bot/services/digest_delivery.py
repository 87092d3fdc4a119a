"""Sending a claimed week's digest exactly once, across crashes: the record kept around each message.

Before the first message goes out, every message of the week is planned in `digest_messages`
with a nonce of its own. Before each POST the attempt is written down; after it, the message id.
Each message is sent with its nonce and `enforce_nonce`, so when a restarted bot re-sends a
message whose id it never recorded, Discord answers with the message that got through instead of
posting it again. Discord keeps nonces for a few minutes only: a message first tried longer ago
than NONCE_WINDOW is looked for in the channel before it is sent again (the cog does that).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.db import digest as store
from bot.db.database import Database
from bot.models.digest import PlannedMessage
from bot.services.digest import LATE_TOLERANCE, Action, Due, latest_slot, record_failed, record_posted
from bot.services.nonces import NONCE_WINDOW, SEND_LEASE, new_nonce

log = logging.getLogger(__name__)


async def plan(
    db: Database, due: Due, channel_id: int, pages: Sequence[Sequence[str]]
) -> list[PlannedMessage]:
    """Record every message of the week (its text and nonce) before the first one is sent; when another
    process resuming the week planned it first, its plan (and nonces) are the ones returned."""
    assert due.schedule is not None
    assert due.period is not None
    guild_id = due.schedule.guild_id
    nonces = [new_nonce() for _ in pages]
    await store.plan_messages(db, guild_id, due.period, channel_id, pages, nonces)
    return await store.planned_messages(db, guild_id, due.period)


def needs_lookup(message: PlannedMessage, now: datetime) -> bool:
    """Whether the message may exist but Discord would no longer de-duplicate its nonce."""
    return message.first_attempt_at is not None and now - message.first_attempt_at >= NONCE_WINDOW


async def attempting(db: Database, message: PlannedMessage, now: datetime, *, holder: str) -> bool:
    """The record before a POST, taking the message's lease for `holder` (the process's shard set);
    False when it is sent already or another process holds its lease: it is not to be sent now."""
    return await store.note_attempt(db, message, now, holder=holder, lease=SEND_LEASE)


async def sent(db: Database, message: PlannedMessage, message_id: int) -> None:
    """The record after a POST."""
    await store.note_sent(db, message, message_id)


async def finish(db: Database, due: Due, now: datetime) -> int:
    """Record the week as posted, linking its first message; returns how many messages it has."""
    assert due.schedule is not None
    assert due.period is not None
    parts = await store.planned_messages(db, due.schedule.guild_id, due.period)
    first = parts[0]
    assert all(part.message_id is not None for part in parts)
    assert first.message_id is not None
    await record_posted(
        db, due, channel_id=first.channel_id, message_id=first.message_id, messages=len(parts), now=now
    )
    return len(parts)


async def settle_interrupted(db: Database, guild_id: int, now: datetime, *, grace: timedelta) -> None:
    """Close the club's weeks that a stopped run left claimed and that will not be resumed: any
    week before the one due now, and the one due now once it is past the grace window."""
    schedule = await store.get_schedule(db, guild_id)
    if schedule is None:
        return
    current = latest_slot(schedule, now)
    for record in await store.claimed_posts(db, schedule.guild_id):
        if record.slot_at >= current and now - record.slot_at <= max(grace, LATE_TOLERANCE):
            continue  # the run that claims the current week resumes it
        parts = await store.planned_messages(db, schedule.guild_id, record.period)
        due = Due(Action.RESUME, schedule, record.period, record.slot_at)
        if parts and all(part.message_id is not None for part in parts):
            await finish(db, due, now)
            continue
        done = [part for part in parts if part.message_id is not None]
        hours = f"{grace.total_seconds() / 3600:g}"
        error = (
            f"The bot stopped while posting the digest due <t:{int(record.slot_at.timestamp())}:f> and was "
            f"not back within the {hours}-hour grace window (DIGEST_GRACE_HOURS) to finish it"
        )
        error += (
            f": {len(done)} of its {len(parts)} messages are known to be posted."
            if parts
            else "; it was not posted."
        )
        log.warning("digest of guild %s for %s: %s", schedule.guild_id, record.period, error)
        first = done[0] if done and done[0].part == 0 else None
        await record_failed(
            db,
            due,
            error,
            now=now,
            channel_id=parts[0].channel_id if parts else None,
            message_id=first.message_id if first else None,
            messages=len(done),
        )


class StorageFaults:
    """A storage fault (disk full, read-only database) is logged once per episode: the first failure
    with its traceback, then nothing until the digest records something again, which is logged too."""

    def __init__(self) -> None:
        self.error: str | None = None  # what /digest status shows while the episode lasts

    def failed(self, error: BaseException, guild_id: int) -> None:
        if self.error is None:
            log.error(
                "could not record the weekly digest of guild %s in the database; it is retried every few "
                "minutes, and storage errors are not logged again until a digest is recorded",
                guild_id,
                exc_info=error,
            )
        else:
            log.debug("the digest storage still fails (guild %s): %s", guild_id, error)
        self.error = (
            f"I could not record the digest in the database ({error}). "
            "It is retried every few minutes and resumed where it stopped."
        )

    def recovered(self) -> None:
        if self.error is not None:
            log.warning("the weekly digest records to the database again")
            self.error = None
