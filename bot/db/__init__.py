"""SQLite access: one writer connection for transactions, one reader connection for queries."""

from bot.db.database import Database, open_database

__all__ = ["Database", "open_database"]
