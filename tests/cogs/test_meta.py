"""/about and /help through the real client on simcord."""

from __future__ import annotations

import json

from tests.components import text_of
from tests.conftest import Club


async def test_about_shows_version_and_zero_counts(club: Club) -> None:
    result = await club.alice.slash(club.channel, "about")
    assert result.ephemeral
    assert result.response is not None
    text = text_of(result.response.components)
    assert f"bookclub-bot {club.bot.version}" in text
    assert "**Readers** holds 0 books, 0 ratings and 0 reviews." in text


async def test_help_lists_every_command_from_the_tree(club: Club) -> None:
    result = await club.alice.slash(club.channel, "help")
    assert result.ephemeral
    assert result.response is not None
    text = text_of(result.response.components)
    names = [c.qualified_name for c in club.bot.tree.walk_commands() if not hasattr(c, "commands")]
    assert names, "the tree has commands"
    for name in names:
        assert f"`/{name}` — " in text
    assert "`/about` — The bot's version and what this server's club holds." in text
    json.dumps(result.response.components)  # plain data, as sent to Discord


async def test_about_links_an_invite_with_the_permissions_the_readme_lists(club: Club) -> None:
    from bot.ui.meta import INVITE_PERMISSIONS
    from tests.conftest import REPO

    result = await club.alice.slash(club.channel, "about")
    assert result.response is not None
    text = text_of(result.response.components)
    assert f"permissions={INVITE_PERMISSIONS.value}" in text
    assert "scope=bot+applications.commands" in text
    assert f"permissions={INVITE_PERMISSIONS.value}" in (REPO / "README.md").read_text()


async def test_about_counts_what_the_club_holds_and_forgets_what_was_undone(club: Club) -> None:
    from bot.db.books import upsert_book
    from bot.models.books import BookData

    kept = (await upsert_book(club.db, BookData(title="Kept", authors=("A",)))).book_id
    undone = (await upsert_book(club.db, BookData(title="Undone", authors=("B",)))).book_id
    await club.alice.slash(club.channel, "rate", book=f"book:{kept}", stars=4.5)
    await club.bob.slash(club.channel, "rate", book=f"book:{kept}", stars=3)
    await club.bob.slash(club.channel, "rate", book=f"book:{undone}", stars=2)
    await club.bob.slash(club.channel, "unrate", book=f"book:{undone}")
    result = await club.alice.slash(club.channel, "about")
    assert result.response is not None
    assert "**Readers** holds 1 book, 2 ratings and 0 reviews." in text_of(result.response.components)
