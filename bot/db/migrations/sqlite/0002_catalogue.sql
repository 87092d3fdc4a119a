-- The catalogue: book metadata shared by every club. Identifiers are normalised before storage:
-- ISBNs as digits (ISBN-10 may end in X), Open Library ids as 'OL…W' / 'OL…M'.
CREATE TABLE books (
    book_id         INTEGER PRIMARY KEY,
    ol_work_id      TEXT,
    ol_edition_id   TEXT,
    isbn13          TEXT,
    isbn10          TEXT,
    google_id       TEXT,
    title           TEXT NOT NULL,
    subtitle        TEXT,
    authors         TEXT NOT NULL DEFAULT '',      -- display names, one per line
    description     TEXT,
    pages           INTEGER,
    format          TEXT,                          -- e.g. 'Mass Market Paperback'
    first_published TEXT,                          -- 'YYYY' or 'YYYY-MM-DD'
    cover_url       TEXT,
    language        TEXT,
    source          TEXT NOT NULL DEFAULT 'openlibrary',  -- openlibrary | googlebooks | import
    enriched_at     TEXT,                          -- set once completed from a provider
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE UNIQUE INDEX books_ol_work ON books (ol_work_id) WHERE ol_work_id IS NOT NULL;
CREATE INDEX books_ol_edition ON books (ol_edition_id) WHERE ol_edition_id IS NOT NULL;
CREATE UNIQUE INDEX books_isbn13 ON books (isbn13) WHERE isbn13 IS NOT NULL;
CREATE INDEX books_isbn10 ON books (isbn10) WHERE isbn10 IS NOT NULL;
CREATE INDEX books_google ON books (google_id) WHERE google_id IS NOT NULL;
CREATE INDEX books_unenriched ON books (book_id) WHERE enriched_at IS NULL;

-- Full-text search over title and authors, diacritics-insensitive, kept in step by triggers.
CREATE VIRTUAL TABLE books_fts USING fts5 (
    title, authors,
    content = 'books', content_rowid = 'book_id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER books_ai AFTER INSERT ON books BEGIN
    INSERT INTO books_fts (rowid, title, authors) VALUES (new.book_id, new.title, new.authors);
END;
CREATE TRIGGER books_ad AFTER DELETE ON books BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, authors) VALUES ('delete', old.book_id, old.title, old.authors);
END;
CREATE TRIGGER books_au AFTER UPDATE OF title, authors ON books BEGIN
    INSERT INTO books_fts (books_fts, rowid, title, authors) VALUES ('delete', old.book_id, old.title, old.authors);
    INSERT INTO books_fts (rowid, title, authors) VALUES (new.book_id, new.title, new.authors);
END;

-- Provider responses, keyed by request; served stale when the provider fails.
CREATE TABLE http_cache (
    key         TEXT PRIMARY KEY,                 -- e.g. 'openlibrary:/works/OL1W.json'
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    fetched_at  REAL NOT NULL,                    -- unix seconds
    expires_at  REAL NOT NULL
) STRICT;
