"""Every control on `Control` keeps the custom ids it had before, byte for byte, so buttons and
menus posted before the change keep working: built ids are the old ones, the old template and the
new one accept the same ids, and a pressed id is parsed back into the control that wrote it."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.ui.book_page import FullDescriptionButton
from bot.ui.books import BookPickSelect
from bot.ui.items import Control
from bot.ui.ratings import StarButton
from bot.ui.shelves import FinishButton, ShelfPageButton, ShelfSelect

SNOWFLAKE = 2**64 - 1

# The templates as they were written by hand before `Control`.
OLD = {
    StarButton: r"rate:(?P<book>\d+):(?P<x2>\d+)",
    ShelfSelect: r"shelve:(?P<book>\d+)",
    FinishButton: r"finish:(?P<user>\d+):(?P<book>\d+):(?P<x2>\d+)",
    ShelfPageButton: r"shelfpage:(?:(?P<owner>\d+):)?(?P<user>\d+):(?P<shelf>[a-z-]+):(?P<page>\d+)",
    BookPickSelect: r"book:open",
    FullDescriptionButton: r"book:desc:(?P<book_id>\d+)",
}

BUILT: list[tuple[Control[Any], str]] = [
    (StarButton(42, 2), "rate:42:2"),
    (StarButton(SNOWFLAKE, 10), f"rate:{SNOWFLAKE}:10"),
    (ShelfSelect(42), "shelve:42"),
    (FinishButton(7, 42, 0), "finish:7:42:0"),
    (FinishButton(7, 42, 8, row=1), "finish:7:42:8"),
    (ShelfPageButton(7, 9, "read", 1), "shelfpage:7:9:read:0"),  # pages count from 1, ids from 0
    (ShelfPageButton(7, 9, None, 3), "shelfpage:7:9:all:2"),
    (ShelfPageButton(None, 9, "did-not-finish", 2), "shelfpage:9:did-not-finish:1"),  # no owner: old ids
    (BookPickSelect(), "book:open"),
    (FullDescriptionButton(42), "book:desc:42"),
]


def fields(control: Control[Any]) -> dict[str, Any]:
    return {name: getattr(control, name) for name in type(control).id_fields}


@pytest.mark.parametrize(("control", "custom_id"), BUILT, ids=[custom_id for _, custom_id in BUILT])
async def test_a_control_writes_its_old_id_and_reads_it_back(control: Control[Any], custom_id: str) -> None:
    assert control.custom_id == custom_id
    cls = type(control)
    assert re.fullmatch(OLD[cls], custom_id)
    match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None
    item = discord.ui.Button[Any](custom_id=custom_id)
    rebuilt = await cls.from_custom_id(None, item, match)  # type: ignore[arg-type]  # unused by Control
    assert type(rebuilt) is cls
    assert rebuilt.custom_id == custom_id
    assert fields(rebuilt) == fields(control)


ELSEWHERE = [
    "rate:42",
    "rate:42:8:1",
    "rate:-1:8",
    "shelve:",
    "finish:1:2",
    "shelfpage:1:2:3:read:0",
    "shelfpage:9:Read:0",
    "shelfpage:9:read:",
    "book:opened",
    "book:desc:x",
    "rv:open:42",
]


@pytest.mark.parametrize("cls", list(OLD))
def test_the_old_and_new_templates_accept_the_same_ids(cls: type[Control[Any]]) -> None:
    new = cls.__discord_ui_compiled_template__
    samples = [custom_id for _, custom_id in BUILT] + ELSEWHERE + ["shelfpage:9:some-shelf:0"]
    for custom_id in samples:
        assert bool(new.fullmatch(custom_id)) == bool(re.fullmatch(OLD[cls], custom_id)), custom_id


def test_a_shelf_id_with_an_unknown_shelf_still_parses_and_is_refused_later() -> None:
    match = ShelfPageButton.__discord_ui_compiled_template__.fullmatch("shelfpage:9:some-shelf:0")
    assert match is not None
    assert ShelfPageButton.parse_fields(match) == {
        "owner_id": None,
        "page": 1,
        "user_id": 9,
        "shelf": "some-shelf",
    }
