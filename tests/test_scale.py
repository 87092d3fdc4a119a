"""Issue #14's budgets, deterministic (counted, never timed): each hot command's database round trips
and the query plans of every statement it runs, through the real client on a small scale seed.

The same probe runs at full size in `make bench-scale` (bench/scale.py), which also times them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench import scale, seed
from bot.db.shelves import shelf_books


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed is built in the test's own folder, never in the developer's cache."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(seed, "CACHE", folder)
    return folder


async def test_hot_commands_stay_within_their_round_trips_and_plans(cache: Path) -> None:
    async with scale.scale_bot(None, 0.003) as scene:
        counts, plans, checked = await scale.probe(scene)
    assert set(counts) == set(scale.TRIPS)
    over = {name: (count, scale.TRIPS[name]) for name, count in counts.items() if count > scale.TRIPS[name]}
    assert not over, f"round trips over budget (counted, budget): {over}"
    assert all(count <= 3 for count in counts.values()), counts
    assert checked >= 12, "the trace hook saw too few statements to mean anything"
    assert not plans, "hot-path statements that scan a table or sort in a temp B-tree:\n" + "\n".join(plans)


async def test_shelf_pages_seek_a_range_of_the_newest_first_index(cache: Path) -> None:
    """/shelf show's page reads, every way they run (by number, after an anchor for Next, before
    one for Previous; one shelf or all): no scan, no sort, and a keyset page is an index range
    starting at its anchor — never a walk over the member's books before it."""
    async with scale.scale_bot(None, 0.003) as scene:
        db = scene.bot.db
        trips = scale.Trips(db)
        member = scene.sides[0].member.id
        newest = await db.fetchone(
            "SELECT added_at, book_id FROM shelves WHERE guild_id = ? AND user_id = ? "
            "ORDER BY added_at DESC, book_id DESC LIMIT 1 OFFSET 25",
            (seed.BIG_GUILD, member),
        )
        assert newest is not None
        statements: list[str] = []
        for shelf in (None, "read"):
            for seek in (None, ("after", newest[0], newest[1]), ("before", newest[0], newest[1])):

                async def read(shelf: str | None = shelf, seek: Any = seek) -> object:
                    return await shelf_books(db, seed.BIG_GUILD, member, shelf, offset=0, limit=10, seek=seek)

                count, ran = await trips.measure(read)
                assert count == 1
                statements += ran
        raw = sqlite3.connect(scene.path)
        try:
            bad, checked = scale.bad_plans(raw, statements)
            plans = [
                " / ".join(str(step[3]) for step in raw.execute(f"EXPLAIN QUERY PLAN {s}"))
                for s in statements
            ]
        finally:
            raw.close()
    assert checked == 6
    assert not bad, bad
    ranges = [
        plan for plan in plans if "(added_at,book_id)<(?,?)" in plan or "(added_at,book_id)>(?,?)" in plan
    ]
    assert len(ranges) == 4, plans
    assert all("COVERING INDEX shelves_by_member" in plan for plan in ranges), ranges


def test_the_plan_check_flags_scans_and_temp_b_trees(tmp_path: Path) -> None:
    """The checker itself: a full scan and a sort are caught; index searches and CTE scans are not."""
    conn = sqlite3.connect(tmp_path / "plans.sqlite3")
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b INTEGER, c TEXT)")
    conn.execute("CREATE INDEX t_b ON t (b)")
    bad, checked = scale.bad_plans(
        conn,
        [
            "SELECT * FROM t WHERE c = 'x'",  # a full scan
            "SELECT * FROM t WHERE b = 1 ORDER BY c",  # a temp B-tree
            "SELECT * FROM t WHERE b = 1 ORDER BY b",  # fine
            "SELECT * FROM t WHERE a IN (SELECT a FROM t WHERE b = 2 LIMIT 5)",  # fine
            "BEGIN IMMEDIATE",  # not a query
        ],
    )
    conn.close()
    assert checked == 4
    assert len(bad) == 2
    assert "SCAN t" in bad[0]
    assert "TEMP B-TREE" in bad[1]
