-- Issue #14: index lookups on the hot paths, and per-member shelf counts kept by triggers.

-- A member's ratings with their stars: recompute_member_stats sums them from this index alone
-- (the old ratings_by_member index has no stars, so the sum read every rating row of the server).
CREATE INDEX ratings_by_member_stars ON ratings (guild_id, user_id, stars_x2);

-- A member's shelf newest first (all shelves, or one), for /shelf show's keyset pages.
CREATE INDEX shelves_by_member_newest ON shelves (guild_id, user_id, added_at, book_id);
CREATE INDEX shelves_by_member_shelf_newest ON shelves (guild_id, user_id, shelf, added_at, book_id);
DROP INDEX shelves_by_member;  -- (guild_id, user_id, shelf, added_at): a prefix of the one above

-- Books per shelf per member, kept in step with `shelves` by the triggers below, so /shelf show
-- and /profile read one row instead of counting the member's shelf.
ALTER TABLE member_stats ADD COLUMN shelf_want_to_read INTEGER NOT NULL DEFAULT 0;
ALTER TABLE member_stats ADD COLUMN shelf_currently_reading INTEGER NOT NULL DEFAULT 0;
ALTER TABLE member_stats ADD COLUMN shelf_read INTEGER NOT NULL DEFAULT 0;
ALTER TABLE member_stats ADD COLUMN shelf_did_not_finish INTEGER NOT NULL DEFAULT 0;

INSERT INTO member_stats (guild_id, user_id, shelf_want_to_read, shelf_currently_reading, shelf_read,
                          shelf_did_not_finish)
SELECT guild_id, user_id, sum(shelf = 'want-to-read'), sum(shelf = 'currently-reading'),
       sum(shelf = 'read'), sum(shelf = 'did-not-finish')
FROM shelves WHERE true GROUP BY guild_id, user_id
ON CONFLICT (guild_id, user_id) DO UPDATE SET
    shelf_want_to_read = excluded.shelf_want_to_read,
    shelf_currently_reading = excluded.shelf_currently_reading,
    shelf_read = excluded.shelf_read,
    shelf_did_not_finish = excluded.shelf_did_not_finish;

CREATE TRIGGER shelves_member_counts_ai AFTER INSERT ON shelves BEGIN
    INSERT INTO member_stats (guild_id, user_id, shelf_want_to_read, shelf_currently_reading,
                              shelf_read, shelf_did_not_finish)
    VALUES (new.guild_id, new.user_id, new.shelf = 'want-to-read', new.shelf = 'currently-reading',
            new.shelf = 'read', new.shelf = 'did-not-finish')
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        shelf_want_to_read = shelf_want_to_read + excluded.shelf_want_to_read,
        shelf_currently_reading = shelf_currently_reading + excluded.shelf_currently_reading,
        shelf_read = shelf_read + excluded.shelf_read,
        shelf_did_not_finish = shelf_did_not_finish + excluded.shelf_did_not_finish;
END;

CREATE TRIGGER shelves_member_counts_ad AFTER DELETE ON shelves BEGIN
    UPDATE member_stats SET
        shelf_want_to_read = shelf_want_to_read - (old.shelf = 'want-to-read'),
        shelf_currently_reading = shelf_currently_reading - (old.shelf = 'currently-reading'),
        shelf_read = shelf_read - (old.shelf = 'read'),
        shelf_did_not_finish = shelf_did_not_finish - (old.shelf = 'did-not-finish')
    WHERE guild_id = old.guild_id AND user_id = old.user_id;
END;

-- The key columns never change (the writes upsert on them), but a trigger is cheaper than a doubt.
CREATE TRIGGER shelves_member_counts_au AFTER UPDATE OF shelf, guild_id, user_id ON shelves
WHEN old.shelf IS NOT new.shelf OR old.guild_id IS NOT new.guild_id OR old.user_id IS NOT new.user_id BEGIN
    UPDATE member_stats SET
        shelf_want_to_read = shelf_want_to_read - (old.shelf = 'want-to-read'),
        shelf_currently_reading = shelf_currently_reading - (old.shelf = 'currently-reading'),
        shelf_read = shelf_read - (old.shelf = 'read'),
        shelf_did_not_finish = shelf_did_not_finish - (old.shelf = 'did-not-finish')
    WHERE guild_id = old.guild_id AND user_id = old.user_id;
    INSERT INTO member_stats (guild_id, user_id, shelf_want_to_read, shelf_currently_reading,
                              shelf_read, shelf_did_not_finish)
    VALUES (new.guild_id, new.user_id, new.shelf = 'want-to-read', new.shelf = 'currently-reading',
            new.shelf = 'read', new.shelf = 'did-not-finish')
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        shelf_want_to_read = shelf_want_to_read + excluded.shelf_want_to_read,
        shelf_currently_reading = shelf_currently_reading + excluded.shelf_currently_reading,
        shelf_read = shelf_read + excluded.shelf_read,
        shelf_did_not_finish = shelf_did_not_finish + excluded.shelf_did_not_finish;
END;
