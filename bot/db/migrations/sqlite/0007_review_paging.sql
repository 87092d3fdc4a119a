-- Review paging: every sort order and star filter reads one index range, and every header
-- count is one primary-key read.

-- The sort key for "highest"/"lowest" (unrated imported reviews sort as 0, below one star) and
-- the whole-star row a review is filtered under (4½ stars → 4; unrated → 0).
ALTER TABLE reviews ADD COLUMN stars_key INTEGER GENERATED ALWAYS AS (coalesce(stars_x2, 0)) VIRTUAL;
ALTER TABLE reviews ADD COLUMN star_row INTEGER GENERATED ALWAYS AS (coalesce(stars_x2, 0) / 2) VIRTUAL;

CREATE INDEX reviews_by_stars_key ON reviews (guild_id, book_id, stars_key, created_at, review_id);
CREATE INDEX reviews_by_row_date ON reviews (guild_id, book_id, star_row, created_at, review_id);
CREATE INDEX reviews_by_row_likes ON reviews (guild_id, book_id, star_row, likes, created_at, review_id);
-- "Most liked" ties break by date: SQLite ranges a row value over (likes, created_at) but not over
-- the rowid, and many reviews share a like count.
CREATE INDEX reviews_by_likes_date ON reviews (guild_id, book_id, likes, created_at, review_id);

-- Reviews per whole-star row per book per club (row 0 = unrated), so the filtered header
-- "of N reviews" never counts rows. Kept by triggers rather than by the review service: it is
-- derived from `reviews` alone, and so stays right whoever writes reviews (e.g. a library import).
CREATE TABLE review_star_counts (
    guild_id  INTEGER NOT NULL,
    book_id   INTEGER NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    star_row  INTEGER NOT NULL CHECK (star_row BETWEEN 0 AND 5),
    reviews   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, book_id, star_row)
) STRICT, WITHOUT ROWID;

INSERT INTO review_star_counts (guild_id, book_id, star_row, reviews)
SELECT guild_id, book_id, coalesce(stars_x2, 0) / 2, count(*) FROM reviews GROUP BY 1, 2, 3;

CREATE TRIGGER reviews_star_counts_ai AFTER INSERT ON reviews BEGIN
    INSERT INTO review_star_counts (guild_id, book_id, star_row, reviews)
    VALUES (new.guild_id, new.book_id, coalesce(new.stars_x2, 0) / 2, 1)
    ON CONFLICT (guild_id, book_id, star_row) DO UPDATE SET reviews = reviews + 1;
END;
CREATE TRIGGER reviews_star_counts_ad AFTER DELETE ON reviews BEGIN
    UPDATE review_star_counts SET reviews = reviews - 1
    WHERE guild_id = old.guild_id AND book_id = old.book_id AND star_row = coalesce(old.stars_x2, 0) / 2;
END;
CREATE TRIGGER reviews_star_counts_au AFTER UPDATE OF stars_x2 ON reviews
WHEN coalesce(old.stars_x2, 0) / 2 <> coalesce(new.stars_x2, 0) / 2 BEGIN
    UPDATE review_star_counts SET reviews = reviews - 1
    WHERE guild_id = old.guild_id AND book_id = old.book_id AND star_row = coalesce(old.stars_x2, 0) / 2;
    INSERT INTO review_star_counts (guild_id, book_id, star_row, reviews)
    VALUES (new.guild_id, new.book_id, coalesce(new.stars_x2, 0) / 2, 1)
    ON CONFLICT (guild_id, book_id, star_row) DO UPDATE SET reviews = reviews + 1;
END;

-- A /reviews search text, kept so that a list's buttons carry a short id instead of the text
-- (custom ids hold 100 characters).
CREATE TABLE review_searches (
    search_id  INTEGER PRIMARY KEY,
    text       TEXT NOT NULL UNIQUE
) STRICT;
