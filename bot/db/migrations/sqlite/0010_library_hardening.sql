-- Library imports, hardened (issue #11).
--
-- 1. A catalogue row made from an imported CSV row is provisional: its title and details are the
--    member's, not a provider's. `import_guild_id` remembers which server's import made it; other
--    servers do not see it in search or autocomplete, and their look-ups by its ISBN go to the
--    providers. Provider data replaces the imported data when it comes (enrichment or a look-up),
--    and the column is cleared. Existing imported rows not yet enriched take the server that
--    shelved them first.
ALTER TABLE books ADD COLUMN import_guild_id INTEGER;
UPDATE books SET import_guild_id = (
    SELECT s.guild_id FROM shelves AS s WHERE s.book_id = books.book_id
    ORDER BY s.added_at, s.guild_id LIMIT 1
)
WHERE source = 'import' AND enriched_at IS NULL;
CREATE INDEX books_provisional ON books (import_guild_id) WHERE import_guild_id IS NOT NULL;

-- 2. An import whose task ended without finishing (an error, a cancellation, a restart) is
--    'failed', never left 'running'; importing the same file again resumes it. `error` says why.
CREATE TABLE import_jobs_new (
    job_id       INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('goodreads', 'storygraph')),
    file_sha256  TEXT NOT NULL,
    rows_total   INTEGER NOT NULL DEFAULT 0,
    rows_done    INTEGER NOT NULL DEFAULT 0,   -- rows committed so far (batches are transactions)
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    added        INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    error        TEXT
) STRICT;
INSERT INTO import_jobs_new (
    job_id, guild_id, user_id, format, file_sha256, rows_total, rows_done, status, added, updated,
    unchanged, skipped, started_at, finished_at
)
SELECT job_id, guild_id, user_id, format, file_sha256, rows_total, rows_done, status, added, updated,
       unchanged, skipped, started_at, finished_at
FROM import_jobs;
DROP TABLE import_jobs;
ALTER TABLE import_jobs_new RENAME TO import_jobs;
CREATE INDEX import_jobs_by_member ON import_jobs (guild_id, user_id, status, file_sha256);
