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
