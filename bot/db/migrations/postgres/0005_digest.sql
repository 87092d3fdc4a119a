-- The weekly digest: one schedule per club, and one row per club per week that was due.

-- A club's schedule. `since` is when it was last set: slots before it are never posted, so
-- setting a schedule never triggers a catch-up for a slot that was due before it existed.
CREATE TABLE digest_settings (
    guild_id       BIGINT PRIMARY KEY,
    channel_id     BIGINT NOT NULL,
    weekday        BIGINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- 0 = Monday
    hour           BIGINT NOT NULL CHECK (hour BETWEEN 0 AND 23),
    minute         BIGINT NOT NULL CHECK (minute BETWEEN 0 AND 59),
    timezone       TEXT NOT NULL,                                      -- IANA name
    since          TEXT NOT NULL,                                      -- ISO-8601 UTC
    last_error     TEXT,
    last_error_at  TEXT
);

-- Exactly once per week: the (guild_id, period) key is claimed BEFORE anything is sent, so a
-- second trigger or a restart finds the claim and stays silent. `period` is the ISO week of the
-- slot in the club's time zone ('2026-W48'); the outcome is filled in after sending.
CREATE TABLE digest_posts (
    guild_id    BIGINT NOT NULL,
    period      TEXT NOT NULL,
    slot_at     TEXT NOT NULL,                  -- the scheduled instant, ISO-8601 UTC
    claimed_at  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'skipped', 'failed', 'missed')),
    channel_id  BIGINT,
    message_id  BIGINT,                        -- the first message of the post
    messages    BIGINT NOT NULL DEFAULT 0,
    error       TEXT,
    PRIMARY KEY (guild_id, period)
);
CREATE INDEX digest_posts_latest ON digest_posts (guild_id, status, slot_at);
