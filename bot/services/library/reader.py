"""Reading a library export, whichever site wrote it: recognising its format by the header (once
`decoding` has its text), walking its records with their line numbers (LF, CRLF or CR endings),
and the value parsers the formats share.

Parsing is incremental (one row at a time) and never touches the database. Each record becomes
either a `LibraryRow` or a `RowProblem` carrying its line number, so one bad row never costs the
good ones; a value that cannot be kept is left out of its row with a note. What a column means is the business of each format (`goodreads.py`, `storygraph.py`):
an `ExportFormat` names the header columns that identify it and turns one record into a row.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import html
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from bot.books.identifiers import first_isbns, isbn13_to_10
from bot.errors import UserFacingError
from bot.models.reviews import MAX_REVIEW
from bot.models.shelves import Shelf
from bot.services.library.decoding import EMPTY, decode

log = logging.getLogger(__name__)

_EOL = re.compile(r"\r\n?|\n")
_DATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"[0-9]{1,4}")
#: A cell an export neutralised against spreadsheet formulas (OWASP: a leading single quote).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

MAX_PAGES = 100_000
MAX_READ_COUNT = 1_000


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
    notes: tuple[str, ...] = ()  # values left out of an imported row, each said in plain words


class BadValue(ValueError):
    """A cell that makes its row unusable; the message says why in the member's words."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A record that was skipped, and why (shown to the member with its line number)."""

    line: int
    reason: str


ParsedRow = LibraryRow | RowProblem
#: Turns one record (its first line number, its cells by column name) into a row or a problem;
#: a BadValue it raises becomes a RowProblem with the error's text; any other error is logged and
#: the row skipped, so a value no parser foresaw costs its row, never the import.
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


def shown(text: str, limit: int = 20) -> str:
    """A cell quoted back to the member: cut to `limit` characters, control characters dropped."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cc")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stars_x2_from(raw: str) -> int | None:
    """A rating as written (`4`, `3.75`, `5.0`) → doubled stars 2..10, half up; None when unrated."""
    text = raw.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue(f"the rating “{shown(text)}” is not a number") from None
    if not value.is_finite():  # NaN and Infinity parse, but compare only by raising
        raise BadValue(f"the rating “{shown(text)}” is not a number of stars")
    if value <= 0:
        return None
    if value > 5:
        raise BadValue(f"the rating {shown(text)} is above 5 stars")
    doubled = int((value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(doubled, 2)


def _without_controls(text: str, keep: str = "") -> str:
    """`text` without control characters (NUL, bell, escape…) other than those in `keep`."""
    if text.isprintable():
        return text
    return "".join(c for c in text if c in keep or unicodedata.category(c) != "Cc")


def review_text(raw: str) -> str | None:
    """Review HTML (`<br/>` line breaks, entities) → plain text with line breaks; None when empty."""
    text = raw.strip()
    if not text:
        return None
    if "<" in text:
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
    text = html.unescape(text).replace("\r\n", "\n").replace("\r", "\n")
    return _without_controls(text, keep="\n\t").strip() or None


def shortened(review: str | None) -> tuple[str | None, bool]:
    """Reviews are capped like the write-a-review modal; the summary says how many were cut."""
    if review is None or len(review) <= MAX_REVIEW:
        return review, False
    return review[: MAX_REVIEW - 1].rstrip() + "…", True


def whole_number(raw: str, column: str, notes: list[str], *, maximum: int) -> int | None:
    """A count such as `Number of Pages`; None when absent. A value that is not a whole number
    (`²`, `-3`, `12.5`) or is over `maximum` is left out, with a note saying so."""
    text = raw.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        notes.append(f"the {column} “{shown(text)}” is not a whole number, so it was left out")
        return None
    if len(text) > len(str(maximum)) or int(text) > maximum:
        notes.append(f"the {column} {shown(text)} is more than {maximum:,}, so it was left out")
        return None
    return int(text)


def year_of(raw: str) -> str | None:
    """A publication year as written (`1965`); None when absent or not a year."""
    text = raw.strip()
    return text if _YEAR.fullmatch(text) else None


def clean_name(raw: str) -> str:
    """A title or an author with its runs of whitespace (line breaks included) made one space and
    its control characters dropped."""
    return _SPACES.sub(" ", _without_controls(raw)).strip()


def isbns(*candidates: str) -> tuple[str | None, str | None]:
    """The row's ISBN-13 and ISBN-10; the ISBN-10 of a lone 978- ISBN-13 is derived from it."""
    found = first_isbns(candidates)
    if found is None:
        return None, None
    return found.isbn13, found.isbn10 or isbn13_to_10(found.isbn13)


