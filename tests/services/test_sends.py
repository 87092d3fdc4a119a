"""Scheduled club sends: claimed once, resent only while Discord de-duplicates, skipped past grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.services import sends

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=30)
ME = "unsharded"  # the lease holder: the process's shard set


async def claimed(db: Database, key: str = "meeting:1:1h:0") -> str:
    assert await sends.plan(db, key, guild_id=1, channel_id=2, due_at=NOW, now=NOW - timedelta(days=1))
    return key


async def test_a_key_is_claimed_once(db: Database) -> None:
    key = await claimed(db)
    assert not await sends.plan(db, key, guild_id=1, channel_id=2, due_at=NOW, now=NOW)


async def test_due_within_grace_goes_out_and_is_then_settled(db: Database) -> None:
    key = await claimed(db)
    ready = await sends.ready(db, key, NOW + GRACE, grace=GRACE)
    assert ready is not None
    assert await sends.attempting(db, ready, NOW + GRACE, holder=ME)
    await sends.sent(db, ready, 99, NOW + GRACE)
    assert await sends.ready(db, key, NOW + GRACE, grace=GRACE) is None
    done = await sends.get(db, key)
    assert done is not None
    assert (done.status, done.message_id) == ("sent", 99)


async def test_past_grace_it_is_skipped_with_the_reason(db: Database) -> None:
    key = await claimed(db)
    assert await sends.ready(db, key, NOW + GRACE + timedelta(seconds=1), grace=GRACE) is None
    skipped = await sends.get(db, key)
    assert skipped is not None
    assert skipped.status == "skipped"
    assert "30-minute grace window" in (skipped.error or "")


async def test_without_grace_a_late_send_still_goes_out(db: Database) -> None:
    key = await claimed(db, "pick:1:result")
    assert await sends.ready(db, key, NOW + timedelta(days=3), grace=None) is not None


async def test_an_interrupted_send_is_resent_only_within_the_nonce_window(db: Database) -> None:
    key = await claimed(db)
    first = await sends.ready(db, key, NOW, grace=GRACE)
    assert first is not None
    assert await sends.attempting(db, first, NOW, holder=ME)  # ... and the process stops before the answer
    again = await sends.ready(db, key, NOW + sends.NONCE_WINDOW - timedelta(seconds=1), grace=GRACE)
    assert again is not None
    assert again.nonce == first.nonce  # the same nonce: Discord answers with the message it has
    assert await sends.ready(db, key, NOW + sends.NONCE_WINDOW, grace=GRACE) is None
    lost = await sends.get(db, key)
    assert lost is not None
    assert lost.status == "lost"
    assert "never sent twice" in (lost.error or "")


async def test_the_send_lease_keeps_a_second_process_off_for_30_seconds(db: Database) -> None:
    """Two processes with overlapping shards both find the send ready: the first to write its attempt
    holds the send; the other is refused until the lease runs out (the holder died), never twice."""
    key = await claimed(db)
    first = await sends.ready(db, key, NOW, grace=GRACE)
    second = await sends.ready(db, key, NOW, grace=GRACE)
    assert first is not None
    assert second is not None
    assert await sends.attempting(db, first, NOW, holder="shards 0,1 of 2")
    assert not await sends.attempting(db, second, NOW + timedelta(seconds=1), holder="shards 1 of 2")
    assert not await sends.attempting(
        db, second, NOW + sends.SEND_LEASE - timedelta(seconds=1), holder="shards 1 of 2"
    )
    # the same process again (a restart after a crash) takes its own lease at once
    assert await sends.attempting(db, first, NOW + timedelta(seconds=2), holder="shards 0,1 of 2")
    # the holder died: after the lease the other takes the send over, with the same nonce
    late = NOW + timedelta(seconds=2) + sends.SEND_LEASE
    assert await sends.attempting(db, second, late, holder="shards 1 of 2")
    await sends.sent(db, second, 7, late)
    assert not await sends.attempting(db, first, late + sends.SEND_LEASE, holder="shards 0,1 of 2")
