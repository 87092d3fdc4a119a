"""The declared floors are honest: every runtime dependency at its lowest allowed version still passes.

It builds a throwaway virtual environment from the package index, so it runs only when asked:
`make floors` (or BOOKCLUB_CHECK_FLOORS=1 pytest tests/test_floors.py); about a minute.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(
    os.environ.get("BOOKCLUB_CHECK_FLOORS") != "1",
    reason="installs from the package index: run `make floors` (BOOKCLUB_CHECK_FLOORS=1)",
)

# The layers below Discord, whose tests exercise the runtime dependencies without simcord's client.
SUITES = ("tests/services", "tests/db", "tests/books")
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")
FLOOR = re.compile(r"^(?:>=|==|~=)\s*([0-9][^\s,;]*)$")


def project() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as file:
        table = tomllib.load(file)["project"]
    assert isinstance(table, dict)
    return table


def floors(requirements: list[str]) -> dict[str, str]:
    """name → lowest allowed version, for requirements such as `APScheduler>=3.11,<4`."""
    found: dict[str, str] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement.split(";", 1)[0])
        assert match, requirement
        name, specifiers = match.groups()
        lows = [m.group(1) for s in specifiers.split(",") if (m := FLOOR.match(s.strip()))]
        assert len(lows) == 1, f"{requirement!r} needs one lower bound (>=, == or ~=)"
        found[name] = lows[0]
    return found


def test_floor_parsing() -> None:
    assert floors(["APScheduler>=3.11,<4", "discord.py>=2.7.1,<2.8", "tzdata>=2024.1"]) == {
        "APScheduler": "3.11",
        "discord.py": "2.7.1",
        "tzdata": "2024.1",
    }


def run(*command: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, command))}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done.stdout


def test_the_suites_pass_with_every_runtime_dependency_at_its_floor(tmp_path: Path) -> None:
    table = project()
    runtime = table["dependencies"]
    extras = table["optional-dependencies"]
    assert isinstance(runtime, list)
    assert isinstance(extras, dict)
    pinned = floors(runtime)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    # One resolution: the dev tools must accept the floors too, or pip says which one does not.
    run(python, "-m", "pip", "install", "--quiet", *(f"{n}=={v}" for n, v in pinned.items()), *extras["dev"])

    versions = json.loads(
        run(
            python,
            "-c",
            "import json, sys, importlib.metadata as m; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))",
            *pinned,
        )
    )
    for name, floor in pinned.items():
        assert versions[name].split(".")[: len(floor.split("."))] == floor.split("."), (name, versions[name])

    # The project itself is imported from the working tree (pytest runs from REPO), not installed.
    env = {
        k: v for k, v in os.environ.items() if k not in ("BOOKCLUB_CHECK_FLOORS", "VIRTUAL_ENV", "PYTHONPATH")
    }
    out = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITES, env=env)
    assert " passed" in out
    print(f"floors {pinned}: {out.strip().splitlines()[-1]}")
