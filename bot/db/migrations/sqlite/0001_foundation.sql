-- Key/value facts about this installation (e.g. the hash of the last global command sync).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per Discord server (club). Settings that later features add live here as columns.
CREATE TABLE guilds (
    guild_id   INTEGER PRIMARY KEY,
    joined_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- Each member's current display name per club, stored when they interact, so lists and digests
-- can show names without the privileged members intent.
CREATE TABLE members (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;
