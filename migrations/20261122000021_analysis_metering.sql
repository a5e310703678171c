-- Analysis runs are metered like every other action: a run that reaches `done` writes its
-- usage event in the same transaction (see migrations/…_metering.sql).
CREATE FUNCTION meter_analysis_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity)
    SELECT n.tenant_id, 'analysis_runs', count(*)
      FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
     WHERE n.status = 'done' AND o.status <> 'done'
     GROUP BY n.tenant_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER analysis_runs_metered AFTER UPDATE ON analysis_runs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meter_analysis_runs();
