"""The one small protocol every book-data provider implements, and the values it speaks in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from bot.books.identifiers import parse_isbn, parse_openlibrary_id
from bot.models.books import BookData

T = TypeVar("T")

RefKind = Literal["work", "edition", "isbn", "google"]
_PREFIX: dict[RefKind, str] = {"work": "ol", "edition": "ol", "isbn": "isbn", "google": "gb"}


class ProviderError(Exception):
    """A provider could not answer: network error, timeout, rate limit, 5xx or a malformed body."""


class ProviderSkipped(ProviderError):
    """The provider failed repeatedly and is skipped for a while (its circuit is open)."""


@dataclass(frozen=True, slots=True)
class BookRef:
    """An identifier a provider can fetch a book by: an Open Library work/edition, an ISBN, a Google id."""

    kind: RefKind
    value: str

    @property
    def token(self) -> str:
        """A short, stable text form, used as select and autocomplete values: `ol:OL1W`, `isbn:…`, `gb:…`."""
        return f"{_PREFIX[self.kind]}:{self.value}"

    @classmethod
    def from_token(cls, token: str) -> BookRef | None:
        prefix, _, value = token.partition(":")
        if prefix == "ol":
            ol_id = parse_openlibrary_id(value)
            return None if ol_id is None else cls(ol_id.kind, ol_id.id)
        if prefix == "isbn":
            isbn = parse_isbn(value)
            return None if isbn is None else cls("isbn", isbn.isbn13)
        if (
            prefix == "gb"
            and value
            and len(value) <= 40
            and value.replace("-", "").replace("_", "").isalnum()
        ):
            return cls("google", value)
        return None

    @classmethod
    def of(cls, data: BookData) -> BookRef | None:
        """The best identifier of a provider's book, to fetch it again in full."""
        if data.ol_work_id:
            return cls("work", data.ol_work_id)
        if data.ol_edition_id:
            return cls("edition", data.ol_edition_id)
        if data.isbn13:
            return cls("isbn", data.isbn13)
        if data.google_id:
            return cls("google", data.google_id)
        return None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Free text, or a title with an author ("title by author")."""

    text: str
    author: str | None = None

    @classmethod
    def parse(cls, typed: str) -> SearchQuery:
        title, sep, author = typed.rpartition(" by ")
        if sep and title.strip() and author.strip():
            return cls(title.strip(), author.strip())
        return cls(typed.strip())


@dataclass(frozen=True, slots=True)
class Lookup(Generic[T]):
    """A provider's answer; `stale` when it came from an expired cache entry because the provider failed."""

    value: T
    stale: bool = False


class BookProvider(Protocol):
    """Search by text, get by identifier. `deadline` is an event-loop time the call must finish by."""

    name: str

    def supports(self, ref: BookRef) -> bool: ...

    async def search(self, query: SearchQuery, *, limit: int, deadline: float) -> Lookup[list[BookData]]: ...

    async def get(self, ref: BookRef, *, deadline: float) -> Lookup[BookData | None]: ...
