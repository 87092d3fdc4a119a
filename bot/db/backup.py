"""Online backups with SQLite's backup API, checks of a copy, and restoring one. Plain sqlite3, run in a
worker thread by the callers (`bot/services/backups.py`, `python -m bot backup|restore`).

A backup reads the live database through its own connection in one backup step: one read
transaction, so the copy is the database at one point in time, while the bot's writer goes on
(WAL lets a reader and a writer work at once). The copy is written to `<target>.partial` and renamed
only when complete, so a failed copy (a full disk) never leaves a file with a backup's name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.db.database import load_migrations
from bot.errors import DatabaseError


class RestoreRefused(DatabaseError):
    """The file offered for a restore is not one this bot can use; nothing was replaced."""


def _connect_existing(path: Path) -> sqlite3.Connection:
    """Open a database that must already exist (never create an empty one by mistake)."""
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_database(source: Path, target: Path, *, max_pages: int | None = None) -> int:
    """Copy the live database at `source` to `target` (a single file, no WAL); returns its size in bytes.

    `max_pages` caps the copy's size in pages: the copy then fails as it would on a full disk (the
    tests use it for that). On any failure the partial file is removed and the error raised.
    """
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial.unlink(missing_ok=True)
    try:
        src = _connect_existing(source)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot read the database {source}: {exc}") from exc
    try:
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            if max_pages is not None:
                dst.execute(f"PRAGMA max_page_count = {int(max_pages)}")
            src.execute("PRAGMA busy_timeout = 5000")
            src.backup(dst)  # pages=-1: the whole database in one step, one read transaction
            dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
        _fsync(partial)
        partial.replace(target)
        _fsync(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            Path(f"{partial}-journal").unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return target.stat().st_size


@dataclass(frozen=True, slots=True)
class CopyCheck:
    version: int  # PRAGMA user_version
    integrity: str  # "ok" or SQLite's first complaints
    mismatches: list[str]  # maintained aggregates that differ from a recount of the base tables


# The maintained counters recounted from the rows they count; each SELECT lists the rows that differ.
_BOOK_STATS_RECOUNT = """
    WITH r AS (
        SELECT guild_id, book_id, count(*) AS n, sum(stars_x2) AS s,
               sum(stars_x2 / 2 = 1) AS s1, sum(stars_x2 / 2 = 2) AS s2, sum(stars_x2 / 2 = 3) AS s3,
               sum(stars_x2 / 2 = 4) AS s4, sum(stars_x2 / 2 = 5) AS s5
        FROM ratings GROUP BY guild_id, book_id
    ),
    v AS (SELECT guild_id, book_id, count(*) AS n FROM reviews GROUP BY guild_id, book_id),
    sh AS (
        SELECT guild_id, book_id, sum(shelf = 'want-to-read') AS wtr, sum(shelf = 'currently-reading') AS cr,
               sum(shelf = 'read') AS rd, sum(shelf = 'did-not-finish') AS dnf
        FROM shelves GROUP BY guild_id, book_id
    ),
    k AS (
        SELECT guild_id, book_id FROM book_stats UNION SELECT guild_id, book_id FROM r
        UNION SELECT guild_id, book_id FROM v UNION SELECT guild_id, book_id FROM sh
    )
    SELECT k.guild_id, k.book_id FROM k
    LEFT JOIN book_stats AS b USING (guild_id, book_id) LEFT JOIN r USING (guild_id, book_id)
    LEFT JOIN v USING (guild_id, book_id) LEFT JOIN sh USING (guild_id, book_id)
    WHERE coalesce(b.ratings_count, 0) <> coalesce(r.n, 0)
       OR coalesce(b.ratings_sum_x2, 0) <> coalesce(r.s, 0)
       OR coalesce(b.stars_1, 0) <> coalesce(r.s1, 0) OR coalesce(b.stars_2, 0) <> coalesce(r.s2, 0)
       OR coalesce(b.stars_3, 0) <> coalesce(r.s3, 0) OR coalesce(b.stars_4, 0) <> coalesce(r.s4, 0)
       OR coalesce(b.stars_5, 0) <> coalesce(r.s5, 0)
       OR coalesce(b.reviews_count, 0) <> coalesce(v.n, 0)
       OR coalesce(b.want_to_read, 0) <> coalesce(sh.wtr, 0)
       OR coalesce(b.currently_reading, 0) <> coalesce(sh.cr, 0)
       OR coalesce(b.read_count, 0) <> coalesce(sh.rd, 0)
       OR coalesce(b.did_not_finish, 0) <> coalesce(sh.dnf, 0)
    LIMIT 20
