-- Likes and comments update their idea's counters. With `search` a
-- generated column, every such update recomputed the French tsvector of the whole idea, the
-- largest part of a like's cost. The vector is now kept by a trigger that fires only when the
-- title or the body changes, and a lower fillfactor leaves room for HOT updates (the counters
-- are in no index), so a like rewrites one heap tuple and touches no index of `ideas`.

CREATE FUNCTION ideas_search_vector(title text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('fr_unaccent', translate(title, '’''', '  ')), 'A')
        || setweight(to_tsvector('fr_unaccent', translate(body, '’''', '  ')), 'B')
$$;

CREATE FUNCTION ideas_set_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := ideas_search_vector(NEW.title, NEW.body);
    RETURN NEW;
END $$;

ALTER TABLE ideas DROP COLUMN search;
ALTER TABLE ideas ADD COLUMN search tsvector;
UPDATE ideas SET search = ideas_search_vector(title, body);
ALTER TABLE ideas ALTER COLUMN search SET NOT NULL;
CREATE INDEX ideas_search ON ideas USING gin (search);

CREATE TRIGGER ideas_search BEFORE INSERT OR UPDATE OF title, body ON ideas
    FOR EACH ROW EXECUTE FUNCTION ideas_set_search();

ALTER TABLE ideas SET (fillfactor = 80);

-- Likes arrive in batches (one INSERT for many people, see src/ideas/likes.rs): count them per
-- statement, one UPDATE per idea, instead of one trigger call per row. Transition tables need
-- one trigger per event. Runs as the owner, with the ideas' tenant set for RLS (national ideas
-- are liked from local spaces), then puts the caller's tenant back.
CREATE FUNCTION count_likes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    previous text := current_setting('app.tenant_id', true);
    space uuid;
BEGIN
    FOR space IN SELECT DISTINCT tenant_id FROM changed LOOP
        PERFORM set_config('app.tenant_id', space::text, true);
        UPDATE ideas i
           SET like_count = i.like_count + d.n * CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END
          FROM (SELECT idea_id, count(*)::int AS n FROM changed WHERE tenant_id = space GROUP BY idea_id) d
         WHERE i.tenant_id = space AND i.id = d.idea_id;
    END LOOP;
    PERFORM set_config('app.tenant_id', COALESCE(previous, ''), true);
    RETURN NULL;
END $$;

DROP TRIGGER idea_likes_count ON idea_likes;
CREATE TRIGGER idea_likes_added AFTER INSERT ON idea_likes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_likes();
CREATE TRIGGER idea_likes_withdrawn AFTER DELETE ON idea_likes
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_likes();
