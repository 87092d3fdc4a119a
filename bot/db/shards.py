"""The ownership rule of `bot.models.shards` in SQL, for the start-up queries that rebuild the jobs.

Integer division rather than `>>`: `guild_id / 4194304` is a whole-number division on SQLite (two
integers) and on PostgreSQL (bigint by integer) alike, and so is `%`; it equals `guild_id >> 22` for
every snowflake (they are positive). The shard ids are bound parameters, never text in the query.
"""

from __future__ import annotations

from bot.models.shards import SHARD_SHIFT, Shards

DIVISOR = 1 << SHARD_SHIFT  # 4194304


def owned(shards: Shards, column: str = "guild_id") -> tuple[str, tuple[int, ...]]:
    """A condition true for the rows of the servers `shards` owns, and its parameters.

    `column` is a column name written by the caller (never member input). Unsharded, or owning every
    shard: a condition that keeps every row (the queries stay as they were).
    """
    if shards.count is None or shards.every_shard:
        return "1 = 1", ()
    marks = ", ".join("?" for _ in shards.ids)
    return f"({column} / {DIVISOR}) % ? IN ({marks})", (shards.count, *shards.ids)


def owned_named(shards: Shards, column: str = "guild_id") -> tuple[str, dict[str, int]]:
    """`owned` for a query with named parameters (`:shard_count`, `:shard_0`, …)."""
    if shards.count is None or shards.every_shard:
        return "1 = 1", {}
    names = {f"shard_{index}": shard for index, shard in enumerate(shards.ids)}
    marks = ", ".join(f":{name}" for name in names)
    return f"({column} / {DIVISOR}) % :shard_count IN ({marks})", {"shard_count": shards.count, **names}
