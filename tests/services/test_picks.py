"""Choosing the next book without Discord: suggestions, the vote's claim, counting and closing once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
from bot.errors import UserFacingError
from bot.services import picks as service
from bot.services import sends
from tests.cogs.pick_support import books

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD = 5


async def test_suggesting_again_replaces_and_the_same_book_updates_the_pitch(db: Database) -> None:
    one, two = await books(db, 2)
    first = await service.suggest(db, GUILD, 1, one, None, NOW)
    assert (first.kind, first.count) == ("new", 1)
    again = await service.suggest(db, GUILD, 1, two, "  Better  ", NOW)
    assert again.kind == "replaced"
    assert again.replaced is not None
    assert again.replaced.title == "Book 1"
    assert again.suggestion.pitch == "Better"
    same = await service.suggest(db, GUILD, 1, two, "Best", NOW)
    assert (same.kind, same.count, same.suggestion.pitch) == ("pitch", 1, "Best")


async def test_counts_and_a_single_close(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two, three = await books(db, 3)
    for user, book in enumerate((one, two, three), start=1):
        await service.suggest(db, GUILD, user, book, None, NOW)
    vote = await service.claim_vote(db, GUILD, user_id=9, mode="ranked", hours=2, channel_id=7, now=NOW)
    with pytest.raises(UserFacingError, match="This vote closed"):  # not posted yet: no ballots
        await service.set_rank(db, vote.vote_id, 1, 1, vote.options[0].suggestion_id, NOW)
    await service.vote_posted(db, vote, 42)
    a, b, c = (s.suggestion_id for s in vote.options)
    await service.set_rank(db, vote.vote_id, 1, 1, c, NOW)
    await service.set_rank(db, vote.vote_id, 1, 2, a, NOW)
    await service.set_rank(db, vote.vote_id, 2, 1, a, NOW)
    monkeypatch.setattr(service, "OFF_LOOP_BALLOTS", 0)  # the worker-thread path counts the same
    outcome = await service.ranked_outcome(db, vote)
    assert outcome.winner == a
    assert outcome.votes == 2
    assert await service.finish(db, vote, outcome, NOW + timedelta(hours=2))
    assert not await service.finish(db, vote, outcome, NOW + timedelta(hours=2))  # once only
    planned = await sends.get(db, service.result_key(vote.vote_id))
    assert planned is not None
    assert planned.status == "planned"
    with pytest.raises(UserFacingError, match="This vote closed"):
        await service.set_rank(db, vote.vote_id, 3, 1, b, NOW + timedelta(minutes=5))


def test_a_poll_tie_goes_to_the_earlier_suggestion() -> None:
    from tests.ui.test_pick_text import suggestion, vote

    poll = vote(suggestion(1, "A", "X"), suggestion(2, "B", "Y"), suggestion(3, "C", "Z"), mode="poll")
    outcome = service.count_poll(poll, {1: 2, 2: 3, 3: 3})
    assert (outcome.winner, outcome.runner_up, outcome.tie_broken) == (2, 3, True)
    assert service.count_poll(poll, {}).kind == "no_votes"
