"""The database handle, its pragmas and the migration runner.

Two aiosqlite connections share one WAL file: writes go through `transaction()`, which holds an
asyncio lock so that two coroutines never interleave statements inside one transaction; reads go
through the reader connection and so never see another coroutine's uncommitted rows.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.errors import DatabaseError
from bot.telemetry import NO_TELEMETRY, Telemetry

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")

# A piece of database work written once for both ways of running it: a generator that yields
# `(query, params)` and is sent back each statement's rows, returning its result. `run_steps` runs it
# inside an async transaction (one round trip a statement); `Database.write_steps` runs it whole in
# the writer's thread (one round trip in all). Compose with `yield from`.
Statement = tuple[str, Params]
Steps = Generator[Statement, list[sqlite3.Row], T]


def drive(steps: Steps[T], conn: sqlite3.Connection) -> T:
    """Run `steps` on a plain sqlite3 connection (in the thread that owns it)."""
    try:
        statement = next(steps)
        while True:
            statement = steps.send(conn.execute(*statement).fetchall())
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_steps(conn: aiosqlite.Connection, steps: Steps[T]) -> T:
    """Run `steps` on the connection `Database.transaction()` yielded, a round trip a statement."""
    try:
        statement = next(steps)
        while True:
            rows = list(await conn.execute_fetchall(*statement))
            statement = steps.send(rows)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _transact(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """BEGIN IMMEDIATE, `work`, COMMIT — or ROLLBACK on any exception — in the writer's thread."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return result


# Rows aiosqlite fetches per round trip when iterating a cursor (its default).
_ITER_CHUNK_SIZE = 64


def db_time(moment: datetime) -> str:
    """The one stored form of a time: ISO-8601 UTC with milliseconds (`2026-11-25T12:00:00.000Z`).

    Every writer uses it, so stored times sort and compare as text.
    """
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_db_time(text: str) -> datetime:
    """A stored time back as an aware datetime (a bare date, as imports keep, is midnight UTC)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Set while the current task holds the writer, to refuse a nested transaction instead of deadlocking.
_IN_TRANSACTION: ContextVar[bool] = ContextVar("in_transaction", default=False)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The numbered migration files shipped with the package, in order."""
    found: list[Migration] = []
    for entry in resources.files("bot.db").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration numbering has a gap or duplicate at {migration.name}")
    return found


