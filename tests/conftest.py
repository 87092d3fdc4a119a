"""Shared fixtures: settings on a temporary database, the real bot under simcord, a small club.

The tests of BOTH_BACKENDS run on both backends: their `db` (or `club`) fixture is parametrised
`[sqlite]` / `[postgres]` (see `pytest_generate_tests`); a test inherently about SQLite (its file,
WAL, backups) says `@pytest.mark.sqlite_only`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import simcord
from pydantic import SecretStr

from bot.books.enrich import build_enricher
from bot.books.service import build_book_service
from bot.client import BookClubBot, build_bot
from bot.config import Settings
from bot.db import Database, open_configured
from bot.tree import describe
from tests.books.server import RecordedServer
from tests.payloads import audit
from tests.pg import PostgresServer, start_server

SETTING_NAMES = tuple(name.upper() for name in Settings.model_fields)
REPO = Path(__file__).resolve().parent.parent


def fixtures_dir() -> Path:
    """The recorded third-party responses: $BOOKCLUB_FIXTURES or ../shared/fixtures."""
    configured = os.environ.get("BOOKCLUB_FIXTURES")
    return Path(configured) if configured else REPO.parent / "shared" / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The fixture folder; tests that need it skip with a reason where it is absent."""
    folder = fixtures_dir()
    if not folder.is_dir():
        pytest.skip(f"recorded fixtures not found at {folder} (set BOOKCLUB_FIXTURES)")
    return folder


@pytest.fixture
async def recorded(fixtures: Path) -> AsyncIterator[RecordedServer]:
    """A local aiohttp server on 127.0.0.1 (port 0) serving the recorded provider fixtures."""
    server = RecordedServer(fixtures)
    await server.start()
    yield server
    await server.close()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the developer's shell or a `.env` in the working directory."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": "test-token",
        "database_path": tmp_path / "bookclub.sqlite3",
        "openlibrary_url": "http://127.0.0.1:9",  # a closed port: no test reaches the internet
        "openlibrary_covers_url": "http://127.0.0.1:9",
        "google_books_url": "http://127.0.0.1:9",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


# Test folders whose database-using tests run on both backends.
BOTH_BACKENDS = ("tests/db/", "tests/services/", "tests/cogs/")
_PG_SKIPPED: list[str] = []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`[sqlite]` and `[postgres]` for every test of BOTH_BACKENDS that uses a database."""
    if "backend" not in metafunc.fixturenames:
        return
    relative = Path(str(metafunc.definition.path)).resolve().relative_to(REPO).as_posix()
    if not relative.startswith(BOTH_BACKENDS) or metafunc.definition.get_closest_marker("sqlite_only"):
        return
    metafunc.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (started on first use), or why there is none."""
    server = start_server()
    if server.unavailable:
        _PG_SKIPPED.append(server.unavailable)
    yield server
    server.stop()


@pytest.fixture
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """None for SQLite; for PostgreSQL the URL of a fresh, migrated database dropped afterwards."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield None
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    if server.unavailable:
        pytest.skip(f"PostgreSQL half skipped: {server.unavailable}")
    url = await server.create_database()
    try:
        yield url
    finally:
        await server.drop_database(url)


def on_backend(settings: Settings, backend: str | None) -> Settings:
    """The settings with DATABASE_URL pointing at the test's PostgreSQL database, if it has one."""
    if backend is None or settings.database_url is not None:
        return settings
    return settings.model_copy(update={"database_url": SecretStr(backend)})


@pytest.fixture
async def db(settings: Settings, backend: str | None) -> AsyncIterator[Database]:
    """A temporary database with every migration applied: SQLite, or PostgreSQL for `[postgres]`."""
    database = await open_configured(on_backend(settings, backend))
    await database.migrate()
    yield database
    await database.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _PG_SKIPPED:
        terminalreporter.write_line(
            f"PostgreSQL half SKIPPED: {_PG_SKIPPED[0]} — only SQLite was tested", yellow=True, bold=True
        )


class Clock:
    """A controllable UTC clock for the bot (`bot.clock`)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Apologies(logging.Handler):
    """Every bug the bot answered with an error id, from `bot.tree`'s log.

    Buttons, menus and forms answer their errors themselves (`Control`, `answer_form`), so simcord
    never sees them; the log does. Attached by the `club` fixture; read by `Club.take_errors`.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


