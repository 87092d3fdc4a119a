"""The weekly digest's club part: the next meeting and the open vote on the next book."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.cogs.pick_support import held_factory
from tests.cogs.test_meetings import schedule
from tests.cogs.test_picks_ranked import open_ranked
from tests.components import text_of
from tests.conftest import BotFactory, Club


@pytest.fixture
def bot_factory() -> BotFactory:
    return held_factory


async def preview_text(club: Club) -> str:
    preview = await club.alice.slash(club.channel, "digest preview")
    assert preview.response is not None
    return "\n".join(text_of(message.components) for message in [preview.response, *preview.followups])


async def test_the_digest_names_the_next_meeting_and_the_open_vote(club: Club) -> None:
    assert "### The club" not in await preview_text(club)
    await open_ranked(club, 3)
    await schedule(club, club.clock() + timedelta(days=3), topic="Chapters 1–4")
    text = await preview_text(club)
    assert "### The club" in text
    assert "**Next meeting:** Chapters 1–4, <t:" in text
    assert "**Choosing the next book:** a ranked vote on 3 books" in text
    assert "closes <t:" in text
