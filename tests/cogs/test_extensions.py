"""A meta-test over every extension: all load, names are unique, every command is described."""

from __future__ import annotations

from discord import app_commands

from bot.client import EXTENSIONS
from tests.conftest import Club


async def test_every_extension_loads(club: Club) -> None:
    assert club.bot.failed_extensions == {}
    assert set(club.bot.extensions) == set(EXTENSIONS)


async def test_command_names_are_unique_and_described(club: Club) -> None:
    seen: set[str] = set()
    for command in club.bot.tree.walk_commands():
        name = command.qualified_name
        assert name not in seen, f"/{name} is defined twice"
        seen.add(name)
        assert command.description not in ("", "…"), f"/{name} has no description"
        assert len(command.description) <= 100, f"/{name}'s description is over 100 characters"
        if isinstance(command, app_commands.Command):
            for parameter in command.parameters:
                assert len(parameter.description) <= 100
    assert {"about", "help", "sync"} <= seen


async def test_global_commands_sync_once_then_only_when_they_change(club: Club) -> None:
    def command_syncs() -> int:
        return sum(1 for r in club.env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))

    assert command_syncs() == 1  # the first boot on an empty database
    await club.restart()
    assert command_syncs() == 1  # same definitions: no sync on boot
    assert (await club.alice.slash(club.channel, "about")).response is not None
