"""The interaction gate under the real client (simcord): log context, outcomes, and 'restarting'."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from bot.logs import JsonFormatter
from bot.ops.gate import RESTARTING, command_label
from bot.telemetry import Telemetry
from tests.conftest import BotFactory, Club
from tests.test_tree import build_with_failing_commands


@pytest.fixture
def bot_factory() -> BotFactory:
    return build_with_failing_commands


class Recorder(Telemetry):
    def __init__(self) -> None:
        self.interactions: list[tuple[str, str, str]] = []
        self.seconds: list[float] = []

    def interaction(self, command: str, kind: str, outcome: str, seconds: float) -> None:
        self.interactions.append((command, kind, outcome))
        self.seconds.append(seconds)


async def test_every_error_id_shown_is_in_a_json_line_with_its_traceback(club: Club) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    try:
        result = await club.alice.slash(club.channel, "explode")
    finally:
        logger.removeHandler(handler)
    club.take_errors()
    assert result.response is not None
    match = re.search(r"error id `([0-9a-f]{8})`", result.response.content)
    assert match
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [line] = [line for line in lines if line["error_id"] == match.group(1)]
    assert line["level"] == "ERROR"
    assert line["logger"] == "bot.tree"
    assert line["message"] == f"error {match.group(1)} in explode"
    assert line["guild"] == str(club.guild.id)
    assert line["command"] == "explode"
    assert line["interaction"] is not None
    assert re.fullmatch(r"\d+", line["interaction"])
    assert "RuntimeError: kaboom" in line["traceback"]
    assert line["time"].endswith("+00:00")


async def test_outcomes_and_times_reach_the_telemetry(club: Club) -> None:
    recorder = Recorder()
    club.bot.gate.telemetry = recorder
    await club.alice.slash(club.channel, "count", n=3)
    await club.alice.slash(club.channel, "refuse")
    await club.alice.slash(club.channel, "explode")
    club.take_errors()
    assert recorder.interactions == [
        ("count", "command", "ok"),
        ("refuse", "command", "refused"),
        ("explode", "command", "error"),
    ]
    assert all(0 <= seconds < 5 for seconds in recorder.seconds)
    assert club.bot.gate.in_flight == 0


async def test_while_stopping_new_interactions_hear_restarting(club: Club) -> None:
    recorder = Recorder()
    club.bot.gate.telemetry = recorder
    club.bot.gate.draining = True
    result = await club.alice.slash(club.channel, "count", n=3)
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == RESTARTING
    assert recorder.interactions == [("count", "command", "restarting")]


def test_labels_come_from_small_fixed_sets() -> None:
    group = {"type": 2, "data": {"name": "digest", "options": [{"type": 1, "name": "setup", "options": []}]}}
    assert command_label(group) == ("command", "digest setup")
    assert command_label({"type": 4, "data": {"name": "rate"}}) == ("autocomplete", "rate")
    assert command_label({"type": 3, "data": {"custom_id": "reviews:12:new:1"}}) == (
        "component",
        "component:reviews",
    )
    assert command_label({"type": 3, "data": {"custom_id": "4f0c9a1be2d3"}}) == (
        "component",
        "component:other",
    )
    assert command_label({"type": 5, "data": {"custom_id": "review-form:12"}}) == (
        "modal",
        "modal:review-form",
    )
    assert command_label({"type": 2, "data": {"name": "bad name!"}}) == ("command", "other")
