"""What members see when titles and names are hostile or huge, through the real client on simcord.

Imported titles and display names are shown as typed, never as markdown (no live masked link,
heading or spoiler); titles of any length are shortened where shown so every message fits
Discord's limits; a change that was saved is never answered as a failure. The `club` fixture's
payload audit checks every message of these tests against Discord's limits as well.
"""

from __future__ import annotations

import re
from datetime import timedelta

import discord
import pytest
import simcord

from bot.errors import BookGone
from bot.models.books import BookData
from tests.cogs.test_ratings import reply, snapshot
from tests.components import text_of
from tests.conftest import Club
from tests.helpers import seed_book
from tests.services.test_digest_content import Seed

PHISH = "[Official page](https://phish.example/login)"
NITRO = "[free nitro](https://x.co/a)"
LOUD = "# big **bold** ||x"
PHISH_SHOWN = r"\[Official page\](https://phish.example/login)"
NITRO_SHOWN = r"\[free nitro\](https://x.co/a)"
LOUD_SHOWN = r"\# big \*\*bold\*\* \|\|x"
# A `[text](url)` whose brackets are not escaped: Discord would draw it as a masked link.
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(")

DEFOE = (
    "The Life and Strange Surprizing Adventures of Robinson Crusoe, of York, Mariner: Who lived "
    "Eight and Twenty Years, all alone in an un-inhabited Island on the Coast of America, near the "
    "Mouth of the Great River of Oroonoque; Having been cast on Shore by Shipwreck, wherein all the "
    "Men perished but himself. With An Account how he was at last as strangely deliver'd by Pyrates"
)
SAVED_NOT_SHOWN = "Done: that went through, but I could not show the result here."


def shown(message: discord.Message | simcord.ResponseMessage) -> str:
    """A message's text as a member reads it: its content and every text display."""
    components = [c if isinstance(c, dict) else c.to_dict() for c in message.components]  # type: ignore[attr-defined]
    return "\n".join(part for part in (message.content or "", text_of(components)) if part)


def posted(club: Club) -> list[str]:
    """The text of every message in #general, oldest first."""
    return [shown(message) for message in reversed(list(club.channel.history()))]


def test_defoe_is_the_real_374_character_title() -> None:
    assert len(DEFOE) == 374


# -- markdown -----------------------------------------------------------------------------------


async def test_titles_and_names_are_shown_as_typed_on_every_public_message(club: Club) -> None:
    phish = await seed_book(club.db, BookData(title=PHISH, subtitle=LOUD, authors=(LOUD,), pages=100))
    loud = await seed_book(club.db, BookData(title=LOUD, authors=(PHISH,), pages=300))
    mallory = club.guild.add_member(club.env.create_user("mallory"), nick=NITRO)

    page = await mallory.slash(club.channel, "book show", book=f"book:{phish.book_id}")
    assert page.response is not None
    heading = shown(page.response)
    assert f"## {PHISH_SHOWN}\n**{LOUD_SHOWN}**\nby {LOUD_SHOWN}" in heading

    progress = await mallory.slash(club.channel, "progress", book=f"book:{phish.book_id}", page=100)
    assert progress.response is not None
    assert shown(progress.response).startswith(
        f"**{NITRO_SHOWN}** is on page 100 of 100 (100%) in *{PHISH_SHOWN}*."
    )
    await mallory.click(progress.response, custom_id=f"finish:{mallory.id}:{phish.book_id}:10")
    finished = club.channel.last_message
    assert finished is not None
    assert shown(finished) == f"**{NITRO_SHOWN}** finished *{PHISH_SHOWN}* and rated it ★★★★★."

    await mallory.slash(club.channel, "progress", book=f"book:{loud.book_id}", page=30)
    shelf = await mallory.slash(club.channel, "shelf show")
    assert shelf.response is not None
    shelf_text = shown(shelf.response)
    assert f"### {NITRO_SHOWN}'s shelves" in shelf_text
    assert f"**{PHISH_SHOWN}** by {LOUD_SHOWN}" in shelf_text
    assert f"**{LOUD_SHOWN}** by {PHISH_SHOWN}" in shelf_text

    profile = await mallory.slash(club.channel, "profile")
    assert profile.response is not None
    profile_text = shown(profile.response)
    assert f"## {NITRO_SHOWN}" in profile_text
    assert f"- *{LOUD_SHOWN}* — on page 30 of 300 (10%)" in profile_text

    everything = posted(club)
    assert len(everything) == 5  # the page, two progress updates (the first now finished), shelves, profile
    for text in everything:
        assert not LIVE_LINK.search(text), text
        assert "\n# " not in text
        assert "||x" not in text


async def test_search_results_and_replies_show_titles_as_typed(club: Club) -> None:
    book = await seed_book(club.db, BookData(title=PHISH, authors=(LOUD,)))
    found = await club.alice.slash(club.channel, "book search", query="Official page")
    assert found.response is not None
    results = shown(found.response)
    assert f"**1. {PHISH_SHOWN}**\n{LOUD_SHOWN}" in results
    assert not LIVE_LINK.search(results)
    rated = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4)
    assert reply(rated) == f"You rated *{PHISH_SHOWN}* ★★★★ (4)."
    added = await club.alice.slash(club.channel, "shelf add", book=f"book:{book.book_id}", shelf="read")
    assert reply(added) == f"Put *{PHISH_SHOWN}* on your Read shelf."


