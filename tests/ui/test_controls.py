"""Every control on `Control` keeps the custom ids it had before, byte for byte, so buttons and
menus posted before the change keep working: built ids are the old ones, the old template and the
new one accept the same ids, and a pressed id is parsed back into the control that wrote it."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.services.reviews import ListState
from bot.ui.book_page import FullDescriptionButton
from bot.ui.books import BookPickSelect
from bot.ui.items import Control
from bot.ui.ratings import StarButton
from bot.ui.reviews import (
    ConfirmButton,
    JumpButton,
    JumpModal,
    LikeButton,
    NavButton,
    OpenReviewsButton,
    ReadButton,
    SortSelect,
    StarsSelect,
    WriteReviewButton,
)
from bot.ui.reviews.listing import LIST_STATE
from bot.ui.shelves import FinishButton, ShelfPageButton, ShelfSelect

SNOWFLAKE = 2**64 - 1

# The templates as they were written by hand before `Control`.
_STATE = r"(?P<book>\d+):(?P<sort>[nohlm]):(?P<stars>[0-5]):(?P<search>\d+)"  # a review list's
OLD = {
    StarButton: r"rate:(?P<book>\d+):(?P<x2>\d+)",
    ShelfSelect: r"shelve:(?P<book>\d+)",
    FinishButton: r"finish:(?P<user>\d+):(?P<book>\d+):(?P<x2>\d+)",
    # The anchor (move, compact added_at, book id) came later: every id without one still matches.
    ShelfPageButton: r"shelfpage:(?:(?P<owner>\d+):)?(?P<user>\d+):(?P<shelf>[a-z-]+):(?P<page>\d+)"
    r"(?::(?P<move>[np]):(?P<key>t[0-9a-z]{1,10}|d\d{8}):(?P<anchor>\d+))?",
    BookPickSelect: r"book:open",
    FullDescriptionButton: r"book:desc:(?P<book_id>\d+)",
    LikeButton: r"rv:like:(?P<review>\d+):(?P<where>[cl])",
    ReadButton: r"rv:read:(?P<review>\d+)",
    WriteReviewButton: r"rv:write:(?P<book>\d+)",
    ConfirmButton: r"rv:(?P<action>del|keep):(?P<owner>\d+):(?P<review>\d+)",
    NavButton: rf"rv:nav:(?P<move>[fpnl]):(?P<owner>\d+):{_STATE}:(?P<page>\d+):(?P<anchor>\d+)",
    JumpButton: rf"rv:jump:(?P<owner>\d+):{_STATE}:(?P<pages>\d+)",
    SortSelect: r"rv:sort:(?P<owner>\d+):(?P<book>\d+):(?P<stars>[0-5]):(?P<search>\d+)",
    StarsSelect: r"rv:stars:(?P<owner>\d+):(?P<book>\d+):(?P<sort>[nohlm]):(?P<search>\d+)",
    OpenReviewsButton: r"rv:open:(?P<book>\d+)",
}
OLD_JUMP_MODAL = rf"rv:modal:jump:(?P<owner>\d+):{_STATE}:(?P<pages>\d+)"

ALL = ListState(42)
LIKED = ListState(42, "liked", 5, 9)
BIGGEST = ListState(SNOWFLAKE, "lowest", 1, SNOWFLAKE)

BUILT: list[tuple[Control[Any], str]] = [
    (StarButton(42, 2), "rate:42:2"),
    (StarButton(SNOWFLAKE, 10), f"rate:{SNOWFLAKE}:10"),
    (ShelfSelect(42), "shelve:42"),
    (FinishButton(7, 42, 0), "finish:7:42:0"),
    (FinishButton(7, 42, 8, row=1), "finish:7:42:8"),
    (ShelfPageButton(7, 9, "read", 1), "shelfpage:7:9:read:0"),  # pages count from 1, ids from 0
    (ShelfPageButton(7, 9, None, 3), "shelfpage:7:9:all:2"),
    (ShelfPageButton(None, 9, "did-not-finish", 2), "shelfpage:9:did-not-finish:1"),  # no owner: old ids
    # Keyset: the move and the anchor book, its added_at compacted (ms since 1970 in base 36).
    (
        ShelfPageButton(7, 9, "read", 3, "next", "2026-11-25T12:00:00.000Z", 42),
        "shelfpage:7:9:read:2:n:tmww2n400:42",
    ),
    (ShelfPageButton(7, 9, None, 1, "prev", "2020-05-01", 42), "shelfpage:7:9:all:0:p:d20200501:42"),
    (
        ShelfPageButton(
            SNOWFLAKE, SNOWFLAKE, "currently-reading", 9999, "next", "9999-12-31T23:59:59.999Z", SNOWFLAKE
        ),
        f"shelfpage:{SNOWFLAKE}:{SNOWFLAKE}:currently-reading:9998:n:t2htner8qnz:{SNOWFLAKE}",
    ),
    (BookPickSelect(), "book:open"),
    (FullDescriptionButton(42), "book:desc:42"),
    (LikeButton(42, 3, on_card=True), "rv:like:42:c"),  # the count is drawn, not carried
    (LikeButton(SNOWFLAKE, on_card=False), f"rv:like:{SNOWFLAKE}:l"),
    (ReadButton(42), "rv:read:42"),
    (ReadButton(42, label="Reveal spoiler"), "rv:read:42"),
    (WriteReviewButton(42), "rv:write:42"),
    (ConfirmButton(7, 42, delete=True), "rv:del:7:42"),
    (ConfirmButton(SNOWFLAKE, 42, delete=False), f"rv:keep:{SNOWFLAKE}:42"),
    (NavButton("first", 7, ALL, 1, 0), "rv:nav:f:7:42:n:0:0:1:0"),
    (NavButton("prev", 7, LIKED, 2, 1234, disabled=True), "rv:nav:p:7:42:m:5:9:2:1234"),
    (NavButton("next", 7, LIKED, 3, 1234), "rv:nav:n:7:42:m:5:9:3:1234"),
    (NavButton("last", SNOWFLAKE, BIGGEST, 17, 0), f"rv:nav:l:{SNOWFLAKE}:{SNOWFLAKE}:l:1:{SNOWFLAKE}:17:0"),
    (JumpButton(7, ListState(42, "oldest"), 17), "rv:jump:7:42:o:0:0:17"),
    (JumpButton(7, BIGGEST, 1, label="Page 1 of 1"), f"rv:jump:7:{SNOWFLAKE}:l:1:{SNOWFLAKE}:1"),
    (SortSelect(7, ListState(42, star_row=3, search_id=9)), "rv:sort:7:42:3:9"),
    (StarsSelect(7, ListState(42, "highest", search_id=9)), "rv:stars:7:42:h:9"),
    (OpenReviewsButton(42), "rv:open:42"),
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
    "shelfpage:7:9:read:2:x:tmww2n400:42",
    "shelfpage:7:9:read:2:n:2026-11-25:42",
    "shelfpage:7:9:read:2:n:tmww2n400",
    "shelfpage:7:9:read:2:n:d2020051:42",
    "shelfpage:7:9:read:2::tmww2n400:42",
    "book:opened",
    "book:desc:x",
    "rv:open:42",
    "rv:like:42",
    "rv:like:42:x",
    "rv:like:42:cl",
    "rv:read:",
    "rv:read:42:c",
    "rv:write:",
    "rv:delete:7:42",
    "rv:kee:7:42",
    "rv:del:7",
    "rv:nav:x:7:42:n:0:0:1:0",
    "rv:nav:n:7:42:z:0:0:1:0",
    "rv:nav:n:7:42:n:6:0:1:0",
    "rv:nav:n:42:n:0:0:1:0",
    "rv:nav:next:7:42:n:0:0:1:0",
    "rv:jump:7:42:n:0:0",
    "rv:jump:7:42:n:0:0:17:1",
    "rv:sort:7:42:n:0:0",
    "rv:sort:7:42:6:0",
    "rv:stars:7:42:3:0",
    "rv:stars:7:42:n:0:0",
    "rv:open:",
    "rv:modal:jump:7:42:n:0:0:17",
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
        "move": None,
        "key": None,
        "anchor": None,
    }


def test_the_list_menus_leave_out_what_they_pick() -> None:
    """The sort and star menus carry the rest of the list's state; the pick comes with the press."""
    assert SortSelect(7, LIKED).custom_id == "rv:sort:7:42:5:9"
    assert StarsSelect(7, LIKED).custom_id == "rv:stars:7:42:m:9"
    for cls, custom_id, state in (
        (SortSelect, "rv:sort:7:42:5:9", ListState(42, "newest", 5, 9)),
        (StarsSelect, "rv:stars:7:42:m:9", ListState(42, "liked", 0, 9)),
    ):
        match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
        assert match is not None
        assert cls.parse_fields(match) == {"owner_id": 7, "state": state}


@pytest.mark.parametrize(
    ("state", "custom_id"),
    [
        (ALL, "rv:modal:jump:7:42:n:0:0:17"),
        (LIKED, "rv:modal:jump:7:42:m:5:9:17"),
        (BIGGEST, f"rv:modal:jump:7:{SNOWFLAKE}:l:1:{SNOWFLAKE}:17"),
    ],
)
def test_the_jump_form_keeps_its_old_id(state: ListState, custom_id: str) -> None:
    assert JumpModal(7, state, 17).custom_id == custom_id
    match = JumpModal.TEMPLATE.fullmatch(custom_id)
    assert match is not None
    assert (match["owner"], LIST_STATE.parse(match["state"]), match["pages"]) == ("7", state, "17")
    samples = [f"rv:modal:{built.removeprefix('rv:')}" for _, built in BUILT] + ELSEWHERE
    for sample in samples:
        assert bool(JumpModal.TEMPLATE.fullmatch(sample)) == bool(re.fullmatch(OLD_JUMP_MODAL, sample)), (
            sample
        )
