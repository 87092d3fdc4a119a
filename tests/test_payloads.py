"""The payload audit the `club` fixture runs at the end of every simcord test (tests/payloads.py)."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from simcord.types import HttpLogEntry

from bot.ui.base import NO_MENTIONS
from tests.conftest import Club
from tests.payloads import audit

GUARDED = {"parse": [], "replied_user": False}


def sent(method: str, path: str, body: dict[str, Any]) -> HttpLogEntry:
    return HttpLogEntry(method, path, {}, body, None)


def text_display(content: str) -> dict[str, Any]:
    return {"type": 10, "content": content}


def test_a_clean_message_passes() -> None:
    assert audit([sent("POST", "/channels/1/messages", {"content": "hi", "allowed_mentions": GUARDED})]) == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/channels/1/messages/2", {"components": []}),  # PartialMessage.edit(view=…)
        ("POST", "/channels/1/messages", {"content": "hi"}),
        ("POST", "/webhooks/1/token", {"content": "hi", "allowed_mentions": {"parse": ["everyone"]}}),
        ("PATCH", "/webhooks/1/token/messages/@original", {"content": "hi", "allowed_mentions": {}}),
        ("POST", "/interactions/1/token/callback", {"type": 7, "data": {"components": []}}),
        (
            "POST",
            "/interactions/1/token/callback",
            {"type": 4, "data": {"content": "x", "allowed_mentions": {"parse": [], "users": ["1"]}}},
        ),
    ],
)
def test_a_message_or_edit_that_could_ping_is_caught(method: str, path: str, body: dict[str, Any]) -> None:
    assert audit([sent(method, path, body)]) != []


@pytest.mark.parametrize(
    "body",
    [
        {"content": "x" * 2001},
        {"embeds": [{"description": "x" * 4000}, {"description": "x" * 2001}]},
        {"embeds": [{}] * 11},
        {"flags": 1 << 15, "components": [text_display("x" * 2000), text_display("x" * 2001)]},
        {"flags": 1 << 15, "components": [{"type": 17, "components": [text_display("x")] * 40}]},
        {
            "components": [
                {"type": 1, "components": [{"type": 2, "style": 2, "label": "x" * 81, "custom_id": "a"}]}
            ]
        },
        {"components": [{"type": 1, "components": [{"type": 2, "style": 2, "custom_id": "a" * 101}]}]},
        {
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 3, "custom_id": "s", "options": [{"label": "x" * 101, "value": "v"}]}
                    ],
                }
            ]
        },
    ],
)
def test_a_message_over_discords_limits_is_caught(body: dict[str, Any]) -> None:
    problems = audit([sent("POST", "/channels/1/messages", {**body, "allowed_mentions": GUARDED})])
    assert problems != []
    assert all("allowed_mentions" not in problem for problem in problems)


def test_modals_choices_and_thread_names_are_held_to_their_limits() -> None:
    modal = {"type": 9, "data": {"custom_id": "m", "title": "x" * 46, "components": [text_display("hi")]}}
    choices = {
        "type": 8,
        "data": {"choices": [{"name": "x" * 101, "value": "v"}] + [{"name": "n", "value": "v"}] * 25},
    }
    thread = {"name": "x" * 101}
    problems = audit(
        [
            sent("POST", "/interactions/1/t/callback", modal),
            sent("POST", "/interactions/1/t/callback", choices),
            sent("POST", "/channels/1/messages/2/threads", thread),
        ]
    )
    assert len(problems) == 4
    assert audit([sent("POST", "/interactions/1/t/callback", {"type": 5, "data": {"flags": 64}})]) == []


@pytest.mark.provokes_bad_payload("edits a posted message the way discord.py leaves unguarded")
async def test_the_audit_sees_an_edit_that_discord_py_leaves_unguarded(club: Club) -> None:
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("a card")
    await channel.get_partial_message(message.id).edit(view=discord.ui.View())
    await channel.get_partial_message(message.id).edit(view=discord.ui.View(), allowed_mentions=NO_MENTIONS)
    problems = audit(club.env.http_requests)
    assert problems == [
        f"PATCH /channels/{channel.id}/messages/{message.id}: no allowed_mentions: the message may ping"
    ]
