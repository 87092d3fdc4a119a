"""`python -m bot migrate-to-postgres SQLITE_PATH DATABASE_URL`: what it prints, and its exit code."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.db.copy import copy_to_postgres
from bot.db.lock import DatabaseInUse, DatabaseLock
from bot.db.postgres import open_postgres, redacted
from bot.errors import DatabaseError


async def migrate_command(source: Path, url: str, *, say: list[str]) -> int:
    """Copy the SQLite database at `source` into the PostgreSQL database at `url`.

    Refused while a bot holds the SQLite file (it would keep writing to what is being copied); the
    lock is held for the whole copy, so no bot starts on the file meanwhile.
    """
    label = redacted(url)
    if not await asyncio.to_thread(source.is_file):
        say.append(f"error: there is no SQLite database at {source}; nothing was copied")
        return 1
    lock = DatabaseLock(source)
    try:
        lock.acquire(purpose="copy it to PostgreSQL")
    except DatabaseInUse as exc:
        say.append(f"error: {exc}; nothing was copied")
        return 1
    except OSError as exc:
        say.append(f"error: cannot lock {source}: {exc.strerror or exc}")
        return 1
    try:
        try:
            db = await open_postgres(url, max_size=2)
        except DatabaseError as exc:
            say.append(f"error: {exc}")
            return 1
        try:
            report = await copy_to_postgres(source, db)
        except (DatabaseError, sqlite3.Error, OSError) as exc:
            say.append(f"error: {exc}")
            say.append("run the same command again to resume from the last batch copied")
            return 1
        finally:
            await db.close()
    finally:
        lock.release()
    rows = sum(report.tables.values())
    verb = "resumed and finished" if report.resumed else "copied"
    say.append(
        f"{verb} {source} into {label}: {len(report.tables)} tables, {rows} rows "
        f"({report.copied_now} this run) in {report.seconds:.1f} s"
    )
    if report.mismatches:
        say.append("error: the row counts differ after the copy: " + "; ".join(report.mismatches))
        return 1
    say.append("every table's row count matches; set DATABASE_URL to use it")
    return 0
