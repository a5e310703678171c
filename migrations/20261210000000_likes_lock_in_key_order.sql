-- Like batches lock the ideas whose counters they change in key order.
--
-- The statement trigger behind `count_likes` changed the counters with one UPDATE joined to the
-- batch's likes grouped by idea: PostgreSQL locks the ideas in whatever order its plan meets them
-- (a hash table's, for a large batch), which differs from one batch to the next. Two concurrent
-- batches liking the same two popular ideas could each hold one and wait for the other: a
-- deadlock, in which PostgreSQL aborts one batch and every like in it fails. Each now locks its ideas in key order first (a locking
-- SELECT locks the rows in the order of its ORDER BY), then changes them; the likes themselves
-- are inserted in key order by the batch statement (src/ideas/likes.rs), and the month's
-- participants were already (20261122000041). Every batch then takes its locks in the same
-- order, so two can wait for each other only one way.

CREATE OR REPLACE FUNCTION count_likes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    previous text := current_setting('app.tenant_id', true);
    space uuid;
BEGIN
    FOR space IN SELECT DISTINCT tenant_id FROM changed ORDER BY 1 LOOP
        PERFORM set_config('app.tenant_id', space::text, true);
        PERFORM 1 FROM ideas i
          WHERE i.tenant_id = space AND i.id IN (SELECT idea_id FROM changed WHERE tenant_id = space)
          ORDER BY i.id
          FOR NO KEY UPDATE;
        UPDATE ideas i
           SET like_count = i.like_count + d.n * CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END
          FROM (SELECT idea_id, count(*)::int AS n FROM changed WHERE tenant_id = space GROUP BY idea_id) d
         WHERE i.tenant_id = space AND i.id = d.idea_id;
    END LOOP;
    PERFORM set_config('app.tenant_id', COALESCE(previous, ''), true);
    RETURN NULL;
END $$;
