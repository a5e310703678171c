-- The distribution step on a Citus coordinator (see citus.rs): run by `ecoute migrate` after the
-- migrations, only when the `citus` extension is installed, and idempotent.
--
-- 1. Foreign keys that touch a table not yet distributed are taken out: Citus distributes a
--    table only when every table its keys reach is already a Citus table, and it converts local
--    tables chained to a reference table into "Citus local tables", which refuse our policies.
-- 2. The platform tables (no tenant_id) become reference tables, copied to every node.
-- 3. Every table with a tenant_id is distributed by it, co-located with the others, so that one
--    space's rows of every table sit on one node and a tenant's transaction stays there.
-- 4. The keys come back. Citus refuses `ON DELETE SET NULL (column)` when the key includes the
--    distribution column (it cannot tell that only `column` is cleared): those keys come back
--    without the action, and a BEFORE DELETE row trigger on the referenced table clears the
--    column first (`citus_set_null_on_delete`), which is what the action did.
-- 5. The notification triggers notify from the coordinator only. Triggers on a Citus table fire
--    where its rows are, on the shards: a worker's transaction that ran NOTIFY cannot be
--    prepared ("cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY"),
--    so every write to `tenants` failed until then (reference tables commit in two phases).
--    The coordinator holds a copy of the reference tables, so `tenants` and `accounts` still
--    notify the pods listening there; the distributed tables' shards are all on workers, whose
--    notifications are dropped (see docs/operations.md).
-- 6. Statement triggers with transition tables become row triggers. Citus runs a table's
--    triggers on its shards and sends their queries over a transition table on to other
--    connections, where it does not exist ("executor could not find named tuplestore"), so
--    every like, queued mail, upload and finished analysis failed. Each such trigger becomes a
--    row trigger of the same name, whose function (`<trigger>_row`) is the statement function
--    with each transition table read as the one row (`(SELECT NEW.*)`, `(SELECT OLD.*)`): the
--    same writes, once per row instead of grouped per statement (the sums are the same). The
--    row trigger's arguments name the statement function and its transition tables, so each run
--    writes the row function again from the statement function as later migrations leave it.
--    The `notify_*` functions are left alone (they return before reading on the workers).
--
-- Then, in a transaction of its own (Citus refuses it after other changes in the same one),
-- citus_isolate.sql.
DO $distribute$
DECLARE
    t regclass;
    fk record;
    fks text[] := '{}';
    first regclass;
    f regprocedure;
    def text;
    trg record;
    row_of text;
