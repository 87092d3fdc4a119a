-- The club half: everything here belongs to one server (guild_id) and is never shown in another.

-- Stars are stored doubled (2..10) so half stars stay integers: 4½ stars = 9.
CREATE TABLE ratings (
    guild_id  INTEGER NOT NULL,
    book_id   INTEGER NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    stars_x2  INTEGER NOT NULL CHECK (stars_x2 BETWEEN 2 AND 10),
    rated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, book_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX ratings_by_member ON ratings (guild_id, user_id, rated_at);

-- Per-book-per-club aggregates, updated in the same transaction as every change they count,
-- so a book page reads one row whatever the number of ratings. stars_N counts whole-star rows
-- (4½ counts in stars_4).
CREATE TABLE book_stats (
    guild_id          INTEGER NOT NULL,
    book_id           INTEGER NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    ratings_count     INTEGER NOT NULL DEFAULT 0,
    ratings_sum_x2    INTEGER NOT NULL DEFAULT 0,
    stars_1           INTEGER NOT NULL DEFAULT 0,
    stars_2           INTEGER NOT NULL DEFAULT 0,
    stars_3           INTEGER NOT NULL DEFAULT 0,
    stars_4           INTEGER NOT NULL DEFAULT 0,
    stars_5           INTEGER NOT NULL DEFAULT 0,
    reviews_count     INTEGER NOT NULL DEFAULT 0,
    want_to_read      INTEGER NOT NULL DEFAULT 0,
    currently_reading INTEGER NOT NULL DEFAULT 0,
    read_count        INTEGER NOT NULL DEFAULT 0,
    did_not_finish    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, book_id)
) STRICT, WITHOUT ROWID;

-- One exclusive shelf per member per book. Progress lives on the row of the book being read.
CREATE TABLE shelves (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    book_id      INTEGER NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    shelf        TEXT NOT NULL CHECK (shelf IN ('want-to-read', 'currently-reading', 'read', 'did-not-finish')),
    added_at     TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    times_read   INTEGER NOT NULL DEFAULT 0,
    page         INTEGER,
    percent      INTEGER CHECK (percent BETWEEN 0 AND 100),
    progress_at  TEXT,
    PRIMARY KEY (guild_id, user_id, book_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX shelves_by_member ON shelves (guild_id, user_id, shelf, added_at);
CREATE INDEX shelves_by_book ON shelves (guild_id, book_id, shelf);
CREATE INDEX shelves_by_shelf ON shelves (guild_id, shelf, progress_at);
CREATE INDEX shelves_finished ON shelves (guild_id, finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE follows (
    guild_id     INTEGER NOT NULL,
    follower_id  INTEGER NOT NULL,
    followee_id  INTEGER NOT NULL CHECK (followee_id <> follower_id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, follower_id, followee_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX follows_by_followee ON follows (guild_id, followee_id);

CREATE TABLE goals (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    year      INTEGER NOT NULL,
    books     INTEGER NOT NULL CHECK (books > 0),
    PRIMARY KEY (guild_id, user_id, year)
) STRICT, WITHOUT ROWID;

-- Per-member-per-club counters for "N reviews · M followers" and profiles, kept like book_stats.
CREATE TABLE member_stats (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    reviews_count   INTEGER NOT NULL DEFAULT 0,
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0,
    ratings_count   INTEGER NOT NULL DEFAULT 0,
    ratings_sum_x2  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;
