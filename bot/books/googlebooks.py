"""Google Books (https://developers.google.com/books): optional, used only when an API key is set.

A fallback when Open Library fails or has nothing, and a source for gaps (page count, description).
"""

from __future__ import annotations

from typing import Any

from bot.books.http import JsonFetcher
from bot.books.identifiers import first_isbns
from bot.books.provider import BookRef, Lookup, SearchQuery
from bot.books.text import clean_description, first_str, parse_date, positive_int, str_list
from bot.models.books import BookData


def _isbns(identifiers: Any) -> tuple[str | None, str | None]:
    """The first ISBN-13 and ISBN-10 of `industryIdentifiers` (other identifier types ignored)."""
    if not isinstance(identifiers, list):
        return None, None
    found = first_isbns(
        entry["identifier"]
        for entry in identifiers
        if isinstance(entry, dict)
        and entry.get("type") in ("ISBN_13", "ISBN_10")
        and isinstance(entry.get("identifier"), str)
    )
    return (found.isbn13, found.isbn10) if found else (None, None)


def _cover(info: dict[str, Any]) -> str | None:
    links = info.get("imageLinks")
    if not isinstance(links, dict):
        return None
    url = first_str(links.get("thumbnail")) or first_str(links.get("smallThumbnail"))
    # Google serves the same image over https; Discord shows http images poorly.
    return url.replace("http://", "https://", 1) if url else None


def parse_volume(item: Any) -> BookData | None:
    """One `books#volume` (a search item or `GET /volumes/{id}`)."""
    if not isinstance(item, dict):
        return None
    info = item.get("volumeInfo")
    if not isinstance(info, dict) or not first_str(info.get("title")):
        return None
    isbn13, isbn10 = _isbns(info.get("industryIdentifiers"))
    return BookData(
        title=str(first_str(info.get("title"))),
        subtitle=first_str(info.get("subtitle")),
        authors=tuple(str_list(info.get("authors"))),
        google_id=first_str(item.get("id")),
        isbn13=isbn13,
        isbn10=isbn10,
        description=clean_description(info.get("description")),
        pages=positive_int(info.get("pageCount")) or positive_int(info.get("printedPageCount")),
        first_published=parse_date(info.get("publishedDate")),
        cover_url=_cover(info),
        language=first_str(info.get("language")),
        source="googlebooks",
    )


def parse_volumes(body: Any) -> list[BookData]:
    """The volumes of a `books#volumes` answer (`items` is absent when nothing matched)."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return []
    return [book for book in (parse_volume(item) for item in items) if book]


def _term(text: str) -> str:
    return text.replace(":", " ").strip()


class GoogleBooksProvider:
    name = "googlebooks"

    def __init__(self, fetcher: JsonFetcher, *, base_url: str, api_key: str) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def supports(self, ref: BookRef) -> bool:
        return ref.kind in ("isbn", "google")

    async def _get(self, path: str, kind: str, deadline: float, **params: str | int) -> Lookup[Any]:
        params["key"] = self.api_key  # left out of the cache key
        return await self.fetcher.get_json(
            self.base_url + path, path=path, params=params, kind=kind, deadline=deadline
        )

    async def search(self, query: SearchQuery, *, limit: int, deadline: float) -> Lookup[list[BookData]]:
        q = _term(query.text)
        if query.author:
            q = f"intitle:{q} inauthor:{_term(query.author)}"
        found = await self._get("/volumes", "search", deadline, q=q, maxResults=min(limit, 40))
        return Lookup(parse_volumes(found.value)[:limit], found.stale)

    async def get(self, ref: BookRef, *, deadline: float) -> Lookup[BookData | None]:
        if ref.kind == "google":
            found = await self._get(f"/volumes/{ref.value}", "volume", deadline)
            return Lookup(parse_volume(found.value), found.stale)
        if ref.kind == "isbn":
            found = await self._get("/volumes", "volume", deadline, q=f"isbn:{ref.value}", maxResults=1)
            volumes = parse_volumes(found.value)
            return Lookup(volumes[0] if volumes else None, found.stale)
        return Lookup(None)
