"""Book data: the catalogue's models, the providers (Open Library, Google Books) and their cache."""
