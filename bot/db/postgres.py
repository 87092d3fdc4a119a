"""The PostgreSQL backend: the same `Database` interface over an asyncpg connection pool.

Selected by `DATABASE_URL` (see `bot.db.open_configured`); SQLite stays the default. The `bot/db`
functions are written once: their SQL uses `?` or `:name` placeholders, which are translated here
to PostgreSQL's `$n` once per statement text (cached), together with the few spellings that differ
mechanically (`INSERT OR IGNORE`, two-argument `min`/`max`, `group_concat`, the time default). Where
the dialects differ in substance (full-text search, lists of ids), the query asks `dialect_of(db)`.

Transactions keep their meaning: `transaction()` commits before it returns, or rolls back. Unlike
SQLite, PostgreSQL runs transactions of several processes side by side, so a read-then-write takes
`lock_key(conn, …)` first (a transaction-scoped advisory lock on that key); on SQLite that is a no-op
because `BEGIN IMMEDIATE` already serialises every writer.

Errors are raised as subclasses of the `sqlite3` errors the callers already catch: a constraint
violation is a `sqlite3.IntegrityError`, anything else from the server a `sqlite3.OperationalError`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot.db.database import _IN_TRANSACTION, Database, Params, Steps, T, load_migrations, run_steps
from bot.errors import DatabaseError
from bot.telemetry import NO_TELEMETRY, Telemetry

if TYPE_CHECKING:
    import aiosqlite
    import asyncpg

log = logging.getLogger(__name__)

# One number for the migration lock: every process migrating the same database waits on it.
_MIGRATE_LOCK = 0x626F6F6B636C7562  # "bookclub"

# Tables whose id PostgreSQL generates: an INSERT into one returns the id, as SQLite's lastrowid.
_GENERATED_IDS = {
    "books": "book_id",
    "reviews": "review_id",
    "review_searches": "search_id",
    "import_jobs": "job_id",
    "club_reads": "read_id",
    "pick_rounds": "round_id",
    "pick_suggestions": "suggestion_id",
    "pick_votes": "vote_id",
    "meetings": "meeting_id",
}


class PostgresIntegrityError(sqlite3.IntegrityError):
    """A PostgreSQL constraint violation, caught where SQLite's would be."""


class PostgresOperationalError(sqlite3.OperationalError):
    """Any other PostgreSQL or connection error, caught where SQLite's would be."""


# -- translation ---------------------------------------------------------------------------
_TOKENS = re.compile(
    r"""'(?:[^']|'')*'        # a string literal
      | "[^"]*"               # a quoted identifier
      | --[^\n]*              # a comment
      | \$\$.*?\$\$           # a dollar-quoted body
      | ::                    # a cast, never a named parameter
      | \?                    # a positional parameter
      | :[A-Za-z_]\w*         # a named parameter
    """,
    re.VERBOSE | re.DOTALL,
)
_INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_SCALAR_MIN_MAX = re.compile(r"\b(min|max)\(", re.IGNORECASE)
_GROUP_CONCAT = re.compile(r"\b(group_concat|json_each)\(", re.IGNORECASE)
# SQLite's NOCASE folds ASCII letters; PostgreSQL compares lower() (the books_title_nocase index).
_NOCASE = re.compile(r"([\w.]+)\s+COLLATE\s+NOCASE\b", re.IGNORECASE)
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


def _split_call(text: str, start: int) -> tuple[list[str], int]:
    """The top-level arguments of the call whose `(` is at `start`, and the index after its `)`."""
    depth, args, current = 0, [], start + 1
    index = start
    while index < len(text):
        char = text[index]
        if char == "'":
            index = text.index("'", index + 1)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                args.append(text[current:index])
                return args, index + 1
        elif char == "," and depth == 1:
            args.append(text[current:index])
            current = index + 1
        index += 1
    raise ValueError(f"unbalanced parentheses in {text!r}")


