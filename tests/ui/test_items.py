"""`Control`: custom ids built from and parsed into typed fields, guarded callbacks, owner checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import discord
import pytest

from bot.errors import UserFacingError
from bot.ui.items import INT, Codec, Control, Field, choice, maybe, parse_template, record
from tests.cogs.test_ratings import reply
from tests.conftest import Club

Button = discord.ui.Button[discord.ui.LayoutView]


@dataclass(frozen=True)
class State:
    book: int
    sort: str
    stars: int


STATE = record(State, book=INT, sort=choice({"n": "newest", "o": "oldest"}), stars=INT)


class Toy(Control[Button], template="toy:[{owner}:]{n}:{flag}:{state}", owner="owner"):
    """Every kind of field: optional, int, a choice and a record."""

    owner = Field(maybe(INT))
    n = Field(INT)
    flag = Field(choice({"c": True, "l": False}))
    state = Field(STATE)
    acted: ClassVar[list[int]] = []

    def __init__(self, owner: int | None, n: int, flag: bool, state: State, *, label: str = "Toy") -> None:
        self.owner = owner
        self.n = n
        self.flag = flag
        self.state = state
        super().__init__(discord.ui.Button(label=label))

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        if self.n == 0:
            raise UserFacingError("Zero is refused.")
        if self.n == 1:
            raise RuntimeError("a bug")
        Toy.acted.append(interaction.user.id)
        await interaction.response.send_message(f"Toy {self.n} pressed.", ephemeral=True)


async def parsed(cls: type[Toy], custom_id: str) -> Toy:
    match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None, custom_id
    item = discord.ui.Button[Any](custom_id=custom_id)
    return await cls.from_custom_id(None, item, match)  # type: ignore[arg-type]  # unused by Control


def test_the_template_becomes_one_regular_expression() -> None:
    assert Toy.__discord_ui_compiled_template__.pattern == (
        r"toy:(?:(?P<owner>\d+):)?(?P<n>\d+):(?P<flag>(?:c|l)):(?P<state>(?:\d+):(?:(?:n|o)):(?:\d+))"
    )


async def test_ids_are_built_from_the_fields_and_parsed_back() -> None:
    state = State(42, "oldest", 5)
    owned = Toy(7, 3, True, state)
    assert owned.custom_id == "toy:7:3:c:42:o:5"
    anyone = Toy(None, 3, False, state)
    assert anyone.custom_id == "toy:3:l:42:o:5"  # the optional segment is left out whole
    for toy in (owned, anyone):
        again = await parsed(Toy, toy.custom_id)
        assert (again.owner, again.n, again.flag, again.state) == (toy.owner, toy.n, toy.flag, toy.state)
        assert again.custom_id == toy.custom_id


def test_a_value_its_codec_cannot_write_is_refused() -> None:
    with pytest.raises(ValueError, match="must match the template"):
        Toy(7, -3, True, State(1, "newest", 0))


def test_literal_text_is_matched_literally() -> None:
    class Dotted(Control[Button], template="a.b:{n}"):
        n = Field(INT)

        def __init__(self, n: int) -> None:
            self.n = n
            super().__init__(discord.ui.Button(label="x"))

    assert Dotted(1).custom_id == "a.b:1"
    assert Dotted.__discord_ui_compiled_template__.fullmatch("aXb:1") is None


def test_template_syntax_errors() -> None:
    assert [(s.text, s.field, s.group) for s in parse_template("x:[{a}:]{b}")] == [
        ("x:", "", -1),
        ("", "a", 0),
        (":", "", 0),
        ("", "b", -1),
    ]
    for bad in ("x:[{a}:", "x:]{a}", "x:[[{a}]]", "x:{a", "x:{a-b}"):
        with pytest.raises(ValueError, match="template"):
            parse_template(bad)


def test_codecs_refuse_capturing_groups_and_ambiguous_choices() -> None:
    with pytest.raises(ValueError, match="capturing"):
        Codec(r"(\d+)", int, str)
    with pytest.raises(ValueError, match="different value"):
        choice({"a": 1, "b": 1})


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("bad:{n}:{m}", "{m} is not a Field"),
        ("bad:{n}:{n}", "{n} appears twice"),
        ("bad:", "field n is not in the template"),
        ("bad:[{n}:]x", "{n} is in [] but its codec is not `maybe`"),
    ],
)
def test_a_mistaken_declaration_fails_at_import(template: str, problem: str) -> None:
    with pytest.raises(TypeError, match=re.escape(problem)):

        class Bad(Control[Button], template=template):
            n = Field(INT)

            def __init__(self, n: int) -> None:
                super().__init__(discord.ui.Button(label="x"))


def test_the_constructor_must_take_every_field_and_default_the_rest() -> None:
    with pytest.raises(TypeError, match=r"__init__ takes no `n`.*`label` needs a default"):

        class Bad(Control[Button], template="bad:{n}"):
            n = Field(INT)

            def __init__(self, label: str) -> None:
                super().__init__(discord.ui.Button(label=label))


def test_callback_is_the_base_s_act_is_the_subclass_s() -> None:
    with pytest.raises(TypeError, match="overrides `act`, not `callback`"):

        class Bad(Control[Button], template="bad"):
            def __init__(self) -> None:
                super().__init__(discord.ui.Button(label="x"))

            async def callback(self, interaction: discord.Interaction[Any]) -> None:
                pass


def test_an_owner_must_be_a_field() -> None:
    with pytest.raises(TypeError, match="owner 'who' is not a field"):

        class Bad(Control[Button], template="bad", owner="who"):
            def __init__(self) -> None:
                super().__init__(discord.ui.Button(label="x"))


async def post(club: Club, *items: discord.ui.Item[Any]) -> discord.Message:
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.ActionRow(*items))
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send(view=view)
    await club.env.settle()
    return message


async def test_the_owner_alone_may_use_an_owned_control(club: Club) -> None:
    state = State(1, "newest", 0)
    alice = club.alice.id
    message = await post(club, Toy(alice, 5, True, state), Toy(None, 6, True, state))
    Toy.acted.clear()
    refused = await club.bob.click(message, custom_id=f"toy:{alice}:5:c:1:n:0")
    assert reply(refused) == "This menu is not yours."
    assert reply(await club.alice.click(message, custom_id=f"toy:{alice}:5:c:1:n:0")) == "Toy 5 pressed."
    assert reply(await club.bob.click(message, custom_id="toy:6:c:1:n:0")) == "Toy 6 pressed."
    assert Toy.acted == [alice, club.bob.id]


async def test_errors_in_act_are_answered(club: Club, caplog: pytest.LogCaptureFixture) -> None:
    state = State(1, "newest", 0)
    message = await post(club, Toy(None, 0, True, state), Toy(None, 1, True, state))
    assert reply(await club.alice.click(message, custom_id="toy:0:c:1:n:0")) == "Zero is refused."
    apology = reply(await club.alice.click(message, custom_id="toy:1:c:1:n:0"))
    assert apology.startswith("Sorry, something went wrong on our side. (error id `")
    [logged] = [record for record in caplog.records if record.name == "bot.tree"]
    assert logged.exc_info is not None
    assert str(logged.exc_info[1]) == "a bug"
