"""A meta-test over every extension: all load, names are unique, every command is described."""

from __future__ import annotations

from pathlib import Path

from discord import app_commands

import cogs
from tests.conftest import Club


async def test_every_cog_module_is_loaded_as_an_extension(club: Club) -> None:
    """Each file in cogs/ (helpers named `_…` aside) is loaded, and each adds at least one cog."""
    folder = Path(cogs.__file__).parent
    expected = {f"cogs.{path.stem}" for path in folder.glob("*.py") if not path.stem.startswith("_")}
    assert club.bot.failed_extensions == {}
    assert set(club.bot.extensions) == expected
    assert {"cogs.books", "cogs.reviews", "cogs.shelves", "cogs.digest"} <= expected  # the glob sees files
    for name, module in club.bot.extensions.items():
        owners = {cog.__module__ for cog in club.bot.cogs.values()}
        assert module.__name__ in owners, f"{name} loads but adds no cog"


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
