"""Settings, read from the environment and `.env`; built in `__main__`, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the bot. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr = Field(min_length=1)
    database_path: Path = Path("data/bookclub.sqlite3")
    dev_guild_id: int | None = None
    owner_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    log_level: str = "INFO"

    openlibrary_url: str = "https://openlibrary.org"
    openlibrary_covers_url: str = "https://covers.openlibrary.org"
    google_books_url: str = "https://www.googleapis.com/books/v1"
    google_books_api_key: SecretStr | None = None
    contact: str = "https://github.com/bookclub-bot/bookclub-bot"
    # Discord itself; only tests change these, to run a real `python -m bot` against a local fake.
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"

    http_timeout: float = Field(default=4.0, gt=0)
    autocomplete_deadline: float = Field(default=1.2, gt=0)
    digest_grace_hours: float = Field(default=24.0, ge=0)
    digest_post_empty: bool = True
    import_max_bytes: int = Field(default=5_000_000, gt=0)

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("dev_guild_id", "google_books_api_key", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()
