"""Run every benchmark module under bench/ (each has `main() -> list[Row]`) and print one table."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from bench.common import Row, format_table

SKIP = {"common", "__main__"}


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in SKIP)
    if argv:
        names = [n for n in names if n in argv]
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        rows.extend(module.main())
        print(f"[{name} done in {time.perf_counter() - started:.1f} s]", file=sys.stderr)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
