"""Settings, read from the environment and `.env`; built in `__main__`, never at import.

Each field carries its meaning (`description`, shown by `python -m bot --help`) and what a valid value
looks like (`expected`, shown when a value is refused), so the two cannot drift from the model.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import Field, PositiveInt, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LogFormat = Literal["text", "json"]


def setting(default: Any = ..., *, meaning: str, expected: str, **constraints: Any) -> Any:
    """A field with its meaning and, for the error message, what a valid value looks like (`...`: required)."""
    return Field(default, description=meaning, json_schema_extra={"expected": expected}, **constraints)


class Settings(BaseSettings):
    """Every setting of the bot. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr = setting(
        meaning="the bot token from the Discord developer portal",
        expected="the bot token from the Discord developer portal",
        min_length=1,
    )
    database_path: Path = setting(
        Path("data/bookclub.sqlite3"),
        meaning="the SQLite file; its folder is created when missing",
        expected="the path of the SQLite database file",
    )
    database_url: SecretStr | None = setting(
        None,
        meaning="when set, PostgreSQL (postgresql://user:password@host/db) instead of the SQLite file",
        expected="a postgresql:// URL, or nothing for SQLite at DATABASE_PATH",
    )
    dev_guild_id: PositiveInt | None = setting(
        None,
        meaning="when set, commands are synced to this guild at start-up (and never globally)",
        expected="a server id (a whole number), or nothing",
    )
    owner_ids: Annotated[frozenset[PositiveInt], NoDecode] = setting(
        frozenset(),
        meaning="comma-separated user ids allowed to run owner commands such as /sync",
        expected="user ids (whole numbers) separated by commas, or nothing",
    )
    log_level: LogLevel = setting(
        "INFO",
        meaning="the least severe log lines written: DEBUG, INFO, WARNING or ERROR",
        expected="DEBUG, INFO, WARNING or ERROR",
    )

    log_format: LogFormat = setting(
        "text",
        meaning="text: readable lines; json: one JSON object a line, for a log collector",
        expected="text or json",
    )

    openlibrary_url: str = setting(
        "https://openlibrary.org",
        meaning="Open Library, the primary book source",
        expected="an http:// or https:// URL",
    )
    openlibrary_covers_url: str = setting(
        "https://covers.openlibrary.org",
        meaning="where cover images come from",
        expected="an http:// or https:// URL",
    )
    google_books_url: str = setting(
        "https://www.googleapis.com/books/v1",
        meaning="Google Books, fallback and enrichment",
        expected="an http:// or https:// URL",
    )
    google_books_api_key: SecretStr | None = setting(
        None,
        meaning="Google Books is used only when this is set",
        expected="a Google Books API key, or nothing",
    )
    contact: str = setting(
        "https://github.com/bookclub-bot/bookclub-bot",
        meaning="an e-mail or URL put in the User-Agent sent to the book providers",
        expected="an e-mail address or URL",
        min_length=1,
    )
    discord_api_url: str = setting(
        "https://discord.com/api/v10",
        meaning="Discord's REST API; only tests point it elsewhere, at a local fake of Discord",
        expected="an http:// or https:// URL",
    )
    discord_gateway_url: str = setting(
        "wss://gateway.discord.gg/",
        meaning="Discord's gateway; only tests point it elsewhere, at a local fake of Discord",
        expected="a ws:// or wss:// URL",
    )

    http_timeout: float = setting(
        4.0,
        meaning="seconds before a call to a book provider gives up",
        expected="a number of seconds greater than 0",
        gt=0,
        allow_inf_nan=False,
    )
    autocomplete_deadline: float = setting(
        1.2,
        meaning="seconds autocomplete waits for remote results before answering from the catalogue",
        expected="a number of seconds greater than 0",
        gt=0,
        allow_inf_nan=False,
    )
    digest_grace_hours: float = setting(
        24.0,
        meaning="a digest missed while the bot was down is still posted within this many hours",
        expected="a number of hours, 0 or more",
        ge=0,
        allow_inf_nan=False,
    )
    digest_post_empty: bool = setting(
        True,
        meaning="whether a quiet week (no reading, finished books or reviews) still gets a short note",
        expected="true or false",
    )
    meeting_length_minutes: int = setting(
        90,
        meaning="how long a meeting made by /meeting schedule lasts: its event ends this many minutes after it starts",
        expected="a whole number of minutes from 1 to 1440",
        ge=1,
        le=1440,
    )
    reminder_grace_minutes: float = setting(
        30.0,
        meaning="a meeting reminder missed while the bot was down is still sent within this many minutes",
        expected="a number of minutes, 0 or more",
        ge=0,
        allow_inf_nan=False,
    )
    import_max_bytes: int = setting(
        5_000_000,
        meaning="the largest library file /library import accepts, in bytes",
        expected="a whole number of bytes greater than 0",
        gt=0,
    )

    shutdown_timeout: float = setting(
        10.0,
        meaning="seconds a stop (SIGTERM, Ctrl-C) waits for commands and jobs in flight to finish",
        expected="a number of seconds, 0 or more",
        ge=0,
        allow_inf_nan=False,
    )
    http_port: int | None = setting(
        None,
        meaning="when set, /healthz and /metrics are served on this port (off when empty)",
        expected="a port number from 1 to 65535, or nothing",
        ge=1,
        le=65535,
    )
    http_host: str = setting(
        "127.0.0.1",
        meaning="the address the health and metrics server listens on (0.0.0.0 in a container)",
        expected="an IP address or host name to listen on",
        min_length=1,
    )
    backup_dir: Path | None = setting(
        None,
        meaning="when set, a consistent copy of the database is written here every day",
        expected="a folder path, or nothing",
    )
    backup_keep: int = setting(
        7,
        meaning="how many daily backups to keep in BACKUP_DIR; older ones are deleted",
        expected="a whole number, 1 or more",
        ge=1,
    )
    shard_count: PositiveInt | None = setting(
        None,
        meaning="when set, the bot runs this many shards in all (Discord requires sharding from 2,500 servers)",
        expected="a whole number of shards, 1 or more, or nothing",
    )
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = setting(
        None,
        meaning="the shards this process runs, e.g. 0,1 (all of SHARD_COUNT when empty); needs SHARD_COUNT",
        expected="distinct shard ids below SHARD_COUNT separated by commas (e.g. 0,1), with SHARD_COUNT set",
    )

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdigit() for part in parts):
                raise ValueError("user ids are whole numbers")
            return frozenset(int(part) for part in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shards(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdigit() for part in parts):
                raise ValueError("shard ids are whole numbers")
            return tuple(int(part) for part in parts) or None
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shards_of_the_count(
        cls, value: tuple[int, ...] | None, info: ValidationInfo
    ) -> tuple[int, ...] | None:
        if value is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("shard ids need SHARD_COUNT")
        if len(set(value)) != len(value):
            raise ValueError("a shard id is given twice")
        if any(not 0 <= shard < count for shard in value):
            raise ValueError("a shard id is not below SHARD_COUNT")
        return tuple(sorted(value))

    @field_validator(
        "dev_guild_id",
        "google_books_api_key",
        "http_port",
        "backup_dir",
        "database_url",
        "shard_count",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("database_path", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("empty")  # Path("") would be the current folder
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parts = urlsplit(value.get_secret_value().strip())
            if parts.scheme not in ("postgresql", "postgres"):
                raise ValueError("not a postgresql:// URL")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("http_host")
    @classmethod
    def _host(cls, value: str) -> str:
        host = value.strip().removeprefix("[").removesuffix("]")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", host):
                raise ValueError("not a host") from None
        return host

    @field_validator("openlibrary_url", "openlibrary_covers_url", "google_books_url", "discord_api_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not a web address")
        return value.strip()

    @field_validator("discord_gateway_url")
    @classmethod
    def _socket_address(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError("not a websocket address")
        return value.strip()


def setting_names() -> list[str]:
    """Every setting's environment variable, in the order of the model."""
    return [name.upper() for name in Settings.model_fields]


def describe_settings() -> list[tuple[str, str, str]]:
    """(NAME, default as it would be written in `.env`, meaning) for every setting."""
    rows: list[tuple[str, str, str]] = []
    for name, field in Settings.model_fields.items():
        if field.is_required():
            default = "(required)"
        else:
            value = field.get_default(call_default_factory=True)
            if value is None or value == frozenset():
                default = "(empty)"
            elif isinstance(value, bool):
                default = str(value).lower()
            else:
                default = str(value)
        rows.append((name.upper(), default, field.description or ""))
    return rows


MISSING_TOKEN = "DISCORD_TOKEN is not set: put the bot token in the environment or in .env (see .env.example)"


def explain(error: ValidationError) -> list[str]:
    """One plain line per refused setting, in the order of the model: its name and what it expects."""
    refused: dict[str, tuple[str, object]] = {}
    other: list[str] = []
    for item in error.errors():
        if item["loc"] and str(item["loc"][0]) in Settings.model_fields:
            refused.setdefault(str(item["loc"][0]), (item["type"], item.get("input")))
        else:
            other.append(f"the settings are not valid: {item['msg']}")
    lines: list[str] = []
    for name, field in Settings.model_fields.items():
        if name not in refused:
            continue
        kind, value = refused[name]
        extra = field.json_schema_extra
        expected = extra.get("expected") if isinstance(extra, dict) else None
        secret = SecretStr in (field.annotation, *get_args(field.annotation))
        if name == "discord_token" and (kind == "missing" or value == ""):
            lines.append(MISSING_TOKEN)
        elif kind == "missing":
            lines.append(f"{name.upper()} is not set; expected {expected}")
        elif isinstance(value, str) and not value.strip():
            lines.append(f"{name.upper()} is empty; expected {expected}")
        elif secret:
            lines.append(f"{name.upper()} is not valid; expected {expected}")
        else:
            shown = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
            lines.append(f'{name.upper()} is "{shown}"; expected {expected}')
    return lines + other
