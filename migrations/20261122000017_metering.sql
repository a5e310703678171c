-- Usage metering: what each space uses, for billing and quotas (docs/metering.md).
--
-- Every metered action writes its event in the same transaction as the action itself, through
-- the triggers below, so an action rolled back (a crash in the middle of a batch) leaves no
-- event, and a committed one always has its event. No code path can forget to meter: the
-- triggers sit on the tables, not in the handlers.
--
-- Events are appended to `usage_events` (no shared row to lock, so 2,000 ideas a second do not
-- queue behind one counter), and a rollup moves them into `usage_daily` in one statement
-- (DELETE … RETURNING feeding an upsert): an event is counted either as pending or as rolled up,
-- never both, never neither. Reads add the two.
--
-- Monthly active participants are unique people: one row per space, month and person in
-- `usage_participants` (ON CONFLICT DO NOTHING), counted.

CREATE TABLE usage_events (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               bigint GENERATED ALWAYS AS IDENTITY,
    metric           text NOT NULL CHECK (metric IN
                         ('contributions', 'emails_sent', 'invitations', 'analysis_runs', 'storage_bytes')),
    -- Storage events are signed (an upload adds its bytes, a deletion takes them back).
    quantity         bigint NOT NULL,
    -- The space an action came from, when it differs from the owner (a local space's
    -- contribution to a national campaign is stored, and metered, in the national space).
    origin_tenant_id uuid REFERENCES tenants (id),
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE usage_daily (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    -- Days are days in Paris: billing follows the Caf's calendar, not UTC's.
    day       date NOT NULL,
    metric    text NOT NULL,
    quantity  bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, metric)
);

CREATE TABLE usage_participants (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    month       date NOT NULL CHECK (extract(day FROM month) = 1),
    -- 'a:' || account id, or 'r:' || respondent key for an anonymous survey response.
    participant text NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, month, participant)
);

ALTER TABLE usage_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_events FORCE ROW LEVEL SECURITY;
-- A local space's action on a national campaign writes a national event whose origin is itself.
CREATE POLICY usage_events_own ON usage_events
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant()
                OR (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant()));
ALTER TABLE usage_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY usage_daily_own ON usage_daily
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
ALTER TABLE usage_participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_participants FORCE ROW LEVEL SECURITY;
-- Same rule for people: a local space may record a national participant (someone taking part
-- in a national campaign from it); it cannot read national rows.
CREATE POLICY usage_participants_own ON usage_participants
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant() OR tenant_id = app_national_tenant());

-- Paris calendar helpers.
CREATE FUNCTION usage_day(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT (at AT TIME ZONE 'Europe/Paris')::date
$$;
CREATE FUNCTION usage_month(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('month', at AT TIME ZONE 'Europe/Paris')::date
$$;

-- Contributions: ideas and comments, then survey responses. Statement-level triggers: a bulk
-- insert writes one event per space and origin, not one per row.
CREATE FUNCTION meter_contributions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity, origin_tenant_id)
    SELECT n.tenant_id, 'contributions', count(*), nullif(n.origin_tenant_id, n.tenant_id)
      FROM new_rows n GROUP BY n.tenant_id, n.origin_tenant_id;
    INSERT INTO usage_participants (tenant_id, month, participant)
    SELECT DISTINCT n.tenant_id, usage_month(now()), 'a:' || n.account_id
      FROM new_rows n WHERE n.account_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ideas_metered AFTER INSERT ON ideas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_contributions();
CREATE TRIGGER idea_comments_metered AFTER INSERT ON idea_comments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_contributions();

-- A survey response's first version is a contribution; its later versions are edits. An
-- anonymous response has no account: its respondent key stands for the person.
CREATE FUNCTION meter_survey_responses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity, origin_tenant_id)
    SELECT n.tenant_id, 'contributions', count(*), nullif(n.origin_tenant_id, n.tenant_id)
      FROM new_rows n WHERE n.version = 1 GROUP BY n.tenant_id, n.origin_tenant_id;
    INSERT INTO usage_participants (tenant_id, month, participant)
    SELECT DISTINCT n.tenant_id, usage_month(now()),
           coalesce('a:' || n.account_id::text, 'r:' || encode(n.respondent_key, 'hex'))
      FROM new_rows n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER survey_responses_metered AFTER INSERT ON survey_responses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_survey_responses();

