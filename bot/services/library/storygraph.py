"""StoryGraph's "Export StoryGraph Library" CSV: reading one of its records.

Quarter-star ratings are rounded half up to the nearest half star (3.75 → 4, 3.25 → 3.5,
4.25 → 4.5; anything above 0 and under 1 becomes 1). `Dates Read` holds one or more `start-end`
ranges; the last one gives the start and finish dates. `ISBN/UID` may be an ASIN or StoryGraph's
own id: only a checksum-valid ISBN is used. A row with an empty `Read Status` is shelved as read
when it carries a rating or a review, and skipped otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.models.shelves import Shelf
from bot.services.library.reader import (
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
)

_STATUSES: dict[str, Shelf] = {
    "to-read": "want-to-read",
    "currently-reading": "currently-reading",
    "read": "read",
    "did-not-finish": "did-not-finish",
}
_FORMATS = {
    "hardcover": "Hardcover",
    "paperback": "Paperback",
    "audio": "Audiobook",
    "digital": "ebook",
}


def parse_row(line: int, row: Mapping[str, str]) -> ParsedRow:
    title = clean_name(row.get("Title", ""))
    if not title:
        return RowProblem(line, "has no title")
    authors = tuple(dict.fromkeys(a for a in (clean_name(p) for p in row.get("Authors", "").split(",")) if a))
    stars = stars_x2_from(row.get("Star Rating", ""))
    review, cut = shortened(review_text(row.get("Review", "")))
    status = row.get("Read Status", "").strip().casefold()
    shelf: Shelf
    if status in _STATUSES:
        shelf = _STATUSES[status]
    elif not status and (stars or review):
        shelf = "read"
    elif not status:
        return RowProblem(line, "has no Read Status (nothing to shelve)")
    else:
        return RowProblem(line, f"has the unknown Read Status “{status[:40]}”")
    isbn13, isbn10 = isbns(row.get("ISBN/UID", ""))
    started = finished = None
    ranges = [part.strip() for part in row.get("Dates Read", "").split(",") if part.strip()]
    if ranges:
        start, _, end = ranges[-1].partition("-")
        started = iso_date(start)
        finished = iso_date(end) if end else (started if shelf == "read" else None)
    finished = iso_date(row.get("Last Date Read", "")) or finished
    notes: list[str] = []
    read_count = whole_number(row.get("Read Count", ""), "Read Count", notes, maximum=MAX_READ_COUNT) or 0
    fmt = clean_name(row.get("Format", "")).casefold()
    return LibraryRow(
        line=line,
        title=title,
        authors=authors,
        isbn13=isbn13,
        isbn10=isbn10,
        shelf=shelf,
        stars_x2=stars,
        review=review,
        review_shortened=cut,
        added_at=iso_date(row.get("Date Added", "")),
        started_at=started,
        finished_at=finished if shelf in ("read", "did-not-finish") else None,
        times_read=max(read_count, 1 if shelf == "read" else 0),
        format=_FORMATS.get(fmt, fmt.capitalize() or None),
        notes=tuple(notes),
    )


STORYGRAPH = ExportFormat(
    name="storygraph",
    required=("Title", "Authors", "ISBN/UID", "Read Status"),
    where="StoryGraph (Manage Account → Export StoryGraph Library)",
    parse_row=parse_row,
)
