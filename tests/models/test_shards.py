"""The ownership rule: which process looks after a server, in Python and in SQL alike."""

from __future__ import annotations

import random

import pytest

from bot.db import Database
from bot.db.shards import owned, owned_named
from bot.models.shards import ALL, Shards, shard_of

# Real snowflakes are positive 63-bit numbers; these span their whole range and Discord's epoch.
RANDOM = random.Random(16)
GUILD_IDS = [RANDOM.randrange(1 << 22, 1 << 63) for _ in range(400)] + [1 << 22, (1 << 63) - 1, 4194303]
CONFIGS = [
    Shards(),
    Shards.of(1, None),
    Shards.of(2, (0,)),
    Shards.of(2, (1,)),
    Shards.of(2, None),
    Shards.of(16, (3, 15)),
    Shards.of(7, (0, 2, 4, 6)),
]


def test_the_rule_is_discords() -> None:
    # Discord's documented example: shard_id = (guild_id >> 22) % num_shards
    assert shard_of(81384788765712384, 2) == (81384788765712384 >> 22) % 2
    assert Shards.of(2, (0,)).owns(4194304 * 2)
    assert not Shards.of(2, (0,)).owns(4194304 * 3)
    assert ALL.owns(12345)
    assert ALL.label == "unsharded"
    assert Shards.of(4, (2, 0)).label == "shards 0,2 of 4"
    assert Shards.of(4, None).ids == (0, 1, 2, 3)


def test_shared_work_belongs_to_the_unsharded_process_or_shard_0() -> None:
    assert ALL.shared_work
    assert Shards.of(2, (0,)).shared_work
    assert not Shards.of(2, (1,)).shared_work


@pytest.mark.parametrize(("count", "ids"), [(None, (1,)), (0, ()), (2, (2,)), (2, (1, 1)), (3, (-1,))])
def test_impossible_shards_are_refused(count: int | None, ids: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="shard"):
        Shards(count, ids)


@pytest.mark.parametrize("shards", CONFIGS, ids=lambda s: s.label)
async def test_the_sql_form_selects_exactly_the_owned_servers(db: Database, shards: Shards) -> None:
    await db.execute("CREATE TABLE servers (guild_id INTEGER NOT NULL)")
    async with db.transaction() as conn:
        await conn.executemany("INSERT INTO servers VALUES (?)", [(g,) for g in GUILD_IDS])
    where, params = owned(shards)
    rows = await db.fetchall(f"SELECT guild_id FROM servers WHERE {where}", params)
    expected = {g for g in GUILD_IDS if shards.owns(g)}
    assert {row[0] for row in rows} == expected
    named, values = owned_named(shards, "s.guild_id")
    rows = await db.fetchall(f"SELECT s.guild_id FROM servers AS s WHERE {named}", values)
    assert {row[0] for row in rows} == expected
    if shards.sharded and not shards.every_shard:
        assert 0 < len(expected) < len(GUILD_IDS)  # the data exercises both sides of the rule
