"""Library import and export: a member's Goodreads or StoryGraph history in, a Goodreads CSV out.

- `decoding`: an upload's text encoding, or why it is not a text file;
- `reader`: recognising an upload's format, its records with line numbers, value parsing;
- `goodreads`, `storygraph`: what each site's columns mean (and writing Goodreads' layout);
- `importer`: opening an upload and importing its rows in batches, resumable and idempotent;
- `export`: a member's library as a Goodreads CSV.
"""

from bot.services.library.export import LibraryExport, export_library
from bot.services.library.goodreads import GOODREADS, GOODREADS_HEADER, write_goodreads
from bot.services.library.importer import (
    FORMATS,
    ImportGuard,
    ImportSummary,
    Skipped,
    close_interrupted_imports,
    import_library,
    read_library_file,
)
from bot.services.library.reader import ExportFormat, LibraryFile, LibraryRow, RowProblem
from bot.services.library.storygraph import STORYGRAPH

__all__ = [
    "FORMATS",
    "GOODREADS",
    "GOODREADS_HEADER",
    "STORYGRAPH",
    "ExportFormat",
    "ImportGuard",
    "ImportSummary",
    "LibraryExport",
    "LibraryFile",
    "LibraryRow",
    "RowProblem",
    "Skipped",
    "close_interrupted_imports",
    "export_library",
    "import_library",
    "read_library_file",
    "write_goodreads",
]
