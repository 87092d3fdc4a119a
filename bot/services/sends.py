"""Scheduled sends of the club features (vote results, meeting reminders): each exactly once.

A send is claimed in club_sends with a nonce before anything goes out. Before the POST the attempt
is written down, after it the message id. A send found half-done after a restart (attempted, no
id) is sent again with the same nonce only while Discord still de-duplicates it; later it is
recorded as lost rather than risk a double. A send due while the bot was down goes out within its
grace window; later it is recorded as skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.db import sends as store
from bot.db.database import Database
from bot.models.sends import PlannedSend
from bot.models.shards import ALL, Shards
from bot.services.nonces import NONCE_WINDOW, SEND_LEASE, new_nonce

log = logging.getLogger(__name__)

__all__ = ["NONCE_WINDOW", "SEND_LEASE", "new_nonce"]


def stamp(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:f>"


async def plan(
    db: Database, key: str, *, guild_id: int, channel_id: int, due_at: datetime, now: datetime
) -> bool:
    """Claim a send on its own; False when it was claimed before."""
    return await store.plan(
        db, key, guild_id=guild_id, channel_id=channel_id, due_at=due_at, nonce=new_nonce(), now=now
    )


async def ready(db: Database, key: str, now: datetime, *, grace: timedelta | None) -> PlannedSend | None:
    """The send if it is to go out now; None when it is settled, or settled here as lost or skipped.

    `grace` None: however late, it still goes out (a vote's result is news until it is posted).
    """
    send = await store.get_send(db, key)
    if send is None or send.status != "planned":
        return None
    if send.first_attempt_at is not None and now - send.first_attempt_at >= NONCE_WINDOW:
        error = (
            f"The bot stopped while sending this at {stamp(send.first_attempt_at)} and was back too late to "
            "resend it safely; it was not sent again, so that it is never sent twice."
        )
        await settle(db, send, "lost", error, now)
        return None
    if grace is not None and send.first_attempt_at is None and now - send.due_at > grace:
        minutes = f"{grace.total_seconds() / 60:g}"
        error = f"Due {stamp(send.due_at)}, when the bot was down; it was back after the {minutes}-minute grace window."
        await settle(db, send, "skipped", error, now)
        return None
    return send


async def attempting(db: Database, send: PlannedSend, now: datetime, *, holder: str) -> bool:
    """The record before the POST, taking the send's lease for `holder` (the process's shard set);
    False when another run settled the send meanwhile, or another process holds its lease."""
    if await store.note_attempt(db, send.key, now, holder=holder, lease=SEND_LEASE):
        return True
    log.info("club send %s in guild %s: settled or being sent by another process", send.key, send.guild_id)
    return False


async def sent(db: Database, send: PlannedSend, message_id: int, now: datetime) -> None:
    await store.note_sent(db, send.key, message_id, now)


async def settle(db: Database, send: PlannedSend, status: str, error: str, now: datetime) -> None:
    if await store.settle(db, send.key, status, error, now):
        log.warning("club send %s in guild %s: %s: %s", send.key, send.guild_id, status, error)


async def pending(db: Database, shards: Shards = ALL) -> list[PlannedSend]:
    """Every send of the servers `shards` owns still planned, to finish at start-up."""
    return await store.planned_sends(db, shards)


async def drop(db: Database, prefix: str, error: str, now: datetime) -> int:
    return await store.drop_planned(db, prefix, now, error)


async def get(db: Database, key: str) -> PlannedSend | None:
    return await store.get_send(db, key)
