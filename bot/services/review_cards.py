"""Posting a review's card once, even when the bot is killed halfway through.

Before a card is sent, the intent — its channel and a fresh nonce — is recorded; the card is sent
with that nonce, and Discord (asked by discord.py to enforce it) answers a nonce it saw in the last
few minutes with the earlier message instead of posting another. The message id is recorded when
Discord answers, the thread after, and then the intent goes. A bot killed in between finds the
intent at start-up (`pending_cards`) and sends again with the same nonce: the card that got through
is returned, not doubled; the thread is opened only when the card has none.
"""

from __future__ import annotations

from datetime import datetime

from bot.db import Database
from bot.db import review_cards as store
from bot.models.reviews import CardIntent
from bot.models.shards import ALL, Shards
from bot.services.nonces import new_nonce


async def begin_card(
    db: Database, review_id: int, channel_id: int, now: datetime
) -> tuple[CardIntent, bool] | None:
    """Record the intent to post a review's card in `channel_id`, before it is sent.

    Returns the intent and whether it is a retry: an earlier attempt for the same channel whose
    card was never recorded keeps its nonce, so if that send got through Discord returns its
    message rather than posting a second card. None when the review is gone.
    """
    pending = await store.get_card_intent(db, review_id)
    if pending is not None and pending.channel_id == channel_id and pending.message_id is None:
        return pending, True
    intent = await store.put_card_intent(db, review_id, channel_id, new_nonce(), now)
    return None if intent is None else (intent, False)


async def pending_cards(db: Database, shards: Shards = ALL) -> list[CardIntent]:
    """The cards a crash left half-posted in the servers `shards` owns, oldest first, for start-up to finish."""
    return await store.pending_card_intents(db, shards)


async def card_sent(db: Database, review_id: int, channel_id: int, message_id: int) -> None:
    """Discord stored the card: remember it (the intent stays until its thread is settled)."""
    await store.record_card_message(db, review_id, channel_id, message_id)


async def card_settled(db: Database, review_id: int, thread_id: int | None) -> None:
    """The card's thread is known (None: it has none); the posting is complete."""
    await store.record_card_thread(db, review_id, thread_id)


async def card_refused(db: Database, review_id: int) -> None:
    """Discord refused the card, or its channel is gone: nothing was stored, the next post starts afresh."""
    await store.drop_card_intent(db, review_id)


async def card_gone(db: Database, review_id: int) -> None:
    """The recorded card was deleted: the review has no card until the next edit posts one."""
    await store.forget_card(db, review_id)
