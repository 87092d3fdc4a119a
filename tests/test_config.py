"""Settings: defaults, `.env`, environment overrides, and the missing-token message."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.__main__ import load_settings
from bot.config import Settings, describe_settings, explain


def test_defaults_with_only_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.discord_token.get_secret_value() == "abc"
    assert settings.database_path == Path("data/bookclub.sqlite3")
    assert settings.dev_guild_id is None
    assert settings.owner_ids == frozenset()
    assert settings.log_level == "INFO"
    assert settings.openlibrary_url == "https://openlibrary.org"
    assert settings.openlibrary_covers_url == "https://covers.openlibrary.org"
    assert settings.google_books_url == "https://www.googleapis.com/books/v1"
    assert settings.google_books_api_key is None


def test_dotenv_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=from-file\nOWNER_IDS=1, 2,3\nDEV_GUILD_ID=42\nLOG_LEVEL=debug\nGOOGLE_BOOKS_API_KEY=\n"
    )
    monkeypatch.setenv("DEV_GUILD_ID", "7")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.owner_ids == frozenset({1, 2, 3})
    assert settings.dev_guild_id == 7
    assert settings.log_level == "DEBUG"
    assert settings.google_books_api_key is None


def test_the_token_never_shows_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    assert "super-secret-token" not in repr(Settings())  # type: ignore[call-arg]


@pytest.mark.parametrize("value", [None, ""])
def test_missing_token_is_one_line_naming_the_variable_and_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str | None
) -> None:
    if value is not None:
        (tmp_path / ".env").write_text(f"DISCORD_TOKEN={value}\n")
    with pytest.raises(SystemExit) as raised:
        load_settings()
    message = str(raised.value.code)
    assert "\n" not in message
    assert "DISCORD_TOKEN" in message
    assert ".env" in message


def test_a_bad_setting_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("HTTP_TIMEOUT", "soon")
    with pytest.raises(SystemExit) as raised:
        load_settings()
    assert "HTTP_TIMEOUT" in str(raised.value.code)


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert names == {name.upper() for name in Settings.model_fields}


def refusal(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    """The lines `load_settings` exits with for these environment variables (and a token)."""
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as raised:
        load_settings()
    return str(raised.value.code).splitlines()


def test_an_unknown_log_level_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refusal(monkeypatch, LOG_LEVEL="LOUD") == [
        'error: LOG_LEVEL is "LOUD"; expected DEBUG, INFO, WARNING or ERROR'
    ]


def test_owner_ids_are_explained_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    [line] = refusal(monkeypatch, OWNER_IDS="12, abc")
    assert (
        line
        == 'error: OWNER_IDS is "12, abc"; expected user ids (whole numbers) separated by commas, or nothing'
    )


def test_every_bad_setting_is_reported_at_once_a_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = refusal(
        monkeypatch, HTTP_TIMEOUT="soon", DEV_GUILD_ID="-5", DIGEST_POST_EMPTY="maybe", DATABASE_PATH=" "
    )
    assert lines == [
        "error: DATABASE_PATH is empty; expected the path of the SQLite database file",
        'error: DEV_GUILD_ID is "-5"; expected a server id (a whole number), or nothing',
        'error: HTTP_TIMEOUT is "soon"; expected a number of seconds greater than 0',
        'error: DIGEST_POST_EMPTY is "maybe"; expected true or false',
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPENLIBRARY_URL", "openlibrary.org"),
        ("GOOGLE_BOOKS_URL", "ftp://example.org"),
        ("OPENLIBRARY_COVERS_URL", "https://"),
        ("CONTACT", ""),
        ("AUTOCOMPLETE_DEADLINE", "0"),
        ("HTTP_TIMEOUT", "inf"),
        ("DIGEST_GRACE_HOURS", "-1"),
        ("IMPORT_MAX_BYTES", "1.5"),
        ("OWNER_IDS", "0"),
    ],
)
def test_each_setting_is_validated(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    [line] = refusal(monkeypatch, **{name: value})
    assert line.startswith(f"error: {name} is ")
    assert "; expected " in line


def test_a_missing_token_is_reported_with_the_other_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(SystemExit) as raised:
        load_settings()
    lines = str(raised.value.code).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: DISCORD_TOKEN is not set")
    assert lines[1].startswith("error: LOG_LEVEL")


def test_a_refused_secret_is_never_echoed() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, discord_token=12345)
    assert explain(raised.value) == [
        "DISCORD_TOKEN is not valid; expected the bot token from the Discord developer portal"
    ]


def test_every_setting_has_a_meaning_and_an_expected_form() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert isinstance(field.json_schema_extra, dict), name
        assert field.json_schema_extra.get("expected"), name


def test_the_described_defaults_are_the_models() -> None:
    rows = {name: default for name, default, _ in describe_settings()}
    assert rows["DISCORD_TOKEN"] == "(required)"
    assert rows["DATABASE_PATH"] == "data/bookclub.sqlite3"
    assert rows["OWNER_IDS"] == "(empty)"
    assert rows["DIGEST_POST_EMPTY"] == "true"
    assert rows["IMPORT_MAX_BYTES"] == "5000000"


def test_readme_lists_every_setting() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    names = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert names == {name.upper() for name in Settings.model_fields}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOG_FORMAT", "xml"),
        ("SHUTDOWN_TIMEOUT", "-1"),
        ("SHUTDOWN_TIMEOUT", "nan"),
        ("HTTP_PORT", "0"),
        ("HTTP_PORT", "70000"),
        ("HTTP_PORT", "http"),
        ("HTTP_HOST", "a host"),
        ("HTTP_HOST", "http://127.0.0.1"),
        ("BACKUP_KEEP", "0"),
    ],
)
def test_each_operations_setting_is_validated(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    [line] = refusal(monkeypatch, **{name: value})
    assert line.startswith(f"error: {name} is ")
    assert "; expected " in line


def test_operations_settings_read_as_an_operator_writes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    for name, value in {
        "LOG_FORMAT": " JSON ",
        "HTTP_PORT": "8080",
        "HTTP_HOST": "[::]",
        "BACKUP_DIR": "/data/backups",
        "SHUTDOWN_TIMEOUT": "2.5",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.log_format == "json"
    assert (settings.http_port, settings.http_host) == (8080, "::")
    assert settings.backup_dir == Path("/data/backups")
    assert settings.shutdown_timeout == 2.5
    assert settings.backup_keep == 7


def test_empty_operations_settings_mean_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("HTTP_PORT", "")
    monkeypatch.setenv("BACKUP_DIR", "")
    settings = load_settings()
    assert settings.http_port is None
    assert settings.backup_dir is None
    assert settings.log_format == "text"
    assert settings.http_host == "127.0.0.1"


def test_shards_are_read_as_an_operator_writes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", " 2, 0 ")
    settings = load_settings()
    assert (settings.shard_count, settings.shard_ids) == (4, (0, 2))
    monkeypatch.setenv("SHARD_IDS", "")
    assert load_settings().shard_ids is None  # every shard of the count
    monkeypatch.setenv("SHARD_COUNT", "")
    assert load_settings().shard_count is None


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"SHARD_IDS": "0,1"}, 'error: SHARD_IDS is "0,1"; expected distinct shard ids below SHARD_COUNT'),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, 'error: SHARD_IDS is "0,2"; expected'),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1,1"}, 'error: SHARD_IDS is "1,1"; expected'),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "one"}, 'error: SHARD_IDS is "one"; expected'),
        ({"SHARD_COUNT": "0"}, 'error: SHARD_COUNT is "0"; expected a whole number of shards'),
        ({"SHARD_COUNT": "two"}, 'error: SHARD_COUNT is "two"; expected'),
    ],
)
def test_impossible_shards_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], line: str
) -> None:
    [refused] = refusal(monkeypatch, **env)
    assert refused.startswith(line)
