"""Goodreads' "Export Library" CSV: reading one of its records, and writing a library in it.

Columns are found by name, so the current 24-column and older 31-column layouts both work. ISBNs
come as `="0441013597"`; `My Rating` 0 means unrated; reviews use `<br/>` for line breaks; dates
are `YYYY/MM/DD`. The export writes the current 24-column layout, which Goodreads, StoryGraph and
BookWyrm all import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence

from bot.models.library import LibraryEntry
from bot.models.shelves import Shelf
from bot.services.library.reader import (
    FORMULA_STARTS,
    MAX_PAGES,
    MAX_READ_COUNT,
    ExportFormat,
    LibraryRow,
    ParsedRow,
    RowProblem,
    clean_name,
    isbns,
    iso_date,
    review_text,
    shortened,
    stars_x2_from,
    whole_number,
    year_of,
)

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

_SHELVES: dict[str, Shelf] = {
    "to-read": "want-to-read",
    "want-to-read": "want-to-read",
    "currently-reading": "currently-reading",
    "read": "read",
    "did-not-finish": "did-not-finish",
    "dnf": "did-not-finish",
    "abandoned": "did-not-finish",
}
_EXPORT_SHELVES = {"want-to-read": "to-read"}
_ISBN = re.compile(r"[0-9]{9}[0-9X]|[0-9]{13}")


# -- reading -----------------------------------------------------------------------------------
def parse_row(line: int, row: Mapping[str, str]) -> ParsedRow:
    title = clean_name(row.get("Title", ""))
    if not title:
        return RowProblem(line, "has no title")
    authors = [clean_name(row.get("Author", ""))]
    authors += [clean_name(a) for a in row.get("Additional Authors", "").split(",")]
    shelf_name = row.get("Exclusive Shelf", "").strip().casefold()
    shelf = _SHELVES.get(shelf_name)
    if shelf is None:
        if not shelf_name:
            return RowProblem(line, "has no Exclusive Shelf")
        return RowProblem(line, f"is on the shelf “{shelf_name[:40]}”, which has no equivalent here")
    isbn13, isbn10 = isbns(row.get("ISBN13", ""), row.get("ISBN", ""))
    finished = iso_date(row.get("Date Read", ""))
    notes: list[str] = []
    pages = whole_number(row.get("Number of Pages", ""), "Number of Pages", notes, maximum=MAX_PAGES)
    read_count = whole_number(row.get("Read Count", ""), "Read Count", notes, maximum=MAX_READ_COUNT) or 0
    year = row.get("Original Publication Year", "").strip() or row.get("Year Published", "").strip()
    review, cut = shortened(review_text(row.get("My Review", "")))
    return LibraryRow(
        line=line,
        title=title,
        authors=tuple(dict.fromkeys(a for a in authors if a)),
        isbn13=isbn13,
        isbn10=isbn10,
        shelf=shelf,
        stars_x2=stars_x2_from(row.get("My Rating", "")),
        review=review,
        review_shortened=cut,
        spoiler=row.get("Spoiler", "").strip().casefold() == "true",
        added_at=iso_date(row.get("Date Added", "")),
        finished_at=finished,
        times_read=max(read_count, 1 if shelf == "read" else 0),
        pages=pages,
        format=clean_name(row.get("Binding", "")) or None,
        first_published=year_of(year),
        notes=tuple(notes),
    )


GOODREADS = ExportFormat(
    name="goodreads",
    required=("Title", "Author", "Exclusive Shelf"),
    where="Goodreads (My Books → Import and export → Export Library)",
    parse_row=parse_row,
)


# -- writing -----------------------------------------------------------------------------------
def export_date(iso: str | None) -> str:
    """An ISO timestamp → Goodreads' `YYYY/MM/DD`; empty when absent."""
    return iso[:10].replace("-", "/") if iso else ""


def export_review(body: str | None) -> str:
    """A stored review → Goodreads' single-line form, line breaks as `<br/>`."""
    return body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br/>") if body else ""


def _last_first(name: str) -> str:
    first, _, last = name.rpartition(" ")
    return f"{last}, {first}" if first else name


def _rating(stars_x2: int | None) -> str:
    """Whole stars as Goodreads writes them; a half star keeps its `.5` so nothing is lost."""
    if not stars_x2:
        return "0"
    return str(stars_x2 // 2) if stars_x2 % 2 == 0 else f"{stars_x2 / 2:.1f}"


def neutralised(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, a tab
    or a carriage return gets a leading single quote (OWASP's CSV-injection rule). The reader
    removes it again, so an export re-imports to the same library.

    Carriage returns become line feeds: the csv module quotes a cell holding the line terminator
    (LF) but writes a lone CR bare, which would end the record early."""
    if cell.startswith(FORMULA_STARTS):
        cell = "'" + cell
    return cell.replace("\r\n", "\n").replace("\r", "\n") if "\r" in cell else cell


def _isbn_cell(isbn: str | None) -> str:
    """Goodreads' own `="…"` form, which keeps spreadsheets from dropping leading zeros. Only
    digits (and X) go inside it, so the formula can do nothing else."""
    if isbn is None or _ISBN.fullmatch(isbn):
        return f'="{isbn or ""}"'
    return neutralised(isbn)


def write_goodreads(rows: Sequence[LibraryEntry]) -> bytes:
    """A current-format (24-column) Goodreads export: LF endings, ISBNs quoted as `="…"`, every
    text cell guarded against spreadsheet formulas."""
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
                neutralised(row.title),
                neutralised(author),
                neutralised(_last_first(author)),
                neutralised(", ".join(row.authors[1:])),
                _isbn_cell(row.isbn10),
                _isbn_cell(row.isbn13),
                _rating(row.stars_x2),
                f"{row.average_x2 / 2:.2f}" if row.average_x2 else "",
                "",
                neutralised(row.format or ""),
                row.pages or "",
                neutralised(year),
                neutralised(year),
                export_date(row.finished_at),
                export_date(row.added_at),
                shelf,
                "",
                shelf,
                neutralised(export_review(row.review)),
                "true" if row.spoiler and row.review else "",
                "",
                row.times_read,
                0,
            )
        )
    return out.getvalue().encode("utf-8")
