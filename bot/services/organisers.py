"""Who runs the club: members with Manage Server, or with the role set by /club organiser.

The one organiser rule, shared by every organiser command (the club read, picks, meetings).
"""

from __future__ import annotations

from collections.abc import Collection

from bot.db import Database
from bot.db.organisers import organiser_role, set_organiser_role
from bot.errors import UserFacingError


def is_organiser(*, manage_guild: bool, role_ids: Collection[int], organiser_role_id: int | None) -> bool:
    return manage_guild or (organiser_role_id is not None and organiser_role_id in role_ids)


def refusal(organiser_role_id: int | None) -> str:
    if organiser_role_id is None:
        return "Only organisers can do that: members with the Manage Server permission (see /club organiser)."
    return f"Only organisers can do that: members with the <@&{organiser_role_id}> role or Manage Server."


async def require_organiser(
    db: Database, guild_id: int, *, manage_guild: bool, role_ids: Collection[int]
) -> None:
    """Nothing when the member is an organiser; otherwise the refusal, as a UserFacingError."""
    if manage_guild:
        return
    role_id = await organiser_role(db, guild_id)
    if not is_organiser(manage_guild=False, role_ids=role_ids, organiser_role_id=role_id):
        raise UserFacingError(refusal(role_id))


async def set_role(db: Database, guild_id: int, role_id: int | None) -> None:
    await set_organiser_role(db, guild_id, role_id)


async def current_role(db: Database, guild_id: int) -> int | None:
    return await organiser_role(db, guild_id)
