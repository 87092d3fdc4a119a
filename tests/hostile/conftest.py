"""Hypothesis profiles for the hostile suite, and the tally of inputs tried per command family.

`HYPOTHESIS_PROFILE=ci` (the default, run by `make test`): few examples, derandomized, so the
suite stays within a few minutes and fails the same way twice. `HYPOTHESIS_PROFILE=fuzz` (`make
fuzz`): many more examples, a new seed each run, and a summary of how many inputs each family
tried. `HYPOTHESIS_MAX_EXAMPLES` overrides the number of examples of either profile.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.hostile.support import TRIED

# Examples are drawn up front and played in one running bot (see support.examples): the health
# checks about slow data generation and function-scoped fixtures do not apply.
_QUIET = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
]


def _examples(default: int) -> int:
    return int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", default))


settings.register_profile(
    "ci",
    max_examples=_examples(30),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "fuzz", max_examples=_examples(600), deadline=None, database=None, suppress_health_check=_QUIET
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per family, how many hostile inputs were tried: always in fuzz mode, with -v otherwise."""
    if not TRIED or (PROFILE != "fuzz" and terminalreporter.verbosity < 1):
        return
    terminalreporter.section(f"hostile inputs tried (profile {PROFILE})")
    for family, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"{family:<28} {count:>7,}")
    terminalreporter.write_line(f"{'total':<28} {sum(TRIED.values()):>7,}")