@dataclass
class Club:
    """A running bot in one guild with a #general channel, an admin and two members."""

    env: simcord.Env
    settings: Settings
    session: aiohttp.ClientSession
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    admin: simcord.MemberActor
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    clock: Clock
    build: Callable[[Database], BookClubBot]
    databases: list[Database] = field(default_factory=list)
    error_cursor: int = 0
    apologies: Apologies = field(default_factory=Apologies)
    apologies_taken: int = 0
    taken: list[BaseException] = field(default_factory=list)  # kept alive so ids stay unique

    @property
    def bot(self) -> BookClubBot:
        bot = self.env.bot
        assert isinstance(bot, BookClubBot)
        return bot

    @property
    def db(self) -> Database:
        return self.bot.db

    def take_errors(self) -> tuple[BaseException, ...]:
        """Errors the bot raised since the last call; taken errors no longer fail the test.

        Those of commands (as simcord saw them), then the bugs answered with an apology that simcord
        did not see (in buttons, menus and forms), each error once.
        """
        errors = self.env.errors_since(self.error_cursor)
        self.error_cursor = self.env.error_cursor
        self.taken += [getattr(error, "original", error) for error in errors]
        logged = self.apologies.errors[self.apologies_taken :]
        self.apologies_taken = len(self.apologies.errors)
        known = {id(error) for error in self.taken}
        unseen = tuple(error for error in logged if id(error) not in known)
        self.taken += unseen
        return errors + unseen

    async def restart(self) -> BookClubBot:
        """Replace the bot by a new one on the same database file, as a process restart would."""
        database = await open_configured(self.settings)
        self.databases.append(database)
        bot = self.build(database)
        await self.env.restart_bot(bot)
        return bot


BotFactory = Callable[[Settings, Database, aiohttp.ClientSession, Clock], BookClubBot]


def default_factory(
    settings: Settings, db: Database, session: aiohttp.ClientSession, clock: Clock
) -> BookClubBot:
    """The bot with its book providers at the settings' URLs (a closed port unless a test points them)
    and the enricher of imported books over its Open Library provider, as `python -m bot` builds it."""
    books = build_book_service(settings, session, db, clock=clock)
    return build_bot(
        settings=settings, db=db, session=session, clock=clock, books=books, enricher=build_enricher(books)
    )


@pytest.fixture
def bot_factory() -> BotFactory:
    """Override in a test module to build the bot differently (e.g. with test providers)."""
    return default_factory


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "provokes_bad_payload(reason): the test makes the bot send a payload Discord would refuse on "
        "purpose, so the club fixture's payload audit is off for it",
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only: the test is about SQLite itself (its file, WAL, backups): not run on PostgreSQL",
    )


@pytest.fixture
async def club(
    settings: Settings, bot_factory: BotFactory, request: pytest.FixtureRequest, backend: str | None
) -> AsyncIterator[Club]:
    clock = Clock()
    settings = on_backend(settings, backend)
    first_db = await open_configured(settings)
    session = aiohttp.ClientSession()

    def build(database: Database) -> BookClubBot:
        return bot_factory(settings, database, session, clock)

    # Errors the tree answers as expected (UserFacingError, checks) are not bugs; the teardown
    # below fails the test only on the others (and on any apology logged by a button, menu or
    # form), unless the test took them with take_errors().
    env = simcord.Env(build(first_db), check_errors=False)
    await env.start()
    state: Club | None = None
    try:
        guild = env.create_guild("Readers")
        channel = guild.create_text_channel("general")
        admins = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
        admin = guild.add_member(env.create_user("ada"), roles=[admins])
        alice = guild.add_member(env.create_user("alice"))
        bob = guild.add_member(env.create_user("bob"))
        state = Club(env, settings, session, guild, channel, admin, alice, bob, clock, build, [first_db])
        logging.getLogger("bot.tree").addHandler(state.apologies)
        yield state
    finally:
        sent = list(env.http_requests)
        await env.shutdown()
        if state is not None:
            logging.getLogger("bot.tree").removeHandler(state.apologies)
        await session.close()
        for database in state.databases if state else [first_db]:
            await database.close()
    # The payload audit: every message, edit, reply, follow-up, modal, choice list and thread name
    # the bot sent disables mentions and fits Discord's limits (see tests/payloads.py).
    problems = audit(sent)
    if problems and request.node.get_closest_marker("provokes_bad_payload") is None:
        pytest.fail("payloads Discord would refuse, or that could ping:\n" + "\n".join(problems[:20]))
    if state is not None:
        bugs = [error for error in state.take_errors() if describe(error) is None]
        if bugs:
            raise ExceptionGroup("the bot raised unexpected errors", bugs)