-- A like makes its giver an active participant (it is not a contribution).
CREATE FUNCTION meter_like_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_participants (tenant_id, month, participant)
    SELECT DISTINCT n.tenant_id, usage_month(now()), 'a:' || n.account_id FROM new_rows n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER idea_likes_metered AFTER INSERT ON idea_likes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_like_participants();

-- Invitations: list mail queued to invite people to a campaign.
CREATE FUNCTION meter_invitations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity)
    SELECT n.tenant_id, 'invitations', count(*) FROM new_rows n WHERE n.kind = 'invitation'
     GROUP BY n.tenant_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER mail_outbox_invitations_metered AFTER INSERT ON mail_outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_invitations();

-- E-mails sent: a mail whose status becomes `sent`, in the worker's recording transaction.
CREATE FUNCTION meter_emails_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_events (tenant_id, metric, quantity)
    SELECT n.tenant_id, 'emails_sent', count(*)
      FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
     WHERE n.status = 'sent' AND o.status <> 'sent'
     GROUP BY n.tenant_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER mail_outbox_sent_metered AFTER UPDATE ON mail_outbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meter_emails_sent();

-- Storage: bytes of uploaded images, added on upload and taken back on deletion.
CREATE FUNCTION meter_storage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO usage_events (tenant_id, metric, quantity)
        SELECT n.tenant_id, 'storage_bytes', sum(octet_length(n.bytes)) FROM new_rows n GROUP BY n.tenant_id;
    ELSE
        INSERT INTO usage_events (tenant_id, metric, quantity)
        SELECT o.tenant_id, 'storage_bytes', -sum(octet_length(o.bytes)) FROM old_rows o GROUP BY o.tenant_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER space_assets_stored AFTER INSERT ON space_assets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_storage();
CREATE TRIGGER space_assets_freed AFTER DELETE ON space_assets
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION meter_storage();

-- Storage already used before metering existed.
INSERT INTO usage_events (tenant_id, metric, quantity)
SELECT tenant_id, 'storage_bytes', sum(octet_length(bytes)) FROM space_assets GROUP BY tenant_id;

-- Usage per space, day and metric: rolled-up days plus pending events.
CREATE VIEW usage_by_day WITH (security_invoker = true) AS
SELECT tenant_id, day, metric, sum(quantity)::bigint AS quantity FROM (
    SELECT tenant_id, day, metric, quantity FROM usage_daily
    UNION ALL
    SELECT tenant_id, usage_day(occurred_at), metric, quantity FROM usage_events
) u GROUP BY tenant_id, day, metric;

-- Moves one space's events into its daily rows; returns how many events it moved.
CREATE FUNCTION usage_rollup(space uuid) RETURNS bigint LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM usage_events e WHERE e.tenant_id = space
        RETURNING e.tenant_id, usage_day(e.occurred_at) AS day, e.metric, e.quantity
    ), folded AS (
        INSERT INTO usage_daily AS d (tenant_id, day, metric, quantity)
        SELECT tenant_id, day, metric, sum(quantity) FROM moved GROUP BY tenant_id, day, metric
        ON CONFLICT (tenant_id, day, metric) DO UPDATE SET quantity = d.quantity + EXCLUDED.quantity
        RETURNING 1
    )
    SELECT count(*) FROM moved
$$;

