-- Full-text search of ideas, in French and accent-insensitive: "démarche", "demarches" and
-- "DÉMARCHES" all match. `unaccent` is a trusted extension (PostgreSQL 13+): the database owner
-- may create it.

CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
ALTER TEXT SEARCH CONFIGURATION fr_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;

-- Title weighs more than body. Apostrophes (typographic or not) become spaces first, so the
-- elided article of "l’agence" or "d'accueil" does not glue itself to the word.
ALTER TABLE ideas ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('fr_unaccent', translate(title, '’''', '  ')), 'A')
    || setweight(to_tsvector('fr_unaccent', translate(body, '’''', '  ')), 'B')
) STORED;

CREATE INDEX ideas_search ON ideas USING gin (search);
