"""Cleaning what providers send: descriptions with markup noise, dates in many spellings."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^)\s]+)\)")
_RULE = re.compile(r"^\s*-{3,}\s*$", re.MULTILINE)  # '----------' before source notes / "See also"
_SOURCE = re.compile(r"^\s*\(?\s*(?:source|from)\s*:?.*$", re.IGNORECASE | re.MULTILINE)
_TAG = re.compile(r"<\s*(?:br|/p|p)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]+>")
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")


def text_value(value: Any) -> str | None:
    """Open Library text fields are a string or `{"type": "/type/text", "value": …}`."""
    if isinstance(value, dict):
        value = value.get("value")
    return value if isinstance(value, str) else None


def clean_description(value: Any) -> str | None:
    """A description without markup noise: CRLFs, Markdown links, HTML, trailing source notes."""
    text = text_value(value)
    if not text:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rule = _RULE.search(text)
    if rule and rule.start() > 0:
        text = text[: rule.start()]
    text = _TAG.sub("\n", text)
    text = html.unescape(_ANY_TAG.sub("", text))
    text = _MD_LINK.sub(r"\1", text)
    lines = [line.rstrip() for line in text.split("\n")]
    # A last paragraph that only names a source ("Source: Wikipedia") is noise on a book page.
    while lines and (not lines[-1].strip() or _SOURCE.fullmatch(lines[-1])):
        lines.pop()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or None


def parse_date(value: Any) -> str | None:
    """'YYYY-MM-DD' when the full date is known, else 'YYYY', else None."""
    if isinstance(value, int) and 0 < value < 3000:
        return f"{value:04d}"
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.replace(",", ", ").split()).replace(" ,", ",")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    year = _YEAR.search(text)
    return year.group(1) if year else None


def first_str(values: Any) -> str | None:
    """The first non-empty string of a JSON list (or the value itself when a string)."""
    if isinstance(values, str):
        return values.strip() or None
    if isinstance(values, list):
        for item in values:
            if isinstance(item, str) and item.strip():
                return item.strip()
    return None


def str_list(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [item.strip() for item in values if isinstance(item, str) and item.strip()]


def positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return int(value)
    return None
