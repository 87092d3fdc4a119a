"""Texts for /library: the progress line and the import summary (rendering only)."""

from __future__ import annotations

from bot.models.stats import plural
from bot.services.library import ImportSummary

BAR_CELLS = 8
MAX_SKIPPED_LINES = 15
MAX_NOTE_LINES = 5
_FORMAT_NAMES = {"goodreads": "Goodreads", "storygraph": "StoryGraph"}


def progress_text(done: int, total: int) -> str:
    """`Importing… 120/358 ▰▰▰▱▱▱▱▱ 33%` (percent floored, bar rounded)."""
    share = done / total if total else 1.0
    filled = min(BAR_CELLS, round(share * BAR_CELLS))
    bar = "▰" * filled + "▱" * (BAR_CELLS - filled)
    return f"Importing… {done}/{total} {bar} {int(share * 100)}%"


def summary_text(summary: ImportSummary) -> str:
    """The closing message: counts, then each skipped line with its reason (capped)."""
    name = _FORMAT_NAMES.get(summary.format, summary.format)
    lines = [f"**{name} import finished** — {plural(summary.total, 'row')}."]
    if summary.resumed_from is not None:
        lines.append(
            f"(This completes an earlier import of the same file that stopped after {summary.resumed_from} rows.)"
        )
    lines.append(
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{len(summary.skipped)} skipped."
    )
    lines.append(f"{plural(summary.ratings, 'rating')} and {plural(summary.reviews, 'review')} imported.")
    if summary.reviews_shortened:
        lines.append(
            f"{plural(summary.reviews_shortened, 'review')} over 4,000 characters "
            f"{'was' if summary.reviews_shortened == 1 else 'were'} shortened to fit."
        )
    if summary.books_created:
        lines.append(
            f"{plural(summary.books_created, 'new book')} added to the catalogue; those with an ISBN "
            "get their cover and details from Open Library in the background."
        )
    if summary.skipped:
        lines.append("Skipped:")
        for problem in summary.skipped[:MAX_SKIPPED_LINES]:
            lines.append(f"• line {problem.line}: {problem.reason}")
        if len(summary.skipped) > MAX_SKIPPED_LINES:
            lines.append(f"• …and {len(summary.skipped) - MAX_SKIPPED_LINES} more.")
    if summary.notes:
        lines.append("Imported without a value that could not be kept:")
        for note in summary.notes[:MAX_NOTE_LINES]:
            lines.append(f"• line {note.line}: {note.reason}")
        if len(summary.notes) > MAX_NOTE_LINES:
            lines.append(f"• …and {len(summary.notes) - MAX_NOTE_LINES} more.")
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1997] + "…"


def failed_text(saved: int, total: int) -> str:
    """The closing message of an import that stopped on an error of ours."""
    return (
        f"**The import stopped** after {saved} of {plural(total, 'row')} because of an error on our side. "
        f"{'The rows imported so far are saved. ' if saved else 'Nothing was imported this time. '}"
        "Import the same file again to finish: it carries on where it stopped."
    )
