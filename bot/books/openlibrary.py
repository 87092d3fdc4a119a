"""Open Library (https://openlibrary.org/developers/api): the default provider, no key needed.

Parsers are plain functions over decoded JSON so the recorded fixtures test them directly; they
never raise on a missing or oddly-typed field (a provider's bad record must not crash a command).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

from bot.books.http import JsonFetcher
from bot.books.identifiers import first_isbns, openlibrary_key_id
from bot.books.provider import BookRef, Lookup, ProviderError, SearchQuery
from bot.books.text import clean_description, first_str, parse_date, positive_int, str_list, text_value
from bot.models.books import BookData

SEARCH_FIELDS = "key,title,subtitle,author_name,first_publish_year,cover_i,number_of_pages_median,language"
MAX_AUTHORS = 5
EDITIONS_PAGE = 20
_PAGINATION = re.compile(r"(\d+)\s*p\b")


def cover_url(covers_base: str, cover_id: Any) -> str | None:
    """The large cover image of an Open Library cover id; `-1` and non-numbers mean none."""
    if isinstance(cover_id, bool) or not isinstance(cover_id, int) or cover_id <= 0:
        return None
    return f"{covers_base.rstrip('/')}/b/id/{cover_id}-L.jpg"


def first_cover(covers_base: str, covers: Any) -> str | None:
    if not isinstance(covers, list):
        return None
    return next((url for url in (cover_url(covers_base, c) for c in covers) if url), None)


def _isbns(values: list[str]) -> tuple[str | None, str | None]:
    found = first_isbns(values)
    return (found.isbn13, found.isbn10) if found else (None, None)


def _language(values: Any) -> str | None:
    if isinstance(values, list):
        for item in values:
            key = item.get("key") if isinstance(item, dict) else item
            if isinstance(key, str) and key.strip():
                return key.rsplit("/", 1)[-1]
    return None


def _ids_of(key: Any) -> tuple[str | None, str | None]:
    """(work id, edition id) from a `/works/OL…W` or `/books/OL…M` key."""
    ident = openlibrary_key_id(key if isinstance(key, str) else None)
    if ident is None:
        return None, None
    return (ident, None) if ident.endswith("W") else (None, ident) if ident.endswith("M") else (None, None)


def author_keys(authors: Any) -> list[str]:
    """Author ids from a work's `[{author: {key}}]` or an edition's flat `[{key}]`."""
    keys: list[str] = []
    if not isinstance(authors, list):
        return keys
    for entry in authors:
        if not isinstance(entry, dict):
            continue
        inner = entry.get("author")
        key = inner.get("key") if isinstance(inner, dict) else entry.get("key")
        ident = openlibrary_key_id(key if isinstance(key, str) else None)
        if ident and ident.endswith("A") and ident not in keys:
            keys.append(ident)
    return keys


def parse_search_doc(doc: Any, covers_base: str) -> BookData | None:
    if not isinstance(doc, dict):
        return None
    title = first_str(doc.get("title"))
    if not title:
        return None
    work_id, edition_id = _ids_of(doc.get("key"))
    return BookData(
        title=title,
        subtitle=first_str(doc.get("subtitle")),
        authors=tuple(str_list(doc.get("author_name"))),
        ol_work_id=work_id,
        ol_edition_id=edition_id,
        pages=positive_int(doc.get("number_of_pages_median")),
        first_published=parse_date(doc.get("first_publish_year")),
        cover_url=cover_url(covers_base, doc.get("cover_i")),
        language=first_str(doc.get("language")),
    )


def parse_search(body: Any, covers_base: str) -> list[BookData]:
    """The books of a `search.json` answer (2020 and current formats)."""
    docs = body.get("docs") if isinstance(body, dict) else None
    if not isinstance(docs, list):
        return []
    return [book for book in (parse_search_doc(doc, covers_base) for doc in docs) if book]


def parse_work(body: Any, covers_base: str) -> tuple[BookData, list[str]] | None:
    """A `/works/{id}.json` record and its author ids (names come from `/authors/{id}.json`)."""
    if not isinstance(body, dict) or not first_str(body.get("title")):
        return None
    work_id, _ = _ids_of(body.get("key"))
    data = BookData(
        title=str(first_str(body.get("title"))),
        subtitle=first_str(body.get("subtitle")),
        ol_work_id=work_id,
        description=clean_description(body.get("description")),
        first_published=parse_date(body.get("first_publish_date")),
        cover_url=first_cover(covers_base, body.get("covers")),
    )
    return data, author_keys(body.get("authors"))


def _pages(body: dict[str, Any]) -> int | None:
    pages = positive_int(body.get("number_of_pages"))
    if pages is None and isinstance(body.get("pagination"), str):
        match = _PAGINATION.search(body["pagination"])
        pages = int(match.group(1)) if match else None
    return pages


def parse_edition(body: Any, covers_base: str) -> tuple[BookData, list[str]] | None:
    """A `/books/{id}.json` (or `/isbn/{isbn}.json`) edition and its author ids.

    The edition's own `publish_date` goes into `first_published` only as a last resort: the
    work's first publication date is merged over it by the provider.
    """
    if not isinstance(body, dict) or not first_str(body.get("title")):
        return None
    _, edition_id = _ids_of(body.get("key"))
    works = body.get("works")
    work_id = None
    if isinstance(works, list) and works and isinstance(works[0], dict):
        work_id, _ = _ids_of(works[0].get("key"))
    isbn13, isbn10 = _isbns(str_list(body.get("isbn_13")) + str_list(body.get("isbn_10")))
    data = BookData(
        title=str(first_str(body.get("title"))),
        subtitle=first_str(body.get("subtitle")),
        ol_work_id=work_id,
        ol_edition_id=edition_id,
        isbn13=isbn13,
        isbn10=isbn10,
        description=clean_description(body.get("description")),
        pages=_pages(body),
        format=first_str(body.get("physical_format")),
        first_published=parse_date(body.get("publish_date")),
        cover_url=first_cover(covers_base, body.get("covers")),
        language=_language(body.get("languages")),
    )
    return data, author_keys(body.get("authors"))


def parse_editions(body: Any, covers_base: str) -> list[BookData]:
    """The editions of `/works/{id}/editions.json` (`{links, size, entries}`)."""
    entries = body.get("entries") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return []
    return [parsed[0] for parsed in (parse_edition(e, covers_base) for e in entries) if parsed]


def best_edition(editions: list[BookData]) -> BookData | None:
    """The edition that fills most gaps of a work: pages and format first, then an ISBN-13."""

    def score(edition: BookData) -> int:
        return 4 * bool(edition.pages) + 2 * bool(edition.format) + bool(edition.isbn13)

    return max(editions, key=score, default=None)


def parse_author(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    return first_str(body.get("name")) or first_str(body.get("personal_name"))


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_api_books(body: Any, covers_base: str) -> BookData | None:
    """`/api/books?bibkeys=ISBN:…&jscmd=data`: one record keyed by `ISBN:…`, authors as `{name, url}`."""
    if not isinstance(body, dict):
        return None
    record = next((value for value in body.values() if isinstance(value, dict)), None)
    if record is None or not first_str(record.get("title")):
        return None
    identifiers: dict[str, Any] = _as_dict(record.get("identifiers"))
    isbn13, isbn10 = _isbns(str_list(identifiers.get("isbn_13")) + str_list(identifiers.get("isbn_10")))
    _, edition_id = _ids_of(record.get("key"))
    authors: list[Any] = record["authors"] if isinstance(record.get("authors"), list) else []
    cover: dict[str, Any] = _as_dict(record.get("cover"))
    return BookData(
        title=str(first_str(record.get("title"))),
        subtitle=first_str(record.get("subtitle")),
        authors=tuple(n for n in (first_str(a.get("name")) for a in authors if isinstance(a, dict)) if n),
        ol_edition_id=edition_id,
        isbn13=isbn13,
        isbn10=isbn10,
        description=clean_description(text_value(record.get("description"))),
        pages=positive_int(record.get("number_of_pages")),
        first_published=parse_date(record.get("publish_date")),
        cover_url=first_str(cover.get("large")) or first_str(cover.get("medium")),
    )


def fill(base: BookData, extra: BookData | None) -> BookData:
    """`base` with its empty fields taken from `extra` (known fields are never replaced)."""
    if extra is None:
        return base
    changes = {
        f.name: getattr(extra, f.name)
        for f in dataclasses.fields(BookData)
        if f.name != "source" and getattr(base, f.name) in (None, (), "") and getattr(extra, f.name)
    }
    return dataclasses.replace(base, **changes) if changes else base


class OpenLibraryProvider:
    """Search, works, editions and ISBNs from Open Library; author names from `/authors/{id}.json`."""

    name = "openlibrary"

    def __init__(self, fetcher: JsonFetcher, *, base_url: str, covers_url: str) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.covers_url = covers_url.rstrip("/")

    def supports(self, ref: BookRef) -> bool:
        return ref.kind in ("work", "edition", "isbn")

    async def _get(self, path: str, kind: str, deadline: float, **params: str | int) -> Lookup[Any]:
        return await self.fetcher.get_json(
            self.base_url + path, path=path, params=params, kind=kind, deadline=deadline
        )

    async def search(self, query: SearchQuery, *, limit: int, deadline: float) -> Lookup[list[BookData]]:
        params: dict[str, str | int] = {"fields": SEARCH_FIELDS, "limit": limit}
        if query.author:
            params.update(title=query.text, author=query.author)
        else:
            params["q"] = query.text
        found = await self._get("/search.json", "search", deadline, **params)
        return Lookup(parse_search(found.value, self.covers_url)[:limit], found.stale)

    async def get(self, ref: BookRef, *, deadline: float) -> Lookup[BookData | None]:
        if ref.kind == "work":
            return await self._work(ref.value, deadline)
        if ref.kind == "edition":
            return await self._edition(f"/books/{ref.value}.json", "edition", deadline)
        if ref.kind == "isbn":
            found = await self._edition(f"/isbn/{ref.value}.json", "isbn", deadline)
            if found.value is None:
                return await self._api_books(ref.value, deadline)
            return found
        return Lookup(None)

    async def _work(self, work_id: str, deadline: float) -> Lookup[BookData | None]:
        found = await self._get(f"/works/{work_id}.json", "work", deadline)
        parsed = parse_work(found.value, self.covers_url)
        if parsed is None:
            return Lookup(None, found.stale)
        data, keys = parsed
        (names, stale_names), (edition, stale_editions) = await asyncio.gather(
            self._author_names(keys, deadline), self._best_edition(work_id, deadline)
        )
        if names:
            data = dataclasses.replace(data, authors=tuple(names))
        if edition is not None:
            data = fill(data, dataclasses.replace(edition, title=data.title, ol_work_id=data.ol_work_id))
        return Lookup(data, found.stale or stale_names or stale_editions)

    async def _edition(self, path: str, kind: str, deadline: float) -> Lookup[BookData | None]:
        found = await self._get(path, kind, deadline)
        parsed = parse_edition(found.value, self.covers_url)
        if parsed is None:
            return Lookup(None, found.stale)
        edition, keys = parsed
        (names, stale_names), (work, stale_work) = await asyncio.gather(
            self._author_names(keys, deadline), self._work_record(edition.ol_work_id, deadline)
        )
        data = edition
        if names:
            data = dataclasses.replace(data, authors=tuple(names))
        if work is not None:
            # The work knows when the book was *first* published; the edition only its own date.
            data = dataclasses.replace(data, first_published=work.first_published or data.first_published)
            data = fill(data, work)
        return Lookup(data, found.stale or stale_names or stale_work)

    async def _api_books(self, isbn13: str, deadline: float) -> Lookup[BookData | None]:
        found = await self._get(
            "/api/books", "isbn", deadline, bibkeys=f"ISBN:{isbn13}", jscmd="data", format="json"
        )
        return Lookup(parse_api_books(found.value, self.covers_url), found.stale)

    async def _work_record(self, work_id: str | None, deadline: float) -> tuple[BookData | None, bool]:
        """The work behind an edition (no authors, no editions); None when unavailable."""
        if work_id is None:
            return None, False
        try:
            found = await self._get(f"/works/{work_id}.json", "work", deadline)
        except ProviderError:
            return None, True
        parsed = parse_work(found.value, self.covers_url)
        return (parsed[0] if parsed else None), found.stale

    async def _best_edition(self, work_id: str, deadline: float) -> tuple[BookData | None, bool]:
        """An edition to fill a work's page count and format; None when unavailable."""
        try:
            found = await self._get(
                f"/works/{work_id}/editions.json", "editions", deadline, limit=EDITIONS_PAGE
            )
        except ProviderError:
            return None, True
        return best_edition(parse_editions(found.value, self.covers_url)), found.stale

    async def _author_names(self, keys: list[str], deadline: float) -> tuple[list[str], bool]:
        """Author names in order; an author that cannot be fetched is left out (the rest still show)."""

        async def one(key: str) -> tuple[str | None, bool]:
            try:
                found = await self._get(f"/authors/{key}.json", "author", deadline)
            except ProviderError:
                return None, True
            return parse_author(found.value), found.stale

        results = await asyncio.gather(*(one(key) for key in keys[:MAX_AUTHORS]))
        return [name for name, _ in results if name], any(stale for _, stale in results)
