"""/sync for the bot's owners: a forced sync, reported ephemerally; everyone else is refused."""

from __future__ import annotations

import discord

from tests.conftest import Club


async def test_an_owner_forces_a_global_sync(club: Club) -> None:
    # /sync is hidden from non-administrators by default, as RoboDanny's owner commands are.
    owners = club.guild.create_role("Owners", permissions=discord.Permissions(administrator=True))
    owner = club.guild.add_member(club.env.create_user("owner"), roles=[owners])
    # simcord assigns user ids, so the owner is configured once it exists (OWNER_IDS at start-up).
    club.bot.settings.owner_ids = frozenset({owner.id})

    def command_syncs() -> int:
        return sum(1 for r in club.env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))

    before = command_syncs()
    result = await owner.slash(club.channel, "sync")
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == f"Synced {len(list(club.bot.tree.get_commands()))} commands globally."
    assert command_syncs() == before + 1  # forced, although the definitions did not change


async def test_others_are_refused_and_nothing_syncs(club: Club) -> None:
    before = len(club.env.http_requests)
    result = await club.admin.slash(club.channel, "sync")
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == "Only the bot's owners (OWNER_IDS) can run this command."
    assert not [r for r in club.env.http_requests[before:] if r.method == "PUT"]
