"""Backups: on demand (`python -m bot backup`) and daily into BACKUP_DIR, keeping BACKUP_KEEP of them.

The copy itself is `bot.db.backup.copy_database` in a worker thread: the event loop and the bot's
own connections go on serving commands meanwhile. The last backup is recorded in the `meta` table
(so `/about` and `/admin status` show one made by the command line too); a failed daily backup is
logged and shown in `/admin status`, and the bot keeps running.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.db import Database, db_time, parse_db_time
from bot.db.backup import copy_database
from bot.db.meta import get_meta, set_meta
from bot.errors import DatabaseError
from bot.models.ops import BackupRecord, BackupState

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

LAST_BACKUP_KEY = "last_backup"
JOB_ID = "backup-daily"
EVERY = timedelta(days=1)
FIRST_AFTER = timedelta(minutes=5)  # after start-up, when no recent backup exists
BACKUP_FILE = re.compile(r"^bookclub-(\d{8}T\d{6}Z)\.sqlite3$")


def backup_name(moment: datetime) -> str:
    """`bookclub-20261125T120000Z.sqlite3`: names sort by time."""
    return f"bookclub-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}.sqlite3"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Backups:
    """The database's backups: `backup()` now, `schedule()` the daily job, `state()` for display."""

    def __init__(
        self,
        db: Database,
        *,
        folder: Path | None,
        keep: int = 7,
        clock: Callable[[], datetime] = _utcnow,
        max_pages: int | None = None,  # see copy_database: tests stand in for a full disk with it
    ) -> None:
        self.db = db
        self.folder = folder
        self.keep = keep
        self.clock = clock
        self.max_pages = max_pages
        self.last: BackupRecord | None = None
        self.error: str | None = None
        self.error_at: datetime | None = None

    def state(self) -> BackupState:
        return BackupState(self.last, self.folder, self.keep, self.error, self.error_at)

    async def load(self) -> BackupRecord | None:
        """The last backup recorded in the database (by this process or the command line)."""
        raw = await get_meta(self.db, LAST_BACKUP_KEY)
        if raw is None:
            return self.last
        try:
            data = json.loads(raw)
            record = BackupRecord(
                Path(data["path"]),
                parse_db_time(data["finished_at"]),
                int(data["size"]),
                float(data["seconds"]),
            )
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable record of the last backup: %r", raw)
            return self.last
        if self.last is None or record.finished_at >= self.last.finished_at:
            self.last = record
        return self.last

    def target_for(self, path: Path | None) -> Path:
        """Where a backup goes: `path` (a folder gets a dated file inside), else a dated file in
        BACKUP_DIR, else in `backups/` beside the database."""
        name = backup_name(self.clock())
        if path is None:
            return (self.folder or self.db.path.parent / "backups") / name
        return path / name if path.is_dir() else path

    async def backup(self, path: Path | None = None) -> BackupRecord:
        """A consistent copy of the database now; raises OSError, sqlite3.Error or DatabaseError."""
        if self.db.dialect != "sqlite":
            raise DatabaseError("backups copy the SQLite file; on PostgreSQL use pg_dump")
        target = self.target_for(path)
        started = time.perf_counter()
        telemetry = self.db.telemetry
        try:
            size = await asyncio.to_thread(copy_database, self.db.path, target, max_pages=self.max_pages)
        except BaseException:
            telemetry.backup(False, time.perf_counter() - started)
            raise
        seconds = time.perf_counter() - started
        telemetry.backup(True, seconds)
        record = BackupRecord(target.absolute(), self.clock(), size, round(seconds, 3))
        self.last = record
        payload = {
            "path": str(record.path),
            "finished_at": db_time(record.finished_at),
            "size": size,
            "seconds": record.seconds,
        }
        try:
            await set_meta(self.db, LAST_BACKUP_KEY, json.dumps(payload))
        except sqlite3.Error:  # the copy exists; only its mention in /about is lost
            log.warning("backed up to %s but could not record it", target, exc_info=True)
        return record

    def prune(self) -> list[Path]:
        """Delete the oldest dated backups in BACKUP_DIR beyond BACKUP_KEEP; returns what was deleted."""
        if self.folder is None or not self.folder.is_dir():
            return []
        dated = sorted(
            (entry for entry in self.folder.iterdir() if BACKUP_FILE.match(entry.name)),
            key=lambda entry: entry.name,
            reverse=True,
        )
        removed = []
        for old in dated[self.keep :]:
            try:
                old.unlink()
            except OSError:
                log.warning("could not delete the old backup %s", old, exc_info=True)
                continue
            removed.append(old)
        return removed

    async def daily(self) -> None:
        """The scheduled job: back up into BACKUP_DIR and prune; never raises."""
        try:
            record = await self.backup()
            removed = await asyncio.to_thread(self.prune)
        except (OSError, sqlite3.Error, DatabaseError) as exc:
            self.error = f"{exc.__class__.__name__}: {exc}"
            self.error_at = self.clock()
            log.error("the daily backup into %s failed: %s", self.folder, self.error)
            return
        self.error = self.error_at = None
        log.info(
            "backed up the database to %s (%.1f MB in %.1f s); deleted %d old backup(s)",
            record.path,
            record.size / 1e6,
            record.seconds,
            len(removed),
        )

    def check_folder(self) -> str | None:
        """Why BACKUP_DIR cannot take backups, found at start-up rather than at the first job."""
        if self.folder is None:
            return None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot create {self.folder}: {exc.strerror or exc}"
        if not os.access(self.folder, os.W_OK | os.X_OK):
            return f"cannot write into {self.folder}"
        return None

    async def schedule(self, scheduler: BaseScheduler) -> None:
        """The daily job (when BACKUP_DIR is set): a day after the last backup, or soon after start-up."""
        try:
            await self.load()
        except sqlite3.Error:
            log.warning("could not read the record of the last backup", exc_info=True)
        if self.folder is None:
            return
        if self.db.dialect != "sqlite":
            log.warning("BACKUP_DIR is ignored on PostgreSQL (DATABASE_URL): back it up with pg_dump")
            return
        problem = await asyncio.to_thread(self.check_folder)
        if problem is not None:
            self.error, self.error_at = problem, self.clock()
            log.error("BACKUP_DIR: %s; the daily backup will fail until this is fixed", problem)
        now = datetime.now(UTC)
        first = now + FIRST_AFTER
        if self.last is not None:
            first = max(first, self.last.finished_at + EVERY)
        scheduler.add_job(
            self.daily,
            "interval",
            seconds=EVERY.total_seconds(),
            id=JOB_ID,
            name="daily backup",
            replace_existing=True,
            next_run_time=first,
            coalesce=True,
            misfire_grace_time=int(EVERY.total_seconds() / 2),
        )
