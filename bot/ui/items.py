"""`Control`: the one base of every restart-proof button and select.

A control declares its custom id once, as a template of typed fields:

    class StarButton(Control[discord.ui.Button[discord.ui.LayoutView]], template="rate:{book_id}:{stars_x2}"):
        book_id = Field(INT)
        stars_x2 = Field(INT)

The base builds the custom id from the instance's field values, parses a pressed id back into
them (`from_custom_id` calls the constructor with the parsed fields as keywords), answers any
error through `report_error` (discord.py only logs a DynamicItem callback's exceptions) and,
when the class names an `owner` field, refuses everyone else ephemerally. A subclass states its
fields, how its item looks, and `act`, what a press does.

Template syntax: `{name}` is a field; `[…]` is an optional segment, left out of the id when one
of its fields is None (and parsed back as None when absent). Everything else is literal text.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, cast, overload

import discord

from bot.errors import UserFacingError
from bot.tree import report_error

if TYPE_CHECKING:
    from bot.client import BookClubBot

T = TypeVar("T")
ItemT = TypeVar("ItemT", bound="discord.ui.Button[Any] | discord.ui.Select[Any]")

NOT_YOURS = "This menu is not yours."


# -- codecs: one field's text in a custom id ------------------------------------------------
@dataclass(frozen=True, slots=True)
class Codec(Generic[T]):
    """How one field reads and writes its part of a custom id.

    `pattern` is a regular expression without capturing groups. Only `optional` codecs (see
    `maybe`) may sit in a template's `[…]`; outside one they are simply always written.
    """

    pattern: str
    parse: Callable[[str], T]
    format: Callable[[T], str]
    optional: bool = False

    def __post_init__(self) -> None:
        if re.compile(self.pattern).groups:
            raise ValueError(f"a codec pattern has no capturing groups: {self.pattern!r}")


INT: Codec[int] = Codec(r"\d+", int, str)


def choice(tokens: Mapping[str, T]) -> Codec[T]:
    """A field written as one of a few fixed tokens (`{"c": True, "l": False}`)."""
    values = {value: token for token, value in tokens.items()}
    if len(values) != len(tokens):
        raise ValueError("every token stands for a different value")
    alternatives = "|".join(re.escape(token) for token in sorted(tokens, key=len, reverse=True))
    return Codec(f"(?:{alternatives})", tokens.__getitem__, values.__getitem__)


def maybe(codec: Codec[T]) -> Codec[T | None]:
    """`codec` for a field that may be None: it must sit in an optional `[…]` segment."""

    def write(value: T | None) -> str:
        if value is None:  # the template leaves the segment out first; this is a bug
            raise ValueError("a missing field is left out of the custom id, not written")
        return codec.format(value)

    return Codec(codec.pattern, codec.parse, write, optional=True)


def record(factory: Callable[..., T], *, sep: str = ":", **parts: Codec[Any]) -> Codec[T]:
    """Several values kept together in one field, e.g. a list's state: `record(State, book=INT, …)`.

    Written as the parts' attributes joined by `sep`; read back as `factory(**parts)`.
    """
    names = list(parts)
    whole = re.compile(sep.join(f"({codec.pattern})" for codec in parts.values()))

    def read(text: str) -> T:
        match = whole.fullmatch(text)
        if match is None:
            raise ValueError(f"not a {factory!r} in a custom id: {text!r}")
        return factory(**{name: parts[name].parse(match[i + 1]) for i, name in enumerate(names)})

    def write(value: T) -> str:
        return sep.join(parts[name].format(getattr(value, name)) for name in names)

    return Codec(sep.join(f"(?:{codec.pattern})" for codec in parts.values()), read, write)


# -- fields ----------------------------------------------------------------------------------
class Field(Generic[T]):
    """A typed attribute of a control whose value travels in the custom id."""

    def __init__(self, codec: Codec[T]) -> None:
        self.codec = codec
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Field[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> Field[T] | T:
        if instance is None:
            return self
        try:
            return cast("T", instance.__dict__[self.name])
        except KeyError:
            raise AttributeError(f"{type(instance).__name__}.{self.name} is not set") from None

    def __set__(self, instance: object, value: T) -> None:
        instance.__dict__[self.name] = value


# -- templates -------------------------------------------------------------------------------
_TOKEN = re.compile(r"\{(\w+)\}|(\[)|(\])|([^{}\[\]]+)|(.)")


@dataclass(frozen=True, slots=True)
class Segment:
    """Literal text (`field` empty) or a field; `group` numbers the `[…]` it sits in (-1: none)."""

    text: str
    field: str
    group: int


def parse_template(template: str) -> list[Segment]:
    segments: list[Segment] = []
    group, groups = -1, 0
    for match in _TOKEN.finditer(template):
        name, opening, closing, literal, stray = match.groups()
        if stray is not None or (opening and group >= 0) or (closing and group < 0):
            raise ValueError(f"unexpected {match[0]!r} at {match.start()} in template {template!r}")
        if opening:
            group, groups = groups, groups + 1
        elif closing:
            group = -1
        else:
            segments.append(Segment(literal or "", name or "", group))
    if group >= 0:
        raise ValueError(f"unclosed [ in template {template!r}")
    return segments


def _pattern(segments: list[Segment], fields: Mapping[str, Field[Any]]) -> str:
    out: list[str] = []
    group = -1
    for segment in segments:
        if segment.group != group:
            out.append(")?" if group >= 0 else "")
            out.append("(?:" if segment.group >= 0 else "")
            group = segment.group
        if segment.field:
            out.append(f"(?P<{segment.field}>{fields[segment.field].codec.pattern})")
        else:
            out.append(re.escape(segment.text))
    out.append(")?" if group >= 0 else "")
    return "".join(out)


NEVER = r"(?!)"  # the template of the abstract bases: matches no custom id


# -- the base --------------------------------------------------------------------------------
class Control(discord.ui.DynamicItem[ItemT], template=NEVER):
    """A restart-proof button or select whose custom id is built from, and parsed into, its fields.

    Subclasses pass `template=` (inherited when omitted; `Control` itself and any subclass
    without one are abstract) and optionally `owner=`, the field holding the only member allowed
    to use it (others are told `not_yours`). Their `__init__` takes every field by its name (so
    `from_custom_id` can rebuild them), sets the fields, then passes the item to `Control`.
    """

    not_yours: ClassVar[str] = NOT_YOURS
    _segments: ClassVar[list[Segment]] = []
    id_fields: ClassVar[dict[str, Field[Any]]] = {}  # by name, in the order of the class
    _owner: ClassVar[str | None] = None

    def __init_subclass__(cls, *, template: str | None = None, owner: str | None = None) -> None:
        if "callback" in vars(cls):
            raise TypeError(f"{cls.__name__} overrides `act`, not `callback` (which guards it)")
        fields = {
            name: value
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if isinstance(value, Field)
        }
        if template is None:  # abstract, or a variant of its parent's control
            if owner is not None or (cls._segments and fields.keys() != cls.id_fields.keys()):
                raise TypeError(f"{cls.__name__} changes its parent's custom id: give it a template")
            super().__init_subclass__(template=cls.__discord_ui_compiled_template__)
            return
        segments = parse_template(template)
        used = [segment for segment in segments if segment.field]
        names = [segment.field for segment in used]
        problems = [f"{{{name}}} is not a Field" for name in names if name not in fields]
        problems += [f"{{{name}}} appears twice" for name in set(names) if names.count(name) > 1]
        problems += [f"field {name} is not in the template" for name in fields if name not in names]
        problems += [
            f"{{{s.field}}} is in [] but its codec is not `maybe`"
            for s in used
            if s.group >= 0 and s.field in fields and not fields[s.field].codec.optional
        ]
        if owner is not None and owner not in fields:
            problems.append(f"owner {owner!r} is not a field")
        parameters = inspect.signature(cls.__init__).parameters
        problems += [f"__init__ takes no `{name}`" for name in fields if name not in parameters]
        problems += [
            f"__init__'s `{name}` needs a default (it is not in the custom id)"
            for name, parameter in list(parameters.items())[1:]
            if name not in fields
            and parameter.default is inspect.Parameter.empty
            and parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        if problems:
            raise TypeError(f"{cls.__name__} (template {template!r}): {'; '.join(problems)}")
        cls._segments = segments
        cls.id_fields = fields
        cls._owner = owner
        super().__init_subclass__(template=_pattern(segments, fields))

    def __init__(self, item: ItemT, *, row: int | None = None) -> None:
        item.custom_id = self.compose_id()
        super().__init__(item, row=row)

    def compose_id(self) -> str:
        """The custom id for this control's field values."""
        values = {name: getattr(self, name) for name in self.id_fields}
        left_out = {s.group for s in self._segments if s.field and values[s.field] is None and s.group >= 0}
        return "".join(
            self.id_fields[segment.field].codec.format(values[segment.field])
            if segment.field
            else segment.text
            for segment in self._segments
            if segment.group not in left_out
        )

    @classmethod
    def parse_fields(cls, match: re.Match[str]) -> dict[str, Any]:
        """The field values in a custom id the template matched (absent optional ones None)."""
        return {
            name: None if match[name] is None else field.codec.parse(match[name])
            for name, field in cls.id_fields.items()
        }

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(**cls.parse_fields(match))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            owner = None if self._owner is None else getattr(self, self._owner)
            if owner is not None and interaction.user.id != owner:  # a None owner: anyone may
                raise UserFacingError(self.not_yours)
            await self.act(cast("discord.Interaction[BookClubBot]", interaction))
        except Exception as error:
            await report_error(interaction, error)

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """What using the control does; any error is answered to the member."""
        raise NotImplementedError
