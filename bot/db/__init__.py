"""Database access: SQLite by default (one writer connection, one reader), PostgreSQL when
DATABASE_URL is set (an asyncpg pool, `bot.db.postgres`); the same functions serve both."""

from __future__ import annotations

from bot.config import Settings
from bot.db.database import Database, db_time, dialect_of, lock_key, open_database, parse_db_time
from bot.telemetry import NO_TELEMETRY, Telemetry


async def open_configured(settings: Settings, *, telemetry: Telemetry = NO_TELEMETRY) -> Database:
    """The database the settings name: PostgreSQL when DATABASE_URL is set, else the SQLite file."""
    if settings.database_url is not None:
        from bot.db.postgres import open_postgres  # asyncpg is an optional extra

        return await open_postgres(settings.database_url.get_secret_value(), telemetry=telemetry)
    return await open_database(settings.database_path, telemetry=telemetry)


__all__ = [
    "Database",
    "db_time",
    "dialect_of",
    "lock_key",
    "open_configured",
    "open_database",
    "parse_db_time",
]
