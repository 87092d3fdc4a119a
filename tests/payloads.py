"""The payload audit: every message the bot sends or edits disables mentions and fits Discord's limits.

The `club` fixture runs `audit` over every REST call of a simcord test at teardown. simcord already
refuses some oversized payloads (the call fails with HTTP 400, as Discord would); the audit states
every limit once, for every kind of message: channel messages and their edits, interaction
responses, follow-ups and their edits, modals, autocomplete choices and thread names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from simcord.types import HttpLogEntry

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
V2_TEXT_TOTAL = 4000
COMPONENTS = 40
ROW_ITEMS = 5
LEGACY_ROWS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
OPTIONS = 25
OPTION_TEXT = 100  # label, value, description
PLACEHOLDER = 150
MODAL_TITLE = 45
MODAL_LABEL = 45
MODAL_ITEMS = 5
TEXT_INPUT_PLACEHOLDER = 100
TEXT_INPUT_VALUE = 4000
THREAD_NAME = 100
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
EMBED_FIELDS = {"title": 256, "description": 4096}
V2_FLAG = 1 << 15

_ID = r"[^/]+"
MESSAGE_ROUTES = (
    ("POST", re.compile(rf"/channels/{_ID}/messages")),  # a channel message
    ("PATCH", re.compile(rf"/channels/{_ID}/messages/{_ID}")),  # its edit
    ("POST", re.compile(rf"/webhooks/{_ID}/{_ID}")),  # an interaction follow-up
    ("PATCH", re.compile(rf"/webhooks/{_ID}/{_ID}/messages/{_ID}")),  # its edit, or the original's
)
CALLBACK = re.compile(rf"/interactions/{_ID}/{_ID}/callback")
THREAD_ROUTES = (
    re.compile(rf"/channels/{_ID}/threads"),
    re.compile(rf"/channels/{_ID}/messages/{_ID}/threads"),
)
CHANNEL = re.compile(rf"/channels/{_ID}")
# Interaction callback types (Discord's InteractionResponseType).
MESSAGE_CALLBACKS = {4: "a reply", 7: "an update of the message"}
AUTOCOMPLETE = 8
MODAL = 9


def audit(requests: Iterable[HttpLogEntry]) -> list[str]:
    """Every breach in `requests`, one line each, saying which call and what is wrong."""
    problems: list[str] = []
    for request in requests:
        where = f"{request.method} {request.path}"
        problems += [f"{where}: {problem}" for problem in request_problems(request)]
    return problems


def request_problems(request: HttpLogEntry) -> list[str]:
    method, path, body = request.method, request.path, request.json
    if not isinstance(body, Mapping):
        return []
    if any(method == verb and route.fullmatch(path) for verb, route in MESSAGE_ROUTES):
        return message_problems(body)
    if method == "POST" and CALLBACK.fullmatch(path):
        return callback_problems(body)
    if method == "POST" and any(route.fullmatch(path) for route in THREAD_ROUTES):
        problems = _text(body.get("name"), "thread name", THREAD_NAME, minimum=1)
        if isinstance(body.get("message"), Mapping):  # a forum post's first message
            problems += message_problems(body["message"])
        return problems
    if method == "PATCH" and CHANNEL.fullmatch(path) and "name" in body:
        return _text(body.get("name"), "channel or thread name", THREAD_NAME, minimum=1)
    return []


def callback_problems(body: Mapping[str, Any]) -> list[str]:
    kind = body.get("type")
    data = body.get("data")
    if kind in MESSAGE_CALLBACKS:
        if not isinstance(data, Mapping):
            return [f"{MESSAGE_CALLBACKS[kind]} without data"]
        return message_problems(data)
    if kind == MODAL and isinstance(data, Mapping):
        return modal_problems(data)
    if kind == AUTOCOMPLETE and isinstance(data, Mapping):
        return choice_problems(data.get("choices"))
    return []  # deferrals and pongs carry no message


def message_problems(message: Mapping[str, Any]) -> list[str]:
    """One message as sent or edited."""
    problems = mention_problems(message.get("allowed_mentions"))
    content = message.get("content")
    if isinstance(content, str) and len(content) > CONTENT:
        problems.append(f"content of {len(content)} characters (limit {CONTENT})")
    problems += embed_problems(message.get("embeds"))
    components = message.get("components")
    if isinstance(components, list):
        v2 = bool(int(message.get("flags") or 0) & V2_FLAG)
        problems += component_problems(components, v2=v2)
    return problems


def mention_problems(allowed: object) -> list[str]:
    if not isinstance(allowed, Mapping):
        return ["no allowed_mentions: the message may ping"]
    problems = []
    if allowed.get("parse") != []:
        problems.append(f"allowed_mentions parse is {allowed.get('parse')!r}, not []")
    for key in ("users", "roles"):
        if allowed.get(key):
            problems.append(f"allowed_mentions lists {key}: {allowed[key]!r}")
    return problems


def embed_problems(embeds: object) -> list[str]:
    if not isinstance(embeds, list):
        return []
    problems = [f"{len(embeds)} embeds (limit {EMBEDS})"] if len(embeds) > EMBEDS else []
    total = 0
    for embed in embeds:
        texts = [(key, embed.get(key), limit) for key, limit in EMBED_FIELDS.items()]
        texts += [("footer", (embed.get("footer") or {}).get("text"), 2048)]
        texts += [("author", (embed.get("author") or {}).get("name"), 256)]
        for field in embed.get("fields") or []:
            texts += [("field name", field.get("name"), 256), ("field value", field.get("value"), 1024)]
        for name, text, limit in texts:
            if isinstance(text, str):
                total += len(text)
                problems += _text(text, f"embed {name}", limit)
    if total > EMBED_TOTAL:
        problems.append(f"embeds hold {total} characters (limit {EMBED_TOTAL})")
    return problems


def walk(components: object) -> Iterator[Mapping[str, Any]]:
    """Every component, nested ones included (rows, containers, sections' accessories, labels)."""
    if isinstance(components, Mapping):
        components = [components]
    if not isinstance(components, list):
        return
    for component in components:
        if isinstance(component, Mapping):
            yield component
            yield from walk(component.get("components"))
            for key in ("accessory", "component"):
                yield from walk(component.get(key))


def component_problems(components: list[Any], *, v2: bool) -> list[str]:
    everything = list(walk(components))
    problems = []
    if len(everything) > COMPONENTS:
        problems.append(f"{len(everything)} components (limit {COMPONENTS})")
    if not v2 and len(components) > LEGACY_ROWS:
        problems.append(f"{len(components)} action rows (limit {LEGACY_ROWS})")
    texts = [str(c.get("content", "")) for c in everything if c.get("type") == 10]
    if sum(map(len, texts)) > V2_TEXT_TOTAL:
        problems.append(f"text displays hold {sum(map(len, texts))} characters (limit {V2_TEXT_TOTAL})")
    if not all(texts):
        problems.append("an empty text display")
    for component in everything:
        problems += control_problems(component)
    return problems


def control_problems(component: Mapping[str, Any]) -> list[str]:
    """A button, select, row or text input on its own."""
    kind = component.get("type")
    problems = _text(component.get("custom_id"), "custom id", CUSTOM_ID)
    if kind == 1 and len(component.get("components") or []) > ROW_ITEMS:
        problems.append(f"an action row of {len(component['components'])} items (limit {ROW_ITEMS})")
    if kind == 2:
        problems += _text(component.get("label"), "button label", BUTTON_LABEL)
    if kind in (3, 5, 6, 7, 8):
        problems += _text(component.get("placeholder"), "select placeholder", PLACEHOLDER)
        options = component.get("options") or []
        if len(options) > OPTIONS:
            problems.append(f"a select with {len(options)} options (limit {OPTIONS})")
        for option in options:
            for key in ("label", "value", "description"):
                least = 0 if key == "description" else 1
                problems += _text(option.get(key), f"option {key}", OPTION_TEXT, minimum=least)
    if kind == 4:
        problems += _text(component.get("label"), "text input label", MODAL_LABEL)
        problems += _text(component.get("placeholder"), "text input placeholder", TEXT_INPUT_PLACEHOLDER)
        problems += _text(component.get("value"), "text input value", TEXT_INPUT_VALUE)
    if kind == 18:
        problems += _text(component.get("label"), "label", MODAL_LABEL, minimum=1)
        problems += _text(component.get("description"), "label description", OPTION_TEXT)
    return problems


def modal_problems(modal: Mapping[str, Any]) -> list[str]:
    problems = _text(modal.get("title"), "modal title", MODAL_TITLE, minimum=1)
    problems += _text(modal.get("custom_id"), "modal custom id", CUSTOM_ID, minimum=1)
    items = modal.get("components") or []
    if not 1 <= len(items) <= MODAL_ITEMS:
        problems.append(f"a modal of {len(items)} items (1 to {MODAL_ITEMS})")
    for component in walk(items):
        problems += control_problems(component)
    return problems


def choice_problems(choices: object) -> list[str]:
    if not isinstance(choices, list):
        return ["autocomplete without a list of choices"]
    problems = [f"{len(choices)} choices (limit {CHOICES})"] if len(choices) > CHOICES else []
    for choice in choices:
        problems += _text(choice.get("name"), "choice name", CHOICE_NAME, minimum=1)
        if isinstance(choice.get("value"), str):
            problems += _text(choice["value"], "choice value", CHOICE_VALUE)
    return problems


def _text(value: object, what: str, limit: int, *, minimum: int = 0) -> list[str]:
    if value is None:
        return [f"no {what}"] if minimum else []
    if not isinstance(value, str):
        return [f"{what} is not text: {value!r}"]
    if len(value) > limit:
        return [f"{what} of {len(value)} characters (limit {limit}): {value[:60]!r}…"]
    if len(value) < minimum:
        return [f"an empty {what}"]
    return []
