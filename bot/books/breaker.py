"""A circuit breaker: a provider that keeps failing is skipped for a while instead of slowing every command.

A provider that says how long to stay away (a 429 or 503 with `Retry-After`) is skipped for that
long at once, capped at MAX_HOLD so a wrong header cannot switch it off for hours.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

MAX_HOLD = 900.0  # seconds; the longest a Retry-After header alone keeps a provider skipped


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `cooldown` seconds lets one trial call through."""

    def __init__(
        self,
        name: str,
        *,
        threshold: int = 3,
        cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._hold = cooldown  # how long the circuit stays open once opened

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None and self._clock() - self._opened_at < self._hold

    @property
    def state(self) -> str:
        """closed, open (calls are skipped) or half-open (the next call is a trial)."""
        if self._opened_at is None:
            return "closed"
        return "open" if self.is_open else "half-open"

    def allow(self) -> bool:
        """True when a call may go out now (closed, or half-open for one trial)."""
        if self._opened_at is None:
            return True
        if self._clock() - self._opened_at < self._hold:
            return False
        # Half-open: this trial re-arms the cooldown, so concurrent callers keep skipping until it answers.
        self._opened_at = self._clock()
        self._hold = self.cooldown
        self._failures = self.threshold - 1
        return True

    def success(self) -> None:
        if self._opened_at is not None:
            log.info("%s answers again; closing its circuit", self.name)
        self._failures = 0
        self._opened_at = None
        self._hold = self.cooldown

    def failure(self, retry_after: float | None = None) -> None:
        """Count a failure; `retry_after` (the provider's own Retry-After) opens the circuit that long."""
        self._failures += 1
        hold = self.cooldown if self._failures >= self.threshold else 0.0
        if retry_after is not None and retry_after > 0:
            hold = max(hold, min(retry_after, MAX_HOLD))
        if hold <= 0:
            return
        if not self.is_open:
            log.warning(
                "%s failed %d time(s) in a row; skipping it for %.0f s", self.name, self._failures, hold
            )
        # Never shorten a circuit that is already open for longer (an earlier Retry-After).
        self._opened_at, self._hold = self._clock(), max(hold, self._remaining())

    def _remaining(self) -> float:
        """Seconds the circuit stays open from now (0 when closed)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._hold - (self._clock() - self._opened_at))