class Database:
    """The bot's SQLite database. Build with `open_database`; close with `close()`."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        *,
        telemetry: Telemetry = NO_TELEMETRY,
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        # Told after every commit of `transaction()`: the bot learns that a write went through.
        self.on_commit: Callable[[], None] | None = None
        self.telemetry = telemetry  # times every read and every transaction (see bot/telemetry.py)

    # -- reads ---------------------------------------------------------------------------
    async def fetchall(self, query: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query, in one round trip."""
        started = time.perf_counter()
        rows = await self._reader.execute_fetchall(query, params)
        self.telemetry.database("read", time.perf_counter() - started)
        return list(rows)

    async def fetchone(self, query: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query or None, in one round trip."""
        started = time.perf_counter()
        rows = await self._reader.execute_fetchall(query, params)
        self.telemetry.database("read", time.perf_counter() - started)
        return next(iter(rows), None)

    async def fetchval(self, query: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(query, params)
        return None if row is None else row[0]

    # -- writes --------------------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` on any exception (cancellation included).

        Not re-entrant: inside a transaction use the yielded connection; a nested
        `transaction()` or `execute()` from the same task raises rather than deadlocking.
        """
        if _IN_TRANSACTION.get():
            raise RuntimeError("nested Database.transaction(): use the connection it yielded")
        started = time.perf_counter()  # the wait for the writer counts: it is what a command feels
        async with self._lock:
            token = _IN_TRANSACTION.set(True)
            try:
                # BEGIN inside the try: a task cancelled while BEGIN runs in aiosqlite's thread
                # still rolls back (queued after the BEGIN), never leaving the writer mid-transaction.
                await self._writer.execute("BEGIN IMMEDIATE")
                yield self._writer
                await self._writer.commit()
            except BaseException:
                # Unconditional: a ROLLBACK outside a transaction is a no-op in sqlite3.
                await self._writer.rollback()
                raise
            else:
                if self.on_commit is not None:
                    self.on_commit()
            finally:
                _IN_TRANSACTION.reset(token)
                self.telemetry.database("write", time.perf_counter() - started)

    async def run_write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(conn)` as one write transaction, whole, in the writer's thread: one hand-off.

        `transaction()` awaits a thread hand-off per statement (BEGIN, each statement, COMMIT: six
        or seven for a rating), and the writer lock is held across all of them; here BEGIN
        IMMEDIATE, `work` and COMMIT (or ROLLBACK on any exception, which is then raised here) run
        as one call queued on aiosqlite's connection thread. `work` is a plain function over the
        sqlite3 connection: it must not await, and must do nothing but database work.

        The transaction has committed when this returns, so a reply sent after it acknowledges a
        committed write. Cancelling the caller does not cut the transaction short: it runs to its
        end in the thread (the lock stays held until it has), and the cancellation is raised after.

        aiosqlite has no public call for "run this function on the connection's thread"; its
        `Connection._execute(fn, ...)` is what every one of its own methods uses, and this method
        is the one place the bot relies on it (aiosqlite is bounded in pyproject.toml; the floors test
        runs the lowest allowed version).
        """
        if _IN_TRANSACTION.get():
            raise RuntimeError("nested Database.run_write(): do the work in one function")
        writer = self._writer
        started = time.perf_counter()
        async with self._lock:
            token = _IN_TRANSACTION.set(True)
            try:
                # The raw connection is looked up inside the thread, as aiosqlite's own calls do.
                call = writer._execute(lambda: _transact(writer._conn, work))  # type: ignore[no-untyped-call]
                job: asyncio.Future[T] = asyncio.ensure_future(call)
                try:
                    result: T = await asyncio.shield(job)
                except asyncio.CancelledError:
                    with suppress(BaseException):
                        await job  # the transaction finishes (committed or rolled back) first
                    raise
            finally:
                _IN_TRANSACTION.reset(token)
                self.telemetry.database("write", time.perf_counter() - started)
        if self.on_commit is not None:
            self.on_commit()
        return result

    async def write_steps(self, steps: Steps[T]) -> T:
        """`run_write` for work written as steps (see `Steps`)."""
        return await self.run_write(lambda conn: drive(steps, conn))

    async def execute(self, query: str, params: Params = ()) -> int:
        """One write statement in its own transaction; returns the number of changed rows."""
        async with self.transaction() as conn:
            cursor = await conn.execute(query, params)
            return cursor.rowcount

    async def executemany(self, query: str, rows: Iterable[Params]) -> None:
        """One statement over many parameter sets, in one transaction."""
        async with self.transaction() as conn:
            await conn.executemany(query, rows)

    # -- schema --------------------------------------------------------------------------
    async def user_version(self) -> int:
        return int(await self.fetchval("PRAGMA user_version"))

    async def migrate(self) -> int:
        """Apply pending migrations, each in one transaction; returns the new version.

        An existing database with pending migrations is first copied, online, to
        `<name>.v<old>.bak` next to it.
        """
        migrations = load_migrations()
        current = await self.user_version()
        latest = migrations[-1].version if migrations else 0
        if current > latest:
            raise DatabaseError(
                f"the database {self.path} is at schema version {current}, newer than this bot "
                f"knows ({latest}); upgrade the bot or use another DATABASE_PATH"
            )
        pending = [m for m in migrations if m.version > current]
        if not pending:
            return current
        if current > 0:
            backup = self.path.with_name(f"{self.path.name}.v{current}.bak")
            async with self._lock:
                target = await aiosqlite.connect(backup)
                try:
                    await self._writer.backup(target)
                finally:
                    await target.close()
            log.info("backed up the database to %s before migrating", backup)
        async with self._lock:
            for migration in pending:
                script = (
                    f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
                )
                try:
                    await self._writer.executescript(script)
                except sqlite3.Error as exc:
                    await self._writer.rollback()
                    raise DatabaseError(f"migration {migration.name} failed: {exc}") from exc
                log.info("applied migration %s", migration.name)
        return pending[-1].version

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty it (done before a clean stop)."""
        async with self._lock:
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()


async def _connect(path: Path, *, readonly: bool) -> aiosqlite.Connection:
    """One connection with the bot's pragmas, closed again before any error leaves.

    The file is opened in a worker thread rather than by `aiosqlite.connect`: when that fails, aiosqlite
    stops its own thread without waiting, and the thread then raises on the closing event loop.
    """
    raw = await asyncio.to_thread(sqlite3.connect, path, isolation_level=None, check_same_thread=False)
    try:
        conn = await aiosqlite.Connection(lambda: raw, _ITER_CHUNK_SIZE)
    except BaseException:
        raw.close()
        raise
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        # An open connection keeps aiosqlite's (non-daemon) thread alive: the process would never exit.
        await conn.close()
        raise
    return conn


async def open_database(path: Path, *, telemetry: Telemetry = NO_TELEMETRY) -> Database:
    """Open (creating if needed) the database at `path` and refuse one newer than the code.

    Every connection opened here is closed again when anything fails. Migrations are applied
    later, by `Database.migrate` in the bot's `setup_hook`.
    """
    if await asyncio.to_thread(path.is_dir):
        raise DatabaseError(f"cannot open the database at {path}: it is a folder, not a file")
    opened: list[aiosqlite.Connection] = []
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            opened.append(await _connect(path, readonly=False))
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot open the database at {path}: {exc}") from exc
        writer = opened[0]
        try:
            # Rewriting the version proves the file is writable now rather than at the first command.
            version = int(next(iter(await writer.execute_fetchall("PRAGMA user_version")))[0])
            await writer.execute(f"PRAGMA user_version = {version}")
            opened.append(await _connect(path, readonly=True))
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot write to the database at {path}: {exc}") from exc
        latest = len(load_migrations())
        if version > latest:
            raise DatabaseError(
                f"the database {path} is at schema version {version}, newer than this bot knows "
                f"({latest}); upgrade the bot or use another DATABASE_PATH"
            )
    except BaseException:
        for conn in reversed(opened):
            with suppress(sqlite3.Error, ValueError):
                await conn.close()
        raise
    return Database(path, writer, opened[1], telemetry=telemetry)
