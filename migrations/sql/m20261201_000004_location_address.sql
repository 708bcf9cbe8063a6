-- A location's address: the names along its path, from the root, joined
-- with ", " (filled for existing rows by the migration's code).
ALTER TABLE locations ADD COLUMN address TEXT NOT NULL DEFAULT ''