# -- the digest -----------------------------------------------------------------------------------


async def test_the_digest_never_shows_a_spoiler_its_excerpt_cut_open(club: Club) -> None:
    seed = Seed(club.db, club.guild.id)
    dune = await seed.book("Dune", "Frank Herbert", 412)
    await seed.member(club.bob.id, NITRO)
    body = "A slow start, then ||the Emperor dies at the end. " + "Every clue says so. " * 20 + "||"
    await seed.review(club.bob.id, dune, body, at=club.clock() - timedelta(days=1), stars_x2=8)
    result = await club.alice.slash(club.channel, "digest preview")
    assert result.response is not None
    text = shown(result.response)
    assert f"**{NITRO_SHOWN}** on *Dune* · ★★★★\n> A slow start, then (spoiler)" in text
    assert "Emperor" not in text
    assert not LIVE_LINK.search(text)


# -- long titles ---------------------------------------------------------------------------------

LENGTHS = [374, 2100, 10_000]
MANY_AUTHORS = tuple(f"Contributor Number {n:03d} of the Collected Edition" for n in range(60))


def long_title(length: int) -> str:
    return (
        DEFOE
        if length == len(DEFOE)
        else (DEFOE + " ") * (length // (len(DEFOE) + 1)) + "x" * (length % (len(DEFOE) + 1))
    )


@pytest.mark.parametrize("length", LENGTHS)
async def test_every_command_fits_a_huge_title_and_a_long_author_list(club: Club, length: int) -> None:
    title = long_title(length)
    assert len(title) == length
    books = [
        (
            await seed_book(
                club.db,
                BookData(title=title, authors=MANY_AUTHORS, pages=500, description=f"{title} {title}"),
            )
        )
        for _ in range(10)
    ]
    first = books[0].book_id

    page = await club.alice.slash(club.channel, "book show", book=f"book:{first}")
    assert page.response is not None
    assert "…" in shown(page.response).split("\n", 1)[0]  # the heading's title is shortened

    rated = await club.alice.slash(club.channel, "rate", book=f"book:{first}", stars=4.5)
    assert reply(rated).startswith("You rated *The Life and Strange Surprizing")
    assert reply(rated).endswith("…* ★★★★½ (4.5).")
    assert await club.db.fetchval("SELECT stars_x2 FROM ratings") == 9

    for book in books:
        added = await club.alice.slash(club.channel, "shelf add", book=f"book:{book.book_id}", shelf="read")
        assert reply(added).startswith("Put *The Life")
    assert await club.db.fetchval("SELECT count(*) FROM shelves WHERE shelf = 'read'") == 10

    progress = await club.bob.slash(club.channel, "progress", book=f"book:{first}", page=20)
    assert progress.response is not None
    assert shown(progress.response).startswith("**bob** is on page 20 of 500 (4%) in *The Life")
    assert await club.db.fetchval("SELECT page FROM shelves WHERE user_id = ?", (club.bob.id,)) == 20

    shelf = await club.alice.slash(club.channel, "shelf show", shelf="read")
    assert shelf.response is not None
    assert shown(shelf.response).count("**The Life") == 10

    profile = await club.bob.slash(club.channel, "profile")
    assert profile.response is not None
    assert "- *The Life" in shown(profile.response)

    listed = await club.alice.slash(club.channel, "reviews", book=f"book:{first}")
    assert listed.response is not None
    assert shown(listed.response).startswith("## Reviews of **The Life")

    found = await club.alice.slash(club.channel, "book search", query="Robinson Crusoe")
    assert found.response is not None
    assert shown(found.response).count("**") >= 20  # ten results, each shortened

    choices = await club.alice.autocomplete(club.channel, "rate", "book", "Robinson Crusoe")
    assert len(choices) == 10
    assert all(len(choice["name"]) <= 100 and choice["name"].endswith("…") for choice in choices)

    more = await club.alice.click(page.response, custom_id=f"book:desc:{first}")
    assert more.response is not None
    assert more.response.ephemeral

    written = await club.alice.slash(club.channel, "review write", book=f"book:{first}")
    assert written.modal is not None
    saved = await club.alice.submit_modal(written, {"stars": ["8"], "body": "Long, and worth it."})
    assert saved.response is not None
    assert "is saved. Its card is posted" in str(saved.response.content)


# -- a reply failing after its change was saved --------------------------------------------------


async def test_a_reply_that_fails_after_the_write_says_the_change_is_saved(
    club: Club,
) -> None:
    book = await seed_book(club.db)
    club.env.inject_error(
        "POST", "/interactions/*/callback", status=400, code=50035, message="Invalid Form Body"
    )
    rated = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4)
    assert reply(rated).startswith(SAVED_NOT_SHOWN)
    assert await club.db.fetchval("SELECT stars_x2 FROM ratings") == 8
    assert len(club.take_errors()) == 1  # logged by the tree with its ref: an operator sees why

    club.env.inject_error(
        "POST", "/interactions/*/callback", status=400, code=50035, message="Invalid Form Body"
    )
    progress = await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=12)
    assert reply(progress).startswith(SAVED_NOT_SHOWN)
    assert len(club.take_errors()) == 1
    assert await club.db.fetchval("SELECT page FROM shelves") == 12

    page = await club.alice.slash(club.channel, "book show", book=f"book:{book.book_id}")
    assert page.response is not None
    club.env.inject_error(
        "POST", "/interactions/*/callback", status=400, code=50035, message="Invalid Form Body"
    )
    starred = await club.bob.click(page.response, custom_id=f"rate:{book.book_id}:6")
    assert reply(starred).startswith(SAVED_NOT_SHOWN)
    assert await club.db.fetchval("SELECT stars_x2 FROM ratings WHERE user_id = ?", (club.bob.id,)) == 6


