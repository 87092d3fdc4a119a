"""Decoding an uploaded library export: its encoding (UTF-8, UTF-16 or UTF-32 with or without a
byte-order mark, the Windows code page), or why it is not a text file, in the member's words."""

from __future__ import annotations

import codecs
from typing import Final

from bot.errors import UserFacingError

EMPTY = "That file is empty. Attach the CSV from Goodreads' or StoryGraph's export."

#: What a binary upload is, by its first bytes, in the member's words.
_BINARY_MAGIC: Final = (
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook"),
    (b"\x1f\x8b", "a compressed archive"),
)
#: Byte-order marks, longest first (a UTF-32-LE mark starts like a UTF-16-LE one).
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def _not_a_csv(what: str) -> UserFacingError:
    return UserFacingError(
        f"That file is not a CSV ({what}). Attach the .csv file that Goodreads or StoryGraph exports."
    )


def _marked_encoding(data: bytes) -> tuple[str, str, int] | None:
    """(codec, name, mark length) of an upload that starts with a byte-order mark."""
    return next(((codec, name, len(bom)) for bom, codec, name in _BOMS if data.startswith(bom)), None)


def _unmarked_wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 without a mark, told by the zero bytes around the header's first (ASCII)
    character, as RFC 4627 did for JSON."""
    head = data[:4]
    if len(head) == 4 and head[:3] == b"\0\0\0" and head[3]:
        return "utf-32-be"
    if len(head) == 4 and head[0] and head[1:] == b"\0\0\0":
        return "utf-32-le"
    if len(head) >= 2 and not head[0] and head[1]:
        return "utf-16-be"
    if len(head) >= 2 and head[0] and not head[1]:
        return "utf-16-le"
    return None


def _readable(text: str) -> bool:
    """Text that can be a CSV: no NUL, and its first line has a Latin letter (every header does)."""
    first = text[:4096].partition("\n")[0]
    return "\0" not in text[:4096] and any("a" <= c.lower() <= "z" for c in first)


def decode(data: bytes) -> str:
    """The text of an uploaded file, or a UserFacingError saying why it is not a text CSV.

    UTF-8 (with or without a mark), UTF-16 and UTF-32 (with a mark, or told by their zero bytes)
    and, for files re-saved by a spreadsheet, the Windows code page are read.
    """
    if not data.strip():
        raise UserFacingError(EMPTY)
    marked = _marked_encoding(data)
    if marked is not None:
        codec, name, skip = marked
        try:
            text = data[skip:].decode(codec)
        except UnicodeDecodeError:
            text = None
        if text is None or (name != "UTF-8" and text.strip() and not _readable(text)):
            raise UserFacingError(
                f"That file is not a CSV I can read: it is marked as {name} text, but its contents are "
                f"not {name}. Export it again, or save it as “CSV UTF-8”, and attach that."
            )
        return _non_empty(text)
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise _not_a_csv(f"it looks like {what}")
    wide = _unmarked_wide_encoding(data)
    if wide is not None:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            text = ""
        if _readable(text):
            return _non_empty(text)
    if b"\x00" in data[:4096]:
        raise _not_a_csv("it holds binary data, such as an image or an archive, not text")
    try:
        return _non_empty(data.decode("utf-8"))
    except UnicodeDecodeError:
        # Spreadsheet programs sometimes re-save exports in the Windows code page.
        try:
            return _non_empty(data.decode("cp1252"))
        except UnicodeDecodeError:
            raise UserFacingError(
                "That file is not readable text. Attach the .csv file exactly as Goodreads or "
                "StoryGraph exported it."
            ) from None


def _non_empty(text: str) -> str:
    if not text.strip():
        raise UserFacingError(EMPTY)
    return text
