"""Hostile inputs: what a careless or malicious member can type, and numbers and times at the edges.

Every strategy yields only values Discord itself would deliver (no lone surrogates; numbers in
an option's allowed range): what Discord refuses never reaches the bot, and simcord refuses it
the same way (`SetupError`), so a test counts it as not delivered.
"""

from __future__ import annotations

from hypothesis import strategies as st

CONTROLS = st.characters(categories=["Cc"])  # NUL, tab, newline, ESC, DEL, C1 controls
FORMAT = st.characters(categories=["Cf"])  # every format character: bidi, zero-width, tags
BIDI = st.sampled_from(
    [
        "\u202e",
        "\u202d",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
    ]
)
INVISIBLE = st.sampled_from(
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\u034f",
        "\u180e",
        "\u3164",
        "\u2800",
        "\u115f",
    ]
)
MARKDOWN = st.sampled_from(
    [
        "**",
        "__",
        "~~",
        "||",
        "`",
        "```",
        "# ",
        "\n# big\n",
        "-# ",
        "> ",
        ">>> ",
        "* ",
        "1. ",
        "\\",
        "[Official page](https://phish.example/login)",
        "<https://x.co/a>",
        "[free nitro](https://x.co/a)",
        "||spoiler",
        "spoiler||",
        "<t:0:R>",
    ]
)
MENTIONS = st.sampled_from(
    [
        "@everyone",
        "@here",
        "<@1>",
        "<@!1>",
        "<@&1>",
        "<#1>",
        "</rate:1>",
        "<:blob:1>",
        "@\u200beveryone",
        "＠everyone",
    ]
)
FTS = st.sampled_from(
    [
        '"',
        '""',
        '"unterminated',
        "NEAR(",
        "NEAR(a b, -1)",
        "AND",
        "OR",
        "NOT",
        "a OR",
        "NOT NOT",
        "*",
        "a*",
        "^",
        "-",
        "+",
        ":",
        "(",
        ")",
        "body:",
        "reviews_fts:x",
        "{body}:x",
        "rowid",
        "a AND (b",
    ]
)
SQL = st.sampled_from(
    [
        "'",
        "''",
        "' OR '1'='1",
        "'); DROP TABLE reviews; --",
        "%",
        "_",
        "%'--",
        "/*",
        "*/",
        "--",
        ";",
        '"',
        "`",
        "?",
        ":id",
        "@x",
        "$1",
        " ESCAPE '\\'",
        "\\'",
    ]
)
NUMBER_TEXT = st.one_of(
    st.sampled_from(
        [
            "99999999999999999999999",
            "book:99999999999999999999999",
            "book:0",
            "book:-1",
            "book:1.5",
            "book:",
            "1e309",
            "-1e309",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "-0",
            "0x10",
            "1_000",
            "١٢٣",  # Arabic-Indic digits
            "９７８０３８０５３８６８３",  # full-width ISBN
            "²",
            "OL0W",
            "OL99999999999999999999W",
            "978-0-380-53868-3",
            "0380538687",
            "038053868X",
            "https://openlibrary.org/works/OL2620124W",
            "https://openlibrary.org/works/OL99999999999999999999999W",
            "https://phish.example/works/OL2620124W",
        ]
    ),
    st.integers().map(str),
    st.floats().map(str),
)
WORDS = st.sampled_from(
    ["MIG Pilot", "Barron", "9780380538683", "OL2620124W", "book:1", "by", "the", "Pilot by Barron"]
)
LONG = st.sampled_from(
    ["x" * 101, "x" * 201, "é" * 1000, "👍🏽" * 300, "a" * 4000, "a\u0301" * 900, "𒐫" * 500, "\u200b" * 300]
)

FRAGMENT = st.one_of(
    st.text(max_size=12),
    CONTROLS,
    FORMAT,
    BIDI,
    INVISIBLE,
    MARKDOWN,
    MENTIONS,
    FTS,
    SQL,
    NUMBER_TEXT,
    WORDS,
    LONG,
)

# Text as a member could send it: a mix of the fragments above (sometimes very long).
hostile_text = st.lists(FRAGMENT, max_size=8).map("".join)


def bounded_text(max_size: int, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Hostile text cut to an option's length limit (Discord refuses longer values)."""
    return hostile_text.map(lambda text: text[:max_size]).filter(lambda text: len(text) >= min_size)


# Whole numbers as Discord delivers them in an integer option (±2^53 - 1), edges first.
DISCORD_INT = 2**53 - 1
discord_ints = st.one_of(
    st.sampled_from(
        [0, -1, 1, 99, 100, 101, 222, 223, 2**31 - 1, 2**31, 2**63 - 1, DISCORD_INT, -DISCORD_INT]
    ),
    st.integers(min_value=-DISCORD_INT, max_value=DISCORD_INT),
)

# Stars as the /rate option delivers them (a number from 1 to 5), near the half steps and off them.
star_numbers = st.one_of(
    st.sampled_from(
        [1.0, 5.0, 4.999999999, 1.0000000001, 2.25, 4.75, 3.5000001, 4.4999999, 1.5, 2.0000000000000004]
    ),
    st.floats(min_value=1, max_value=5, allow_nan=False, allow_infinity=False),
)

TIMES = st.one_of(
    st.sampled_from(
        [
            "18:00",
            "00:00",
            "23:59",
            "24:00",
            "23:60",
            "7:5",
            "07:05",
            "7",
            "1800",
            "18.00",
            "18h00",
            "6pm",
            "noon",
            "-1:00",
            "12:00:00",
            "١٨:٠٠",
            "１８：００",
            " 18:00 ",
            "18:00\x00",
            "99999999999999999999:00",
            "nan:nan",
            "1e309:00",
            "",
        ]
    ),
    st.builds(lambda h, m: f"{h}:{m:02d}", st.integers(-5, 30), st.integers(0, 99)),
    bounded_text(40),
)
ZONES = st.one_of(
    st.sampled_from(
        [
            "Europe/Prague",
            "europe/prague",
            "EUROPE/PRAGUE",
            "UTC",
            "utc",
            "Z",
            "GMT+1",
            "Etc/GMT+14",
            "Etc/GMT-14",
            "Etc/GMT+15",
            "+05:30",
            "America/Argentina/ComodRivadavia",
            "US/Pacific-New",
            "EST5EDT",
            "Factory",
            "posixrules",
            "localtime",
            "../../../etc/passwd",
            "/etc/localtime",
            "Europe/../Europe/Prague",
            "Europe/Prague\x00",
            "Europe/Prague ",
            "Mars/Olympus_Mons",
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "Australia/Lord_Howe",
            "",
        ]
    ),
    bounded_text(60),
)
