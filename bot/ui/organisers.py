"""The organiser check for commands (`organiser_only`) and for controls and forms (`require_organiser`).

The rule itself is `bot.services.organisers`; every organiser command of every club feature uses these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.services import organisers
from bot.ui.base import require_guild

T = TypeVar("T")


async def require_organiser(interaction: discord.Interaction[Any]) -> None:
    """Nothing for an organiser; a UserFacingError (answered ephemerally) for anyone else."""
    guild_id = require_guild(interaction)
    user = interaction.user
    role_ids = [role.id for role in user.roles] if isinstance(user, discord.Member) else []
    await organisers.require_organiser(
        interaction.client.db,
        guild_id,
        manage_guild=interaction.permissions.manage_guild,
        role_ids=role_ids,
    )


def organiser_only() -> Callable[[T], T]:
    """A command check: organisers only; everyone else gets the refusal and nothing runs."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        try:
            await require_organiser(interaction)
        except UserFacingError as refusal:
            raise app_commands.CheckFailure(refusal.message) from None
        return True

    return app_commands.check(predicate)
