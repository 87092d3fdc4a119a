"""Reading and writing library CSV files: Goodreads "Export Library" and StoryGraph exports.

Parsing is incremental (one row at a time) and never touches the database. Each record becomes
either a `LibraryRow` or a `RowProblem` carrying its line number, so one bad row never costs the
good ones.

Rules worth knowing:
- Goodreads: columns are found by name, so the current 24-column and older 31-column layouts both
  work. ISBNs come as `="0441013597"`; `My Rating` 0 means unrated; reviews use `<br/>` for line
  breaks; dates are `YYYY/MM/DD`.
- StoryGraph: quarter-star ratings are rounded half up to the nearest half star (3.75 → 4,
  3.25 → 3.5, 4.25 → 4.5; anything above 0 and under 1 becomes 1). `Dates Read` holds one or more
  `start-end` ranges; the last one gives the start and finish dates. `ISBN/UID` may be an ASIN or
  StoryGraph's own id: only a checksum-valid ISBN is used. A row with an empty `Read Status` is
  shelved as read when it carries a rating or a review, and skipped otherwise.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from bot.books.identifiers import first_isbns, isbn13_to_10
from bot.db.library import LibraryEntry
from bot.errors import UserFacingError
from bot.models.reviews import MAX_REVIEW
from bot.models.shelves import Shelf

Format = Literal["goodreads", "storygraph"]
FORMATS: tuple[Format, ...] = ("goodreads", "storygraph")

GOODREADS_HEADER: tuple[str, ...] = (
    "Book Id",
    "Title",
    "Author",
    "Author l-f",
    "Additional Authors",
    "ISBN",
    "ISBN13",
    "My Rating",
    "Average Rating",
    "Publisher",
    "Binding",
    "Number of Pages",
    "Year Published",
    "Original Publication Year",
    "Date Read",
    "Date Added",
    "Bookshelves",
    "Bookshelves with positions",
    "Exclusive Shelf",
    "My Review",
    "Spoiler",
    "Private Notes",
    "Read Count",
    "Owned Copies",
)
_GOODREADS_REQUIRED = ("Title", "Author", "Exclusive Shelf")
_STORYGRAPH_REQUIRED = ("Title", "Authors", "ISBN/UID", "Read Status")

_GOODREADS_SHELVES: dict[str, Shelf] = {
    "to-read": "want-to-read",
    "want-to-read": "want-to-read",
    "currently-reading": "currently-reading",
    "read": "read",
    "did-not-finish": "did-not-finish",
    "dnf": "did-not-finish",
    "abandoned": "did-not-finish",
}
_STORYGRAPH_FORMATS = {
    "hardcover": "Hardcover",
    "paperback": "Paperback",
    "audio": "Audiobook",
    "digital": "ebook",
}
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b")
_DATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LibraryRow:
    """One book of an export, normalised: ISO dates (UTC midnight), stars doubled (2..10)."""

    line: int
    title: str
    authors: tuple[str, ...]
    isbn13: str | None
    isbn10: str | None
    shelf: Shelf
    stars_x2: int | None = None
    review: str | None = None
    spoiler: bool = False
    added_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    times_read: int = 0
    pages: int | None = None
    format: str | None = None
    first_published: str | None = None
    review_shortened: bool = False


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A record that was skipped, and why (shown to the member with its line number)."""

    line: int
    reason: str


ParsedRow = LibraryRow | RowProblem


# -- small value parsers -----------------------------------------------------------------------
def iso_date(raw: str) -> str | None:
    """`2020/10/25` (or `2020-10-25`) → `2020-10-25T00:00:00+00:00`; None when absent or invalid."""
    match = _DATE.search(raw)
    if not match:
        return None
    try:
        day = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None
    return day.isoformat()


def export_date(iso: str | None) -> str:
    """An ISO timestamp → Goodreads' `YYYY/MM/DD`; empty when absent."""
    return iso[:10].replace("-", "/") if iso else ""