# -- one resolver for every command ---------------------------------------------------------------

BAD_TOKENS = ["book:99999999999999999999999", "book:9223372036854775808", "book:-1", "book:-0", "book:0"]
COMMANDS: list[tuple[str, dict[str, object]]] = [
    ("book show", {}),
    ("rate", {"stars": 4}),
    ("unrate", {}),
    ("shelf add", {"shelf": "read"}),
    ("shelf remove", {}),
    ("progress", {"page": 3}),
    ("review write", {}),
    ("review edit", {}),
    ("review delete", {}),
    ("reviews", {}),
]


@pytest.mark.parametrize("token", BAD_TOKENS)
async def test_a_book_id_out_of_range_gets_one_clear_refusal_everywhere(club: Club, token: str) -> None:
    await seed_book(club.db)
    before = await snapshot(club.db)
    for command, options in COMMANDS:
        result = await club.alice.slash(club.channel, command, book=token, **options)
        assert reply(result) == BookGone.MESSAGE, (command, token)
    assert await snapshot(club.db) == before


# -- stars ---------------------------------------------------------------------------------------


async def test_stars_within_a_millionth_of_a_half_step_count_as_it(club: Club) -> None:
    book = await seed_book(club.db)
    result = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4.999999999)
    assert reply(result) == "You rated *MIG Pilot* ★★★★★ (5)."
    result = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=3.5000001)
    assert reply(result) == "You rated *MIG Pilot* ★★★½ (3.5) (was 5)."
    before = await snapshot(club.db)
    result = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4.99999)
    assert reply(result) == "4.99999 is not a rating: give 1 to 5 stars in half steps (1, 1.5, 2 … 4.5, 5)."
    assert await snapshot(club.db) == before
