"""Every benchmark runs, at a tiny scale, and keeps the runner's contract (full runs: `make bench`)."""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
from pathlib import Path

import pytest

import bench
from bench import __main__ as runner
from bench.common import Row

TINY = 0.001  # of the full data sets: a second or less per module
NAMES = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in runner.SKIP)


def test_every_benchmark_module_has_a_main_returning_rows() -> None:
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in runner.SKIP]
    assert {"books", "club", "digest", "library", "ratings", "reviews"} <= set(names)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        main = module.main
        assert callable(main)
        assert "Row" in str(inspect.signature(main).return_annotation), name
        assert "scale" in inspect.signature(main).parameters, name


@pytest.fixture(autouse=True)
def _seed_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/seed.py builds its database in the test's folder, not in the developer's cache."""
    monkeypatch.setenv("BENCH_CACHE", str(tmp_path / "seed-cache"))


@pytest.mark.parametrize("name", NAMES)
def test_each_benchmark_runs_at_a_tiny_scale(name: str) -> None:
    rows = importlib.import_module(f"bench.{name}").main(TINY)
    assert rows, f"bench.{name} measured nothing"
    for row in rows:
        assert isinstance(row, Row)
        assert row.bench == name
        assert row.case
        assert math.isfinite(row.value), row
        assert math.isfinite(row.baseline), row
        assert row.value >= 0, row
        assert row.baseline >= 0, row


def test_the_runner_prints_one_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BENCH_SCALE", str(TINY))
    assert runner.main(["digest"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].split() == ["bench", "|", "case", "|", "value", "|", "baseline", "|", "ratio"]
    assert all(line.startswith("digest ") for line in out.splitlines()[2:])
    assert "[digest done in" in err
