-- The club half: everything here belongs to one server (guild_id) and is never shown in another.

-- Stars are stored doubled (2..10) so half stars stay integers: 4½ stars = 9.
CREATE TABLE ratings (
    guild_id  BIGINT NOT NULL,
    book_id   BIGINT NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL,
    stars_x2  BIGINT NOT NULL CHECK (stars_x2 BETWEEN 2 AND 10),
    rated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, book_id, user_id)
);
CREATE INDEX ratings_by_member ON ratings (guild_id, user_id, rated_at);

-- Per-book-per-club aggregates, updated in the same transaction as every change they count,
-- so a book page reads one row whatever the number of ratings. stars_N counts whole-star rows
-- (4½ counts in stars_4).
CREATE TABLE book_stats (
    guild_id          BIGINT NOT NULL,
    book_id           BIGINT NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    ratings_count     BIGINT NOT NULL DEFAULT 0,
    ratings_sum_x2    BIGINT NOT NULL DEFAULT 0,
    stars_1           BIGINT NOT NULL DEFAULT 0,
    stars_2           BIGINT NOT NULL DEFAULT 0,
    stars_3           BIGINT NOT NULL DEFAULT 0,
    stars_4           BIGINT NOT NULL DEFAULT 0,
    stars_5           BIGINT NOT NULL DEFAULT 0,
    reviews_count     BIGINT NOT NULL DEFAULT 0,
    want_to_read      BIGINT NOT NULL DEFAULT 0,
    currently_reading BIGINT NOT NULL DEFAULT 0,
    read_count        BIGINT NOT NULL DEFAULT 0,
    did_not_finish    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, book_id)
);

-- One exclusive shelf per member per book. Progress lives on the row of the book being read.
CREATE TABLE shelves (
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    book_id      BIGINT NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    shelf        TEXT NOT NULL CHECK (shelf IN ('want-to-read', 'currently-reading', 'read', 'did-not-finish')),
    added_at     TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    times_read   BIGINT NOT NULL DEFAULT 0,
    page         BIGINT,
    percent      BIGINT CHECK (percent BETWEEN 0 AND 100),
    progress_at  TEXT,
    PRIMARY KEY (guild_id, user_id, book_id)
);
CREATE INDEX shelves_by_member ON shelves (guild_id, user_id, shelf, added_at);
CREATE INDEX shelves_by_book ON shelves (guild_id, book_id, shelf);
CREATE INDEX shelves_by_shelf ON shelves (guild_id, shelf, progress_at);
CREATE INDEX shelves_finished ON shelves (guild_id, finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE follows (
    guild_id     BIGINT NOT NULL,
    follower_id  BIGINT NOT NULL,
    followee_id  BIGINT NOT NULL CHECK (followee_id <> follower_id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, follower_id, followee_id)
);
CREATE INDEX follows_by_followee ON follows (guild_id, followee_id);

CREATE TABLE goals (
    guild_id  BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    year      BIGINT NOT NULL,
    books     BIGINT NOT NULL CHECK (books > 0),
    PRIMARY KEY (guild_id, user_id, year)
);

-- Per-member-per-club counters for "N reviews · M followers" and profiles, kept like book_stats.
CREATE TABLE member_stats (
    guild_id        BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    reviews_count   BIGINT NOT NULL DEFAULT 0,
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    ratings_count   BIGINT NOT NULL DEFAULT 0,
    ratings_sum_x2  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
);
