-- Library imports, hardened (issue #11).
--
-- 1. A catalogue row made from an imported CSV row is provisional: its title and details are the
--    member's, not a provider's. `import_guild_id` remembers which server's import made it; other
--    servers do not see it in search or autocomplete, and their look-ups by its ISBN go to the
--    providers. Provider data replaces the imported data when it comes (enrichment or a look-up),
--    and the column is cleared. Existing imported rows not yet enriched take the server that
--    shelved them first.
ALTER TABLE books ADD COLUMN import_guild_id BIGINT;
UPDATE books SET import_guild_id = (
    SELECT s.guild_id FROM shelves AS s WHERE s.book_id = books.book_id
    ORDER BY s.added_at, s.guild_id LIMIT 1
)
WHERE source = 'import' AND enriched_at IS NULL;
CREATE INDEX books_provisional ON books (import_guild_id) WHERE import_guild_id IS NOT NULL;

-- 2. An import whose task ended without finishing (an error, a cancellation, a restart) is
--    'failed', never left 'running'; importing the same file again resumes it. `error` says why.
ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_status;
ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_status CHECK (status IN ('running', 'done', 'failed'));
ALTER TABLE import_jobs ADD COLUMN error TEXT;