def _rewrite_calls(text: str) -> str:
    """`min(a, b)` → `LEAST(a, b)`, `max(a, b)` → `GREATEST(a, b)`, `group_concat(x)` → `string_agg`,
    `json_each(x)` → `json_array_elements_text(x::json)` (its column is `value` on both)."""
    out: list[str] = []
    position = 0
    pattern = re.compile(r"\b(min|max|group_concat|json_each)\(", re.IGNORECASE)
    while match := pattern.search(text, position):
        args, end = _split_call(text, match.end() - 1)
        inner = [_rewrite_calls(arg) for arg in args]
        name = match.group(1).lower()
        out.append(text[position : match.start()])
        if name == "json_each":
            out.append(f"json_array_elements_text(CAST({inner[0].strip()} AS json))")
        elif name == "group_concat":
            out.append(f"string_agg(({inner[0].strip()})::text, ',')")
        elif len(inner) > 1:
            # SQLite's scalar min/max are NULL when any argument is; LEAST/GREATEST skip NULLs, so
            # a NULL is added back. The call comes first so that PostgreSQL types its parameters
            # from the other arguments (the callers compare numbers).
            nulls = " OR ".join(f"({arg.strip()}) IS NULL" for arg in inner)
            function = "LEAST(" if name == "min" else "GREATEST("
            out.append(f"({function}{','.join(inner)}) + CASE WHEN {nulls} THEN NULL ELSE 0 END)")
        else:
            out.append(f"{match.group(1)}({inner[0]})")
        position = end
    out.append(text[position:])
    return "".join(out)


@lru_cache(maxsize=2048)
def translate(query: str) -> tuple[str, tuple[str, ...] | None, int]:
    """A `bot/db` statement in PostgreSQL's spelling, once per text.

    Returns the text, the names of its `:name` parameters in `$n` order (None for `?` ones) and
    how many parameters it takes.
    """
    text = query.strip().rstrip(";")
    ignore = bool(_INSERT_OR_IGNORE.search(text))
    if ignore:
        text = _INSERT_OR_IGNORE.sub("INSERT INTO", text)
    text = text.replace(_NOW, "bookclub_now()")
    text = _NOCASE.sub(r"lower(\1)", text)
    names: list[str] = []
    positional = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal positional
        token = match.group(0)
        if token == "?":
            positional += 1
            return f"${positional}"
        if token.startswith(":") and token != "::":
            name = token[1:]
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"
        return token

    text = _TOKENS.sub(replace, text)
    # After numbering: a rewrite that repeats an argument repeats its $n, never adds a parameter.
    if _SCALAR_MIN_MAX.search(text) or _GROUP_CONCAT.search(text):
        text = _rewrite_calls(text)
    if names and positional:
        raise ValueError(f"a statement mixes ? and :name parameters: {query!r}")
    returning = _RETURNING.search(text)
    if ignore:
        tail = " ON CONFLICT DO NOTHING"
        text = (
            text[: returning.start()] + tail + " " + text[returning.start() :] if returning else text + tail
        )
    insert = _INSERT_INTO.match(text)
    if insert and not returning and insert.group(1) in _GENERATED_IDS:
        text += f" RETURNING {_GENERATED_IDS[insert.group(1)]} AS lastrowid"
    return text, (tuple(names) if names else None), (len(names) or positional)


def _arguments(names: tuple[str, ...] | None, count: int, params: Params) -> list[Any]:
    if names is not None:
        if not isinstance(params, dict):
            raise TypeError("a statement with :name parameters needs a dict")
        return [params[name] for name in names]
    values = list(params.values()) if isinstance(params, dict) else list(params)
    if len(values) != count:
        raise sqlite3.ProgrammingError(f"the statement takes {count} parameters, {len(values)} given")
    return values


def _mapped(exc: BaseException) -> BaseException:
    import asyncpg

    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        # Worded like SQLite's ("UNIQUE constraint failed: …"), so a message check reads the same.
        kind = {
            asyncpg.UniqueViolationError: "UNIQUE",
            asyncpg.ForeignKeyViolationError: "FOREIGN KEY",
            asyncpg.CheckViolationError: "CHECK",
            asyncpg.NotNullViolationError: "NOT NULL",
        }.get(type(exc), "integrity")
        return PostgresIntegrityError(f"{kind} constraint failed: {exc}")
    if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
        return PostgresOperationalError(f"{type(exc).__name__}: {exc}")
    return exc


