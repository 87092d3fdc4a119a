"""The command tree: one place that turns every error into an answer the member can read.

Every interaction is answered inside `answering(interaction)` (the tree's check for commands,
`Control` for buttons and menus, `answer_form` for modals). From there on, in that task:

- a database commit marks the interaction as *committed* (`committed`): its change is saved, so
  whatever fails afterwards, `report_error` never tells the member it failed (it logs instead).
  Any commit counts, a lookup storing a provider's book in the catalogue too, hence the neutral
  "Done: that went through" (`SAVED_TEXT`);
- the first response goes through `WindowedAdapter`, which keeps every retry of it inside
  Discord's 3-second window instead of discord.py's 1 s, 3 s, 5 s… back-off.

Chosen for writes: commands whose work may take long (a review with its card, an import, a
search) defer before it and follow up; quick writes of a few rows (a rating, a shelf move, a goal)
write, then answer in one response, well inside the window, and a reply failing after such a
write is still never called a failed change (see above).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeGuard, cast

import discord
from discord import app_commands
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.errors import UserFacingError
from bot.logs import note_outcome
from bot.models.health import StorageFault

if TYPE_CHECKING:
    from collections.abc import Callable

    from discord.http import MultipartParameters
    from discord.types.interactions import InteractionCallback as InteractionCallbackPayload

    from bot.client import BookClubBot

log = logging.getLogger(__name__)


# -- storage faults --------------------------------------------------------------------------
# SQLite's primary result codes for a database that cannot take writes: read-only, I/O error,
# disk full, cannot open (the journal or the WAL).
_STORAGE_CODES = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN}
_STORAGE_WORDS = ("readonly database", "disk i/o error", "database or disk is full", "unable to open")

STORAGE_TEXT = (
    "I can't save anything right now (the bot's storage is full or read-only), so nothing was saved. "
    "Please try again later."
)
STORAGE_TEXT_PARTLY = (
    "I can't save anything more right now (the bot's storage is full or read-only), so only part of "
    "this was saved. Please try again later."
)
SAVED_TEXT = "Done: that went through, but I could not show the result here. (ref `{ref}`)"


def is_storage_fault(error: BaseException | None) -> TypeGuard[sqlite3.OperationalError]:
    """Whether `error` (unwrapped) says the database cannot take writes, rather than a bug in a query."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _STORAGE_CODES
    return any(words in str(error).lower() for words in _STORAGE_WORDS)


class StorageHealth:
    """Whether the database takes writes; a fault is logged once when it starts and once when it ends."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.fault: StorageFault | None = None

    def failed(self, error: BaseException) -> None:
        """A write failed on a storage fault (see `is_storage_fault`)."""
        if self.fault is None:
            self.fault = StorageFault(since=self.clock(), cause=str(error))
            log.warning("the database takes no writes (%s); members are told nothing was saved", error)
        else:
            self.fault = replace(self.fault, failures=self.fault.failures + 1)
            log.debug("the database still takes no writes (%s)", error)

    def succeeded(self) -> None:
        """A write was committed: a fault, if any, is over."""
        if self.fault is not None:
            fault, self.fault = self.fault, None
            log.info(
                "the database takes writes again, after %d refused since %s", fault.failures, fault.since
            )


# -- what the member is told -----------------------------------------------------------------
def _unwrap(error: BaseException) -> BaseException:
    """The error a command or transformer actually raised."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    cause = error.__cause__
    if isinstance(error, app_commands.TransformerError) and (
        isinstance(cause, UserFacingError) or is_storage_fault(cause)
    ):
        return cause
    return error


# Where discord.py's attribute name is not what Discord's client shows.
_CLIENT_NAMES = {"manage_guild": "Manage Server", "view_channel": "View Channels"}


def permission_names(permissions: list[str]) -> str:
    """`manage_guild` → `Manage Server`, as members see the permission in Discord."""
    return ", ".join(_CLIENT_NAMES.get(p, p.replace("_", " ").title()) for p in permissions)


def describe(error: BaseException) -> str | None:
    """The member-facing text for an expected error, or None for a bug."""
    error = _unwrap(error)
    if isinstance(error, UserFacingError):
        return error.message
    if is_storage_fault(error):
        return STORAGE_TEXT
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down — try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {permission_names(error.missing_permissions)} permission here to do that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server."
    if isinstance(error, app_commands.TransformerError):
        return f"`{error.value}` is not a valid value for this option."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    return None


# -- the interaction being answered, and whether its change is saved -----------------------
_ANSWERING: ContextVar[discord.Interaction[Any] | None] = ContextVar("answering", default=None)
COMMITTED = "bookclub.committed"  # the `interaction.extras` key `note_commit` sets

# Discord drops an interaction whose first response has not arrived 3 s after its creation;
# the margin leaves the last try time to travel.
WINDOW = timedelta(seconds=3)
MARGIN = timedelta(seconds=0.2)
TRY_BUDGET = 1.0  # s: a try still unanswered by then is cut and made again (see WindowedAdapter)
RETRY_PAUSE = 0.1  # s, doubled after each failed try up to MAX_PAUSE
MAX_PAUSE = 0.4
ALREADY_ACKNOWLEDGED = 40060  # Discord's code when a response to the interaction already arrived