"""
_MEMBER_STATS_RECOUNT = """
    WITH r AS (SELECT guild_id, user_id, count(*) AS n, sum(stars_x2) AS s FROM ratings GROUP BY 1, 2),
    sh AS (
        SELECT guild_id, user_id, sum(shelf = 'want-to-read') AS wtr, sum(shelf = 'currently-reading') AS cr,
               sum(shelf = 'read') AS rd, sum(shelf = 'did-not-finish') AS dnf
        FROM shelves GROUP BY 1, 2
    ),
    v AS (SELECT guild_id, user_id, count(*) AS n FROM reviews GROUP BY 1, 2),
    fr AS (SELECT guild_id, followee_id AS user_id, count(*) AS n FROM follows GROUP BY 1, 2),
    fg AS (SELECT guild_id, follower_id AS user_id, count(*) AS n FROM follows GROUP BY 1, 2),
    k AS (
        SELECT guild_id, user_id FROM member_stats UNION SELECT guild_id, user_id FROM r
        UNION SELECT guild_id, user_id FROM v UNION SELECT guild_id, user_id FROM fr
        UNION SELECT guild_id, user_id FROM fg UNION SELECT guild_id, user_id FROM sh
    )
    SELECT k.guild_id, k.user_id FROM k
    LEFT JOIN member_stats AS m USING (guild_id, user_id) LEFT JOIN r USING (guild_id, user_id)
    LEFT JOIN v USING (guild_id, user_id) LEFT JOIN fr USING (guild_id, user_id)
    LEFT JOIN fg USING (guild_id, user_id) LEFT JOIN sh USING (guild_id, user_id)
    WHERE coalesce(m.ratings_count, 0) <> coalesce(r.n, 0)
       OR coalesce(m.ratings_sum_x2, 0) <> coalesce(r.s, 0)
       OR coalesce(m.reviews_count, 0) <> coalesce(v.n, 0)
       OR coalesce(m.followers_count, 0) <> coalesce(fr.n, 0)
       OR coalesce(m.following_count, 0) <> coalesce(fg.n, 0)
       {shelves}
    LIMIT 20
"""
# The per-member shelf counts of migration 0015 (a copy made before it has none to check).
_MEMBER_SHELF_RECOUNT = """
       OR coalesce(m.shelf_want_to_read, 0) <> coalesce(sh.wtr, 0)
       OR coalesce(m.shelf_currently_reading, 0) <> coalesce(sh.cr, 0)
       OR coalesce(m.shelf_read, 0) <> coalesce(sh.rd, 0)
       OR coalesce(m.shelf_did_not_finish, 0) <> coalesce(sh.dnf, 0)
"""


def aggregate_mismatches(conn: sqlite3.Connection) -> list[str]:
    """`book_stats` and `member_stats` rows that differ from a recount of ratings, reviews, shelves
    and follows (empty when the aggregates are consistent)."""
    found = [f"book_stats guild {g} book {b}" for g, b in conn.execute(_BOOK_STATS_RECOUNT)]
    columns = {row[1] for row in conn.execute("PRAGMA table_info(member_stats)")}
    shelves = _MEMBER_SHELF_RECOUNT if "shelf_read" in columns else ""
    member_recount = _MEMBER_STATS_RECOUNT.format(shelves=shelves)
    found += [f"member_stats guild {g} member {u}" for g, u in conn.execute(member_recount)]
    return found


def check_copy(path: Path, *, recount: bool = True) -> CopyCheck:
    """Integrity, schema version and (optionally) the aggregates of the database file at `path`.

    Raises RestoreRefused when the file is not a SQLite database at all.
    """
    if not path.is_file():
        raise RestoreRefused(f"{path} is not a file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise RestoreRefused(f"{path} cannot be opened: {exc}") from exc
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(5)")]
        integrity = "ok" if problems == ["ok"] else "; ".join(problems)
        mismatches = aggregate_mismatches(conn) if recount and version > 0 and integrity == "ok" else []
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{path} is not a SQLite database ({exc})") from exc
    finally:
        conn.close()
    return CopyCheck(version, integrity, mismatches)


def restore_database(candidate: Path, database: Path, *, now: datetime | None = None) -> Path | None:
    """Replace `database` by a copy of `candidate`, which must pass its checks first.

    The caller holds the database lock (the bot is not running). The replaced file is kept as
    `<name>.replaced-<time>` and returned (None when there was no database yet).
    """
    check = check_copy(candidate, recount=False)
    latest = len(load_migrations())
    if check.integrity != "ok":
        raise RestoreRefused(f"{candidate} fails SQLite's integrity check: {check.integrity}")
    if check.version == 0:
        raise RestoreRefused(f"{candidate} is not a bookclub-bot database (it has no schema version)")
    if check.version > latest:
        raise RestoreRefused(
            f"{candidate} is at schema version {check.version}, newer than this bot knows ({latest}); "
            "upgrade the bot first"
        )
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    database.parent.mkdir(parents=True, exist_ok=True)
    incoming = database.with_name(database.name + ".restoring")
    copy_database(candidate, incoming)  # first, so a failure here leaves the current database alone
    kept: Path | None = None
    try:
        if database.exists():
            # Fold the WAL in first: the kept copy is then complete, and no stale -wal is left
            # beside the restored file for SQLite to replay into it.
            conn = _connect_existing(database)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("PRAGMA journal_mode = DELETE")
            finally:
                conn.close()
            kept = database.with_name(f"{database.name}.replaced-{stamp}")
            database.replace(kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        incoming.replace(database)
        _fsync(database.parent)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    return kept
