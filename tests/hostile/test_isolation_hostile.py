"""Two servers side by side: what members write in one never shows in the other's pages and lists.

Every view of server B (book page, reviews, shelves, profiles, digest preview) is read before and
after a round of writes in server A, and must read the same; then the other way round.
"""

from __future__ import annotations

import pytest
import simcord

from tests.conftest import BotFactory, Club
from tests.helpers import seed_book
from tests.hostile.strategies import bounded_text
from tests.hostile.support import (
    Probe,
    examples,
    member_named,
    recount,
    second_server,
    shown,
    without_enricher,
)

FAMILY = "isolation (two servers)"


@pytest.fixture
def bot_factory() -> BotFactory:
    return without_enricher


class Server:
    """One server's members as this audit uses them."""

    def __init__(
        self,
        channel: simcord.ChannelHandle,
        admin: simcord.MemberActor,
        alice: simcord.MemberActor,
        bob: simcord.MemberActor,
    ) -> None:
        self.channel, self.admin, self.alice, self.bob = channel, admin, alice, bob


async def views(probe: Probe, server: Server, book_id: int) -> dict[str, list[str]]:
    """Everything members of `server` can read about the club, by view."""
    book = f"book:{book_id}"
    asks = {
        "book page": lambda: server.admin.slash(server.channel, "book show", book=book),
        "reviews": lambda: server.alice.slash(server.channel, "reviews", book=book),
        "reviews, most liked": lambda: server.bob.slash(
            server.channel, "reviews", book=book, sort="most liked"
        ),
        "alice's shelves": lambda: server.alice.slash(server.channel, "shelf show"),
        "bob's shelves": lambda: server.alice.slash(server.channel, "shelf show", member=server.bob),
        "alice's profile": lambda: server.bob.slash(server.channel, "profile", member=server.alice),
        "bob's profile": lambda: server.bob.slash(server.channel, "profile"),
        "digest preview": lambda: server.admin.slash(server.channel, "digest preview"),
        "digest status": lambda: server.admin.slash(server.channel, "digest status"),
    }
    seen: dict[str, list[str]] = {}
    for name, ask in asks.items():
        result = await probe.play(f"{name} in {server.channel.id}", ask)
        assert result is not None, name
        seen[name] = shown(result)
    return seen


async def club_writes(probe: Probe, club: Club, server: Server, book_id: int, bodies: list[str]) -> None:
    """A round of every kind of write, by every member of `server`."""
    book = f"book:{book_id}"
    channel, admin, alice, bob = server.channel, server.admin, server.alice, server.bob
    writes = [
        ("alice rates", lambda: alice.slash(channel, "rate", book=book, stars=5)),
        ("bob rates", lambda: bob.slash(channel, "rate", book=book, stars=2.5)),
        ("alice shelves", lambda: alice.slash(channel, "shelf add", book=book, shelf="currently-reading")),
        ("alice progresses", lambda: alice.slash(channel, "progress", book=book, page=100)),
        ("bob shelves", lambda: bob.slash(channel, "shelf add", book=book, shelf="read")),
        ("alice follows bob", lambda: alice.slash(channel, "follow", member=bob)),
        ("bob follows alice", lambda: bob.slash(channel, "follow", member=alice)),
        ("alice's goal", lambda: alice.slash(channel, "goal", books=42)),
        (
            "digest setup",
            lambda: admin.slash(
                channel,
                "digest setup",
                channel=channel,
                weekday="Friday",
                time="18:00",
                timezone="Europe/Prague",
            ),
        ),
    ]
    for what, write in writes:
        await probe.play(what, write)
    for n, body in enumerate(["Alice's own review.", *bodies]):
        writer = alice if n == 0 else member_named(club, f"reviewer {n}", guild=server.admin.guild)

        async def review(writer: simcord.MemberActor = writer, body: str = body) -> simcord.InteractionResult:
            form = await writer.slash(channel, "review write", book=book)
            assert form.modal is not None
            return await writer.submit_modal(form, {"stars": ["8"], "body": body})

        await probe.play(f"review {body!r}", review)
    card, like = next(
        (message, str(node["custom_id"]))
        for message in channel.history()
        for node in _walk([c.to_dict() for c in message.components])  # type: ignore[attr-defined]
        if str(node.get("custom_id", "")).startswith("rv:like:")
    )
    await probe.play("bob likes a card", lambda: bob.click(card, custom_id=like))


def _walk(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


async def test_writes_in_one_server_never_show_in_the_other(club: Club) -> None:
    book = await seed_book(club.db)
    guild, channel, admins = second_server(club)
    here = Server(club.channel, club.admin, club.alice, club.bob)
    there = Server(
        channel,
        guild.add_member(club.admin.user, roles=[admins]),
        guild.add_member(club.alice.user),
        guild.add_member(club.bob.user),
    )
    probe = Probe(club, FAMILY)
    bodies = [body for body in examples(bounded_text(4000), share=0.2) if body.strip()]

    before = await views(probe, there, book.book_id)
    untouched = await views(probe, here, book.book_id)
    await club_writes(probe, club, here, book.book_id, bodies)
    after = await views(probe, there, book.book_id)
    for name in before:
        probe.check(after[name] == before[name], f"server B's {name} changed after writes in server A")

    mine = await views(probe, here, book.book_id)
    # The audit can see a leak: in their own server, the same views do change.
    changed = {name for name in mine if mine[name] != untouched[name]}
    assert changed >= {"book page", "reviews", "alice's shelves", "alice's profile", "digest status"}, changed
    await club_writes(probe, club, there, book.book_id, bodies)
    again = await views(probe, here, book.book_id)
    for name in mine:
        probe.check(again[name] == mine[name], f"server A's {name} changed after writes in server B")
    probe.finish()
    assert await recount(club.db) == []
