"""The /profile layout: a member's counts, shelves, current books and yearly goal."""

from __future__ import annotations

import discord

from bot.models.stats import plural
from bot.render import NAME, TITLE_IN_LIST, plain
from bot.services.profiles import Profile
from bot.services.shelves import SHELF_NAMES, progress_phrase
from bot.ui.meta import ACCENT


def profile_text(profile: Profile) -> str:
    summary = profile.summary
    lines = [
        f"## {plain(profile.name, NAME)}",
        f"{plural(summary.reviews_count, 'review')} · {plural(summary.followers_count, 'follower')}"
        f" · following {summary.following_count:,}",
    ]
    if profile.average is None:
        lines.append("**Ratings** none yet")
    else:
        lines.append(f"**Ratings** {plural(summary.ratings_count, 'rating')} · average {profile.average:.2f}")
    shelves = " · ".join(f"{SHELF_NAMES[shelf]} {count:,}" for shelf, count in profile.shelves.items())
    lines.append(f"**Shelves** {shelves}")
    if profile.reading:
        lines.append("**Reading now**")
        lines += [
            f"- *{plain(book.title, TITLE_IN_LIST)}* — {progress_phrase(book.page, book.pages, book.percent).removeprefix('is ')}"
            for book in profile.reading
        ]
    goal = summary.goal
    done = plural(profile.read_this_year, "book")
    if goal:
        lines.append(
            f"**{profile.year} goal** {done} read of {goal:,} ({min(100, profile.read_this_year * 100 // goal)}%)"
        )
    else:
        lines.append(f"**{profile.year}** {done} read · no goal yet (set one with /goal)")
    return "\n".join(lines)


def profile_view(profile: Profile) -> discord.ui.LayoutView:
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    container.add_item(discord.ui.TextDisplay(profile_text(profile)))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view
