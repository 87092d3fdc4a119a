"""The rating controls' layout, and the order of every feature's rows under a book page."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import discord

from bot.ui.page import page_actions
from bot.ui.ratings import rating_actions
from tests.components import custom_ids
from tests.conftest import REPO


def ids_of(rows: tuple[discord.ui.ActionRow[Any], ...]) -> list[str]:
    return custom_ids([row.to_component_dict() for row in rows])


def test_rating_actions_carry_the_book_in_every_custom_id() -> None:
    assert ids_of(rating_actions(42)) == ["rate:42:2", "rate:42:4", "rate:42:6", "rate:42:8", "rate:42:10"]


def test_the_page_rows_are_stars_then_the_shelf_select_then_reviews() -> None:
    assert ids_of(page_actions(42)) == [
        "rate:42:2",
        "rate:42:4",
        "rate:42:6",
        "rate:42:8",
        "rate:42:10",
        "shelve:42",
        "rv:open:42",
        "rv:write:42",
    ]


def test_registering_the_controls_hands_them_the_page_redraw() -> None:
    # In a fresh interpreter: the bot imports bot.ui.persistent, and nothing else need import
    # bot.ui.page for a star or the shelf select to redraw the page they sit on.
    check = (
        "import bot.ui.persistent; from bot.ui.book_page import PageControl; "
        "from bot.ui.page import refresh_page; assert PageControl._redraw is refresh_page"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=REPO)
