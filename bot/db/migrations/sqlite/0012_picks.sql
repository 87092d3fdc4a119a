-- Choosing the next book: suggestions gathered in rounds, then one vote (a native poll or a ranked
-- ballot). Also the club's scheduled sends (vote results, meeting reminders), each claimed once.

-- One row per message the club features send at a time of their own: claimed before anything is
-- sent, its nonce kept so a resend after a crash is recognised, its message id written after.
-- 'planned': not sent yet, or a send that stopped (first_attempt_at set, message_id still NULL).
CREATE TABLE club_sends (
    send_key          TEXT PRIMARY KEY,        -- e.g. 'pick:12:result', 'meeting:5:24h:1795000000'
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,
    due_at            TEXT NOT NULL,
    nonce             TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('planned', 'sent', 'skipped', 'lost', 'failed')),
    first_attempt_at  TEXT,                    -- written before the first POST
    message_id        INTEGER,                 -- written after the POST answered
    error             TEXT,                    -- why it was skipped, lost or failed
    updated_at        TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX club_sends_planned ON club_sends (guild_id) WHERE status = 'planned';

-- A round gathers suggestions ('open'), then holds its vote ('voting'); it ends 'closed'.
CREATE TABLE pick_rounds (
    round_id   INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('open', 'voting', 'closed')),
    opened_at  TEXT NOT NULL,
    closed_at  TEXT
) STRICT;
CREATE UNIQUE INDEX pick_rounds_current ON pick_rounds (guild_id) WHERE status IN ('open', 'voting');
CREATE INDEX pick_rounds_latest ON pick_rounds (guild_id, round_id);

-- One suggestion per member per round; the id orders them, so ties go to the lower one.
CREATE TABLE pick_suggestions (
    suggestion_id  INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES pick_rounds (round_id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    book_id        INTEGER REFERENCES books (book_id) ON DELETE SET NULL,  -- NULL: left the catalogue
    title          TEXT NOT NULL,                  -- kept for the result, whatever happens to the book
    authors        TEXT NOT NULL DEFAULT '',       -- one per line, as in books
    pitch          TEXT CHECK (length(pitch) <= 300),
    suggested_at   TEXT NOT NULL,
    UNIQUE (round_id, user_id)
) STRICT;
CREATE UNIQUE INDEX pick_suggestions_book ON pick_suggestions (round_id, book_id) WHERE book_id IS NOT NULL;

-- A round's vote. 'starting' claims it before its message is posted (a restart removes it);
-- 'open' takes votes; 'closed' holds the result; 'lost' when its poll was deleted before the end.
CREATE TABLE pick_votes (
    vote_id     INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES pick_rounds (round_id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('poll', 'ranked')),
    status      TEXT NOT NULL CHECK (status IN ('starting', 'open', 'closed', 'lost')),
    channel_id  INTEGER NOT NULL,
    message_id  INTEGER,                           -- the poll, or the ballot with its Vote button
    started_by  INTEGER NOT NULL,
    opened_at   TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    closed_at   TEXT,
    result      TEXT                               -- JSON: the count as it is shown
) STRICT;
CREATE UNIQUE INDEX pick_votes_current ON pick_votes (guild_id) WHERE status IN ('starting', 'open');
CREATE INDEX pick_votes_by_message ON pick_votes (message_id) WHERE status = 'open';
CREATE INDEX pick_votes_of_round ON pick_votes (round_id, vote_id);

-- The vote's choices, frozen when it opens: `position` is the poll answer id (from 1).
CREATE TABLE pick_vote_options (
    vote_id        INTEGER NOT NULL REFERENCES pick_votes (vote_id) ON DELETE CASCADE,
    position       INTEGER NOT NULL CHECK (position BETWEEN 1 AND 25),
    suggestion_id  INTEGER NOT NULL REFERENCES pick_suggestions (suggestion_id) ON DELETE CASCADE,
    PRIMARY KEY (vote_id, position),
    UNIQUE (vote_id, suggestion_id)
) STRICT, WITHOUT ROWID;

-- A member's ranked ballot: a book once only, ranks 1 to 5 (gaps are skipped when counted).
CREATE TABLE pick_ballots (
    vote_id        INTEGER NOT NULL REFERENCES pick_votes (vote_id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    rank           INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 5),
    suggestion_id  INTEGER NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (vote_id, user_id, rank),
    UNIQUE (vote_id, user_id, suggestion_id),
    FOREIGN KEY (vote_id, suggestion_id) REFERENCES pick_vote_options (vote_id, suggestion_id)
) STRICT, WITHOUT ROWID;
