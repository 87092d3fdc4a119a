"""The record kept around each digest message: its nonce planned before the first POST, the
attempt before each POST, the id after it; resuming a week a stopped run left claimed; closing
the ones that will not be resumed; and storage faults logged once per episode."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.db import digest as store
from bot.db import open_database
from bot.db.database import Database, load_migrations
from bot.services import digest as service
from bot.services import digest_delivery as delivery
from bot.services.digest import Action, Due
from tests.services.test_digest_schedule import CHANNEL, GRACE, GUILD, SLOT, set_up

PAGES = [["## Header", "### Currently reading"], ["### Currently reading (continued)"], ["### Wanted"]]
WEEK = timedelta(days=7)
ME = "unsharded"  # the lease holder: the process's shard set


async def claimed(db: Database) -> Due:
    due = await service.claim_due(db, GUILD, SLOT, grace=GRACE)
    assert due.action is Action.POST
    return due


async def test_a_plan_gives_each_message_its_own_nonce_before_anything_is_sent(db: Database) -> None:
    await set_up(db)
    due = await claimed(db)
    parts = await delivery.plan(db, due, CHANNEL, PAGES)
    assert [part.part for part in parts] == [0, 1, 2]
    assert [list(part.blocks) for part in parts] == PAGES
    assert len({part.nonce for part in parts}) == 3
    assert all(part.nonce.isdigit() and len(part.nonce) <= 25 for part in parts)  # Discord's limit
    assert all(part.first_attempt_at is None and part.message_id is None for part in parts)
    assert all(part.channel_id == CHANNEL for part in parts)


async def test_the_first_attempt_is_kept_and_the_id_recorded_after(db: Database) -> None:
    await set_up(db)
    due = await claimed(db)
    part = (await delivery.plan(db, due, CHANNEL, PAGES))[0]
    await delivery.attempting(db, part, SLOT, holder=ME)
    await delivery.attempting(db, part, SLOT + timedelta(minutes=1), holder=ME)  # a re-send after a restart
    [again, *_] = await store.planned_messages(db, GUILD, "2026-W48")
    assert again.first_attempt_at == SLOT  # the window is measured from the first POST
    assert await db.fetchval("SELECT attempts FROM digest_messages WHERE part = 0") == 2
    await delivery.sent(db, again, 555)
    [done, *_] = await store.planned_messages(db, GUILD, "2026-W48")
    assert done.message_id == 555


async def test_nonces_are_trusted_only_inside_discords_window(db: Database) -> None:
    await set_up(db)
    due = await claimed(db)
    part = (await delivery.plan(db, due, CHANNEL, PAGES))[0]
    assert not delivery.needs_lookup(part, SLOT + timedelta(days=1))  # never sent: nothing to look for
    await delivery.attempting(db, part, SLOT, holder=ME)
    [tried, *_] = await store.planned_messages(db, GUILD, "2026-W48")
    assert not delivery.needs_lookup(tried, SLOT + delivery.NONCE_WINDOW - timedelta(seconds=1))
    assert delivery.needs_lookup(tried, SLOT + delivery.NONCE_WINDOW)


async def test_a_claimed_week_is_resumed_only_when_the_caller_vouches_for_it(db: Database) -> None:
    await set_up(db)
    await claimed(db)  # a run claimed the week and stopped before planning anything
    later = SLOT + timedelta(minutes=3)
    assert (await service.claim_due(db, GUILD, later, grace=GRACE)).action is Action.ALREADY
    resumed = await service.claim_due(db, GUILD, later, grace=GRACE, resume=True)
    assert resumed.action is Action.RESUME
    assert resumed.digest is not None  # nothing was sent: built afresh
    assert resumed.parts == ()


async def test_a_resumed_week_carries_its_plan_and_finishes_with_its_first_message(db: Database) -> None:
    await set_up(db)
    due = await claimed(db)
    parts = await delivery.plan(db, due, CHANNEL, PAGES)
    await delivery.attempting(db, parts[0], SLOT, holder=ME)
    await delivery.sent(db, parts[0], 100)
    await delivery.attempting(
        db, parts[1], SLOT, holder=ME
    )  # stopped here: was message 2 posted? the nonce knows
    resumed = await service.claim_due(db, GUILD, SLOT + timedelta(minutes=1), grace=GRACE, resume=True)
    assert resumed.action is Action.RESUME
    assert [(part.part, part.message_id) for part in resumed.parts] == [(0, 100), (1, None), (2, None)]
    assert [part.nonce for part in resumed.parts] == [part.nonce for part in parts]
    status = await service.status(db, GUILD, SLOT + timedelta(minutes=1))
    assert status.unfinished is not None
    assert (status.unfinished.slot_at, status.unfinished.planned, status.unfinished.sent) == (SLOT, 3, 1)
    assert status.last is None
    for part, message_id in zip(resumed.parts[1:], (101, 102), strict=True):
        await delivery.sent(db, part, message_id)
    assert await delivery.finish(db, resumed, SLOT + timedelta(minutes=1)) == 3
    record = await store.get_post(db, GUILD, "2026-W48")
    assert record is not None
    assert (record.status, record.channel_id, record.message_id, record.messages) == (
        "posted",
        CHANNEL,
        100,
        3,
    )
    status = await service.status(db, GUILD, SLOT + timedelta(minutes=1))
    assert status.unfinished is None
    assert status.last == record


async def test_interrupted_weeks_that_will_not_be_resumed_are_closed(db: Database) -> None:
    await set_up(db)
    # Week 48 fully sent but not recorded as posted; week 49 stopped after one of two messages.
    first = await claimed(db)
    for part, message_id in zip(await delivery.plan(db, first, CHANNEL, PAGES), (1, 2, 3), strict=True):
        await delivery.sent(db, part, message_id)
    second = await service.claim_due(db, GUILD, SLOT + WEEK, grace=GRACE)
    parts = await delivery.plan(db, second, CHANNEL, PAGES[:2])
    await delivery.sent(db, parts[0], 10)
    await delivery.attempting(db, parts[1], SLOT + WEEK, holder=ME)

    # Inside week 49's grace window only the earlier week is closed; week 49 is the caller's to resume.
    await delivery.settle_interrupted(db, GUILD, SLOT + WEEK + timedelta(hours=1), grace=GRACE)
    record = await store.get_post(db, GUILD, "2026-W48")
    assert record is not None
    assert (record.status, record.message_id, record.messages) == ("posted", 1, 3)
    assert (await store.get_post(db, GUILD, "2026-W49")).status == "claimed"  # type: ignore[union-attr]

    later = SLOT + WEEK + GRACE + timedelta(hours=1)
    await delivery.settle_interrupted(db, GUILD, later, grace=GRACE)
    record = await store.get_post(db, GUILD, "2026-W49")
    assert record is not None
    assert (record.status, record.message_id, record.messages) == ("failed", 10, 1)
    assert record.error is not None
    assert "was not back within the 24-hour grace window" in record.error
    assert record.error.endswith("1 of its 2 messages are known to be posted.")
    status = await service.status(db, GUILD, later)
    assert status.schedule is not None
    assert status.schedule.last_error == record.error  # /digest status says so
    assert status.unfinished is None


async def test_a_week_claimed_with_nothing_planned_is_closed_as_not_posted(db: Database) -> None:
    await set_up(db)
    await claimed(db)
    await delivery.settle_interrupted(db, GUILD, SLOT + GRACE + timedelta(hours=1), grace=GRACE)
    record = await store.get_post(db, GUILD, "2026-W48")
    assert record is not None
    assert record.status == "failed"
    assert record.error is not None
    assert record.error.endswith("; it was not posted.")


async def test_weeks_claimed_by_an_earlier_version_are_marked_unknowable(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as raw:
        for migration in load_migrations()[:7]:
            raw.executescript(migration.sql)
        raw.execute("INSERT INTO digest_posts VALUES (1, '2026-W48', 'x', 'x', 'claimed', 2, NULL, 0, NULL)")
        raw.execute("INSERT INTO digest_posts VALUES (1, '2026-W47', 'x', 'x', 'posted', 2, 9, 1, NULL)")
        raw.execute("PRAGMA user_version = 7")
    db = await open_database(path)
    try:
        await db.migrate()
        rows = await db.fetchall("SELECT period, status, error FROM digest_posts ORDER BY period")
        assert [(row[0], row[1]) for row in rows] == [("2026-W47", "posted"), ("2026-W48", "failed")]
        assert "it may or may not have been posted" in rows[1][2]
    finally:
        await db.close()


def test_a_storage_fault_is_logged_once_per_episode(caplog: pytest.LogCaptureFixture) -> None:
    faults = delivery.StorageFaults()
    caplog.set_level(logging.DEBUG, logger="bot.services.digest_delivery")
    full = sqlite3.OperationalError("database or disk is full")
    for guild_id in (1, 2, 1):
        faults.failed(full, guild_id)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert faults.error is not None
    assert "database or disk is full" in faults.error
    faults.recovered()
    faults.recovered()
    assert faults.error is None
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "the weekly digest records to the database again"
    ]
    faults.failed(sqlite3.OperationalError("attempt to write a readonly database"), 1)  # a new episode
    assert len([record for record in caplog.records if record.levelno >= logging.ERROR]) == 2


async def test_a_second_plan_of_the_week_keeps_the_first_whole(db: Database) -> None:
    """Two processes resuming one claimed week (overlapping shards) both plan it: the first plan, its
    nonces included, is the one both send, even when the second has another number of messages."""
    await set_up(db)
    due = await claimed(db)
    first = await delivery.plan(db, due, CHANNEL, PAGES[:2])
    second = await delivery.plan(db, due, CHANNEL, PAGES)
    assert second == first
    assert len(second) == 2


async def test_a_message_leased_by_another_process_is_not_sent_by_this_one(db: Database) -> None:
    await set_up(db)
    due = await claimed(db)
    part = (await delivery.plan(db, due, CHANNEL, PAGES))[0]
    assert await delivery.attempting(db, part, SLOT, holder="shards 0 of 2")
    assert not await delivery.attempting(db, part, SLOT + timedelta(seconds=29), holder="shards 0,1 of 2")
    assert await delivery.attempting(
        db, part, SLOT + timedelta(seconds=3), holder="shards 0 of 2"
    )  # a restart
    await delivery.sent(db, part, 555)
    # sent: nobody takes it again, however late
    assert not await delivery.attempting(db, part, SLOT + WEEK, holder="shards 0,1 of 2")
    assert not await delivery.attempting(db, part, SLOT + WEEK, holder="shards 0 of 2")
