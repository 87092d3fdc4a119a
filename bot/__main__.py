"""Entry point: `python -m bot` runs the bot; `sync`, `backup`, `restore`, `migrate-to-postgres` and
`--version` do one thing and exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import aiohttp
import discord
from pydantic import SecretStr, ValidationError

from bot import __version__
from bot.books.enrich import build_enricher
from bot.books.service import build_book_service, user_agent
from bot.client import BookClubBot, build_bot
from bot.config import Settings, describe_settings, explain
from bot.db import open_configured
from bot.db.lock import DatabaseLock
from bot.errors import DatabaseError
from bot.logs import JsonFormatter
from bot.ops import metrics as ops_metrics
from bot.ops.commands import backup_command, restore_command
from bot.ops.migrate import migrate_command
from bot.ops.server import OpsServer, PortInUse, snapshot
from bot.ops.shutdown import GracefulStop
from bot.telemetry import NO_TELEMETRY

log = logging.getLogger("bot")

USAGE = (
    "usage: python -m bot [run|sync] | backup [PATH] | restore PATH | "
    "migrate-to-postgres SQLITE_PATH DATABASE_URL | --version   "
    "(python -m bot --help lists the settings)"
)

COMMANDS = (
    ("run", "log in and serve the book club until stopped (the default)"),
    ("sync", "log in, sync the slash commands with Discord, and exit"),
    ("backup [PATH]", "copy the database, even while the bot runs, to PATH or a dated file in BACKUP_DIR"),
    ("restore PATH", "replace the database by the backup at PATH (the bot must be stopped)"),
    ("migrate-to-postgres SQLITE_PATH DATABASE_URL", "copy a SQLite database into an empty PostgreSQL one"),
    ("--version", "print the version and exit"),
)


def help_text() -> str:
    """The commands and every setting with its default and meaning, from the Settings model itself."""
    lines = [
        "usage: python -m bot [run|sync]",
        "       python -m bot backup [PATH] | restore PATH | --version",
        "       python -m bot migrate-to-postgres SQLITE_PATH DATABASE_URL",
    ]
    lines += ["", "commands:"]
    lines += [f"  {name:<15}{meaning}" for name, meaning in COMMANDS]
    lines += ["", "settings, from the environment or from .env in the working folder (see .env.example):"]
    for name, default, meaning in describe_settings():
        lines += [f"  {name} = {default}", f"      {meaning}"]
    return "\n".join(lines)


def load_settings(*, token: bool = True) -> Settings:
    """Settings from the environment and `.env`, or SystemExit naming every bad one, a line each.

    `token=False` for the commands that never talk to Discord (backup, restore).
    """
    try:
        if not token:
            return Settings(discord_token=SecretStr("not-needed"))
        return Settings()  # the token comes from the environment or .env
    except ValidationError as exc:
        raise SystemExit("\n".join(f"error: {line}" for line in explain(exc))) from None


PLAIN_LOG_FORMAT = "[{asctime}] [{levelname:<8}] {name}: {message}"


def setup_logging(level: str, stream: TextIO | None = None, *, fmt: str = "text") -> None:
    """Log to `stream` (stderr): JSON lines with LOG_FORMAT=json; else text, in colour only on a
    terminal and never when NO_COLOR is set.

    discord.py's own choice colours whenever /.dockerenv exists, which fills log files with escape codes.
    """
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    number = logging.getLevelNamesMapping()[level]
    if fmt == "json":
        discord.utils.setup_logging(handler=handler, formatter=JsonFormatter(), level=number)
    elif handler.stream.isatty() and not os.environ.get("NO_COLOR"):
        discord.utils.setup_logging(handler=handler, level=number)  # its colour formatter
    else:
        plain = logging.Formatter(PLAIN_LOG_FORMAT, "%Y-%m-%d %H:%M:%S", style="{")
        discord.utils.setup_logging(handler=handler, formatter=plain, level=number)


def point_at_discord(settings: Settings) -> None:
    """Aim discord.py at DISCORD_API_URL and DISCORD_GATEWAY_URL: Discord's own unless a test
    runs this process against the local fake in tests/process (discord.py reads both from class
    attributes, so this is the one place they change)."""
    discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    gateway = discord.gateway.DiscordWebSocket
    gateway.DEFAULT_GATEWAY = type(gateway.DEFAULT_GATEWAY)(settings.discord_gateway_url)  # a yarl.URL


async def run(settings: Settings, *, sync_only: bool = False) -> None:
    metrics = None
    if settings.http_port is not None and not sync_only:
        if ops_metrics.available():
            metrics = ops_metrics.PrometheusTelemetry(__version__)
        else:
            log.warning("%s; /metrics answers 501 until then, /healthz works", ops_metrics.INSTALL_HINT)
    db = await open_configured(settings, telemetry=metrics or NO_TELEMETRY)
    # The SQLite file's lock keeps a second bot off it; PostgreSQL takes several processes.
    lock = DatabaseLock(settings.database_path) if db.dialect == "sqlite" else None
    try:
        if lock is not None and not sync_only:  # a sync next to a running bot only rewrites the hash
            lock.acquire()
        timeout = aiohttp.ClientTimeout(total=settings.http_timeout)
        async with aiohttp.ClientSession(
            timeout=timeout, headers={"User-Agent": user_agent(settings)}
        ) as session:
            books = build_book_service(settings, session, db)
            enricher = build_enricher(books)
            async with build_bot(
                settings=settings, db=db, session=session, books=books, enricher=enricher
            ) as bot:
                token = settings.discord_token.get_secret_value()
                if sync_only:
                    bot.sync_on_start = False
                    await bot.login(token)  # runs setup_hook, which loads every extension
                    await bot.sync_commands(force=True)
                else:
                    await serve(bot, settings, metrics, token)
        with contextlib.suppress(sqlite3.Error):
            await db.checkpoint()  # the database file is complete on its own after a stop
    finally:
        await db.close()
        if lock is not None:
            lock.release()


async def serve(
    bot: BookClubBot, settings: Settings, metrics: ops_metrics.PrometheusTelemetry | None, token: str
) -> None:
    """Run until stopped: the health server first (a port in use ends it before logging in), then
    the bot, with SIGTERM and SIGINT stopping it gracefully."""
    server = None
    if settings.http_port is not None:
        server = OpsServer(bot, host=settings.http_host, port=settings.http_port, metrics=metrics)
        await server.start()
    if metrics is not None:
        metrics.watch(lambda: snapshot(bot))
    stop = GracefulStop(bot, settings.shutdown_timeout)
    stop.install()
    try:
        await bot.start(token)
    finally:
        stop.uninstall()
        if server is not None:
            await server.close()
    if stop.stopping:
        log.info("stopped on %s after %.2f s; closing the database", stop.signal_name, stop.elapsed())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"], ["help"]):
        print(help_text())
        return 0
    if args in (["--version"], ["version"]):
        print(f"bookclub-bot {__version__}")
        return 0
    if (args[:1] == ["backup"] and len(args) <= 2) or (args[:1] == ["restore"] and len(args) == 2):
        return maintenance(args)
    if args[:1] == ["migrate-to-postgres"] and len(args) == 3:
        return migrate(Path(args[1]), args[2])
    if args not in ([], ["run"], ["sync"]):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except SystemExit as exc:
        print(exc.code, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, fmt=settings.log_format)
    point_at_discord(settings)
    try:
        asyncio.run(run(settings, sync_only=args == ["sync"]))
    except (DatabaseError, PortInUse) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print(
            "error: Discord rejected DISCORD_TOKEN; copy a fresh token from the developer portal",
            file=sys.stderr,
        )
        return 1
    except discord.PrivilegedIntentsRequired:
        print("error: Discord refused the gateway intents this bot asked for", file=sys.stderr)
        return 1
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        print(f"error: cannot reach Discord ({exc.__class__.__name__}); check the network", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        log.info("stopped")
    return 0


def migrate(source: Path, url: str) -> int:
    """`migrate-to-postgres SQLITE_PATH DATABASE_URL`: one line per outcome; the URL's password is never printed."""
    logging.basicConfig(level=logging.WARNING)
    said: list[str] = []
    code = asyncio.run(migrate_command(source, url, say=said))
    for line in said:
        print(line, file=sys.stderr if line.startswith("error:") else sys.stdout)
    return code


def maintenance(args: list[str]) -> int:
    """`backup [PATH]` and `restore PATH`: settings without a token, one line per outcome."""
    try:
        settings = load_settings(token=False)
    except SystemExit as exc:
        print(exc.code, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, fmt=settings.log_format)
    said: list[str] = []
    path = Path(args[1]) if len(args) == 2 else None
    if args[0] == "backup":
        code = asyncio.run(backup_command(settings, path, say=said))
    else:
        assert path is not None
        code = restore_command(settings, path, say=said)
    for line in said:
        print(line, file=sys.stderr if line.startswith("error:") else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
