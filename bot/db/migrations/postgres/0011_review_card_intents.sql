-- Posting a review's card is idempotent across crashes. Before the card is sent, the channel and a
-- fresh nonce are recorded here; the card is sent with that nonce (discord.py asks Discord to
-- enforce it: a repeated nonce within minutes returns the earlier message instead of a new one);
-- the message id is recorded once Discord answers, and the row goes once the card's thread is
-- settled. A bot killed in between finds the row at start-up and sends again with the same nonce.
CREATE TABLE review_card_intents (
    review_id   BIGINT PRIMARY KEY REFERENCES reviews (review_id) ON DELETE CASCADE,
    guild_id    BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,              -- where the card is being posted
    nonce       TEXT NOT NULL CHECK (length(nonce) BETWEEN 1 AND 25),
    message_id  BIGINT,                       -- set once sent: only the thread is left to settle
    created_at  TEXT NOT NULL
);
