"""Reading a library export, whichever site wrote it: decoding the upload, recognising its format
by the header, walking its records with their line numbers, and the value parsers the formats share.

Parsing is incremental (one row at a time) and never touches the database. Each record becomes
either a `LibraryRow` or a `RowProblem` carrying its line number, so one bad row never costs the
good ones. What a column means is the business of each format (`goodreads.py`, `storygraph.py`):
an `ExportFormat` names the header columns that identify it and turns one record into a row.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import html
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.books.identifiers import first_isbns, isbn13_to_10
from bot.errors import UserFacingError
from bot.models.reviews import MAX_REVIEW
from bot.models.shelves import Shelf

_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b")
_DATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_EMPTY = "That file is empty. Attach the CSV from Goodreads' or StoryGraph's export."


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
#: Turns one record (its first line number, its cells by column name) into a row or a problem;
#: a ValueError it raises becomes a RowProblem with the error's text.
RowParser = Callable[[int, Mapping[str, str]], ParsedRow]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """A site's library export: how to recognise it and how to read one of its records."""

    name: str  # as the member chooses it in /library import, e.g. "goodreads"
    required: tuple[str, ...]  # header columns that identify the format
    where: str  # where the member finds the export, for the unrecognised-header message
    parse_row: RowParser


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
    """Review HTML (`<br/>` line breaks, entities) → plain text with line breaks; None when empty."""
    text = raw.strip()
    if not text:
        return None
    if "<" in text:
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
    return html.unescape(text).strip() or None


def shortened(review: str | None) -> tuple[str | None, bool]:
    """Reviews are capped like the write-a-review modal; the summary says how many were cut."""
    if review is None or len(review) <= MAX_REVIEW:
        return review, False
    return review[: MAX_REVIEW - 1].rstrip() + "…", True


def whole_number(raw: str) -> int | None:
    text = raw.strip()
    return int(text) if text.isdigit() else None


def clean_name(raw: str) -> str:
    """A title or an author with its runs of whitespace (line breaks included) made one space."""
    return _SPACES.sub(" ", raw).strip()


def isbns(*candidates: str) -> tuple[str | None, str | None]:
    """The row's ISBN-13 and ISBN-10; the ISBN-10 of a lone 978- ISBN-13 is derived from it."""
    found = first_isbns(candidates)
    if found is None:
        return None, None
    return found.isbn13, found.isbn10 or isbn13_to_10(found.isbn13)


# -- decoding and detection --------------------------------------------------------------------
def decode(data: bytes) -> str:
    """The text of an uploaded file, or a UserFacingError when it is not a text CSV."""
    if not data.strip():
        raise UserFacingError(_EMPTY)
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


def detect_format(header: list[str], formats: Sequence[ExportFormat]) -> ExportFormat | None:
    """The first of `formats` whose identifying columns are all in the header."""
    names = {name.strip() for name in header}
    return next((f for f in formats if all(name in names for name in f.required)), None)


def _check_header(
    header: list[str] | None, formats: Sequence[ExportFormat], requested: ExportFormat | None
) -> ExportFormat:
    if not header or not any(cell.strip() for cell in header):
        raise UserFacingError(_EMPTY)
    found = detect_format(header, formats)
    if found is None:
        shown = ", ".join(cell.strip() for cell in header[:4])[:120]
        raise UserFacingError(
            f"I don't recognise this CSV's header (it starts with “{shown}”). Attach the unchanged "
            f"export: {' or '.join(f.where for f in formats)}."
        )
    if requested is not None and requested.name != found.name:
        raise UserFacingError(
            f"You chose the {requested.name} format, but this file is a {found.name} export. "
            f"Run the command again with format {found.name} (or leave format out)."
        )
    return found


@dataclass
class LibraryFile:
    """An opened export: its format, its data row count, and an iterator over parsed rows."""

    kind: ExportFormat
    total: int
    text: str
    sha256: str  # of the uploaded bytes: a cut-off import of the same file is resumed

    @property
    def format(self) -> str:
        return self.kind.name

    def rows(self) -> Iterator[ParsedRow]:
        return iter_rows(self.text, self.kind.parse_row)


def _opened(
    data: bytes, formats: Sequence[ExportFormat], requested: ExportFormat | None
) -> tuple[ExportFormat, str, str]:
    """The upload's format, text and SHA-256; raises UserFacingError for a file that cannot be imported."""
    text = decode(data)
    reader = csv.reader(_lines(text), strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    return _check_header(header, formats, requested), text, hashlib.sha256(data).hexdigest()


async def open_export(
    data: bytes, formats: Sequence[ExportFormat], requested: ExportFormat | None = None, *, chunk: int = 500
) -> LibraryFile:
    """Decode and check an upload as one of `formats`, off the event loop: decoding and hashing
    (one step each over the whole upload) run in a worker thread; counting the rows hands the loop
    back every `chunk` records. Raises UserFacingError for a file that cannot be imported."""
    kind, text, sha256 = await asyncio.to_thread(_opened, data, formats, requested)
    total = 0
    for _ in _records(text):
        total += 1
        if total % chunk == 0:
            await asyncio.sleep(0)
    if total == 0:
        raise UserFacingError("That export has a header but no books in it.")
    return LibraryFile(kind, total, text, sha256)


# -- records -----------------------------------------------------------------------------------
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


def iter_rows(text: str, parse_row: RowParser) -> Iterator[ParsedRow]:
    """Every data record of `text` as a LibraryRow or a RowProblem, in file order."""
    header = next(csv.reader(_lines(text)))
    index = {name.strip(): i for i, name in enumerate(header)}
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
            yield parse_row(line, row)
        except ValueError as exc:
            yield RowProblem(line, str(exc))
