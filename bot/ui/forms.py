"""Modals that survive a restart: forms whose custom id carries their state, answered by one dispatcher.

A modal shown before a restart is still submitted afterwards, and discord.py only dispatches a
submission to a Modal instance kept in memory (ViewStore.dispatch_modal ignores unknown ids, and
there is no DynamicItem for modals). So our modals are forms only: their custom id carries the
state (like a DynamicItem's), they are sent already stopped so discord.py keeps no instance (a
dismissed modal leaks nothing), and `answer_form`, called from a cog's `on_interaction`
listener, answers every submission — before or after a restart alike, through one path.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

import discord

from bot.tree import answering, report_error

if TYPE_CHECKING:
    from bot.client import BookClubBot

MODAL_TIMEOUT = 15 * 60.0  # finite even so: were an instance ever kept, it would not outlive this

Submitted = dict[str, str | list[str]]


class Form(Protocol):
    """A modal class answered by its custom id: `TEMPLATE` matches it, `answer` handles the values."""

    TEMPLATE: ClassVar[re.Pattern[str]]

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction[BookClubBot], match: re.Match[str], values: Submitted
    ) -> None: ...


def submitted_values(interaction: discord.Interaction[Any]) -> Submitted:
    """A modal submission's values by control custom id: text inputs a str, selects a list."""
    found: Submitted = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if isinstance(node.get("component"), dict):
                walk([node["component"]])
            walk(node.get("components") or [])
            custom_id = node.get("custom_id")
            if isinstance(custom_id, str):
                if "values" in node:
                    found[custom_id] = [str(value) for value in node["values"]]
                elif "value" in node:
                    found[custom_id] = str(node["value"])

    data = cast("dict[str, Any]", interaction.data or {})
    walk(data.get("components") or [])
    return found


def text_value(values: Submitted, custom_id: str) -> str:
    """A text input's value ("" when missing or not text)."""
    value = values.get(custom_id)
    return value if isinstance(value, str) else ""


async def send_modal(interaction: discord.Interaction[BookClubBot], modal: discord.ui.Modal) -> None:
    """Show a form whose submission `answer_form` answers (no instance stays in memory)."""
    modal.stop()  # discord.py stores only unfinished modals; this one is answered by its custom id
    await interaction.response.send_modal(modal)


async def answer_form(interaction: discord.Interaction[BookClubBot], forms: tuple[type[Form], ...]) -> bool:
    """Answer a submitted modal with the first of `forms` whose template matches; False when none does."""
    custom_id = str(cast("dict[str, Any]", interaction.data or {}).get("custom_id", ""))
    for form in forms:
        match = form.TEMPLATE.fullmatch(custom_id)
        if match is not None:
            answering(interaction)
            try:
                await form.answer(interaction, match, submitted_values(interaction))
            except Exception as error:
                await report_error(interaction, error)
            return True
    return False
