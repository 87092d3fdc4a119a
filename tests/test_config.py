"""Settings: defaults, `.env`, environment overrides, and the missing-token message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import load_settings
from bot.config import Settings


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
