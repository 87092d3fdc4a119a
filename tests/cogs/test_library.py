"""/library import and /library export through the real client on simcord."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import cast

import pytest

from bot.config import Settings
from bot.services.library import ImportSummary, Skipped
from bot.ui.library import progress_text, summary_text
from cogs.library import Library
from tests.conftest import Club, make_settings

MAX_BYTES = 200_000  # above every fixture, so the limit can be tested with a small file
MAPMYREADS = "goodreads/goodreads_library_export.mapmyreads.csv"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, import_max_bytes=MAX_BYTES)


def library_cog(club: Club) -> Library:
    cog = club.bot.get_cog("Library")
    # load_extension imports the module afresh, so the class is not this module's `Library`.
    assert type(cog).__name__ == "Library"
    return cast(Library, cog)


def original_edits(club: Club) -> list[str]:
    """The contents the bot PATCHed onto interaction responses, in order."""
    return [
        str(request.json.get("content"))
        for request in club.env.http_requests
        if request.method == "PATCH"
        and "/messages/@original" in request.path
        and isinstance(request.json, dict)
    ]


async def db_counts(club: Club) -> tuple[int, int, int, int]:
    row = await club.db.fetchone(
        "SELECT (SELECT count(*) FROM shelves), (SELECT count(*) FROM ratings), (SELECT count(*) FROM reviews), "
        "(SELECT count(*) FROM import_jobs)"
    )
    assert row is not None
    return row[0], row[1], row[2], row[3]


async def test_import_shows_progress_then_the_summary(club: Club, fixtures: Path) -> None:
    library_cog(club).progress_interval = 0  # every batch edits: 358 rows are two batches
    data = (fixtures / MAPMYREADS).read_bytes()

    result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))

    callbacks = [r.json for r in club.env.http_requests if r.path.endswith("/callback")]
    assert callbacks[-1]["type"] == 5  # deferred first (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE)
    assert result.ephemeral
    assert result.response is not None
    edits = original_edits(club)
    assert edits[0] == "Importing… 0/358 ▱▱▱▱▱▱▱▱ 0%"
    assert edits[1] == "Importing… 250/358 ▰▰▰▰▰▰▱▱ 69%"
    text = result.response.content
    assert text == edits[-1]
    assert "**Goodreads import finished** — 358 rows." in text
    assert "358 added, 0 updated, 0 unchanged, 0 skipped." in text
    assert "9 ratings and 0 reviews imported." in text
    assert "358 new books added to the catalogue" in text
    shelves = await club.db.fetchall(
        "SELECT shelf, count(*) FROM shelves WHERE guild_id = ? AND user_id = ? GROUP BY shelf ORDER BY shelf",
        (club.guild.id, club.alice.id),
    )
    assert [tuple(r) for r in shelves] == [("currently-reading", 3), ("read", 16), ("want-to-read", 339)]
    assert club.channel.last_message is None  # nothing was posted in the channel


async def test_progress_edits_are_throttled(club: Club, fixtures: Path) -> None:
    data = (fixtures / MAPMYREADS).read_bytes()
    await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    edits = original_edits(club)
    # The default two-second throttle leaves only the first line and the summary for a fast import.
    assert len(edits) == 2
    assert edits[0].startswith("Importing… 0/358")


async def test_importing_the_same_file_again_adds_nothing(club: Club, fixtures: Path) -> None:
    data = (fixtures / MAPMYREADS).read_bytes()
    await club.alice.slash(club.channel, "library import", file=("lib.csv", data), format="goodreads")
    counts = await db_counts(club)

    again = await club.alice.slash(club.channel, "library import", file=("again.csv", data))

    assert again.response is not None
    assert "0 added, 0 updated, 358 unchanged, 0 skipped." in again.response.content
    assert "0 ratings and 0 reviews imported." in again.response.content
    assert (await db_counts(club))[:3] == counts[:3]


async def test_storygraph_import_reports_the_skipped_line(club: Club, fixtures: Path) -> None:
    data = (fixtures / "storygraph/storygraph_export.lectorflow.csv").read_bytes()
    result = await club.alice.slash(club.channel, "library import", file=("sg.csv", data))
    assert result.response is not None
    text = result.response.content
    assert "**StoryGraph import finished** — 124 rows." in text
    assert "123 added, 0 updated, 0 unchanged, 1 skipped." in text
    assert "• line 125: has no Read Status (nothing to shelve)" in text


async def test_export_round_trips_through_import(club: Club, fixtures: Path) -> None:
    data = (fixtures / "goodreads/goodreads_library_export.romneyda.csv").read_bytes()
    await club.alice.slash(club.channel, "library import", file=("lib.csv", data))

    result = await club.alice.slash(club.channel, "library export")

    assert result.ephemeral
    message = result.followups[0] if result.followups else result.response
    assert message is not None
    assert "Your library: 619 books" in message.content
    attachment = message.attachments[0]
    assert attachment.filename == "bookclub_library_export_2026-11-25.csv"
    exported = await attachment.read()
    rows = list(csv.DictReader(io.StringIO(exported.decode())))
    assert len(rows) == 619
    assert sum(1 for r in rows if r["My Review"]) == 9
    # Bob brings Alice's export into his own library: same shelves, ratings and reviews.
    bob = await club.bob.slash(club.channel, "library import", file=("alice.csv", exported))
    assert bob.response is not None
    assert "619 added" in bob.response.content
    assert "529 ratings and 9 reviews imported." in bob.response.content
    stats = await club.db.fetchone(
        "SELECT sum(read_count), sum(ratings_count), sum(reviews_count) FROM book_stats WHERE guild_id = ?",
        (club.guild.id,),
    )
    assert stats is not None
    assert tuple(stats) == (533 * 2, 529 * 2, 9 * 2)


async def test_export_of_an_empty_library(club: Club) -> None:
    result = await club.alice.slash(club.channel, "library export")
    assert result.ephemeral
    texts = [m.content for m in result.followups] + ([result.response.content] if result.response else [])
    assert any("library in this server is empty" in t for t in texts)


# -- bad input ------------------------------------------------------------------------------------
def answer_of(result: object) -> str:
    """The ephemeral error text, whether it came as the response or as a follow-up."""
    followups = getattr(result, "followups", [])
    response = getattr(result, "response", None)
    texts = [m.content for m in followups if m.content] + ([response.content] if response else [])
    return texts[-1] if texts else ""


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PNG, "That file is not a CSV"),
        (b"", "That file is empty"),
        (b"name,age\nbob,3\n", "I don't recognise this CSV's header"),
        (b"x" * (MAX_BYTES + 1), "the import limit is 0.2 MB"),
    ],
    ids=["png", "empty", "unknown-header", "too-big"],
)
async def test_bad_files_get_a_clear_ephemeral_answer(club: Club, data: bytes, message: str) -> None:
    result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    assert result.ephemeral
    assert message in answer_of(result)
    assert await db_counts(club) == (0, 0, 0, 0)


async def test_the_wrong_format_choice_is_explained(club: Club, fixtures: Path) -> None:
    data = (fixtures / "storygraph/storygraph_export.bookwyrm.csv").read_bytes()
    result = await club.alice.slash(
        club.channel, "library import", file=("lib.csv", data), format="goodreads"
    )
    assert result.ephemeral
    assert "this file is a storygraph export" in answer_of(result)
    assert await db_counts(club) == (0, 0, 0, 0)


async def test_broken_rows_are_listed_and_good_rows_kept(club: Club) -> None:
    data = (
        b'Title,Author,Exclusive Shelf\nGood,Ann,read\n"Bad"row,Ann,read\n,Ann,read\nAlso Good,Bo,to-read\n'
    )
    result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    assert result.response is not None
    text = result.response.content
    assert "2 added, 0 updated, 0 unchanged, 2 skipped." in text
    assert "• line 3: broken quoting" in text
    assert "• line 4: has no title" in text
    assert (await db_counts(club))[0] == 2


async def test_a_second_import_while_one_runs_is_refused(club: Club, fixtures: Path) -> None:
    data = (fixtures / MAPMYREADS).read_bytes()
    cog = library_cog(club)
    with cog.guard.claim(club.guild.id, club.alice.id):  # Alice's first import is still running
        result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
        assert result.ephemeral
        assert "still running" in answer_of(result)
        assert not result.deferred
        other = await club.bob.slash(club.channel, "library import", file=("lib.csv", data))
        assert other.response is not None
        assert "358 added" in other.response.content  # Bob is not blocked by Alice
    assert (await db_counts(club))[0] == 358


async def test_enrichment_loop_runs_and_stops_with_the_cog(club: Club) -> None:
    cog = library_cog(club)
    assert cog.enrich_loop.is_running()
    await club.bot.remove_cog("Library")
    await club.env.settle()
    assert not cog.enrich_loop.is_running()


async def test_a_restarted_bot_resumes_enrichment_from_the_database(club: Club, fixtures: Path) -> None:
    data = (fixtures / "goodreads/goodreads_library_export.bookwyrm.csv").read_bytes()
    await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    queued = await club.db.fetchval(
        "SELECT count(*) FROM books WHERE source = 'import' AND enriched_at IS NULL AND isbn13 IS NOT NULL"
    )
    assert queued == 2
    assert await club.db.fetchval("SELECT count(*) FROM enrich_attempts") == 0  # import never waits on it

    await club.restart()  # the new bot's loop starts on the queue it finds (the test provider is down)
    await club.env.settle()

    rows = await club.db.fetchall("SELECT attempts, last_error FROM enrich_attempts")
    assert len(rows) == 2
    assert all(row[0] == 1 and "for /search.json" in row[1] for row in rows)
    assert club.take_errors() == ()  # a provider outage is logged, not raised


def test_progress_line_and_summary_wording() -> None:
    assert progress_text(120, 358) == "Importing… 120/358 ▰▰▰▱▱▱▱▱ 33%"
    assert progress_text(358, 358) == "Importing… 358/358 ▰▰▰▰▰▰▰▰ 100%"
    summary = ImportSummary(format="storygraph", total=1, added=1, ratings=1, reviews=1, reviews_shortened=1)
    text = summary_text(summary)
    assert "**StoryGraph import finished** — 1 row." in text
    assert "1 rating and 1 review imported." in text
    assert "1 review over 4,000 characters was shortened to fit." in text
    many = ImportSummary(
        format="goodreads", total=40, skipped=[Skipped(n, "has no title") for n in range(2, 42)]
    )
    text = summary_text(many)
    assert "• line 16: has no title" in text
    assert "• line 17" not in text
    assert "• …and 25 more." in text
    assert len(text) <= 2000


# -- hardening (issue #11) ------------------------------------------------------------------------------
GOODREADS_HEADER_LINE = b"Title,Author,Exclusive Shelf,My Rating,Number of Pages,Read Count\n"


async def job_statuses(club: Club) -> list[str]:
    return [row[0] for row in await club.db.fetchall("SELECT status FROM import_jobs ORDER BY job_id")]


async def test_a_nan_rating_skips_its_line_and_the_import_finishes(club: Club) -> None:
    rows = b"".join(b"Book %d,Ann,read,4,,\n" % n for n in range(300))
    rows = rows.replace(b"Book 260,Ann,read,4", b"Book 260,Ann,read,NaN")
    result = await club.alice.slash(
        club.channel, "library import", file=("lib.csv", GOODREADS_HEADER_LINE + rows)
    )
    assert result.response is not None
    text = result.response.content
    assert "299 added, 0 updated, 0 unchanged, 1 skipped." in text
    assert "• line 262: the rating “NaN” is not a number of stars" in text
    assert await job_statuses(club) == ["done"]


async def test_huge_numbers_are_left_out_and_said_so(club: Club) -> None:
    nines = b"9" * 25
    data = GOODREADS_HEADER_LINE + b"Big,Ann,read,4,%s,2\nMany,Ann,read,4,300,%s\n" % (nines, nines)
    result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    assert result.response is not None
    text = result.response.content
    assert "2 added, 0 updated, 0 unchanged, 0 skipped." in text
    assert (
        "• line 2: the Number of Pages 9999999999999999999… is more than 100,000, so it was left out" in text
    )
    assert "• line 3: the Read Count 9999999999999999999… is more than 1,000, so it was left out" in text
    assert "Error" not in text


@pytest.mark.sqlite_only  # the fault is injected with a SQLite trigger
async def test_an_error_of_ours_mid_import_is_said_and_the_job_is_not_left_running(club: Club) -> None:
    await club.db.execute(  # the disk fails on the second batch
        """CREATE TRIGGER broken_disk BEFORE INSERT ON shelves WHEN new.book_id > 250
        BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"""
    )
    rows = b"".join(b"Book %d,Ann,read,4,,\n" % n for n in range(300))
    result = await club.alice.slash(
        club.channel, "library import", file=("lib.csv", GOODREADS_HEADER_LINE + rows)
    )
    assert result.response is not None
    assert result.response.content == (
        "**The import stopped** after 250 of 300 rows because of an error on our side. The rows imported "
        "so far are saved. Import the same file again to finish: it carries on where it stopped."
    )
    assert await job_statuses(club) == ["failed"]
    assert (await db_counts(club))[0] == 250

    await club.db.execute("DROP TRIGGER broken_disk")
    again = await club.alice.slash(
        club.channel, "library import", file=("lib.csv", GOODREADS_HEADER_LINE + rows)
    )
    assert again.response is not None
    assert "stopped after 250 rows" in again.response.content
    assert "50 added, 0 updated, 250 unchanged, 0 skipped." in again.response.content
    assert await job_statuses(club) == ["done"]


async def test_a_restart_marks_a_running_import_failed(club: Club) -> None:
    await club.db.execute("INSERT INTO guilds (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (club.guild.id,))
    await club.db.execute(
        "INSERT INTO import_jobs (guild_id, user_id, format, file_sha256, started_at) "
        "VALUES (?, ?, 'goodreads', 'abc', '2026-11-25T12:00:00.000Z')",
        (club.guild.id, club.alice.id),
    )
    await club.restart()
    assert await job_statuses(club) == ["failed"]


ORIGINAL = "/webhooks/*/*/messages/@original"
TRIES = 5  # discord.py tries a webhook request five times on a 500


async def test_a_lost_summary_edit_falls_back_to_a_followup_and_is_logged(
    club: Club, fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Every edit of the message fails (each tried five times): the first progress line, then the summary.
    club.env.inject_error("PATCH", ORIGINAL, times=2 * TRIES)
    data = (fixtures / MAPMYREADS).read_bytes()

    with caplog.at_level(logging.WARNING, logger="cogs.library"):
        result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))

    # The follow-up completes the deferred reply (Discord shows it in place of "thinking…").
    assert [m.content for m in result.followups] == []
    assert result.response is not None
    assert result.ephemeral
    assert "**Goodreads import finished** — 358 rows." in result.response.content
    assert [r.method for r in club.env.http_requests if "/webhooks/" in r.path][-1] == "POST"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("could not edit the import message" in m for m in warnings) == 2


async def test_when_the_followup_fails_too_the_summary_comes_by_dm(
    club: Club, fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    club.env.inject_error("PATCH", ORIGINAL, times=2 * TRIES)
    club.env.inject_error("POST", "/webhooks/*", times=TRIES)
    data = (fixtures / MAPMYREADS).read_bytes()

    with caplog.at_level(logging.WARNING, logger="cogs.library"):
        result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))

    assert result.followups == []
    dms = [
        str(r.json["content"])
        for r in club.env.http_requests
        if r.method == "POST"
        and r.path.startswith("/channels/")
        and isinstance(r.json, dict)
        and "import finished" in str(r.json.get("content"))
    ]
    assert len(dms) == 1
    assert "358 added" in dms[0]
    assert any("as a follow-up" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le"])
async def test_utf16_and_utf32_files_import(club: Club, encoding: str) -> None:
    text = "Title,Author,Exclusive Shelf\r\nDune,Frank Herbert,read\r\nÉmile,Rousseau,to-read\r\n"
    result = await club.alice.slash(club.channel, "library import", file=("lib.csv", text.encode(encoding)))
    assert result.response is not None
    assert "2 added, 0 updated, 0 unchanged, 0 skipped." in result.response.content


async def test_cr_only_line_endings_import(club: Club) -> None:
    data = b"Title,Author,Exclusive Shelf\rDune,Frank Herbert,read\r,Nobody,read\rEmma,Jane Austen,read\r"
    result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    assert result.response is not None
    assert "2 added, 0 updated, 0 unchanged, 1 skipped." in result.response.content
    assert "• line 3: has no title" in result.response.content


async def test_a_stray_quote_in_the_header_is_named(club: Club) -> None:
    data = b'"Title,Author,Exclusive Shelf\nDune,Frank Herbert,read\n'
    result = await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    assert result.ephemeral
    answer = answer_of(result)
    assert "stray quote mark" in answer
    assert "empty" not in answer
    assert await db_counts(club) == (0, 0, 0, 0)


async def test_a_formula_title_is_neutralised_in_another_members_export(club: Club) -> None:
    formula = '=HYPERLINK("https://phish.example/login","Click me")'
    row = 'Title,Author,ISBN13,Exclusive Shelf\n"{}",Ann,"=""9780441013593""",read\n'
    await club.alice.slash(
        club.channel, "library import", file=("a.csv", row.format(formula.replace('"', '""')).encode())
    )
    await club.bob.slash(club.channel, "library import", file=("b.csv", row.format("Dune").encode()))

    result = await club.bob.slash(club.channel, "library export")

    message = result.followups[0] if result.followups else result.response
    assert message is not None
    exported = (await message.attachments[0].read()).decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["Title"] == "'" + formula
    assert rows[0]["ISBN13"] == '="9780441013593"'


async def test_an_imported_title_stays_in_the_server_that_imported_it(club: Club) -> None:
    """A real ISBN the catalogue lacks, under a made-up title: the other server never sees that title."""
    data = b'Title,Author,ISBN13,Exclusive Shelf\nMade Up Title,Nobody,"=""9780441013593""",read\n'
    await club.alice.slash(club.channel, "library import", file=("lib.csv", data))
    book_id = await club.db.fetchval("SELECT book_id FROM books WHERE isbn13 = '9780441013593'")
    elsewhere = club.env.create_guild("Elsewhere")
    channel = elsewhere.create_text_channel("general")
    carol = elsewhere.add_member(club.env.create_user("carol"))

    mine = await club.alice.autocomplete(club.channel, "book show", "book", "made up")
    theirs = await carol.autocomplete(channel, "book show", "book", "made up")
    shown = await carol.slash(channel, "book show", book="9780441013593")

    assert [c["value"] for c in mine] == [f"book:{book_id}"]
    assert theirs == []
    answer = answer_of(shown)
    assert "No book with ISBN 9780441013593 is known yet" in answer  # the providers are down here
    assert "Made Up" not in answer
