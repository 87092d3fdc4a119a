-- The weekly digest becomes exactly-once across crashes: every message of a week's post is planned
-- here, with its own nonce, before anything is sent. Discord's `enforce_nonce` returns the earlier
-- message for a nonce it saw in the last few minutes, so a restarted bot re-sends whatever has no
-- message id yet and a message that got through before the crash is not posted twice.
CREATE TABLE digest_messages (
    guild_id          INTEGER NOT NULL,
    period            TEXT NOT NULL,
    part              INTEGER NOT NULL CHECK (part >= 0),   -- 0 is the first message of the post
    channel_id        INTEGER NOT NULL,
    nonce             TEXT NOT NULL UNIQUE,
    blocks            TEXT NOT NULL,          -- the message's text blocks (JSON), re-sent as they were
    first_attempt_at  TEXT,                   -- written before the first POST; NULL: never sent
    attempts          INTEGER NOT NULL DEFAULT 0,
    message_id        INTEGER,                -- written after the POST answered
    PRIMARY KEY (guild_id, period, part),
    FOREIGN KEY (guild_id, period) REFERENCES digest_posts (guild_id, period) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Weeks an earlier version claimed and never finished are unknowable now: it kept no record of
-- what it sent. Say so in their row instead of leaving them silently 'claimed'.
UPDATE digest_posts
SET status = 'failed',
    error = 'The bot stopped while posting this digest, before it kept a record of each message; '
         || 'it may or may not have been posted.'
WHERE status = 'claimed';
