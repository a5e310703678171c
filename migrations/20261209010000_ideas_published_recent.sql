-- A large campaign's list (src/ideas/snapshot): its published ideas' ids and counters, newest
-- first, read along this index without a sort, and their number counted up to a bound from it
-- alone. Partial: pending and hidden ideas are not in it.
--
-- The counters are deliberately not INCLUDEd: a column in an index (key, INCLUDE or predicate)
-- makes every update of it a non-HOT update, and likes update `like_count` all the time
-- (migration 20261122000008 keeps the counters out of every index so that a like rewrites one
-- heap tuple and touches no index, the GIN search index above all). The load reads them from
-- the heap, in index order, which on a campaign written over time is close to the heap's.
CREATE INDEX ideas_published_recent ON ideas (tenant_id, campaign_id, created_at DESC, id)
    WHERE status = 'published';
