-- Library import/export: one row per import run (progress, resume after a crash, history),
-- a case-insensitive title index for matching rows that carry no ISBN, and the bookkeeping of
-- background enrichment (books created from CSV rows, completed later from Open Library).

CREATE TABLE import_jobs (
    job_id       INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('goodreads', 'storygraph')),
    file_sha256  TEXT NOT NULL,
    rows_total   INTEGER NOT NULL DEFAULT 0,
    rows_done    INTEGER NOT NULL DEFAULT 0,   -- rows committed so far (batches are transactions)
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
    added        INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT NOT NULL,
    finished_at  TEXT
) STRICT;
CREATE INDEX import_jobs_by_member ON import_jobs (guild_id, user_id, status, file_sha256);

-- Rows without an ISBN are matched on title (case-insensitive) and then on author in code.
CREATE INDEX books_title_nocase ON books (title COLLATE NOCASE);

-- Enrichment tries per imported book; a book is dropped from the queue after a definitive miss
-- (attempts reaches the limit) so the queue always drains.
CREATE TABLE enrich_attempts (
    book_id        INTEGER PRIMARY KEY REFERENCES books (book_id) ON DELETE CASCADE,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_tried_at  TEXT NOT NULL,
    last_error     TEXT
) STRICT;
