"""Playing hostile inputs through one running bot: draw them, send them, check every answer, recount.

Starting a bot per example is slow, so a test draws its examples up front (`examples`, as many as
the active hypothesis profile allows) and plays them all in its one `club`, checking each answer
as it comes (`Probe.play`): a clear answer or a normal success, never an apology with an error id
and never a bug. `recount` then compares every aggregate with a count of the base tables.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import discord
import simcord
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from bot.books.service import build_book_service
from bot.client import BookClubBot
from bot.config import Settings
from bot.db import Database
from bot.tree import describe
from tests.components import text_of
from tests.conftest import Clock, Club

T = TypeVar("T")

APOLOGY = ("Sorry, something went wrong", "error id")

RESTART_EVERY = 100  # inputs played by one bot before `Probe` restarts it (see Probe)

# Inputs tried per family in this session; the hostile conftest prints it (always under "fuzz").
TRIED: Counter[str] = Counter()


def examples(strategy: st.SearchStrategy[T], *, share: float = 1.0) -> list[T]:
    """Inputs drawn by hypothesis: the profile's `max_examples` (times `share`), to play in one club.

    Hypothesis drives the drawing (its edge cases first, derandomized under "ci"); the playing
    happens afterwards in the running bot, and a failure names the input that caused it.
    """
    count = max(1, round(settings.default.max_examples * share))
    drawn: list[T] = []

    @settings(max_examples=count, phases=[Phase.explicit, Phase.generate])
    @given(strategy)
    def draw(value: T) -> None:
        drawn.append(value)

    draw()
    return drawn


def shown(result: simcord.InteractionResult) -> list[str]:
    """Every text the member was shown in answer: content and Components V2 text, response first."""
    messages = [result.response] if result.response is not None else []
    messages += result.followups
    return [f"{message.content}\n{text_of(message.components)}" for message in messages]


def answered_privately(result: simcord.InteractionResult) -> bool:
    messages = [result.response] if result.response is not None else []
    messages += result.followups
    return bool(messages) and all(message.ephemeral for message in messages)


@dataclass
class Probe:
    """Plays one family's hostile inputs in a club and holds every answer to the rules.

    A broken rule is recorded with the input that broke it and the run goes on, so one run
    lists every failing input; `finish` fails the test with them. Every `RESTART_EVERY` inputs the bot restarts
    on its database, as a long-running process would not, so that hundreds of pages' view timers
    (discord.py keeps each sent view for minutes) do not slow simcord's settling to a crawl.
    """

    club: Club
    family: str
    played: int = 0
    delivered: int = 0
    refused: int = 0  # by Discord itself (simcord refuses the same way): never reached the bot
    refusals: int = 0  # by the bot, with a clear answer
    refused_because: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    async def play(
        self,
        what: str,
        action: Callable[[], Awaitable[simcord.InteractionResult]],
    ) -> simcord.InteractionResult | None:
        """Send one input; None when Discord would not have delivered it (or it failed a rule)."""
        await self._count()
        try:
            return await self._play(what, action)
        except AssertionError as failure:
            self.failures.append(str(failure))
            return None

    async def _play(
        self, what: str, action: Callable[[], Awaitable[simcord.InteractionResult]]
    ) -> simcord.InteractionResult | None:
        try:
            result = await action()
        except simcord.SetupError as refusal:
            self.refuse(refusal)
            self.expect_no_bug(what)
            return None
        self.delivered += 1
        expected = self.expect_no_bug(what)
        assert result.acknowledged or result.modal is not None, f"{what}: no answer at all"
        texts = shown(result)
        apologies = [text for text in texts if any(word in text for word in APOLOGY)]
        assert not apologies, f"{what}: answered {apologies}"
        if expected:
            self.refusals += 1
            assert answered_privately(result), f"{what}: a refusal shown to everyone: {texts}"
        return result

    async def choices(self, what: str, action: Callable[[], Awaitable[list[dict[str, Any]]]]) -> None:
        """Type one input into an autocomplete option: a list of valid choices, never an error."""
        await self._count()
        try:
            try:
                offered = await action()
            except simcord.SetupError as refusal:
                self.refuse(refusal)
                self.expect_no_bug(what)
                return
            self.delivered += 1
            assert not self.expect_no_bug(what), f"{what}: autocomplete raised"
            assert len(offered) <= 25, what
            for choice in offered:
                assert 1 <= len(choice["name"]) <= 100, f"{what}: choice {choice!r}"
                assert 1 <= len(str(choice["value"])) <= 100, f"{what}: choice {choice!r}"
        except AssertionError as failure:
            self.failures.append(str(failure))

    def refuse(self, refusal: simcord.SetupError) -> None:
        self.refused += 1
        self.refused_because[str(refusal)[:80]] += 1

    async def _count(self) -> None:
        if self.played and self.played % RESTART_EVERY == 0:
            await self.club.restart()
        self.played += 1
        TRIED[self.family] += 1

    def expect_no_bug(self, what: str) -> list[BaseException]:
        """The errors the bot answered as expected (refusals); a bug breaks the rules."""
        errors = self.club.take_errors()
        bugs = [error for error in errors if describe(error) is None]
        assert not bugs, f"{what}: the bot raised {bugs!r}"
        return list(errors)

    def check(self, condition: bool, what: str) -> None:
        """A family's own rule about one input's outcome (recorded like the others)."""
        if not condition:
            self.failures.append(what)

    def finish(self) -> None:
        """Fail on every broken rule; most inputs must also have reached the bot (else the test
        exercised Discord's own checks rather than ours)."""
        assert not self.failures, f"{len(self.failures)} input(s) broke the rules:\n" + "\n".join(
            self.failures[:20]
        )
        assert self.delivered >= self.refused, (
            self.family,
            self.delivered,
            self.refused_because.most_common(5),
        )


# -- aggregates against a recount of the base tables ----------------------------------------
BOOK_COLUMNS = (
    "ratings_count",
    "ratings_sum_x2",
    "stars_1",
    "stars_2",
    "stars_3",
    "stars_4",
    "stars_5",
    "reviews_count",
    "want_to_read",
    "currently_reading",
    "read_count",
    "did_not_finish",
)
SHELF_COLUMNS = {
    "want-to-read": "want_to_read",
    "currently-reading": "currently_reading",
    "read": "read_count",
    "did-not-finish": "did_not_finish",
}
MEMBER_SHELF_COLUMNS = {
    "want-to-read": "shelf_want_to_read",
    "currently-reading": "shelf_currently_reading",
    "read": "shelf_read",
    "did-not-finish": "shelf_did_not_finish",
}
MEMBER_COLUMNS = (
    "reviews_count",
    "followers_count",
    "following_count",
    "ratings_count",
    "ratings_sum_x2",
    *MEMBER_SHELF_COLUMNS.values(),
)


def _nonzero(table: dict[tuple[int, ...], dict[str, int]]) -> dict[tuple[int, ...], dict[str, int]]:
    return {key: row for key, row in table.items() if any(row.values())}


async def _stored(
    db: Database, query: str, width: int, columns: tuple[str, ...]
) -> dict[Any, dict[str, int]]:
    rows = await db.fetchall(query)
    return _nonzero({tuple(row[:width]): {c: int(row[c]) for c in columns} for row in rows})


async def recount(db: Database) -> list[str]:
    """Every aggregate row that differs from a count of the base tables (empty: all equal)."""
    books: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BOOK_COLUMNS, 0))
    members: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEMBER_COLUMNS, 0))
    star_rows: dict[Any, dict[str, int]] = defaultdict(lambda: {"reviews": 0})
    for guild, book, user, x2 in await db.fetchall(
        "SELECT guild_id, book_id, user_id, stars_x2 FROM ratings"
    ):
        books[guild, book]["ratings_count"] += 1
        books[guild, book]["ratings_sum_x2"] += x2
        books[guild, book][f"stars_{x2 // 2}"] += 1
        members[guild, user]["ratings_count"] += 1
        members[guild, user]["ratings_sum_x2"] += x2
    for guild, book, user, x2 in await db.fetchall(
        "SELECT guild_id, book_id, user_id, stars_x2 FROM reviews"
    ):
        books[guild, book]["reviews_count"] += 1
        members[guild, user]["reviews_count"] += 1
        star_rows[guild, book, (x2 or 0) // 2]["reviews"] += 1
    for guild, book, user, shelf in await db.fetchall(
        "SELECT guild_id, book_id, user_id, shelf FROM shelves"
    ):
        books[guild, book][SHELF_COLUMNS[shelf]] += 1
        members[guild, user][MEMBER_SHELF_COLUMNS[shelf]] += 1
    for guild, follower, followee in await db.fetchall(
        "SELECT guild_id, follower_id, followee_id FROM follows"
    ):
        members[guild, follower]["following_count"] += 1
        members[guild, followee]["followers_count"] += 1
    problems: list[str] = []
    pairs = [
        ("book_stats", books, await _stored(db, "SELECT * FROM book_stats", 2, BOOK_COLUMNS)),
        ("member_stats", members, await _stored(db, "SELECT * FROM member_stats", 2, MEMBER_COLUMNS)),
        (
            "review_star_counts",
            star_rows,
            await _stored(db, "SELECT * FROM review_star_counts", 3, ("reviews",)),
        ),
    ]
    for table, counted, stored in pairs:
        expected = _nonzero(dict(counted))
        for key in sorted(expected.keys() | stored.keys()):
            if expected.get(key) != stored.get(key):
                problems.append(f"{table} {key}: stored {stored.get(key)}, counted {expected.get(key)}")
    likes = await db.fetchall(
        """SELECT r.review_id, r.likes, (SELECT count(*) FROM review_likes AS l WHERE l.review_id = r.review_id)
           FROM reviews AS r"""
    )
    problems += [
        f"reviews {review}: likes {stored}, counted {counted}"
        for review, stored, counted in likes
        if stored != counted
    ]
    return problems


# -- many interactions at once ---------------------------------------------------------------
@asynccontextmanager
async def burst(env: simcord.Env) -> AsyncIterator[None]:
    """Interactions sent inside arrive together: each is delivered at once, all settle on leaving.

    simcord settles the bot after every interaction and refuses overlapping operations, so a
    burst delivers each INTERACTION_CREATE without waiting, and the bot runs them concurrently
    (each in its own task, as on a busy gateway) until the one settle at the end.
    """
    real = env._settle_internal

    async def deliver_only(**kwargs: Any) -> None:
        if kwargs.get("dispatch") != "INTERACTION_CREATE":
            await real(**kwargs)

    env._settle_internal = deliver_only  # type: ignore[method-assign]
    try:
        yield
    finally:
        env._settle_internal = real  # type: ignore[method-assign]
    await env.settle()


def without_enricher(
    settings: Settings, db: Database, session: aiohttp.ClientSession, clock: Clock
) -> BookClubBot:
    """The bot as `python -m bot` builds it, without the background enrichment of imported books.

    Enrichment is not under test here, and its `tasks.loop` cannot be settled by simcord once the
    virtual time hundreds of inputs let pass crosses its interval (the loop waits on a future
    simcord does not recognise, and the settle times out).
    """
    books = build_book_service(settings, session, db, clock=clock)
    return BookClubBot(settings=settings, db=db, session=session, clock=clock, books=books)


def member_named(club: Club, nick: str, *, guild: simcord.GuildHandle | None = None) -> simcord.MemberActor:
    """A new member whose display name is `nick` (cut to Discord's 32 characters)."""
    where = guild or club.guild
    return where.add_member(
        club.env.create_user(f"member{len(club.env.backend.users)}"), nick=nick[:32] or None
    )


def second_server(
    club: Club, name: str = "Elsewhere"
) -> tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.RoleHandle]:
    """Another server with the bot, its own #general, and an Admins role."""
    guild = club.env.create_guild(name)
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
    return guild, channel, admins
