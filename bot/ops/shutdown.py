"""A graceful stop on SIGTERM (`docker stop`, systemd) and SIGINT (Ctrl-C); a second signal exits at once.

The order: refuse new interactions with a short "restarting" note (the gate), stop the scheduler from
firing new jobs, let the interactions and jobs in flight finish within SHUTDOWN_TIMEOUT (those still
running then are cancelled, which rolls their transaction back), then close the bot. `__main__`
then checkpoints the WAL and closes the database and the HTTP session, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

FORCED_EXIT = 130  # a second signal: the conventional code of an interrupted process
CANCEL_GRACE = 2.0  # seconds cancelled work gets to roll back before the bot closes anyway


def running_jobs(scheduler: Any) -> set[asyncio.Future[Any]]:
    """The scheduler's jobs running now. APScheduler 3 keeps them in each asyncio executor's
    `_pending_futures` and has no public way to wait for them (its shutdown cannot wait in asyncio)."""
    running: set[asyncio.Future[Any]] = set()
    for executor in getattr(scheduler, "_executors", {}).values():
        running |= {f for f in getattr(executor, "_pending_futures", ()) if not f.done()}
    return running


class GracefulStop:
    """`install()` in the running loop, before the bot starts; the first signal stops it gracefully."""

    def __init__(self, bot: BookClubBot, timeout: float) -> None:
        self.bot = bot
        self.timeout = timeout
        self.signal_name: str | None = None
        self.started: float | None = None
        self.cut_off = 0  # interactions or jobs cancelled at the timeout
        self._task: asyncio.Task[None] | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.on_signal, signum)

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)

    @property
    def stopping(self) -> bool:
        return self.signal_name is not None

    def on_signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self.stopping:
            log.warning("%s again while stopping: exiting at once", name)
            logging.shutdown()
            os._exit(FORCED_EXIT)  # the operator insists; SQLite's journal keeps committed writes
        self.signal_name = name
        self.started = time.perf_counter()
        log.info(
            "%s received: stopping; %d interaction(s) and %d job(s) in flight get up to %.0f s to finish",
            name,
            self.bot.gate.in_flight,
            len(running_jobs(self.bot.scheduler)),
            self.timeout,
        )
        self._task = asyncio.get_running_loop().create_task(self.stop())

    async def stop(self) -> None:
        """Drain, then close the bot (which makes `bot.start()` return)."""
        bot = self.bot
        bot.gate.draining = True
        if bot.scheduler.running:
            bot.scheduler.pause()  # no job fires from now on; running ones go on
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        left: set[asyncio.Future[Any]] = set(await bot.gate.wait(self.timeout))
        jobs = running_jobs(bot.scheduler)
        if jobs and deadline > loop.time():
            await asyncio.wait(jobs, timeout=deadline - loop.time())
        left |= {job for job in jobs if not job.done()}
        if left:
            self.cut_off = len(left)
            log.warning(
                "SHUTDOWN_TIMEOUT (%.0f s) passed with %d task(s) still running: cancelling them "
                "(their open transactions roll back)",
                self.timeout,
                len(left),
            )
            for task in left:
                task.cancel()
            await asyncio.wait(left, timeout=CANCEL_GRACE)
        else:
            log.info("work in flight finished after %.2f s", self.elapsed())
        await bot.close()

    def elapsed(self) -> float:
        return 0.0 if self.started is None else time.perf_counter() - self.started
