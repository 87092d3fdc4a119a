-- Autocomplete in the index's own order (issue #14 item 2).
--
-- `books_fts` ranks by bm25, and bm25 first counts every row a word matches: a keystroke cost
-- grew with the catalogue (2.8 ms at 200k books against 0.85 ms at 300). `books_ac` indexes the
-- same title and authors with the same tokenizer (so the same words match, diacritics ignored,
-- in any script), but its rowid is the ranking itself:
--
--     rowid = (title tokens + author tokens) * 2^40 + book_id
--
-- so `MATCH … ORDER BY rowid LIMIT 25` reads matches best-first and stops at the 25th. It is
-- bm25's order whenever no typed word matches twice in one book (bm25 of a row whose every typed
-- word matches once falls as the row's token count grows), ties by the older book first.
-- Prefix indexes of 1 to 8 characters let a typed prefix read one list lazily instead of merging
-- every word that starts with it.
--
-- Its content is the view `books_ac_content` (the books under their keys): FTS5 reads it only to
-- rebuild or to show a column, never to match. A row is removed with FTS5's 'delete' command
-- given the values it was indexed with, which the triggers below have as `old.*`.
CREATE VIRTUAL TABLE books_ac USING fts5 (
    title, authors,
    content = 'books_ac_content', content_rowid = 'ac_key', columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4 5 6 7 8'
);

-- A book's token count is what `books_fts` counted for it (its docsize row holds one varint per
-- column: title, authors). Varints of one or two bytes are read (up to 16,383 tokens a column);
-- a longer column counts as 16,383, and when it is the title the authors count so too (their
-- varint cannot be found without reading the title's). Either way the same key is read back on delete.
CREATE VIEW books_ac_key (book_id, ac_key) AS
SELECT id, id + 1099511627776 * (
    CASE WHEN b1 < 128 THEN b1 WHEN b2 < 128 THEN (b1 - 128) * 128 + b2 ELSE 16383 END
    + CASE
        WHEN b1 < 128 THEN CASE WHEN b2 < 128 THEN b2 WHEN b3 < 128 THEN (b2 - 128) * 128 + b3 ELSE 16383 END
        WHEN b2 < 128 THEN CASE WHEN b3 < 128 THEN b3 WHEN b4 < 128 THEN (b3 - 128) * 128 + b4 ELSE 16383 END
        ELSE 16383
    END
)
FROM (
    SELECT id,
        (instr('0123456789ABCDEF', substr(h, 1, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 2, 1)) - 1 AS b1,
        (instr('0123456789ABCDEF', substr(h, 3, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 4, 1)) - 1 AS b2,
        (instr('0123456789ABCDEF', substr(h, 5, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 6, 1)) - 1 AS b3,
        (instr('0123456789ABCDEF', substr(h, 7, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 8, 1)) - 1 AS b4
    FROM (SELECT id, hex(sz) AS h FROM books_fts_docsize)
);

CREATE VIEW books_ac_content (ac_key, title, authors) AS
SELECT k.ac_key, b.title, b.authors FROM books AS b JOIN books_ac_key AS k ON k.book_id = b.book_id;

INSERT INTO books_ac (books_ac) VALUES ('rebuild');

-- The triggers of 0002 again, each now keeping both indexes, in an order that matters: the key is
-- read from `books_fts`'s docsize row, so after it is written and before it is deleted.
DROP TRIGGER books_ai;
DROP TRIGGER books_ad;
DROP TRIGGER books_au;

CREATE TRIGGER books_ai AFTER INSERT ON books BEGIN
    INSERT INTO books_fts (rowid, title, authors) VALUES (new.book_id, new.title, new.authors);
    INSERT INTO books_ac (rowid, title, authors)
        SELECT ac_key, new.title, new.authors FROM books_ac_key WHERE book_id = new.book_id;
END;
CREATE TRIGGER books_ad AFTER DELETE ON books BEGIN
    INSERT INTO books_ac (books_ac, rowid, title, authors)
        SELECT 'delete', ac_key, old.title, old.authors FROM books_ac_key WHERE book_id = old.book_id;
    INSERT INTO books_fts (books_fts, rowid, title, authors) VALUES ('delete', old.book_id, old.title, old.authors);
END;
CREATE TRIGGER books_au AFTER UPDATE OF title, authors ON books BEGIN
    INSERT INTO books_ac (books_ac, rowid, title, authors)
        SELECT 'delete', ac_key, old.title, old.authors FROM books_ac_key WHERE book_id = old.book_id;
    INSERT INTO books_fts (books_fts, rowid, title, authors) VALUES ('delete', old.book_id, old.title, old.authors);
    INSERT INTO books_fts (rowid, title, authors) VALUES (new.book_id, new.title, new.authors);
    INSERT INTO books_ac (rowid, title, authors)
        SELECT ac_key, new.title, new.authors FROM books_ac_key WHERE book_id = new.book_id;
END;
