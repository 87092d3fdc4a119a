"""The hostile suite: generated bad input, bounded for `make test`, many more examples for `make fuzz`.

Profiles: "ci" (the default: a fixed, reproducible set of examples that runs in seconds) and
"fuzz" (random and many). Choose with HYPOTHESIS_PROFILE=fuzz; HYPOTHESIS_MAX_EXAMPLES overrides
the number of examples of either. Each test prints how many inputs it tried (pytest -s).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _examples(default: int) -> int:
    return int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", default))


settings.register_profile(
    "ci", max_examples=_examples(400), deadline=None, derandomize=True, suppress_health_check=_SLOW_IS_FINE
)
settings.register_profile(
    "fuzz", max_examples=_examples(5000), deadline=None, suppress_health_check=_SLOW_IS_FINE
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
