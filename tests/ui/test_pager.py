"""The pager on a toy list: moves in custom ids, the owner's list moves in place, anyone else gets
an ephemeral copy, and a keyset move carries its anchor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import discord

from bot.ui.items import INT, Field, choice
from bot.ui.pager import Move, PageButton, Turn, previous_next
from tests.components import custom_ids, text_of
from tests.conftest import Club

NUMBERS = list(range(1, 6))
SIZE = 2


@dataclass(frozen=True)
class NumberPage:
    page: int
    pages: int
    numbers: list[int]


class Numbers:
    """1 to 5, two a page; remembers the moves it was asked for."""

    turns: ClassVar[list[Turn]] = []

    async def fetch(self, interaction: discord.Interaction[Any], turn: Turn) -> NumberPage:
        Numbers.turns.append(turn)
        pages = -(-len(NUMBERS) // SIZE)
        page = min(max(turn.page, 1), pages)
        return NumberPage(page, pages, NUMBERS[(page - 1) * SIZE : page * SIZE])

    def format(self, page: NumberPage, owner_id: int) -> discord.ui.LayoutView:
        def button(target: int, label: str, disabled: bool) -> NumberButton:
            return NumberButton(owner_id, target, label=label, disabled=disabled)

        container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container()
        container.add_item(discord.ui.TextDisplay(f"{page.numbers} · page {page.page} of {page.pages}"))
        nav = previous_next(page, button)
        if nav is not None:
            container.add_item(nav)
        view = discord.ui.LayoutView(timeout=None)
        view.add_item(container)
        return view


class NumberButton(PageButton, template="toypage:[{owner_id}:]{page}"):
    def __init__(self, owner_id: int | None, page: int, *, label: str = "", disabled: bool = False) -> None:
        self.owner_id = owner_id
        self.page = page
        super().__init__(discord.ui.Button(label=label or "go", disabled=disabled))

    def source(self) -> Numbers:
        return Numbers()


MOVES: dict[str, Move] = {"f": "first", "p": "prev", "n": "next", "l": "last"}


class NumberNav(PageButton, template="toynav:{move}:{owner_id}:{page}:{anchor}"):
    """A keyset move: the move and the edge item travel with the page."""

    move = Field(choice(MOVES))
    anchor = Field(INT)

    def __init__(
        self, move: Move, owner_id: int | None, page: int, anchor: int, *, disabled: bool = False
    ) -> None:
        self.move = move
        self.owner_id = owner_id
        self.page = page
        self.anchor = anchor
        super().__init__(discord.ui.Button(label=move, disabled=disabled))

    def source(self) -> Numbers:
        return Numbers()

    def turn(self) -> Turn:
        return Turn(self.page, self.move, self.anchor)


def row_ids(row: discord.ui.ActionRow[Any] | None) -> list[tuple[str, bool]]:
    assert row is not None
    return [(str(c["custom_id"]), bool(c.get("disabled"))) for c in row.to_component_dict()["components"]]


def test_previous_next_targets_and_disables() -> None:
    def button(target: int, label: str, disabled: bool) -> NumberButton:
        return NumberButton(7, target, label=label, disabled=disabled)

    assert previous_next(NumberPage(1, 1, []), button) is None
    assert row_ids(previous_next(NumberPage(1, 3, []), button)) == [
        ("toypage:7:1", True),
        ("toypage:7:2", False),
    ]
    assert row_ids(previous_next(NumberPage(2, 3, []), button)) == [
        ("toypage:7:1", False),
        ("toypage:7:3", False),
    ]
    assert row_ids(previous_next(NumberPage(3, 3, []), button)) == [
        ("toypage:7:2", False),
        ("toypage:7:4", True),  # past the end, disabled; the source would clamp it
    ]


async def post(club: Club, view: discord.ui.LayoutView) -> discord.Message:
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send(view=view)
    await club.env.settle()
    return message


def live(club: Club) -> list[object]:
    """The channel's last message as it is now (after any edits)."""
    message = club.channel.last_message
    assert message is not None
    return [c.to_dict() for c in message.components]  # type: ignore[attr-defined]


async def restart(club: Club) -> None:
    """A restart, with the toy controls registered as `PERSISTENT_ITEMS` are."""
    bot = await club.restart()
    bot.add_dynamic_items(NumberButton, NumberNav)


async def test_the_owner_moves_in_place_and_others_get_a_copy(club: Club) -> None:
    source = Numbers()
    alice, bob = club.alice.id, club.bob.id
    message = await post(club, source.format(await source.fetch(None, Turn(1)), alice))  # type: ignore[arg-type]
    assert custom_ids(live(club)) == [f"toypage:{alice}:1", f"toypage:{alice}:2"]

    await restart(club)
    moved = await club.alice.click(message, custom_id=f"toypage:{alice}:2")
    assert not moved.ephemeral
    assert "[3, 4] · page 2 of 3" in text_of(live(club))

    copy = await club.bob.click(message, custom_id=f"toypage:{alice}:3")
    assert copy.ephemeral
    assert copy.response is not None
    assert "[5] · page 3 of 3" in text_of(copy.response.components)
    assert custom_ids(copy.response.components) == [f"toypage:{bob}:2", f"toypage:{bob}:4"]  # now bob's
    assert "page 2 of 3" in text_of(live(club))  # alice's list did not move

    await club.bob.click(copy.response, custom_id=f"toypage:{bob}:2")
    assert "[3, 4] · page 2 of 3" in text_of(copy.response.components)  # his copy moves in place


async def test_without_an_owner_everyone_gets_a_copy(club: Club) -> None:
    legacy = NumberButton(None, 2, label="Next")
    assert legacy.custom_id == "toypage:2"
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.ActionRow(legacy))
    message = await post(club, view)
    for member in (club.alice, club.bob):
        copy = await member.click(message, custom_id="toypage:2")
        assert copy.ephemeral
        assert copy.response is not None
        assert custom_ids(copy.response.components)[0] == f"toypage:{member.id}:1"


async def test_a_keyset_move_carries_its_move_and_anchor(club: Club) -> None:
    alice = club.alice.id
    nav = NumberNav("next", alice, 3, 1234)
    assert nav.custom_id == f"toynav:n:{alice}:3:1234"
    message = await post(club, discord.ui.LayoutView().add_item(discord.ui.ActionRow(nav)))
    Numbers.turns.clear()
    await restart(club)
    await club.alice.click(message, custom_id=nav.custom_id)
    assert Numbers.turns == [Turn(3, "next", 1234)]
