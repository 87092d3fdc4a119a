"""What the owners' status and `/about` show about the running installation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class BackupRecord:
    """One finished backup."""

    path: Path
    finished_at: datetime
    size: int  # bytes
    seconds: float


@dataclass(frozen=True, slots=True)
class BackupState:
    last: BackupRecord | None
    folder: Path | None  # BACKUP_DIR; None when daily backups are off
    keep: int
    error: str | None = None  # the last daily backup's failure, until one succeeds again
    error_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class JobLine:
    name: str
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class ErrorLine:
    time: datetime
    message: str
    error_id: str | None


@dataclass(frozen=True, slots=True)
class OpsStatus:
    """Everything `/admin status` shows."""

    version: str
    started_at: datetime
    now: datetime
    guilds: int
    latency: float | None  # seconds
    database_path: Path
    database_size: int | None  # bytes, the WAL included; None on PostgreSQL (the server's business)
    backups: BackupState
    jobs: list[JobLine] = field(default_factory=list)  # soonest first
    job_count: int = 0
    breakers: dict[str, str] = field(default_factory=dict)
    errors: list[ErrorLine] = field(default_factory=list)  # newest first
