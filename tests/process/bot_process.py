"""Start, kill and restart a real `python -m bot` process, one run at a time, with a log per run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import REPO, SETTING_NAMES


class BotProcess:
    """`python -m bot` in `workdir` (no `.env` there) with the given settings.

    Each `start()` is a new run whose output goes to `workdir/bot-<run>.log`; `kill()` sends SIGKILL,
    as a crash or an out-of-memory kill would; `stop()` ends a run however it can.
    """

    def __init__(self, workdir: Path, settings: Mapping[str, str]) -> None:
        self.workdir = workdir
        inherited = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
        self.env = {**inherited, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", **settings}
        self.runs = 0
        self.process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def log_path(self, run: int | None = None) -> Path:
        return self.workdir / f"bot-{run or self.runs}.log"

    def log(self, run: int | None = None) -> str:
        path = self.log_path(run)
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        """Every run's output, each under a header line."""
        return "\n".join(f"--- run {run} ---\n{self.log(run)}" for run in range(1, self.runs + 1))

    async def start(self) -> None:
        if self.running:
            raise RuntimeError("the bot is already running")
        self.runs += 1
        with self.log_path().open("wb") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.workdir,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL, by this run's pid only: nothing gets to clean up."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)

    def terminate(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)

    async def wait(self, within: float = 10.0) -> int:
        """The run's exit code, once it has exited (TimeoutError if it has not `within` seconds)."""
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), within)

    async def stop(self) -> None:
        """End the current run: SIGTERM, then SIGKILL if it lingers."""
        if not self.running:
            return
        self.terminate()
        try:
            await self.wait(5.0)
        except TimeoutError:
            self.kill()
            await self.wait(5.0)
