"""What `/admin status` and `/about` tell the owners: the database's size, backups, scheduled jobs."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.models.ops import BackupState, JobLine
from bot.services.backups import Backups


def database_size(path: Path) -> int:
    """Bytes on disk: the database file and its write-ahead log."""
    total = 0
    for part in (path, Path(f"{path}-wal")):
        with contextlib.suppress(OSError):  # no WAL: the database was closed cleanly
            total += part.stat().st_size
    return total


async def backup_state(backups: Backups) -> BackupState:
    """The backups as recorded (a backup taken by `python -m bot backup` included)."""
    with contextlib.suppress(sqlite3.Error):  # the record in memory is still worth showing
        await backups.load()
    return backups.state()


def next_jobs(jobs: Iterable[Any], limit: int = 5) -> tuple[list[JobLine], int]:
    """The scheduler's jobs that run soonest (APScheduler `Job`s), and how many there are."""
    lines = [JobLine(str(job.name), getattr(job, "next_run_time", None)) for job in jobs]
    far = datetime.max.replace(tzinfo=UTC)
    lines.sort(key=lambda line: line.next_run if line.next_run is not None else far)
    return lines[:limit], len(lines)
