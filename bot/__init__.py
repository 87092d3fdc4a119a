"""bookclub-bot: a Goodreads-style book page, alive inside a Discord server."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bookclub-bot")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
