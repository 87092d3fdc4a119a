"""Copy a club's SQLite database into PostgreSQL: `python -m bot migrate-to-postgres SQLITE_PATH URL`.

- **Batched.** Each table is read in primary-key order, `BATCH` rows at a time, and each batch is
  written with `COPY` in one PostgreSQL transaction together with the table's progress (the last key
  copied, in `bookclub_copy`). Memory stays at one batch whatever the database's size.
- **Resumable.** A copy that stopped (killed, network gone) continues from the last committed batch
  when run again with the same arguments; no row is copied twice or skipped.
- **Checked.** At the end every table's row count is compared on both sides (the review counts per
  star row, which PostgreSQL's triggers rebuild from the reviews, included); the identity sequences
  are moved past the copied ids; only then is the progress table dropped.
- **Refusals.** A target that holds data and is not a copy in progress is refused (nothing is
  written), as is a source newer than the code. Holding the SQLite file's lock is the caller's job
  (`bot.ops.commands`): a running bot would keep writing to the file being copied.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.db.database import load_migrations
from bot.db.postgres import PostgresDatabase
from bot.errors import DatabaseError

BATCH = 5000
PROGRESS = "bookclub_copy"
# Kept by PostgreSQL's own triggers from `reviews`: rebuilt as the reviews arrive, then compared.
DERIVED = frozenset({"review_star_counts"})
# Columns PostgreSQL's triggers keep from another table's rows: left at their default by the copy
# and counted up by the trigger as those rows arrive. `member_stats` (no foreign key) is copied
# before `shelves` (which points at `books`), so every shelf row lands on a copied stats row.
DERIVED_COLUMNS: dict[str, frozenset[str]] = {
    "member_stats": frozenset(
        {"shelf_want_to_read", "shelf_currently_reading", "shelf_read", "shelf_did_not_finish"}
    )
}


class CopyRefused(DatabaseError):
    """The target cannot take this copy (it holds other data, or the source is too new)."""


class CopyStopped(DatabaseError):
    """Stopped after the number of batches a test asked for, as a killed copy would stop."""


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)  # rows in the source, per table
    copied_now: int = 0
    resumed: bool = False
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]


def _source_tables(conn: sqlite3.Connection) -> list[_Table]:
    """The source's tables in an order where every foreign key points to a table copied before."""
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    # A virtual table's own tables (FTS5's `<name>_data`, `_idx`, `_config`, …) are SQLite's
    # machinery: PostgreSQL indexes the same text its own way.
    virtual = [
        str(row[0])
        for row in conn.execute("SELECT name FROM sqlite_schema WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
    ]
    names = [name for name in names if not any(name.startswith(f"{v}_") for v in virtual)]
    parents = {
        name: {str(row[2]) for row in conn.execute(f"PRAGMA foreign_key_list({name})") if str(row[2]) != name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise DatabaseError(
                f"the source's foreign keys form a cycle among {sorted(set(names) - set(ordered))}"
            )
        ordered += ready
    tables = []
    for name in ordered:
        info = list(conn.execute(f"PRAGMA table_info({name})"))  # generated columns are not listed
        columns = tuple(str(row[1]) for row in info)
        key = tuple(str(row[1]) for row in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        tables.append(_Table(name, columns, key or ("rowid",)))
    return tables


def _scalar(conn: sqlite3.Connection, query: str) -> Any:
    return conn.execute(query).fetchone()[0]


def _rows(conn: sqlite3.Connection, query: str, params: tuple[Any, ...]) -> list[Any]:
    return conn.execute(query, params).fetchall()


def _open_source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise CopyRefused(f"there is no SQLite database at {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CopyRefused(f"{path} is not a SQLite database: {exc}") from exc
    latest = len(load_migrations("sqlite"))
    if version != latest:
        conn.close()
        raise CopyRefused(
            f"{path} is at schema version {version}, this bot's is {latest}: "
            + (
                "upgrade the bot first"
                if version > latest
                else "start the bot on it once to migrate it first"
            )
        )
    return conn


async def _target_state(db: PostgresDatabase, tables: list[_Table]) -> bool:
    """True when a copy is in progress there; False when the target is empty; else refused."""
    async with db.pool.acquire() as conn:
        if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", PROGRESS):
            return True
        existing = {
            str(row[0])
            for row in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        }
        for table in tables:
            if table.name in existing and await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table.name})"):
                raise CopyRefused(
                    f"the target database is not empty (its table {table.name} has rows) and holds no "
                    "copy in progress; nothing was written. Use an empty database"
                )
    return False


async def copy_to_postgres(
    source: Path,
    db: PostgresDatabase,
    *,
    batch: int = BATCH,
    progress: Callable[[str, int], None] | None = None,
    stop_after_batches: int | None = None,
) -> CopyReport:
    """Copy `source` into `db` (see the module's doc); `stop_after_batches` is for tests of resuming."""
    started = time.perf_counter()
    lite = await asyncio.to_thread(_open_source, source)
    report = CopyReport()
    try:
        tables = await asyncio.to_thread(_source_tables, lite)
        report.resumed = await _target_state(db, tables)
        await db.migrate()
        async with db.pool.acquire() as conn:
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {PROGRESS} ("
                " table_name TEXT PRIMARY KEY, last_key TEXT, copied BIGINT NOT NULL DEFAULT 0,"
                " done BOOLEAN NOT NULL DEFAULT false)"
            )
            targets = {
                str(row[0]): {str(c) for c in row[1]}
                for row in await conn.fetch(
                    "SELECT table_name, array_agg(column_name::text) FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND is_generated = 'NEVER' GROUP BY 1"
                )
            }
        batches = 0
        for table in tables:
            count = await asyncio.to_thread(_scalar, lite, f"SELECT count(*) FROM {table.name}")
            report.tables[table.name] = int(count)
            if table.name in DERIVED or table.name not in targets:
                continue
            derived = DERIVED_COLUMNS.get(table.name, frozenset())
            columns = tuple(c for c in table.columns if c in targets[table.name] and c not in derived)
            async with db.pool.acquire() as conn:
                state = await conn.fetchrow(
                    f"SELECT last_key, done FROM {PROGRESS} WHERE table_name = $1", table.name
                )
            if state is not None and state["done"]:
                continue
            last = (
                None if state is None or state["last_key"] is None else tuple(json.loads(state["last_key"]))
            )
            keys = ", ".join(table.key)
            select = ", ".join(dict.fromkeys((*columns, *table.key)))
            while True:
                if last is None:
                    query = f"SELECT {select} FROM {table.name} ORDER BY {keys} LIMIT ?"
                    params: tuple[Any, ...] = (batch,)
                else:
                    marks = ", ".join("?" for _ in table.key)
                    query = f"SELECT {select} FROM {table.name} WHERE ({keys}) > ({marks}) ORDER BY {keys} LIMIT ?"
                    params = (*last, batch)
                rows = await asyncio.to_thread(_rows, lite, query, params)
                done = len(rows) < batch
                width = len(columns)
                positions = [select.split(", ").index(k) for k in table.key]
                if rows:
                    last = tuple(rows[-1][i] for i in positions)
                async with db.pool.acquire() as conn, conn.transaction():
                    if rows:
                        await conn.copy_records_to_table(
                            table.name, records=[row[:width] for row in rows], columns=list(columns)
                        )
                    await conn.execute(
                        f"INSERT INTO {PROGRESS} (table_name, last_key, copied, done) VALUES ($1, $2, $3, $4) "
                        f"ON CONFLICT (table_name) DO UPDATE SET last_key = excluded.last_key, "
                        f"copied = {PROGRESS}.copied + excluded.copied, done = excluded.done",
                        table.name,
                        None if last is None else json.dumps(list(last)),
                        len(rows),
                        done,
                    )
                report.copied_now += len(rows)
                if progress is not None and rows:
                    progress(table.name, len(rows))
                batches += 1
                if stop_after_batches is not None and batches >= stop_after_batches:
                    raise CopyStopped(f"stopped on purpose after {batches} batches")
                if done:
                    break
        async with db.pool.acquire() as conn:
            for table in tables:
                if table.name not in targets:
                    continue
                mine = await conn.fetchval(f"SELECT count(*) FROM {table.name}")
                if int(mine) != report.tables[table.name]:
                    report.mismatches.append(
                        f"{table.name}: {report.tables[table.name]} rows in SQLite, {mine} in PostgreSQL"
                    )
            # Ids PostgreSQL generates next start after the copied ones.
            for row in await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND is_identity = 'YES'"
            ):
                name, column = str(row[0]), str(row[1])
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
                    f"coalesce((SELECT max({column}) FROM {name}), 0) + 1, false)"
                )
            if not report.mismatches:
                await conn.execute(f"DROP TABLE {PROGRESS}")
    finally:
        lite.close()
    report.seconds = time.perf_counter() - started
    return report