class PostgresCursor:
    """What `execute()` answers: the rows a statement returned, rowcount and lastrowid."""

    def __init__(self, rows: list[Any], status: str) -> None:
        self._rows = rows
        tail = status.rsplit(" ", 1)[-1] if status else ""
        self.rowcount = int(tail) if tail.isdigit() else -1
        self.lastrowid: int | None = None
        if rows and "lastrowid" in rows[0].keys():  # noqa: SIM118 — a Record, not a dict
            self.lastrowid = int(rows[0]["lastrowid"])

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return list(self._rows)


class PostgresConnection:
    """One pooled connection inside a transaction, spoken to like the aiosqlite connection."""

    dialect = "postgres"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.raw = conn

    async def execute(self, query: str, params: Params = ()) -> PostgresCursor:
        text, names, count = translate(query)
        args = _arguments(names, count, params)
        try:
            # The private entry point is the one that reports the command status ("UPDATE 3")
            # through asyncpg's statement cache; Connection.execute() with arguments drops it.
            rows, status, _ = await self.raw._execute(text, args, 0, None, return_status=True)
        except Exception as exc:
            raise _mapped(exc) from exc
        return PostgresCursor(list(rows), status.decode() if isinstance(status, bytes) else str(status))

    async def execute_fetchall(self, query: str, params: Params = ()) -> list[Any]:
        cursor = await self.execute(query, params)
        return await cursor.fetchall()

    async def executemany(self, query: str, rows: Iterable[Params]) -> None:
        text, names, count = translate(query)
        batch = [_arguments(names, count, row) for row in rows]
        if not batch:
            return
        try:
            await self.raw.executemany(text, batch)
        except Exception as exc:
            raise _mapped(exc) from exc

    async def lock_key(self, key: str) -> None:
        try:
            await self.raw.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
        except Exception as exc:
            raise _mapped(exc) from exc


