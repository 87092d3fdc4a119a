"""How text from members and providers is shown: Discord markdown escaped, names on one line, clipped.

Every title, author, display name, query or provider text that goes into a message passes through
here, so that an imported title `[Official page](https://phish.example/login)` never becomes a live
masked link, `# big` never a heading and `||x` never a spoiler. The text is shown as typed: Discord
renders a backslash-escaped character as the character itself. Pure text (no Discord import), so
the services word their replies with it too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

ELLIPSIS = "…"

# Where a name or a title is shown (characters, after escaping): headings, lines in lists, replies.
TITLE = 256
TITLE_IN_LIST = 150
AUTHORS = 120
NAME = 80

# Characters that format text wherever they stand; `<` is left alone (mentions never ping: every
# message disables them, and a name like `<@1>` is shown as the member wrote it).
_INLINE = re.compile(r"[\\*_~`|\[\]]")
# Characters that format a line when they start it: headings, subtext, lists, block quotes.
_LINE_START = re.compile(r"^([ \t]*)([#>+-]|\d+[.)])", re.MULTILINE)
# Bare links keep their characters, so that an escape never breaks the address (as discord.py does).
_URL = re.compile(r"(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")
# Bidirectional overrides and isolates would turn the text around the name as well.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SPOILER = re.compile(r"\|\|(.+?)\|\|", re.DOTALL)
SPOILER_FOLD = "(spoiler)"


def escape(text: str) -> str:
    """`text` with every markdown character escaped (masked links, emphasis, code, spoilers, and
    headings, lists and block quotes at the start of a line); bare links are kept whole."""
    parts: list[str] = []
    last = 0
    for link in _URL.finditer(text):
        parts.append(_INLINE.sub(r"\\\g<0>", text[last : link.start()]))
        parts.append(link.group())
        last = link.end()
    parts.append(_INLINE.sub(r"\\\g<0>", text[last:]))
    return _LINE_START.sub(_escape_line_start, "".join(parts))


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    if marker[0].isdigit():  # `1.` starts a numbered list; `1\.` does not
        return f"{indent}{marker[:-1]}\\{marker[-1]}"
    return f"{indent}\\{marker}"


def one_line(text: str) -> str:
    """A name or a title as one line: control and bidirectional characters dropped, runs of
    whitespace (line breaks included) made one space."""
    kept = "".join(ch for ch in text.translate(_BIDI) if unicodedata.category(ch) != "Cc" or ch.isspace())
    return " ".join(kept.split())


def plain(text: str, limit: int) -> str:
    """A name, title or query from a member or a provider, shown inline: one line, escaped, and at
    most `limit` characters (cut with `…`)."""
    return clip(escape(one_line(text)), limit)


def names(people: Sequence[str], limit: int = AUTHORS) -> str:
    """`Ann Author, Bob Writer` (escaped), clipped to `limit` however long the list is."""
    return plain(", ".join(person for person in people if person.strip()), limit)


def clip(text: str, limit: int, *, at_word: bool = False) -> str:
    """`text` cut to at most `limit` characters, ending with `…` when cut (`at_word`: at the last
    space before the limit, when there is one, and without the punctuation before it).

    Never splits an escape (`\\*` stays whole or goes), a surrogate pair, or a character from the
    marks that combine with it (accents, variation selectors, joined emoji).
    """
    if len(text) <= limit:
        return text
    cut = max(limit - len(ELLIPSIS), 0)
    if at_word and (space := text.rfind(" ", 0, cut + 1)) > 0:
        cut = space
    while cut > 0 and _joined(text, cut):
        cut -= 1
    head = text[:cut].rstrip(" ,.;:" if at_word else None)
    backslashes = len(head) - len(head.rstrip("\\"))
    if backslashes % 2:  # a lone backslash left at the end would escape the ellipsis
        head = head[:-1]
    return head + ELLIPSIS


def _joined(text: str, index: int) -> bool:
    """Whether the character at `index` belongs with the one before it (so no cut between them)."""
    char, before = ord(text[index]), ord(text[index - 1])
    return (
        0xDC00 <= char <= 0xDFFF  # the low half of a surrogate pair
        or 0xD800 <= before <= 0xDBFF  # after a high half
        or unicodedata.combining(text[index]) != 0
        or char in (0x200D, 0xFE0E, 0xFE0F)  # zero-width joiner, variation selectors
        or before == 0x200D
        or 0x1F3FB <= char <= 0x1F3FF  # skin tones
        or 0xE0020 <= char <= 0xE007F  # tag characters (subdivision flags)
    )


def fold_spoilers(text: str) -> str:
    """`text` with every `||spoiler||` replaced by `(spoiler)`, and a spoiler left open (by an
    earlier cut, or never closed) folded to its end: for places that cannot hide one."""
    folded = _SPOILER.sub(SPOILER_FOLD, text)
    opened = folded.find("||")
    return folded if opened < 0 else f"{folded[:opened].rstrip()} {SPOILER_FOLD}".lstrip()
