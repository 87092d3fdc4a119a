"""The /about and /help displays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.models.stats import plural
from bot.render import NAME, plain

ACCENT = discord.Colour.from_rgb(0x8B, 0x5E, 0x3C)  # a book-binding brown

# What the bot needs in a channel: post pages, review cards with a thread, digests and exports.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,  # a club read's section threads
    manage_threads=True,  # archive and lock threads (a removed review's, an ended read's), unarchive to add
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    send_polls=True,  # /pick start's native poll ("Create Polls")
    manage_events=True,  # /meeting: its Discord events, and following or cancelling them
    create_events=True,
)


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
    )


@dataclass(frozen=True, slots=True)
class CommandLine:
    name: str
    description: str


def about_view(
    *,
    version: str,
    guild_name: str | None,
    books: int,
    ratings: int,
    reviews: int,
    application_id: int | None,
) -> discord.ui.LayoutView:
    club = plain(guild_name, NAME) if guild_name else "this server"
    body = (
        f"## bookclub-bot {version}\n"
        "A Goodreads-style book page inside Discord: look books up, rate and review them, keep "
        "shelves, report progress and get a weekly digest of what the club is reading.\n\n"
        f"**{club}** holds {plural(books, 'book')}, {plural(ratings, 'rating')} and "
        f"{plural(reviews, 'review')}.\n"
        "-# Book data from [Open Library](https://openlibrary.org). Run /help for every command."
    )
    if application_id is not None:
        body += f"\n-# [Invite the bot to another server]({invite_url(application_id)})"
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.Container(discord.ui.TextDisplay(body), accent_colour=ACCENT))
    return view


def help_view(commands: Sequence[CommandLine]) -> discord.ui.LayoutView:
    lines = "\n".join(f"`/{c.name}` — {c.description}" for c in commands)
    view = discord.ui.LayoutView()
    view.add_item(
        discord.ui.Container(
            discord.ui.TextDisplay("## Commands"),
            discord.ui.TextDisplay(lines or "No commands are loaded."),
            accent_colour=ACCENT,
        )
    )
    return view
