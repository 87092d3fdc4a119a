"""What every benchmark returns: rows comparing a measurement with a baseline from the same run."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import Settings


@dataclass(frozen=True, slots=True)
class Row:
    bench: str  # the feature, e.g. "ratings"
    case: str  # what was measured, e.g. "book stats, 1M ratings"
    value: float
    baseline: float
    unit: str = "ms"
    baseline_label: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")


def bench_settings(**values: Any) -> Settings:
    """The bot's settings for a benchmark: no `.env`, a dummy token, every provider at a closed port
    (a benchmark times the bot, never the internet); `values` add the database."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token="bench",
        openlibrary_url="http://127.0.0.1:9",
        openlibrary_covers_url="http://127.0.0.1:9",
        google_books_url="http://127.0.0.1:9",
        **values,
    )


def best_of(fn: Callable[[], object], *, repeat: int = 5, number: int = 100) -> float:
    """The best per-call time in milliseconds of `number` calls, over `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1000


async def best_of_async(fn: Callable[[], Awaitable[object]], *, repeat: int = 5, number: int = 100) -> float:
    """`best_of` for coroutines."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            await fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1000


def format_table(rows: Sequence[Row]) -> str:
    header = ("bench", "case", "value", "baseline", "ratio")
    body = [
        (
            r.bench,
            r.case,
            f"{r.value:.3f} {r.unit}",
            f"{r.baseline:.3f} {r.unit}" + (f" ({r.baseline_label})" if r.baseline_label else ""),
            f"{r.ratio:.2f}×",
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in (header, *body)) for i in range(len(header))]
    lines = [
        " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in (header, *body)
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
