"""SQLite access: one writer connection for transactions, one reader connection for queries."""

from bot.db.database import Database, db_time, open_database, parse_db_time

__all__ = ["Database", "db_time", "open_database", "parse_db_time"]
