"""The organiser role of each server (`guilds.organiser_role_id`)."""

from __future__ import annotations

from bot.db.database import Database


async def organiser_role(db: Database, guild_id: int) -> int | None:
    value = await db.fetchval("SELECT organiser_role_id FROM guilds WHERE guild_id = ?", (guild_id,))
    return None if value is None else int(value)


async def set_organiser_role(db: Database, guild_id: int, role_id: int | None) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO guilds (guild_id) VALUES (?)", (guild_id,))
        await conn.execute("UPDATE guilds SET organiser_role_id = ? WHERE guild_id = ?", (role_id, guild_id))
