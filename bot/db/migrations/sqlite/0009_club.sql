-- The club reads together: one current read per server split into sections, each with a private
-- discussion thread that members join as their progress reaches it; past reads kept as history.

-- Members with this role (or Manage Server) run the organiser commands.
ALTER TABLE guilds ADD COLUMN organiser_role_id INTEGER;

-- A read is 'starting' while its threads are being made: the row claims the server's one current
-- read before anything is created, so two organisers starting at once cannot both win, and a
-- restart finds the claim and removes it with whatever threads it made.
CREATE TABLE club_reads (
    read_id         INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    book_id         INTEGER REFERENCES books (book_id) ON DELETE SET NULL,  -- NULL: removed from the catalogue
    title           TEXT NOT NULL,                 -- kept for the history, whatever happens to the book
    authors         TEXT NOT NULL DEFAULT '',      -- one per line, as in books
    pages           INTEGER,                       -- the page count split; NULL: split by percent
    channel_id      INTEGER NOT NULL,
    start_date      TEXT NOT NULL,                 -- 'YYYY-MM-DD' in the server's time zone
    every_days      INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 60),
    status          TEXT NOT NULL CHECK (status IN ('starting', 'active', 'ended')),
    started_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    channel_gone_at TEXT,                          -- the thread channel was deleted mid-read
    end_date        TEXT,                          -- 'YYYY-MM-DD', set by /club read end
    ended_at        TEXT,
    readers         INTEGER,                       -- counts and the club's ratings when it ended
    finished        INTEGER,
    ratings_count   INTEGER,
    ratings_sum_x2  INTEGER
) STRICT;
CREATE UNIQUE INDEX club_reads_current ON club_reads (guild_id) WHERE status IN ('starting', 'active');
CREATE INDEX club_reads_history ON club_reads (guild_id, ended_at, read_id) WHERE status = 'ended';

-- `first_page` and `last_page` are pages, or percents when the read has no page count.
CREATE TABLE club_sections (
    read_id       INTEGER NOT NULL REFERENCES club_reads (read_id) ON DELETE CASCADE,
    number        INTEGER NOT NULL CHECK (number BETWEEN 1 AND 20),
    first_page    INTEGER NOT NULL,
    last_page     INTEGER NOT NULL CHECK (last_page >= first_page),
    name          TEXT,                            -- set by /club read edit; NULL shows 'Section N'
    due_date      TEXT NOT NULL,                   -- due at the end of that day in the server's zone
    thread_id     INTEGER,
    message_id    INTEGER,                         -- the bot's post in the thread: pages and due date
    recreated_at  TEXT,                            -- the thread was deleted by hand and made again
    PRIMARY KEY (read_id, number)
) STRICT, WITHOUT ROWID;
CREATE INDEX club_sections_by_thread ON club_sections (thread_id) WHERE thread_id IS NOT NULL;

-- Who the bot added (or must add) to which section thread: 'pending' rows are the work queue,
-- resumed at start-up; 'added' makes adding idempotent; 'refused' keeps Discord's answer to show.
CREATE TABLE club_thread_members (
    read_id     INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'added', 'refused')),
    error       TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (read_id, number, user_id),
    FOREIGN KEY (read_id, number) REFERENCES club_sections (read_id, number) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX club_thread_members_pending ON club_thread_members (read_id) WHERE state = 'pending';
CREATE INDEX club_thread_members_by_member ON club_thread_members (read_id, user_id, state);

-- Who read along, written when the read ends (the shelves move on; the history must not).
CREATE TABLE club_read_readers (
    read_id   INTEGER NOT NULL REFERENCES club_reads (read_id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    finished  INTEGER NOT NULL CHECK (finished IN (0, 1)),
    PRIMARY KEY (read_id, user_id)
) STRICT, WITHOUT ROWID;

-- The club read's counts ("7 of 12 readers are on track") read this index alone, whatever the
-- club's size: the readers of a book with where each one is.
CREATE INDEX shelves_club_progress ON shelves (guild_id, book_id, shelf, page, percent);