-- Quotas (tenants.quotas, from tenants/ and the national console). The monthly e-mail quota
-- holds list mail (invitations, news) back: over quota it stays queued, and goes out when the
-- quota allows (next month, or a raised quota), never dropped. Sign-in links are transactional
-- and always go (they are still counted). Mail being sent counts against the quota, so
-- concurrent workers cannot overshoot it.
CREATE FUNCTION usage_emails_allowance(space uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN q.quota IS NULL THEN NULL ELSE greatest(q.quota - (
        coalesce((SELECT sum(d.quantity) FROM usage_by_day d
                   WHERE d.tenant_id = space AND d.metric = 'emails_sent'
                     AND d.day >= usage_month(now())), 0)
        + (SELECT count(*) FROM mail_outbox o WHERE o.tenant_id = space AND o.status = 'sending')
    ), 0) END
      FROM (SELECT (t.quotas ->> 'emails_per_month')::bigint AS quota FROM tenants t WHERE t.id = space) q
$$;

CREATE OR REPLACE FUNCTION mail_claim(space uuid, how_many integer, worker text, lease_seconds float8)
RETURNS TABLE (attempt_id uuid, mail_id uuid, mail_kind text, to_address text, subject text, text_body text,
               message_id text, attempts integer, created_at timestamptz, unsubscribe_token bytea)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    due record;
    -- NULL: no quota.
    allowance bigint := usage_emails_allowance(space);
BEGIN
    FOR due IN
        SELECT o.id, o.kind, o.to_address FROM mail_outbox o
         WHERE o.tenant_id = space AND o.status = 'queued' AND o.next_try_at <= now()
           AND (o.kind = 'sign_in' OR allowance IS NULL OR allowance > 0)
         ORDER BY o.next_try_at
         LIMIT how_many
           FOR UPDATE SKIP LOCKED
    LOOP
        IF due.kind <> 'sign_in' AND EXISTS (
            SELECT 1 FROM mail_suppressions s WHERE s.tenant_id = space AND s.address = due.to_address
        ) THEN
            UPDATE mail_outbox o SET status = 'suppressed' WHERE o.tenant_id = space AND o.id = due.id;
            CONTINUE;
        END IF;
        IF due.kind <> 'sign_in' AND allowance IS NOT NULL THEN
            -- Over quota within this batch: the mail stays queued (its lock ends with the
            -- transaction).
            CONTINUE WHEN allowance <= 0;
            allowance := allowance - 1;
        END IF;
        UPDATE mail_outbox o SET status = 'sending', attempts = o.attempts + 1
         WHERE o.tenant_id = space AND o.id = due.id
        RETURNING o.id, o.kind, o.to_address, o.subject, o.text_body, o.message_id, o.attempts, o.created_at
             INTO mail_id, mail_kind, to_address, subject, text_body, message_id, attempts, created_at;
        INSERT INTO mail_attempts AS a (tenant_id, mail_id, worker, lease_until)
        VALUES (space, due.id, worker, now() + make_interval(secs => lease_seconds))
        RETURNING a.id INTO attempt_id;
        unsubscribe_token := NULL;
        IF due.kind <> 'sign_in' THEN
            SELECT r.unsubscribe_token INTO unsubscribe_token
              FROM mail_recipients r WHERE r.tenant_id = space AND r.address = due.to_address;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;

-- The Cnaf bills the modules: the national space reads every space's usage (counts only, never
-- a contribution). No other space reads another's.
CREATE POLICY usage_events_national_read ON usage_events FOR SELECT
    USING (app_current_tenant() = app_national_tenant());
CREATE POLICY usage_daily_national_read ON usage_daily FOR SELECT
    USING (app_current_tenant() = app_national_tenant());
CREATE POLICY usage_participants_national_read ON usage_participants FOR SELECT
    USING (app_current_tenant() = app_national_tenant());

-- The national console sets a space's plan quotas (the application role cannot write `tenants`).
-- Only known keys with non-negative whole values; an absent key means no limit.
CREATE FUNCTION console_set_quotas(p_tenant uuid, p_quotas jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    key text;
BEGIN
    IF app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'quotas are managed from the national space only' USING ERRCODE = '42501';
    END IF;
    FOR key IN SELECT jsonb_object_keys(p_quotas) LOOP
        IF key NOT IN ('emails_per_month', 'active_campaigns', 'storage_mb') THEN
            RAISE EXCEPTION 'unknown quota %', key USING ERRCODE = '22023';
        END IF;
        IF jsonb_typeof(p_quotas -> key) <> 'number' OR (p_quotas ->> key)::numeric < 0
           OR (p_quotas ->> key)::numeric <> trunc((p_quotas ->> key)::numeric) THEN
            RAISE EXCEPTION 'quota % must be a whole number, 0 or more', key USING ERRCODE = '22023';
        END IF;
    END LOOP;
    UPDATE tenants SET quotas = p_quotas, updated_at = now() WHERE id = p_tenant;
END $$;
REVOKE ALL ON FUNCTION console_set_quotas(uuid, jsonb) FROM PUBLIC;