BEGIN
    -- Multi-shard writes over one connection per node: required once keys to reference tables
    -- exist in the transaction.
    SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
    -- Our tables have row triggers (counters, search vectors, metering, notifications) and
    -- statement triggers; Citus distributes tables with triggers only with this on.
    SET LOCAL citus.enable_unsafe_triggers TO on;

    FOR fk IN
        SELECT c.conrelid::regclass AS rel, c.confrelid::regclass AS referenced, c.conname,
               pg_get_constraintdef(c.oid) AS def
          FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
           AND (NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.conrelid)
                OR NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.confrelid))
    LOOP
        IF fk.def ~ '^FOREIGN KEY \(tenant_id, ' AND fk.def ~ 'ON DELETE SET NULL \(\w+\)$' THEN
            fks := fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname,
                                 regexp_replace(fk.def, ' ON DELETE SET NULL \(\w+\)$', ''));
            fks := fks || format(
                'CREATE TRIGGER %I BEFORE DELETE ON %s FOR EACH ROW
                   EXECUTE FUNCTION citus_set_null_on_delete(%L, %L, %L)',
                fk.conname || '_set_null', fk.referenced, fk.rel::text,
                substring(fk.def FROM 'ON DELETE SET NULL \((\w+)\)$'),
                substring(fk.def FROM 'REFERENCES \w+\(tenant_id, (\w+)\)'));
        ELSE
            fks := fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname, fk.def);
        END IF;
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
    END LOOP;

    FOR t IN
        SELECT c.oid::regclass FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                            WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
           AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)
           AND c.relname NOT LIKE '\_sqlx%'
         ORDER BY c.relname
    LOOP
        PERFORM create_reference_table(t);
    END LOOP;

    SELECT logicalrelid INTO first FROM pg_dist_partition WHERE partmethod = 'h'
     ORDER BY colocationid, logicalrelid LIMIT 1;
    FOR t IN
        SELECT c.oid::regclass FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
           AND EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
           AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)
         ORDER BY c.relname
    LOOP
        IF first IS NULL THEN
            PERFORM create_distributed_table(t, 'tenant_id');
            first := t;
        ELSE
            PERFORM create_distributed_table(t, 'tenant_id', colocate_with => first::text);
        END IF;
    END LOOP;

    FOR i IN 1 .. coalesce(array_length(fks, 1), 0) LOOP
        EXECUTE fks[i];
    END LOOP;

    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'notify\_%'
           AND p.prorettype = 'trigger'::regtype AND p.prosrc !~ 'pg_dist_local_group'
    LOOP
        def := pg_get_functiondef(f);
        -- After the body's first BEGIN, past a DECLARE section if there is one.
        EXECUTE regexp_replace(def, E'(\\$function\\$.*?)\\mBEGIN\\M',
            E'\\1BEGIN\n    -- Citus: notify from the coordinator only (src/db/citus.sql).\n'
            '    IF (SELECT groupid FROM pg_catalog.pg_dist_local_group) <> 0 THEN RETURN NULL; END IF;');
    END LOOP;

    FOR trg IN
        SELECT t.tgname, t.tgrelid::regclass AS rel, pg_get_triggerdef(t.oid) AS tdef,
               CASE WHEN t.tgnargs = 3 THEN (string_to_array(encode(t.tgargs, 'escape'), '\000'))[1:3]
                    ELSE ARRAY[t.tgfoid::regproc::text, coalesce(t.tgnewtable::text, ''),
                               coalesce(t.tgoldtable::text, '')] END AS source
          FROM pg_trigger t
         WHERE NOT t.tgisinternal
           AND t.tgrelid IN (SELECT logicalrelid FROM pg_dist_partition)
           AND ((t.tgnewtable IS NOT NULL OR t.tgoldtable IS NOT NULL)
                AND t.tgfoid::regproc::text NOT LIKE 'notify\_%'
                OR t.tgnargs = 3 AND t.tgfoid::regproc::text = t.tgname || '_row')
    LOOP
        def := pg_get_functiondef(trg.source[1]::regproc);
        def := regexp_replace(def, '^CREATE OR REPLACE FUNCTION [^(]+\(\)',
                              format('CREATE OR REPLACE FUNCTION public.%I()', trg.tgname || '_row'));
        FOR i IN 2 .. 3 LOOP
            CONTINUE WHEN trg.source[i] = '';
            row_of := CASE i WHEN 2 THEN '(SELECT NEW.*)' ELSE '(SELECT OLD.*)' END;
            def := regexp_replace(def, '\m' || trg.source[i] || '\s+([a-z])\M', row_of || ' AS \1', 'g');
            def := regexp_replace(def, '\m' || trg.source[i] || '\M', row_of || ' AS ' || trg.source[i], 'g');
        END LOOP;
        EXECUTE def;
        IF trg.tdef ~ 'FOR EACH STATEMENT' THEN
            EXECUTE format('DROP TRIGGER %I ON %s', trg.tgname, trg.rel);
            EXECUTE regexp_replace(
                regexp_replace(trg.tdef, ' REFERENCING .* FOR EACH STATEMENT ', ' FOR EACH ROW '),
                'EXECUTE FUNCTION .*$',
                format('EXECUTE FUNCTION public.%I(%L, %L, %L)', trg.tgname || '_row',
                       trg.source[1], trg.source[2], trg.source[3]));
        END IF;
    END LOOP;
END
$distribute$;
