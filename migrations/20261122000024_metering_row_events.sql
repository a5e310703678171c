-- Contributions metered by one appended event per row, people folded in by the rollup.
--
-- Migration 0017 metered ideas, comments and survey responses with statement-level triggers
-- that also upserted the author into `usage_participants`. On the hottest write path (an idea
-- a millisecond, issue 3's benchmark) that cost about a fifth of the throughput: a transition
-- table per statement, then two statements, one of them an upsert on a unique key. Now each new
-- row appends one event that carries the person's key, in the same transaction as the row (so
-- the guarantee is unchanged: no contribution without its event, no event without its
-- contribution), and `usage_rollup` moves the keys into `usage_participants` when it folds the
-- day. Readers count people through `usage_active_participants`: rolled-up people plus those
-- of pending events.
--
-- Likes keep their statement trigger: the like writer inserts them in batches, where one
-- statement-level upsert per batch is the cheap way.

ALTER TABLE usage_events ADD COLUMN participant text;

DROP TRIGGER ideas_metered ON ideas;
DROP TRIGGER idea_comments_metered ON idea_comments;
DROP TRIGGER survey_responses_metered ON survey_responses;
DROP FUNCTION meter_contributions();
DROP FUNCTION meter_survey_responses();

-- An idea or a comment: a contribution, by its author.
CREATE FUNCTION meter_contribution() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity, origin_tenant_id, participant)
    VALUES (NEW.tenant_id, 'contributions', 1, nullif(NEW.origin_tenant_id, NEW.tenant_id),
            'a:' || NEW.account_id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER ideas_metered AFTER INSERT ON ideas
    FOR EACH ROW EXECUTE FUNCTION meter_contribution();
CREATE TRIGGER idea_comments_metered AFTER INSERT ON idea_comments
    FOR EACH ROW EXECUTE FUNCTION meter_contribution();

-- A survey response's first version is a contribution; a later version (an edit) counts no
-- contribution but still makes its author active this month. An anonymous response has no
-- account: its respondent key stands for the person.
CREATE FUNCTION meter_survey_response() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity, origin_tenant_id, participant)
    VALUES (NEW.tenant_id, 'contributions', CASE WHEN NEW.version = 1 THEN 1 ELSE 0 END,
            nullif(NEW.origin_tenant_id, NEW.tenant_id),
            coalesce('a:' || NEW.account_id::text, 'r:' || encode(NEW.respondent_key, 'hex')));
    RETURN NULL;
END;
$$;
CREATE TRIGGER survey_responses_metered AFTER INSERT ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION meter_survey_response();

-- The fold also records the people of the events it moves, in the same statement.
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
        INSERT INTO usage_participants (tenant_id, month, participant)
        SELECT DISTINCT tenant_id, usage_month(occurred_at), participant FROM moved
         WHERE participant IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) FROM moved
$$;

-- Active people per space and month: rolled up, or still in pending events.
CREATE VIEW usage_active_participants WITH (security_invoker = true) AS
SELECT tenant_id, month, participant FROM usage_participants
UNION
SELECT tenant_id, usage_month(occurred_at), participant FROM usage_events WHERE participant IS NOT NULL;
