"""Reading Components V2 payloads in tests: the text a member sees and the ids of the controls."""

from __future__ import annotations

from collections.abc import Iterator


def _walk(node: object) -> Iterator[dict[str, object]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def text_of(components: object) -> str:
    """Every text display of a message's components, in order, one per line."""
    return "\n".join(str(node["content"]) for node in _walk(components) if node.get("type") == 10)


def custom_ids(components: object, prefix: str = "") -> list[str]:
    """The custom ids of every control (optionally only those starting with `prefix`), in order."""
    return [
        str(node["custom_id"])
        for node in _walk(components)
        if isinstance(node.get("custom_id"), str) and str(node["custom_id"]).startswith(prefix)
    ]
