-- Club meetings: a Discord scheduled event each, with reminders 24 hours and 1 hour before in the
-- club channel (sent through club_sends, keyed by the meeting, the reminder and the start time, so a
-- meeting moved in Discord gets its reminders again at the new time).
CREATE TABLE meetings (
    meeting_id        INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    event_id          INTEGER UNIQUE,               -- NULL while 'creating'
    channel_id        INTEGER NOT NULL,             -- the club channel: reminders go here
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    topic             TEXT,
    where_channel_id  INTEGER,                      -- a voice or stage channel
    location          TEXT,                         -- else a place or a link
    starts_at         TEXT NOT NULL,
    ends_at           TEXT NOT NULL,
    timezone          TEXT NOT NULL,
    repeat            TEXT NOT NULL CHECK (repeat IN ('none', 'weekly', 'every-2-weeks', 'monthly')),
    -- 'creating' claims the row before Discord is asked (a restart removes it); 'ended' once the
    -- event is over (a repeating meeting then has its next occurrence); 'cancelled' by /meeting
    -- cancel or by someone deleting or cancelling the event in Discord.
    status            TEXT NOT NULL CHECK (status IN ('creating', 'scheduled', 'ended', 'cancelled')),
    created_by        INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    follows           INTEGER REFERENCES meetings (meeting_id) ON DELETE SET NULL,
    CHECK (where_channel_id IS NULL OR location IS NULL)
) STRICT;
CREATE INDEX meetings_upcoming ON meetings (guild_id, starts_at) WHERE status = 'scheduled';
CREATE INDEX meetings_live ON meetings (status) WHERE status IN ('creating', 'scheduled');
