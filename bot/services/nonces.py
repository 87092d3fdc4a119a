"""Message nonces: what lets a send retried after a crash reach Discord once.

A message sent with a nonce and `enforce_nonce` is posted once per nonce: a second POST with the
same nonce gets the first message back instead of a new one. Discord keeps nonces for "a few
minutes" only, so a send first tried longer ago than NONCE_WINDOW is looked for before it is retried.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

NONCE_WINDOW = timedelta(minutes=2)  # trusted for well under Discord's few minutes
# How long the process about to POST a scheduled message holds it alone: another process (overlapping
# shards) finding the lease younger than this leaves the message to its holder. Well above a POST's
# time, well under NONCE_WINDOW, so a holder that died is taken over while its nonce still protects.
SEND_LEASE = timedelta(seconds=30)


def new_nonce() -> str:
    """A message nonce (Discord takes an integer or at most 25 characters): 63 random bits as digits."""
    return str(secrets.randbits(63))
