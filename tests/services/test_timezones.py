"""Time zones on a host without a system zone database: the `tzdata` package fills in, or one clear refusal."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PARSE = """
import sys
{block}
from bot.errors import UserFacingError
from bot.services.digest import parse_timezone
try:
    print(parse_timezone("europe/prague"))
except UserFacingError as exc:
    print("refused:", exc)
"""


def parse_without_system_zones(tmp_path: Path, *, tzdata: bool) -> str:
    """`parse_timezone` in a fresh interpreter that sees no system zone files (and maybe no tzdata)."""
    block = "" if tzdata else "sys.modules['tzdata'] = None  # as if the package were not installed"
    env = {**os.environ, "PYTHONTZPATH": "", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", PARSE.format(block=block)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_without_any_zone_database_the_refusal_does_not_contradict_itself(tmp_path: Path) -> None:
    answer = parse_without_system_zones(tmp_path, tzdata=False)
    assert answer.startswith("refused: ")
    # It used to say that Europe/Prague is not a zone, then suggest Europe/Prague.
    assert "is not a time zone I know" not in answer
    assert "Europe/Prague" not in answer
    assert "time-zone database" in answer
    assert "tzdata" in answer


@pytest.mark.skipif(importlib.util.find_spec("tzdata") is None, reason="the tzdata package is not installed")
def test_the_tzdata_package_stands_in_for_a_missing_system_database(tmp_path: Path) -> None:
    assert parse_without_system_zones(tmp_path, tzdata=True) == "Europe/Prague"