# -- detection ------------------------------------------------------------------------------------
def column_name(cell: str) -> str:
    """A header cell as a column name: surrounding spaces and stray byte-order marks dropped."""
    return cell.strip().strip("\ufeff\u200b").strip()


def detect_format(header: list[str], formats: Sequence[ExportFormat]) -> ExportFormat | None:
    """The first of `formats` whose identifying columns are all in the header."""
    names = {column_name(name) for name in header}
    return next((f for f in formats if all(name in names for name in f.required)), None)


def _check_header(
    header: list[str] | None, formats: Sequence[ExportFormat], requested: ExportFormat | None
) -> ExportFormat:
    if not header or not any(cell.strip() for cell in header):
        raise UserFacingError(EMPTY)
    found = detect_format(header, formats)
    if found is None:
        where = " or ".join(f.where for f in formats)
        quoted = next((cell.strip() for cell in header if '"' in cell), None)
        if quoted is not None:
            raise UserFacingError(
                f"I don't recognise this CSV's header: its first line has a stray quote mark "
                f"(in “{shown(quoted, 40)}”). Attach the unchanged export: {where}."
            )
        start = shown(", ".join(cell.strip() for cell in header[:4]), 120)
        raise UserFacingError(
            f"I don't recognise this CSV's header (it starts with “{start}”). Attach the unchanged "
            f"export: {where}."
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
        raise UserFacingError(
            "The first line of that file (the column names) has a stray quote mark, so I can't tell "
            "its columns apart. Attach the export unchanged, as Goodreads or StoryGraph wrote it."
        ) from None
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
    """The lines of `text` with their endings (LF, CRLF or a lone CR, as old Mac files end them),
    lazily: a StringIO would copy the whole text, 4×."""
    start = 0
    for end in _EOL.finditer(text):
        yield text[start : end.end()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def _quoting_problem(error: csv.Error) -> str:
    """A csv module error as the reason a record was skipped."""
    text = str(error)
    if "field limit" in text:
        return f"has a cell over {csv.field_size_limit():,} characters (a quote mark never closed?)"
    if "end of data" in text:
        return "broken quoting: a quote mark is never closed, so the rest of the file is one cell"
    if "expected after" in text:
        return "broken quoting: a quoted cell goes on after its closing quote mark"
    return "broken quoting"


def unneutralised(cell: str) -> str:
    """A cell as written before an export guarded it against spreadsheet formulas (`'=…` → `=…`)."""
    return cell[1:] if cell.startswith("'") and cell[1:2] and cell[1] in "".join(FORMULA_STARTS) else cell


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
            yield line, None, _quoting_problem(exc)
            line = reader.line_num + 1
            continue
        if fields:  # blank lines are not records
            yield line, fields, None
        line = reader.line_num + 1


def iter_rows(text: str, parse_row: RowParser) -> Iterator[ParsedRow]:
    """Every data record of `text` as a LibraryRow or a RowProblem, in file order."""
    header = next(csv.reader(_lines(text)))
    index = {column_name(name): i for i, name in enumerate(header)}
    for line, fields, error in _records(text):
        if fields is None:
            yield RowProblem(line, error or "unreadable")
            continue
        if len(fields) != len(header):
            yield RowProblem(
                line, f"has {len(fields)} columns where the header has {len(header)} (broken quoting?)"
            )
            continue
        row = {name: unneutralised(fields[i]) for name, i in index.items()}
        try:
            yield parse_row(line, row)
        except BadValue as exc:
            yield RowProblem(line, str(exc))
        except Exception:  # a value no parser foresaw must cost its row only, never the import
            log.exception("line %d of a library import could not be read", line)
            yield RowProblem(line, "could not be read (one of its values is not what the export writes)")
