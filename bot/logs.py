"""Log context and formats: which interaction a line belongs to, JSON lines for a collector, recent errors.

The interaction gate (`bot/ops/gate.py`) puts an `InteractionContext` in a context variable before
discord.py dispatches an interaction, so every task that handles it (the command, a button's callback,
the error handler) logs with its guild, command and interaction id; the tree's error handler notes
the outcome and the error id shown to the member there.
"""

from __future__ import annotations

import collections
import json
import logging
import traceback
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(slots=True)
class InteractionContext:
    interaction_id: int
    guild_id: int | None
    command: str  # a command's qualified name, or `component:<prefix>` / `modal:<prefix>`: bounded
    kind: str  # command, autocomplete, component or modal
    outcome: str = "ok"  # ok, refused (a member's mistake, answered), error (a bug), restarting
    error_id: str | None = None


CURRENT: ContextVar[InteractionContext | None] = ContextVar("bookclub_interaction", default=None)


def current() -> InteractionContext | None:
    return CURRENT.get()


def note_outcome(outcome: str, error_id: str | None = None) -> None:
    """Record how the interaction being handled ended (called by the tree's error handler)."""
    context = CURRENT.get()
    if context is not None:
        context.outcome = outcome
        context.error_id = error_id or context.error_id


def _snowflake(value: int | None) -> str | None:
    # Discord ids pass 2**53: as strings, as Discord sends them, so no collector rounds them.
    return None if value is None else str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, guild, command, interaction, error_id,
    and the traceback when the line carries one."""

    def format(self, record: logging.LogRecord) -> str:
        context = CURRENT.get()
        error_id = getattr(record, "error_id", None) or (context.error_id if context else None)
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "guild": _snowflake(context.guild_id) if context else None,
            "command": context.command if context else None,
            "interaction": _snowflake(context.interaction_id) if context else None,
            "error_id": error_id,
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class LoggedError:
    time: datetime
    logger: str
    message: str
    error_id: str | None


class RecentErrors(logging.Handler):
    """Keeps the last `size` ERROR lines (with their error ids) for `/admin status`."""

    def __init__(self, size: int = 10) -> None:
        super().__init__(logging.ERROR)
        self.lines: collections.deque[LoggedError] = collections.deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        context = CURRENT.get()
        error_id = getattr(record, "error_id", None) or (context.error_id if context else None)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        when = datetime.fromtimestamp(record.created, UTC)
        self.lines.append(LoggedError(when, record.name, message[:300], error_id))
