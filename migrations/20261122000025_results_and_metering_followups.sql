-- Follow-ups to 0023 and 0024, from review.
--
-- Results pages (src/results/cache.rs) also show what the survey's questions say (labels and
-- options are matched to answers by label), and the participants of a campaign, whose count
-- drops when an account is deleted while its contributions stay (the foreign keys set
-- `account_id` to NULL, which no status or delete trigger of 0023 sees). Both now notify.
CREATE TRIGGER survey_questions_results_notify AFTER INSERT OR UPDATE OR DELETE ON survey_questions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER accounts_results_notify AFTER DELETE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();

-- A contribution's event is dated by the row itself (`created_at`, `submitted_at`: now() when
-- the application inserts it), so rows written with their own date (imports, the demo's
-- history) land on their day in the usage charts.
CREATE OR REPLACE FUNCTION meter_contribution() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity, origin_tenant_id, participant, occurred_at)
    VALUES (NEW.tenant_id, 'contributions', 1, nullif(NEW.origin_tenant_id, NEW.tenant_id),
            'a:' || NEW.account_id::text, coalesce(NEW.created_at, now()));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION meter_survey_response() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity, origin_tenant_id, participant, occurred_at)
    VALUES (NEW.tenant_id, 'contributions', CASE WHEN NEW.version = 1 THEN 1 ELSE 0 END,
            nullif(NEW.origin_tenant_id, NEW.tenant_id),
            coalesce('a:' || NEW.account_id::text, 'r:' || encode(NEW.respondent_key, 'hex')),
            coalesce(NEW.submitted_at, now()));
    RETURN NULL;
END;
$$;

-- A person's first appearance in a month is their first event's time, not the fold's.
CREATE OR REPLACE FUNCTION usage_rollup(space uuid) RETURNS bigint LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM usage_events e WHERE e.tenant_id = space
        RETURNING e.tenant_id, e.occurred_at, e.metric, e.quantity, e.participant
    ), folded AS (
        INSERT INTO usage_daily AS d (tenant_id, day, metric, quantity)
        SELECT tenant_id, usage_day(occurred_at), metric, sum(quantity) FROM moved
         GROUP BY tenant_id, usage_day(occurred_at), metric
        ON CONFLICT (tenant_id, day, metric) DO UPDATE SET quantity = d.quantity + EXCLUDED.quantity
        RETURNING 1
    ), people AS (
        INSERT INTO usage_participants (tenant_id, month, participant, first_seen)
        SELECT tenant_id, usage_month(occurred_at), participant, min(occurred_at) FROM moved
         WHERE participant IS NOT NULL
         GROUP BY tenant_id, usage_month(occurred_at), participant
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) FROM moved
$$;
