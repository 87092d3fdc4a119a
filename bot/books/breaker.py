"""A circuit breaker: a provider that keeps failing is skipped for a while instead of slowing every command."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


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

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None and self._clock() - self._opened_at < self.cooldown

    def allow(self) -> bool:
        """True when a call may go out now (closed, or half-open for one trial)."""
        if self._opened_at is None:
            return True
        if self._clock() - self._opened_at < self.cooldown:
            return False
        # Half-open: this trial re-arms the cooldown, so concurrent callers keep skipping until it answers.
        self._opened_at = self._clock()
        self._failures = self.threshold - 1
        return True

    def success(self) -> None:
        if self._opened_at is not None:
            log.info("%s answers again; closing its circuit", self.name)
        self._failures = 0
        self._opened_at = None

    def failure(self) -> None:
        self._failures += 1
        if self._failures >= self.threshold:
            if self._opened_at is None:
                log.warning(
                    "%s failed %d times in a row; skipping it for %.0f s",
                    self.name,
                    self._failures,
                    self.cooldown,
                )
            self._opened_at = self._clock()
