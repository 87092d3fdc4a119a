"""The words of choosing the next book: poll answers, the result, the status header, the digest line."""

from __future__ import annotations

from bot.models.picks import OpenVote, Outcome, Suggestion, Tally, Vote
from bot.models.stats import plural
from bot.render import TITLE, clip, names, one_line, plain

POLL_ANSWER_MAX = 55  # Discord's limit on a poll answer
POLL_QUESTION = "Which book should the club read next?"
PITCH = 300  # what /suggest takes


def poll_answer(suggestion: Suggestion) -> str:
    """`Title — Author`, cut to Discord's 55 characters without breaking a word."""
    return clip(one_line(suggestion.byline), POLL_ANSWER_MAX, at_word=True)


def book_words(suggestion: Suggestion) -> str:
    """`*MIG Pilot* by John Barron`."""
    title = f"*{plain(suggestion.title, TITLE)}*"
    return f"{title} by {names(suggestion.authors)}" if suggestion.authors else title


def stamp(vote: Vote, style: str = "f") -> str:
    return f"<t:{int(vote.closes_at.timestamp())}:{style}>"


def message_link(guild_id: int, channel_id: int, message_id: int | None) -> str:
    if message_id is None:
        return f"<#{channel_id}>"
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def _round_line(number: int, tally: Tally, vote: Vote) -> str:
    def name(sid: int) -> str:
        found = vote.option(sid)
        return plain(found.title, TITLE) if found else "?"

    counts = " · ".join(f"{name(sid)} {votes}" for sid, votes in tally.counts)
    out = f" — *{name(tally.eliminated)}* out" if tally.eliminated is not None else ""
    return f"Round {number}: {counts}{out}"


def tie_line(outcome: Outcome, vote: Vote) -> str | None:
    """What the result says when a tie was broken by the earlier suggestion."""
    if not outcome.tie_broken:
        return None
    if outcome.mode == "poll" and outcome.winner is not None and outcome.runner_up is not None:
        winner, runner = vote.option(outcome.winner), vote.option(outcome.runner_up)
        assert winner is not None
        assert runner is not None
        return (
            f"{book_words(winner)} and {book_words(runner)} tied on {plural(outcome.winner_votes, 'vote')}: "
            "the tie goes to the earlier suggestion."
        )
    return "A tie in the count was broken by the earlier suggestion: the later one went out."


def result_lines(outcome: Outcome, vote: Vote) -> list[str]:
    """The result: `Winner: *MIG Pilot* by John Barron`, its rounds and ballots, the runner-up."""
    if outcome.kind == "lost":
        return [
            "**The vote was lost**: its poll was deleted before the vote ended, so nothing was counted.",
            "The suggestions are open again; an organiser can start a new vote with `/pick start`.",
        ]
    if outcome.kind == "no_votes" or outcome.winner is None:
        return ["No one voted, so no book was chosen. `/suggest` opens a new round."]
    winner = vote.option(outcome.winner)
    assert winner is not None
    lines = [f"Winner: {book_words(winner)}"]
    if outcome.mode == "ranked":
        lines.append(
            f"after {plural(len(outcome.rounds), 'round')}, {outcome.winner_votes:,} of "
            f"{plural(outcome.votes, 'ballot')}"
        )
    else:
        lines.append(f"with {outcome.winner_votes:,} of {plural(outcome.votes, 'vote')}")
    runner = vote.option(outcome.runner_up) if outcome.runner_up is not None else None
    if runner is not None:
        counted = "ballot" if outcome.mode == "ranked" else "vote"
        lines.append(f"Runner-up: {book_words(runner)} ({plural(outcome.runner_up_votes, counted)})")
    tie = tie_line(outcome, vote)
    if tie is not None:
        lines.append(tie)
    if outcome.mode == "ranked":
        lines.append("-# " + "\n-# ".join(_round_line(n, t, vote) for n, t in enumerate(outcome.rounds, 1)))
    return lines


def vote_state(vote: Vote) -> str:
    """Where the vote stands, for `/pick status`."""
    where = message_link(vote.guild_id, vote.channel_id, vote.message_id)
    if vote.mode == "poll":
        return f"A Discord poll is open ({where}); it closes {stamp(vote)} ({stamp(vote, 'R')})."
    return (
        f"A ranked vote is open: press **Vote** on the ballot ({where}) to rank up to 5 books. "
        f"It closes {stamp(vote)} ({stamp(vote, 'R')}); nobody sees any count before then."
    )


def suggestion_line(number: int, suggestion: Suggestion) -> str:
    title = f"**{number}. {plain(suggestion.title, TITLE)}**"
    by = f" by {names(suggestion.authors)}" if suggestion.authors else ""
    gone = " (no longer in the catalogue)" if suggestion.book_id is None else ""
    line = f"{title}{by}{gone} · suggested by <@{suggestion.user_id}>"
    if suggestion.pitch:
        line += "\n-# “" + plain(suggestion.pitch, PITCH) + "”"
    return line


def digest_vote_line(vote: OpenVote, guild_id: int) -> str:
    """The weekly digest's line about an open vote, with its closing time."""
    how = "a Discord poll" if vote.mode == "poll" else "a ranked vote"
    where = message_link(guild_id, vote.channel_id, vote.message_id)
    closes = int(vote.closes_at.timestamp())
    return (
        f"**Choosing the next book:** {how} on {plural(vote.books, 'book')} ({where}) "
        f"closes <t:{closes}:f> (<t:{closes}:R>)."
    )
