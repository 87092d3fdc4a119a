-- Reviews: one per member per book per club. The current text lives here; earlier versions in
-- review_history. Counters for sorting and headers are kept in step by the service that writes.
ALTER TABLE guilds ADD COLUMN reviews_channel_id INTEGER;

CREATE TABLE reviews (
    review_id   INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    book_id     INTEGER NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    stars_x2    INTEGER CHECK (stars_x2 BETWEEN 2 AND 10),
    body        TEXT NOT NULL CHECK (length(trim(body)) > 0),
    spoiler     INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1)),
    created_at  TEXT NOT NULL,                 -- ISO-8601 UTC; an imported review keeps its own date
    updated_at  TEXT,                          -- set on edit: displays show "Updated <date>"
    likes       INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    channel_id  INTEGER,                       -- the posted card, when there is one
    message_id  INTEGER,
    thread_id   INTEGER,
    UNIQUE (guild_id, book_id, user_id)
) STRICT;
-- Keyset pagination for every sort order: each index ends in review_id as the tie-breaker.
CREATE INDEX reviews_by_date ON reviews (guild_id, book_id, created_at, review_id);
CREATE INDEX reviews_by_stars ON reviews (guild_id, book_id, stars_x2, created_at, review_id);
CREATE INDEX reviews_by_likes ON reviews (guild_id, book_id, likes, review_id);
CREATE INDEX reviews_by_member ON reviews (guild_id, user_id, created_at);
CREATE INDEX reviews_by_week ON reviews (guild_id, created_at);

CREATE TABLE review_history (
    review_id  INTEGER NOT NULL REFERENCES reviews (review_id) ON DELETE CASCADE,
    edited_at  TEXT NOT NULL,                  -- when this version was replaced
    stars_x2   INTEGER,
    body       TEXT NOT NULL,
    spoiler    INTEGER NOT NULL,
    PRIMARY KEY (review_id, edited_at)
) STRICT, WITHOUT ROWID;

CREATE TABLE review_likes (
    review_id  INTEGER NOT NULL REFERENCES reviews (review_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    PRIMARY KEY (review_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE VIRTUAL TABLE reviews_fts USING fts5 (
    body,
    content = 'reviews', content_rowid = 'review_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER reviews_ai AFTER INSERT ON reviews BEGIN
    INSERT INTO reviews_fts (rowid, body) VALUES (new.review_id, new.body);
END;
CREATE TRIGGER reviews_ad AFTER DELETE ON reviews BEGIN
    INSERT INTO reviews_fts (reviews_fts, rowid, body) VALUES ('delete', old.review_id, old.body);
END;
CREATE TRIGGER reviews_au AFTER UPDATE OF body ON reviews BEGIN
    INSERT INTO reviews_fts (reviews_fts, rowid, body) VALUES ('delete', old.review_id, old.body);
    INSERT INTO reviews_fts (rowid, body) VALUES (new.review_id, new.body);
END;
