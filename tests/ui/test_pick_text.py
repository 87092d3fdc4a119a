"""The words of a pick: poll answers within 55 characters, the result lines, the digest lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models.meetings import Meeting
from bot.models.picks import OpenVote, Outcome, Suggestion, Tally, Vote
from bot.render import clip
from bot.ui.meetings import digest_meeting_line, reminder_text
from bot.ui.pick_text import digest_vote_line, poll_answer, result_lines

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def suggestion(sid: int, title: str, author: str) -> Suggestion:
    return Suggestion(sid, 1, 100 + sid, sid, title, (author,), None, NOW)


def vote(*options: Suggestion, mode: str = "ranked") -> Vote:
    return Vote(1, 1, 5, mode, "closed", 7, 8, 9, NOW, NOW + timedelta(hours=48), options)


def test_a_poll_answer_is_cut_at_a_word() -> None:
    long = suggestion(1, "The Extraordinarily Long Title of a Very Patient Novel", "Somebody Else")
    answer = poll_answer(long)
    assert len(answer) <= 55
    assert answer == "The Extraordinarily Long Title of a Very Patient Novel…"
    assert poll_answer(suggestion(2, "MIG Pilot", "John Barron")) == "MIG Pilot — John Barron"
    assert clip("Supercalifragilisticexpialidocious" * 3, 20, at_word=True) == "Supercalifragilisti…"


def test_the_ranked_result_reads_as_the_contract_says() -> None:
    mig, other, third = (
        suggestion(1, "MIG Pilot", "John Barron"),
        suggestion(2, "Dune", "Frank Herbert"),
        suggestion(3, "Emma", "Jane Austen"),
    )
    outcome = Outcome(
        "won",
        "ranked",
        winner=1,
        runner_up=2,
        winner_votes=7,
        runner_up_votes=5,
        votes=12,
        rounds=(Tally(((1, 5), (2, 4), (3, 3)), 3), Tally(((1, 7), (2, 5)))),
    )
    lines = result_lines(outcome, vote(mig, other, third))
    assert lines[:3] == [
        "Winner: *MIG Pilot* by John Barron",
        "after 2 rounds, 7 of 12 ballots",
        "Runner-up: *Dune* by Frank Herbert (5 ballots)",
    ]
    assert "Round 1: MIG Pilot 5 · Dune 4 · Emma 3 — *Emma* out" in lines[-1]


def test_digest_lines() -> None:
    line = digest_vote_line(OpenVote(1, "ranked", 7, 8, NOW, 4), 5)
    assert line.startswith("**Choosing the next book:** a ranked vote on 4 books")
    assert f"closes <t:{int(NOW.timestamp())}:f>" in line
    start = NOW + timedelta(days=2)
    meeting = Meeting(
        1, 5, 9, 7, "MIG Pilot", "", None, 11, None, start, start, "UTC", "none", "scheduled", 3
    )
    assert (
        digest_meeting_line(meeting)
        == f"**Next meeting:** MIG Pilot, <t:{int(start.timestamp())}:F> (<t:{int(start.timestamp())}:R>) · <#11>"
    )
    assert "3 members interested" in reminder_text(meeting, "1h", 3)
    assert "https://discord.com/events/5/9" in reminder_text(meeting, "1h", 3)
