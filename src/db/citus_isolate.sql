-- The national space's rows get a shard of their own (`isolate_tenant_to_new_shard`, with every
-- co-located table), once the space exists: after `tenants sync`, so `ecoute migrate` (or the
-- test harness) runs the step again then. That space holds every national contribution, so its
-- shard is the largest and the busiest, and the rebalancer may then give it a node of its own.
DO $isolate$
DECLARE
    first regclass;
    national uuid;
    isolated boolean;
BEGIN
    SELECT logicalrelid INTO first FROM pg_dist_partition WHERE partmethod = 'h'
     ORDER BY colocationid, logicalrelid LIMIT 1;
    SELECT id INTO national FROM tenants WHERE kind = 'national';
    IF national IS NOT NULL AND first IS NOT NULL THEN
        -- Isolated when its shard holds no other hash value.
        SELECT s.shardminvalue = s.shardmaxvalue INTO isolated
          FROM pg_dist_shard s
         WHERE s.shardid = get_shard_id_for_distribution_column(first, national);
        IF NOT isolated THEN
            PERFORM isolate_tenant_to_new_shard(first, national, 'CASCADE',
                                                shard_transfer_mode => 'block_writes');
        END IF;
    END IF;
END
$isolate$;
