"""/digest setup under hostile input: times and time zones (and the zone autocomplete)."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from tests.conftest import BotFactory, Club
from tests.hostile.strategies import TIMES, ZONES
from tests.hostile.support import Probe, examples, without_enricher

FAMILY = "digest setup"

WEEKDAYS = st.sampled_from(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Funday"]
)


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


async def test_digest_setup_answers_every_time_and_zone(club: Club) -> None:
    probe = Probe(club, FAMILY)
    for weekday, time, zone in examples(st.tuples(WEEKDAYS, TIMES, ZONES)):
        result = await probe.play(
            f"/digest setup weekday:{weekday} time:{time!r} timezone:{zone!r}",
            lambda weekday=weekday, time=time, zone=zone: club.admin.slash(
                club.channel, "digest setup", channel=club.channel, weekday=weekday, time=time, timezone=zone
            ),
        )
        if result is not None and probe.refusals == 0:
            continue
    await probe.play("/digest status", lambda: club.admin.slash(club.channel, "digest status"))
    await probe.play("/digest preview", lambda: club.admin.slash(club.channel, "digest preview"))
    probe.finish()


async def test_the_zone_autocomplete_offers_valid_choices_for_every_input(club: Club) -> None:
    probe = Probe(club, FAMILY)
    for zone in examples(ZONES):
        await probe.choices(
            f"/digest setup timezone:{zone!r} (typing)",
            lambda zone=zone: club.admin.autocomplete(
                club.channel,
                "digest setup",
                "timezone",
                zone,
                channel=club.channel,
                weekday="Monday",
                time="18:00",
            ),
        )
    probe.finish()
