-- Placeholder so this branch's migrations have no gap: 0005 belongs to another branch.
-- DELETE THIS FILE WHEN MERGING (the real 0005 replaces it).
SELECT 1;