class PostgresDatabase(Database):
    """The bot's database on PostgreSQL. Build with `open_postgres`; close with `close()`."""

    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, *, label: str, telemetry: Telemetry = NO_TELEMETRY) -> None:
        # No SQLite file: `path` names the server for messages (never the password).
        self.path = Path(label)
        self.label = label
        self.pool = pool
        self.on_commit = None
        self.telemetry = telemetry
        # One transaction at a time from this process, as on SQLite: every read-then-write written
        # for SQLite stays correct here. Other processes are kept in step by `lock_key`.
        self._lock = asyncio.Lock()

    async def _read(self, query: str, params: Params) -> list[Any]:
        text, names, count = translate(query)
        args = _arguments(names, count, params)
        started = time.perf_counter()
        try:
            rows = await self.pool.fetch(text, *args)
        except Exception as exc:
            raise _mapped(exc) from exc
        finally:
            self.telemetry.database("read", time.perf_counter() - started)
        return list(rows)

    async def fetchall(self, query: str, params: Params = ()) -> list[sqlite3.Row]:
        return cast("list[sqlite3.Row]", await self._read(query, params))

    async def fetchone(self, query: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._read(query, params)
        return cast("sqlite3.Row", rows[0]) if rows else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN … COMMIT on one pooled connection, or ROLLBACK on any exception."""
        if _IN_TRANSACTION.get():
            raise RuntimeError("nested Database.transaction(): use the connection it yielded")
        started = time.perf_counter()
        token = _IN_TRANSACTION.set(True)
        try:
            await self._lock.acquire()
            try:
                conn = await self.pool.acquire()
            except BaseException as exc:
                self._lock.release()
                raise _mapped(exc) from exc
            try:
                tx = conn.transaction()
                try:
                    await tx.start()
                except Exception as exc:
                    raise _mapped(exc) from exc
                try:
                    yield cast("aiosqlite.Connection", PostgresConnection(conn))
                except BaseException:
                    await asyncio.shield(tx.rollback())
                    raise
                try:
                    await tx.commit()
                except Exception as exc:
                    raise _mapped(exc) from exc
            finally:
                await self.pool.release(conn)
                self._lock.release()
            if self.on_commit is not None:
                self.on_commit()
        finally:
            _IN_TRANSACTION.reset(token)
            self.telemetry.database("write", time.perf_counter() - started)

    async def run_write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """A function over a sqlite3 connection cannot run here: write the work as steps."""
        raise NotImplementedError("run_write takes SQLite work; use write_steps on PostgreSQL")

    async def write_steps(self, steps: Steps[T]) -> T:
        """The steps in one `transaction()`, a round trip a statement (the pool's connection is
        already on this loop, so there is no thread hand-off to save); lock steps take their key."""
        async with self.transaction() as conn:
            return await run_steps(conn, steps)

    # -- schema --------------------------------------------------------------------------
    async def user_version(self) -> int:
        exists = await self.pool.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.pool.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    async def migrate(self) -> int:
        """Apply pending migrations, each in one transaction, under an advisory lock.

        Several processes starting at once against one database wait for each other here: the
        first applies what is pending, the others find nothing left to do.
        """
        migrations = load_migrations("postgres")
        latest = migrations[-1].version if migrations else 0
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATE_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                current = int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))
                if current > latest:
                    raise DatabaseError(
                        f"the database {self.label} is at schema version {current}, newer than this "
                        f"bot knows ({latest}); upgrade the bot or use another DATABASE_URL"
                    )
                for migration in (m for m in migrations if m.version > current):
                    try:
                        async with conn.transaction():
                            await conn.execute(migration.sql)
                            await conn.execute(
                                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                migration.version,
                                migration.name,
                            )
                    except Exception as exc:
                        raise DatabaseError(f"migration {migration.name} failed: {exc}") from exc
                    log.info("applied migration %s", migration.name)
                    current = migration.version
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATE_LOCK)
        return current

    async def checkpoint(self) -> None:
        """Nothing to fold: PostgreSQL keeps its own write-ahead log."""

    async def close(self) -> None:
        await self.pool.close()


def redacted(url: str) -> str:
    """A connection URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


async def open_postgres(
    url: str, *, telemetry: Telemetry = NO_TELEMETRY, min_size: int = 1, max_size: int = 10
) -> PostgresDatabase:
    """Connect a pool to `url` and refuse a database newer than the code (migrated later)."""
    try:
        import asyncpg
    except ImportError as exc:
        raise DatabaseError(
            "DATABASE_URL names PostgreSQL, but asyncpg is not installed: pip install 'bookclub-bot[postgres]'"
        ) from exc
    label = redacted(url)
    try:
        pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, command_timeout=30)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise DatabaseError(f"cannot connect to the database at {label}: {exc}") from exc
    db = PostgresDatabase(pool, label=label, telemetry=telemetry)
    try:
        version = await db.user_version()
    except BaseException:
        await pool.close()
        raise
    latest = len(load_migrations("postgres"))
    if version > latest:
        await pool.close()
        raise DatabaseError(
            f"the database {label} is at schema version {version}, newer than this bot knows "
            f"({latest}); upgrade the bot or use another DATABASE_URL"
        )
    return db


def args_for(query: str, params: Params) -> tuple[str, Sequence[Any]]:
    """A statement and its arguments as asyncpg takes them (for bulk tools such as the migrator)."""
    text, names, count = translate(query)
    return text, _arguments(names, count, params)


_FTS_TERM = re.compile(r'"([^"]*)"(\*?)')


def tsquery_from_fts(match: str) -> str:
    """The PostgreSQL text-search query of a safe FTS5 query (`"word" "prefix"*`): every term
    required, a starred one as a prefix. Terms are runs of letters and digits, so nothing in them
    has a meaning to `to_tsquery`; folding is applied in SQL by `bookclub_fold` (migration 0002)."""
    terms = [f"{word}:*" if star else word for word, star in _FTS_TERM.findall(match) if word]
    return " & ".join(terms) if terms else "''"
