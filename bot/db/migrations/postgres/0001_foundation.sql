-- PostgreSQL twin of migrations/sqlite/0001: same tables, ids as BIGINT (Discord snowflakes).
-- Times are stored as text in one form on both backends (`db_time`: ISO-8601 UTC with ms), so they
-- sort and compare as text; `bookclub_now()` writes that form for column defaults.
CREATE FUNCTION bookclub_now() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Key/value facts about this installation (e.g. the hash of the last global command sync).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per Discord server (club). Settings that later features add live here as columns.
CREATE TABLE guilds (
    guild_id   BIGINT PRIMARY KEY,
    joined_at  TEXT NOT NULL DEFAULT (bookclub_now())
);

-- Each member's current display name per club, stored when they interact, so lists and digests
-- can show names without the privileged members intent.
CREATE TABLE members (
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    display_name TEXT NOT NULL,
    updated_at   TEXT NOT NULL DEFAULT (bookclub_now()),
    PRIMARY KEY (guild_id, user_id)
);
