"""Errors whose message is meant for the member who caused them (no discord import: services raise these)."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised anywhere under a command or component; shown to the member, ephemerally, as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseError(RuntimeError):
    """The database cannot be opened or is not one this version of the bot can use."""
