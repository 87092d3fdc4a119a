"""Entry point: `python -m bot` runs the bot; `python -m bot sync` logs in, syncs commands, exits."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import TextIO

import aiohttp
import discord
from pydantic import ValidationError

from bot.books.enrich import build_enricher
from bot.books.service import build_book_service, user_agent
from bot.client import BookClubBot
from bot.config import Settings, describe_settings, explain
from bot.db import open_database
from bot.errors import DatabaseError

log = logging.getLogger("bot")

USAGE = "usage: python -m bot [run|sync]   (python -m bot --help lists the settings)"

COMMANDS = (
    ("run", "log in and serve the book club until stopped (the default)"),
    ("sync", "log in, sync the slash commands with Discord, and exit"),
)


def help_text() -> str:
    """The commands and every setting with its default and meaning, from the Settings model itself."""
    lines = ["usage: python -m bot [run|sync]", "", "commands:"]
    lines += [f"  {name:<6}{meaning}" for name, meaning in COMMANDS]
    lines += ["", "settings, from the environment or from .env in the working folder (see .env.example):"]
    for name, default, meaning in describe_settings():
        lines += [f"  {name} = {default}", f"      {meaning}"]
    return "\n".join(lines)


def load_settings() -> Settings:
    """Settings from the environment and `.env`, or SystemExit naming every bad one, a line each."""
    try:
        return Settings()  # the token comes from the environment or .env
    except ValidationError as exc:
        raise SystemExit("\n".join(f"error: {line}" for line in explain(exc))) from None


PLAIN_LOG_FORMAT = "[{asctime}] [{levelname:<8}] {name}: {message}"


def setup_logging(level: str, stream: TextIO | None = None) -> None:
    """Log to `stream` (stderr), in colour only on a terminal and never when NO_COLOR is set.

    discord.py's own choice colours whenever /.dockerenv exists, which fills log files with escape codes.
    """
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    number = logging.getLevelNamesMapping()[level]
    if handler.stream.isatty() and not os.environ.get("NO_COLOR"):
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
    db = await open_database(settings.database_path)
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout)
    try:
        async with aiohttp.ClientSession(
            timeout=timeout, headers={"User-Agent": user_agent(settings)}
        ) as session:
            books = build_book_service(settings, session, db)
            enricher = build_enricher(books)
            async with BookClubBot(
                settings=settings, db=db, session=session, books=books, enricher=enricher
            ) as bot:
                token = settings.discord_token.get_secret_value()
                if sync_only:
                    bot.sync_on_start = False
                    await bot.login(token)  # runs setup_hook, which loads every extension
                    await bot.sync_commands(force=True)
                else:
                    await bot.start(token)
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"], ["help"]):
        print(help_text())
        return 0
    if args not in ([], ["run"], ["sync"]):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except SystemExit as exc:
        print(exc.code, file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    point_at_discord(settings)
    try:
        asyncio.run(run(settings, sync_only=args == ["sync"]))
    except DatabaseError as exc:
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


if __name__ == "__main__":
    sys.exit(main())
