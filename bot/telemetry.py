"""What the layers report for metrics: the database, the book providers, interactions, digests, backups.

`Telemetry` itself records nothing, so every layer can call it unconditionally and tests need none;
`bot.ops.metrics.PrometheusTelemetry` records into Prometheus metrics when the `metrics` extra is
installed and HTTP_PORT is set. Every label value passed here comes from a small fixed set (a
command's name, a provider's name, an outcome word), never a member's or a server's id.
"""

from __future__ import annotations


class Telemetry:
    """The no-op recorder; subclasses override what they record."""

    def interaction(self, command: str, kind: str, outcome: str, seconds: float) -> None:
        """An interaction was handled: `kind` command/autocomplete/component/modal; `outcome` ok,
        refused, error or restarting; `seconds` from its arrival until every task it started ended."""

    def database(self, kind: str, seconds: float) -> None:
        """One round trip of `Database`: `kind` read or write (a whole transaction)."""

    def provider_call(self, provider: str, outcome: str, seconds: float) -> None:
        """A call to a book provider: `outcome` ok, not_found, error or skipped (its breaker is open)."""

    def cache_lookup(self, provider: str, result: str) -> None:
        """A provider cache lookup: `result` fresh, stale (served after a failure) or miss."""

    def digest(self, outcome: str) -> None:
        """A weekly digest ended: `outcome` posted or failed."""

    def backup(self, ok: bool, seconds: float) -> None:
        """A backup of the database ended."""


NO_TELEMETRY = Telemetry()
