"""Run every benchmark module under bench/ (each has `main(scale=1.0) -> list[Row]`) and print one table.

`python -m bench [name …]` runs the named modules only; `BENCH_SCALE=0.01` shrinks every data set
and repetition count (the test suite runs each module at a tiny scale). `BENCH_SCALE=small` (the
default) or `full` choose the size of the scale seed (`bench/seed.py`) and leave the others at 1.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

from bench.common import Row, format_table

SKIP = {"common", "__main__", "seed"}  # seed: the scale database, not a benchmark


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in SKIP)
    if argv:
        names = [n for n in names if n in argv]
    setting = os.environ.get("BENCH_SCALE", "small")
    scale = 1.0 if setting in ("small", "full") else float(setting)
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        rows.extend(module.main(scale))
        print(f"[{name} done in {time.perf_counter() - started:.1f} s]", file=sys.stderr)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
