"""Which servers this process looks after: the one ownership rule for everything scheduled per server.

Discord routes a server to shard `(guild_id >> 22) % shard_count`. A process given SHARD_COUNT and
SHARD_IDS receives only its shards' servers, so only it schedules their digests, reminders, vote
closes and the rest; an unsharded process owns every server. `bot.db.shards` holds the same rule in
SQL for the start-up queries.
"""

from __future__ import annotations

from dataclasses import dataclass

# A snowflake's timestamp starts at bit 22; the shard rule uses what is above the low 22 bits.
SHARD_SHIFT = 22


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes `guild_id` to."""
    return (guild_id >> SHARD_SHIFT) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards a process runs: `count` None means unsharded (it owns every server)."""

    count: int | None = None
    ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.count is None:
            if self.ids:
                raise ValueError("shard ids need a shard count")
            return
        if self.count < 1:
            raise ValueError("the shard count is at least 1")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("a shard id is given twice")
        if any(not 0 <= shard < self.count for shard in self.ids):
            raise ValueError(f"shard ids run from 0 to {self.count - 1}")

    @classmethod
    def of(cls, count: int | None, ids: tuple[int, ...] | None) -> Shards:
        """From the settings: ids default to every shard of the count."""
        if count is None:
            return cls(None, tuple(ids or ()))
        return cls(count, tuple(sorted(ids)) if ids else tuple(range(count)))

    @property
    def sharded(self) -> bool:
        return self.count is not None

    @property
    def every_shard(self) -> bool:
        """Whether this process owns every server (unsharded, or all shards of the count)."""
        return self.count is None or len(self.ids) == self.count

    @property
    def shared_work(self) -> bool:
        """Whether this process does the work of no server in particular (completing the shared
        catalogue's imported books): the unsharded process, or the one running shard 0."""
        return self.count is None or 0 in self.ids

    def owns(self, guild_id: int) -> bool:
        """Whether this process schedules and sends for the server `guild_id`."""
        if self.count is None:
            return True
        return shard_of(guild_id, self.count) in self.ids

    @property
    def label(self) -> str:
        """Names the process's share in logs and in the send leases (`shards 0,1 of 4`, `unsharded`)."""
        if self.count is None:
            return "unsharded"
        return f"shards {','.join(map(str, self.ids))} of {self.count}"


ALL = Shards()
