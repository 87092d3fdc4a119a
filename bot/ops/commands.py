"""`python -m bot backup [PATH]` and `python -m bot restore PATH`: what each prints, and its exit code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.config import Settings
from bot.db import open_database
from bot.db.backup import RestoreRefused, check_copy, restore_database
from bot.db.lock import DatabaseInUse, DatabaseLock
from bot.errors import DatabaseError
from bot.services.backups import Backups

PG_DUMP_ADVICE = (
    "DATABASE_URL is set: the database is PostgreSQL, which backs up with its own tools, e.g. "
    '`pg_dump --format=custom "$DATABASE_URL" > bookclub.dump` and `pg_restore`; backup and restore '
    "here copy the SQLite file only"
)


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


async def backup_command(settings: Settings, path: Path | None, *, say: list[str]) -> int:
    """Copy the database (the bot may be running) to PATH, or to a dated file in BACKUP_DIR."""
    if settings.database_url is not None:
        say.append(f"error: {PG_DUMP_ADVICE}")
        return 1
    database = settings.database_path
    if not database.is_file():
        say.append(f"error: there is no database at {database} (DATABASE_PATH) to back up")
        return 1
    try:
        db = await open_database(database)
    except DatabaseError as exc:
        say.append(f"error: {exc}")
        return 1
    try:
        backups = Backups(db, folder=settings.backup_dir, keep=settings.backup_keep)
        record = await backups.backup(path)
    except (OSError, sqlite3.Error, DatabaseError) as exc:
        say.append(f"error: the backup failed, and no partial copy was left: {exc}")
        return 1
    finally:
        await db.close()
    say.append(f"backed up {database} to {record.path} ({_size(record.size)} in {record.seconds:.1f} s)")
    return 0


def restore_command(settings: Settings, candidate: Path, *, say: list[str]) -> int:
    """Replace the database by `candidate` once it passes its checks; refused while the bot runs."""
    if settings.database_url is not None:
        say.append(f"error: {PG_DUMP_ADVICE}; nothing was replaced")
        return 1
    database = settings.database_path
    lock = DatabaseLock(database)
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(purpose="restore")
    except DatabaseInUse as exc:
        say.append(f"error: {exc}; nothing was replaced")
        return 1
    except OSError as exc:
        say.append(f"error: cannot use the database folder {database.parent}: {exc.strerror or exc}")
        return 1
    try:
        kept = restore_database(candidate, database)
        check = check_copy(database)
    except RestoreRefused as exc:
        say.append(f"error: restore refused: {exc}; nothing was replaced")
        return 1
    except (OSError, sqlite3.Error, DatabaseError) as exc:
        say.append(f"error: the restore failed: {exc}")
        return 1
    finally:
        lock.release()
    say.append(f"restored {candidate} (schema version {check.version}) into {database}")
    if kept is not None:
        say.append(f"the database it replaced is kept at {kept}")
    if check.mismatches:
        say.append(
            f"warning: {len(check.mismatches)} maintained counters differ from a recount "
            f"(first: {check.mismatches[0]}); the copy was taken while the database was inconsistent"
        )
    return 0