def stars_x2_from(raw: str) -> int | None:
    """A rating as written (`4`, `3.75`, `5.0`) → doubled stars 2..10, half up; None when unrated."""
    text = raw.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"the rating “{text[:20]}” is not a number") from None
    if value <= 0:
        return None
    if value > 5:
        raise ValueError(f"the rating {text} is above 5 stars")
    doubled = int((value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(doubled, 2)


def review_text(raw: str) -> str | None:
    """Goodreads review HTML → plain text with line breaks; None when empty."""
    text = raw.strip()
    if not text:
        return None
    if "<" in text:
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
    return html.unescape(text).strip() or None


def _shorten(review: str | None) -> tuple[str | None, bool]:
    """Reviews are capped like the write-a-review modal; the summary says how many were cut."""
    if review is None or len(review) <= MAX_REVIEW:
        return review, False
    return review[: MAX_REVIEW - 1].rstrip() + "…", True


def export_review(body: str | None) -> str:
    """A stored review → Goodreads' single-line form, line breaks as `<br/>`."""
    return body.replace("\r\n", "\n").replace("\n", "<br/>") if body else ""


def _int(raw: str) -> int | None:
    text = raw.strip()
    return int(text) if text.isdigit() else None


def _name(raw: str) -> str:
    return _SPACES.sub(" ", raw).strip()


def _isbns(*candidates: str) -> tuple[str | None, str | None]:
    """The row's ISBN-13 and ISBN-10; the ISBN-10 of a lone 978- ISBN-13 is derived from it."""
    found = first_isbns(candidates)
    if found is None:
        return None, None
    return found.isbn13, found.isbn10 or isbn13_to_10(found.isbn13)


# -- decoding and detection --------------------------------------------------------------------
def decode(data: bytes) -> str:
    """The text of an uploaded file, or a UserFacingError when it is not a text CSV."""
    if not data.strip():
        raise UserFacingError("That file is empty. Attach the CSV from Goodreads' or StoryGraph's export.")
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:4096]:
        raise UserFacingError(
            "That file is not a CSV (it looks like an image or an archive). "
            "Attach the .csv file that Goodreads or StoryGraph exports."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet programs sometimes re-save exports in the Windows code page.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise UserFacingError(
                "That file is not readable text. Attach the .csv file exactly as Goodreads or "
                "StoryGraph exported it."
            ) from None


def detect_format(header: list[str]) -> Format | None:
    names = {name.strip() for name in header}
    if all(name in names for name in _GOODREADS_REQUIRED):
        return "goodreads"
    if all(name in names for name in _STORYGRAPH_REQUIRED):
        return "storygraph"
    return None


def _check_header(header: list[str] | None, requested: Format | None) -> Format:
    if not header or not any(cell.strip() for cell in header):
        raise UserFacingError("That file is empty. Attach the CSV from Goodreads' or StoryGraph's export.")
    found = detect_format(header)
    if found is None:
        shown = ", ".join(cell.strip() for cell in header[:4])[:120]
        raise UserFacingError(
            f"I don't recognise this CSV's header (it starts with “{shown}”). Attach the unchanged "
            "export: Goodreads (My Books → Import and export → Export Library) or StoryGraph "
            "(Manage Account → Export StoryGraph Library)."
        )
    if requested is not None and requested != found:
        raise UserFacingError(
            f"You chose the {requested} format, but this file is a {found} export. "
            f"Run the command again with format {found} (or leave format out)."
        )
    return found


@dataclass
class LibraryFile:
    """An opened export: its format, its data row count, and an iterator over parsed rows."""

    format: Format
    total: int
    text: str
    sha256: str  # of the uploaded bytes: a cut-off import of the same file is resumed

    def rows(self) -> Iterator[ParsedRow]:
        return iter_rows(self.text, self.format)


def _opened(data: bytes, requested: Format | None) -> tuple[Format, str]:
    text = decode(data)
    reader = csv.reader(_lines(text), strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    return _check_header(header, requested), text


def _library_file(fmt: Format, text: str, total: int, sha256: str) -> LibraryFile:
    if total == 0:
        raise UserFacingError("That export has a header but no books in it.")
    return LibraryFile(fmt, total, text, sha256)


def open_library_file(data: bytes, requested: Format | None = None) -> LibraryFile:
    """Decode and check an upload; raises UserFacingError for a file that cannot be imported."""
    fmt, text = _opened(data, requested)
    return _library_file(fmt, text, sum(1 for _ in _records(text)), hashlib.sha256(data).hexdigest())


def _opened_and_hashed(data: bytes, requested: Format | None) -> tuple[Format, str, str]:
    fmt, text = _opened(data, requested)
    return fmt, text, hashlib.sha256(data).hexdigest()


async def read_library_file(data: bytes, requested: Format | None = None, *, chunk: int = 500) -> LibraryFile:
    """`open_library_file` off the event loop: decoding and hashing (one step each over the whole
    upload) run in a worker thread; counting the rows hands the loop back every `chunk` records."""
    fmt, text, sha256 = await asyncio.to_thread(_opened_and_hashed, data, requested)
    total = 0
    for _ in _records(text):
        total += 1
        if total % chunk == 0:
            await asyncio.sleep(0)
    return _library_file(fmt, text, total, sha256)


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, lazily (a StringIO would copy the whole text, 4×)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _records(text: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line number, fields or None, error) for each data record after the header."""
    reader = csv.reader(_lines(text), strict=True)
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return
    line = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, None, f"broken quoting ({exc})"
            line = reader.line_num + 1
            continue
        if fields:  # blank lines are not records
            yield line, fields, None
        line = reader.line_num + 1


def iter_rows(text: str, fmt: Format) -> Iterator[ParsedRow]:
    """Every data record of `text` as a LibraryRow or a RowProblem, in file order."""
    header = next(csv.reader(_lines(text)))
    index = {name.strip(): i for i, name in enumerate(header)}
    parse = _goodreads_row if fmt == "goodreads" else _storygraph_row
    for line, fields, error in _records(text):
        if fields is None:
            yield RowProblem(line, error or "unreadable")
            continue
        if len(fields) != len(header):
            yield RowProblem(
                line, f"has {len(fields)} columns where the header has {len(header)} (broken quoting?)"
            )
            continue
        row = {name: fields[i] for name, i in index.items()}
        try:
            yield parse(line, row)
        except ValueError as exc:
            yield RowProblem(line, str(exc))


def _goodreads_row(line: int, row: dict[str, str]) -> ParsedRow:
    title = _name(row.get("Title", ""))
    if not title:
        return RowProblem(line, "has no title")
    authors = [_name(row.get("Author", ""))]
    authors += [_name(a) for a in row.get("Additional Authors", "").split(",")]
    shelf_name = row.get("Exclusive Shelf", "").strip().casefold()
    shelf = _GOODREADS_SHELVES.get(shelf_name)
    if shelf is None:
        if not shelf_name:
            return RowProblem(line, "has no Exclusive Shelf")
        return RowProblem(line, f"is on the shelf “{shelf_name[:40]}”, which has no equivalent here")
    isbn13, isbn10 = _isbns(row.get("ISBN13", ""), row.get("ISBN", ""))
    finished = iso_date(row.get("Date Read", ""))
    read_count = _int(row.get("Read Count", "")) or 0
    year = row.get("Original Publication Year", "").strip() or row.get("Year Published", "").strip()
    review, shortened = _shorten(review_text(row.get("My Review", "")))
    return LibraryRow(
        line=line,
        title=title,
        authors=tuple(dict.fromkeys(a for a in authors if a)),
        isbn13=isbn13,
        isbn10=isbn10,
        shelf=shelf,
        stars_x2=stars_x2_from(row.get("My Rating", "")),
        review=review,
        review_shortened=shortened,
        spoiler=row.get("Spoiler", "").strip().casefold() == "true",
        added_at=iso_date(row.get("Date Added", "")),
        finished_at=finished,
        times_read=max(read_count, 1 if shelf == "read" else 0),
        pages=_int(row.get("Number of Pages", "")),
        format=row.get("Binding", "").strip() or None,
        first_published=year if year.isdigit() else None,
    )


def _storygraph_row(line: int, row: dict[str, str]) -> ParsedRow:
    title = _name(row.get("Title", ""))
    if not title:
        return RowProblem(line, "has no title")
    authors = tuple(dict.fromkeys(a for a in (_name(p) for p in row.get("Authors", "").split(",")) if a))
    stars = stars_x2_from(row.get("Star Rating", ""))
    review, shortened = _shorten(review_text(row.get("Review", "")))
    status = row.get("Read Status", "").strip().casefold()
    shelf: Shelf
    if status in ("to-read", "currently-reading", "read", "did-not-finish"):
        shelf = "want-to-read" if status == "to-read" else status  # type: ignore[assignment]
    elif not status and (stars or review):
        shelf = "read"
    elif not status:
        return RowProblem(line, "has no Read Status (nothing to shelve)")
    else:
        return RowProblem(line, f"has the unknown Read Status “{status[:40]}”")
    isbn13, isbn10 = _isbns(row.get("ISBN/UID", ""))
    started = finished = None
    ranges = [part.strip() for part in row.get("Dates Read", "").split(",") if part.strip()]
    if ranges:
        start, _, end = ranges[-1].partition("-")
        started = iso_date(start)
        finished = iso_date(end) if end else (started if shelf == "read" else None)
    finished = iso_date(row.get("Last Date Read", "")) or finished
    read_count = _int(row.get("Read Count", "")) or 0
    fmt = row.get("Format", "").strip().casefold()
    return LibraryRow(
        line=line,
        title=title,
        authors=authors,
        isbn13=isbn13,
        isbn10=isbn10,
        shelf=shelf,
        stars_x2=stars,
        review=review,
        review_shortened=shortened,
        added_at=iso_date(row.get("Date Added", "")),
        started_at=started,
        finished_at=finished if shelf in ("read", "did-not-finish") else None,
        times_read=max(read_count, 1 if shelf == "read" else 0),
        format=_STORYGRAPH_FORMATS.get(fmt, fmt.capitalize() or None),
    )


# -- writing -----------------------------------------------------------------------------------
_EXPORT_SHELVES = {"want-to-read": "to-read"}


def _last_first(name: str) -> str:
    first, _, last = name.rpartition(" ")
    return f"{last}, {first}" if first else name


def _rating(stars_x2: int | None) -> str:
    """Whole stars as Goodreads writes them; a half star keeps its `.5` so nothing is lost."""
    if not stars_x2:
        return "0"
    return str(stars_x2 // 2) if stars_x2 % 2 == 0 else f"{stars_x2 / 2:.1f}"


def write_goodreads(rows: list[LibraryEntry]) -> bytes:
    """A current-format (24-column) Goodreads export: LF endings, ISBNs quoted as `="…"`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GOODREADS_HEADER)
    for row in rows:
        shelf = _EXPORT_SHELVES.get(row.shelf, row.shelf)
        author = row.authors[0] if row.authors else ""
        year = (row.first_published or "")[:4]
        writer.writerow(
            (
                "",
                row.title,
                author,
                _last_first(author),
                ", ".join(row.authors[1:]),
                f'="{row.isbn10 or ""}"',
                f'="{row.isbn13 or ""}"',
                _rating(row.stars_x2),
                f"{row.average_x2 / 2:.2f}" if row.average_x2 else "",
                "",
                row.format or "",
                row.pages or "",
                year,
                year,
                export_date(row.finished_at),
                export_date(row.added_at),
                shelf,
                "",
                shelf,
                export_review(row.review),
                "true" if row.spoiler and row.review else "",
                "",
                row.times_read,
                0,
            )
        )
    return out.getvalue().encode("utf-8")
