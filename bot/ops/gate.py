"""The interaction gate: every interaction passes here before discord.py dispatches it.

It wraps discord.py's INTERACTION_CREATE parser, the one place that sees slash commands,
autocomplete, buttons, menus and forms alike, and for each interaction:

- sets the log context (`bot.logs.CURRENT`: guild, command, interaction id), which the tasks
  discord.py starts for it inherit;
- keeps those tasks, so a graceful stop can wait for the interactions in flight;
- reports its handling time and outcome to the telemetry once every one of its tasks has ended;
- while the bot is stopping, answers it with a short "restarting" note instead of running it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.logs import CURRENT, InteractionContext
from bot.telemetry import Telemetry

if TYPE_CHECKING:
    from discord.state import ConnectionState

log = logging.getLogger(__name__)

RESTARTING = "The bot is restarting; try again in a minute."

_NAME = re.compile(r"[\w-]{1,32}")
# The fixed word at the start of the bot's own custom ids (`reviews:12:new:1` → reviews); random
# ids of plain views (hex) do not match and count as `other`.
_PREFIX = re.compile(r"([a-z][a-z_-]{0,23})(?::|$)")
_KINDS = {2: "command", 3: "component", 4: "autocomplete", 5: "modal"}


def command_label(data: dict[str, Any]) -> tuple[str, str]:
    """(kind, command) for an INTERACTION_CREATE payload, both from small fixed sets."""
    kind = _KINDS.get(int(data.get("type", 0)), "other")
    inner = data.get("data") or {}
    if kind in ("command", "autocomplete"):
        words = [str(inner.get("name", ""))]
        options = inner.get("options") or []
        # Subcommand groups (type 2) and subcommands (type 1) are part of the name: `digest setup`.
        while options and options[0].get("type") in (1, 2):
            words.append(str(options[0].get("name", "")))
            options = options[0].get("options") or []
        if all(_NAME.fullmatch(word) for word in words):
            return kind, " ".join(words)
        return kind, "other"
    if kind in ("component", "modal"):
        match = _PREFIX.match(str(inner.get("custom_id", "")))
        return kind, f"{kind}:{match.group(1) if match else 'other'}"
    return kind, "other"


def _int(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


class InteractionGate:
    """Install on the client's connection state with `install`; `draining` refuses new interactions."""

    def __init__(self, telemetry: Telemetry, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.telemetry = telemetry
        self.clock = clock
        self.draining = False
        self.handled = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._interactions = 0  # interactions with a task still running
        self._state: ConnectionState[Any] | None = None
        self._parse: Callable[[Any], None] | None = None

    def install(self, state: ConnectionState[Any]) -> None:
        self._state = state
        self._parse = state.parsers["INTERACTION_CREATE"]
        state.parsers["INTERACTION_CREATE"] = self._on_interaction

    @property
    def in_flight(self) -> int:
        """Interactions whose handling has not ended yet."""
        return self._interactions

    def tasks(self) -> set[asyncio.Task[Any]]:
        """The tasks handling the interactions in flight."""
        return {task for task in self._tasks if not task.done()}

    def _on_interaction(self, data: dict[str, Any]) -> None:
        assert self._parse is not None
        kind, command = command_label(data)
        context = InteractionContext(
            interaction_id=_int(data.get("id")) or 0,
            guild_id=_int(data.get("guild_id")),
            command=command,
            kind=kind,
        )
        started = self.clock()
        if self.draining:
            context.outcome = "restarting"
            token = CURRENT.set(context)
            try:
                self._track(context, started, {asyncio.get_running_loop().create_task(self._refuse(data))})
            finally:
                CURRENT.reset(token)
            return
        token = CURRENT.set(context)
        before = asyncio.all_tasks()
        try:
            self._parse(data)  # discord.py starts the tasks that handle it; they copy this context
        finally:
            CURRENT.reset(token)
        self._track(context, started, asyncio.all_tasks() - before)

    def _track(self, context: InteractionContext, started: float, tasks: set[asyncio.Task[Any]]) -> None:
        self.handled += 1
        if not tasks:
            self._done(context, started)
            return
        self._interactions += 1
        self._tasks |= tasks
        remaining = len(tasks)

        def finished(task: asyncio.Task[Any]) -> None:
            nonlocal remaining
            self._tasks.discard(task)
            remaining -= 1
            if remaining == 0:
                self._interactions -= 1
                self._done(context, started)

        for task in tasks:
            task.add_done_callback(finished)

    def _done(self, context: InteractionContext, started: float) -> None:
        self.telemetry.interaction(context.command, context.kind, context.outcome, self.clock() - started)

    async def _refuse(self, data: dict[str, Any]) -> None:
        """Answer an interaction that arrived while stopping, so the member is not left waiting."""
        assert self._state is not None
        try:
            interaction: discord.Interaction[Any] = discord.Interaction(data=data, state=self._state)  # type: ignore[arg-type]
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await interaction.response.send_message(RESTARTING, ephemeral=True)
        except (discord.HTTPException, KeyError, ValueError):
            log.info("could not tell an interaction that the bot is restarting", exc_info=True)

    async def wait(self, within: float) -> set[asyncio.Task[Any]]:
        """Wait up to `within` seconds for the interactions in flight (those that arrive meanwhile
        included); returns the tasks still running then."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (pending := self.tasks()) and (left := deadline - loop.time()) > 0:
            await asyncio.wait(pending, timeout=left)
        return self.tasks()
