-- Issue #14: index lookups on the hot paths, and per-member shelf counts kept by a trigger.

-- A member's ratings with their stars: recompute_member_stats sums them from this index alone.
CREATE INDEX ratings_by_member_stars ON ratings (guild_id, user_id, stars_x2);

-- A member's shelf newest first (all shelves, or one), for /shelf show's pages.
CREATE INDEX shelves_by_member_newest ON shelves (guild_id, user_id, added_at, book_id);
CREATE INDEX shelves_by_member_shelf_newest ON shelves (guild_id, user_id, shelf, added_at, book_id);
DROP INDEX shelves_by_member;  -- (guild_id, user_id, shelf, added_at): a prefix of the one above

-- Books per shelf per member, kept in step with `shelves` in the same transaction.
ALTER TABLE member_stats ADD COLUMN shelf_want_to_read BIGINT NOT NULL DEFAULT 0;
ALTER TABLE member_stats ADD COLUMN shelf_currently_reading BIGINT NOT NULL DEFAULT 0;
ALTER TABLE member_stats ADD COLUMN shelf_read BIGINT NOT NULL DEFAULT 0;
ALTER TABLE member_stats ADD COLUMN shelf_did_not_finish BIGINT NOT NULL DEFAULT 0;

INSERT INTO member_stats AS s (guild_id, user_id, shelf_want_to_read, shelf_currently_reading, shelf_read,
                               shelf_did_not_finish)
SELECT guild_id, user_id, count(*) FILTER (WHERE shelf = 'want-to-read'),
       count(*) FILTER (WHERE shelf = 'currently-reading'), count(*) FILTER (WHERE shelf = 'read'),
       count(*) FILTER (WHERE shelf = 'did-not-finish')
FROM shelves GROUP BY guild_id, user_id
ON CONFLICT (guild_id, user_id) DO UPDATE SET
    shelf_want_to_read = excluded.shelf_want_to_read,
    shelf_currently_reading = excluded.shelf_currently_reading,
    shelf_read = excluded.shelf_read,
    shelf_did_not_finish = excluded.shelf_did_not_finish;

CREATE FUNCTION shelves_member_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE member_stats SET
            shelf_want_to_read = shelf_want_to_read - (OLD.shelf = 'want-to-read')::int,
            shelf_currently_reading = shelf_currently_reading - (OLD.shelf = 'currently-reading')::int,
            shelf_read = shelf_read - (OLD.shelf = 'read')::int,
            shelf_did_not_finish = shelf_did_not_finish - (OLD.shelf = 'did-not-finish')::int
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO member_stats AS s (guild_id, user_id, shelf_want_to_read, shelf_currently_reading,
                                       shelf_read, shelf_did_not_finish)
        VALUES (NEW.guild_id, NEW.user_id, (NEW.shelf = 'want-to-read')::int,
                (NEW.shelf = 'currently-reading')::int, (NEW.shelf = 'read')::int,
                (NEW.shelf = 'did-not-finish')::int)
        ON CONFLICT (guild_id, user_id) DO UPDATE SET
            shelf_want_to_read = s.shelf_want_to_read + excluded.shelf_want_to_read,
            shelf_currently_reading = s.shelf_currently_reading + excluded.shelf_currently_reading,
            shelf_read = s.shelf_read + excluded.shelf_read,
            shelf_did_not_finish = s.shelf_did_not_finish + excluded.shelf_did_not_finish;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER shelves_member_counts_ai AFTER INSERT ON shelves
FOR EACH ROW EXECUTE FUNCTION shelves_member_counts();
CREATE TRIGGER shelves_member_counts_ad AFTER DELETE ON shelves
FOR EACH ROW EXECUTE FUNCTION shelves_member_counts();
CREATE TRIGGER shelves_member_counts_au AFTER UPDATE OF shelf, guild_id, user_id ON shelves
FOR EACH ROW WHEN (OLD.shelf IS DISTINCT FROM NEW.shelf OR OLD.guild_id IS DISTINCT FROM NEW.guild_id
                   OR OLD.user_id IS DISTINCT FROM NEW.user_id)
EXECUTE FUNCTION shelves_member_counts();
