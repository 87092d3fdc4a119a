"""The benchmarks stay importable and keep the runner's contract (run them with `make bench`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import bench


def test_every_benchmark_module_has_a_main_returning_rows() -> None:
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in {"common", "__main__"}]
    assert {"books", "digest", "library", "ratings", "reviews"} <= set(names)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        main = module.main
        assert callable(main)
        assert "Row" in str(inspect.signature(main).return_annotation), name