def answering(interaction: discord.Interaction[Any]) -> None:
    """From here on, in this task: commits mark `interaction`, its first response is windowed.

    Each interaction runs in its own task (discord.py creates one per command, control and event
    listener), so the mark never reaches another interaction.
    """
    _ANSWERING.set(interaction)
    inner = async_context.get()
    if isinstance(inner, WindowedAdapter):
        inner = inner.inner
    async_context.set(WindowedAdapter(inner, interaction.created_at + WINDOW - MARGIN))


def note_commit() -> None:
    """Called after every database commit: the interaction answered in this task is committed."""
    interaction = _ANSWERING.get()
    if interaction is not None:
        interaction.extras[COMMITTED] = True


def committed(interaction: discord.Interaction[Any]) -> bool:
    """Whether a write made while answering `interaction` is saved."""
    return bool(interaction.extras.get(COMMITTED))


class WindowedAdapter(AsyncWebhookAdapter):
    """The webhook adapter of one interaction: its first response is tried only inside the window.

    discord.py retries a failed callback after 1 s, then 3 s more, so two failures (5xx, 429)
    push the third try past Discord's 3 s, where it can only fail and the member reads "This
    interaction failed". Here a try that has not answered within `TRY_BUDGET` (discord.py is
    waiting out its back-off) is cut and made again at once, and a try that fails fast is made
    again after a short pause, until `deadline`. Discord takes at most one response per
    interaction, so a cut try that did get through is answered "already acknowledged" on the next
    try, which then counts as done. Everything else (follow-ups, edits) passes through unchanged.
    """

    def __init__(self, inner: AsyncWebhookAdapter, deadline: datetime) -> None:
        # No super().__init__(): its only state is the request locks, and requests go to `inner`.
        self.inner = inner
        self.deadline = deadline

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.request(*args, **kwargs)

    def time_left(self) -> float:
        return (self.deadline - discord.utils.utcnow()).total_seconds()

    async def create_interaction_response(
        self, interaction_id: int, token: str, *, params: MultipartParameters, **kwargs: Any
    ) -> InteractionCallbackPayload:
        tries, cut = 0, False
        while True:
            # The first try always gets its budget: the local clock may run ahead of Discord's.
            budget = TRY_BUDGET if tries == 0 else min(TRY_BUDGET, self.time_left())
            tries += 1
            try:
                async with asyncio.timeout(budget):
                    return await super().create_interaction_response(
                        interaction_id, token, params=params, **kwargs
                    )
            except TimeoutError:
                cut = True
                if self.time_left() <= 0:
                    raise
            except discord.HTTPException as error:
                if cut and error.code == ALREADY_ACKNOWLEDGED:
                    return cast("InteractionCallbackPayload", {"interaction": {"id": str(interaction_id)}})
                pause = min(RETRY_PAUSE * 2 ** (tries - 1), MAX_PAUSE)
                if not (error.status >= 500 or error.status == 429) or self.time_left() <= pause:
                    raise
                log.info("Discord refused a response (%s); trying again in %.1f s", error.status, pause)
                await asyncio.sleep(pause)
            for file in params.files or ():
                file.reset()


# -- answering errors ------------------------------------------------------------------------
async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Reply ephemerally whether or not the interaction was already answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except (discord.HTTPException, TimeoutError):
        log.warning("could not tell %s about an error", interaction.user.id, exc_info=True)


def _where(interaction: discord.Interaction[Any]) -> object:
    return interaction.command.qualified_name if interaction.command else interaction.data


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Answer an error: its own message when expected; an apology with an error id when a bug.

    A storage fault is said as such (and noted on the bot's `StorageHealth`). When the
    interaction's change was already committed, the member is never told it failed: the failure
    (the reply, or something after the write) is logged with a reference instead.
    """
    text = describe(error)
    if is_storage_fault(_unwrap(error)):
        health = getattr(interaction.client, "storage", None)
        if isinstance(health, StorageHealth):
            health.failed(_unwrap(error))
        note_outcome("error")  # the interaction's log context and its metrics
        text = STORAGE_TEXT_PARTLY if committed(interaction) else STORAGE_TEXT
    elif text is not None:
        note_outcome("refused")
    elif committed(interaction):
        ref = secrets.token_hex(4)
        original = _unwrap(error)
        note_outcome("error", ref)
        if isinstance(original, discord.HTTPException | TimeoutError):  # Discord's fault, not ours
            log.warning("the reply %s in %s failed after its change was saved", ref, _where(interaction))
        else:
            log.error(
                "error %s in %s, after its change was saved",
                ref,
                _where(interaction),
                exc_info=original,
                extra={"error_id": ref},
            )
        text = SAVED_TEXT.format(ref=ref)
    else:
        error_id = secrets.token_hex(4)
        note_outcome("error", error_id)
        log.error(
            "error %s in %s",
            error_id,
            _where(interaction),
            exc_info=_unwrap(error),
            extra={"error_id": error_id},
        )
        text = f"Sorry, something went wrong on our side. (error id `{error_id}`)"
    await send_ephemeral(interaction, text)


class BookClubTree(app_commands.CommandTree["BookClubBot"]):
    """Command tree with one central `on_error`; every command also records the member's name first."""

    async def interaction_check(self, interaction: discord.Interaction[BookClubBot]) -> bool:
        # Not on autocomplete: a keystroke must answer at once and never wait on the writer.
        if interaction.type is not discord.InteractionType.autocomplete:
            await interaction.client.note_member(interaction)
        answering(interaction)  # after the name: its write is not the member's change
        return True

    async def on_error(
        self, interaction: discord.Interaction[BookClubBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)
