"""The running bot holds an exclusive lock on `<database>.lock`, so a restore (or a second bot) can tell.

An advisory `flock` rather than a pid file: the kernel drops it when the process ends however it
ends (SIGKILL, out of memory), so a crashed bot never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from bot.errors import DatabaseError


class DatabaseInUse(DatabaseError):
    """Another process holds the database's lock."""


class DatabaseLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self, *, purpose: str = "run the bot") -> None:
        """Take the lock now or raise DatabaseInUse naming the holder's pid."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise DatabaseInUse(
                f"cannot {purpose}: a running bot (pid {holder}) holds the database {self.database}; "
                "stop it first"
            ) from None
        except OSError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None
