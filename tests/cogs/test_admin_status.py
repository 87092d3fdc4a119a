"""/admin status for the owners, and the last backup on their /about."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest
import simcord

from bot.errors import DatabaseError
from tests.components import text_of
from tests.conftest import Club


def make_owner(club: Club) -> simcord.MemberActor:
    owners = club.guild.create_role("Owners", permissions=discord.Permissions(administrator=True))
    owner = club.guild.add_member(club.env.create_user("owner"), roles=[owners])
    club.bot.settings.owner_ids = frozenset({owner.id})
    return owner


@pytest.mark.sqlite_only  # it takes a backup, which copies the SQLite file
async def test_an_owner_sees_the_state_of_the_installation(club: Club, tmp_path: Path) -> None:
    owner = make_owner(club)
    logging.getLogger("bot.tree").error("error %s in %s", "c0ffee42", "rate", extra={"error_id": "c0ffee42"})
    await club.bot.backups.backup(tmp_path / "manual.sqlite3")
    result = await owner.slash(club.channel, "admin status")
    assert result.ephemeral
    assert result.response is not None
    text = text_of(result.response.components)
    assert f"## bookclub-bot {club.bot.version}" in text
    assert "Up for 0 min" in text
    assert "Servers: 1" in text
    assert f"Database: `{club.settings.database_path}`" in text
    assert f"Last backup: <t:{int(club.clock.now.timestamp())}:f>" in text
    assert f"`{tmp_path / 'manual.sqlite3'}`" in text
    assert "Daily backups are off (set BACKUP_DIR)." in text
    assert "**Scheduled jobs** (1)" in text  # the cache pruning; no digest is set up
    assert "- openlibrary: closed" in text
    assert "`c0ffee42`: error c0ffee42 in rate" in text


async def test_others_are_refused(club: Club) -> None:
    result = await club.admin.slash(club.channel, "admin status")
    assert result.response is not None
    assert result.response.content == "Only the bot's owners (OWNER_IDS) can run this command."


@pytest.mark.sqlite_only  # it takes a backup, which copies the SQLite file
async def test_about_shows_the_last_backup_to_owners_only(club: Club, tmp_path: Path) -> None:
    owner = make_owner(club)
    alice = await club.alice.slash(club.channel, "about")
    assert alice.response is not None
    assert "Last backup" not in text_of(alice.response.components)
    before = await owner.slash(club.channel, "about")
    assert before.response is not None
    assert "Last backup: none yet" in text_of(before.response.components)
    record = await club.bot.backups.backup(tmp_path)
    after = await owner.slash(club.channel, "about")
    assert after.response is not None
    text = text_of(after.response.components)
    assert f"`{record.path}`" in text
    assert record.path.parent == tmp_path
    assert record.path.name.startswith("bookclub-20261125T120000Z")


async def test_on_postgresql_the_status_names_the_server_and_no_file_size(club: Club) -> None:
    owner = make_owner(club)
    result = await owner.slash(club.channel, "admin status")
    assert result.response is not None
    text = text_of(result.response.components)
    if club.db.dialect == "postgres":
        assert f"Database: PostgreSQL `{club.db.path}` (backups: pg_dump)" in text
        with pytest.raises(DatabaseError, match="pg_dump"):
            await club.bot.backups.backup()
    else:
        assert f"Database: `{club.settings.database_path}`, " in text
