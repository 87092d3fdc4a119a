"""Errors whose message is meant for the member who caused them (no discord import: services raise these)."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised anywhere under a command or component; shown to the member, ephemerally, as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BookGone(UserFacingError):
    """A book id from a button, a menu or an old message that the catalogue no longer holds."""

    MESSAGE = "That book is no longer in the catalogue; look it up again with /book search."

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class DatabaseError(RuntimeError):
    """The database cannot be opened or is not one this version of the bot can use."""
