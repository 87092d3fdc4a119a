-- Autocomplete in the index's own order (issue #14 item 2): the SQLite twin adds `books_ac`, an
-- FTS5 index whose rowid is the ranking. PostgreSQL answers autocomplete from the GIN index on
-- `books.search` (0002) with a bounded candidate set (bot/db/books.py), so it needs no new object;
-- this file keeps the two backends' versions numbered alike.
SELECT 1;
