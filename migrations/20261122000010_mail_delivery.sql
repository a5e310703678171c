-- Mail delivery: kinds of mail, a Message-ID fixed when the mail is queued, the send attempts
-- that make a crash visible instead of silent, one-click unsubscribe with a per-space
-- suppression list, and the per-space sending rate. docs/mail.md explains the guarantee these
-- tables carry; in short:
--
--   queued ──claim──▶ sending ──250──▶ sent
--     ▲                  │ 4xx, connection lost before the final dot: queued again (backoff)
--     │                  │ 5xx: failed
--     │                  │ no answer after the final dot: uncertain (never resent by itself)
--     └── lease expired, the final dot was never sent (phase 'claimed'): queued again
--
-- `suppressed` rows are list mail to an address that unsubscribed: kept, so consoles can say
-- why an invitation did not go, and never sent.

-- Kinds: `sign_in` is transactional (never suppressed, no List-Unsubscribe); `invitation` and
-- `news` are list mail. Existing rows are sign-in links, the only mail there was.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_status_check;
ALTER TABLE mail_outbox
    ADD COLUMN kind text NOT NULL DEFAULT 'sign_in' CHECK (kind IN ('sign_in', 'invitation', 'news')),
    -- The campaign an invitation is about, so consoles can follow a campaign's invitations.
    ADD COLUMN campaign_id uuid,
    -- Fixed at queue time and sent with every attempt, so a copy sent again after a crash (only
    -- ever on an operator's decision) is recognisable as the same message.
    ADD COLUMN message_id text NOT NULL DEFAULT format('<%s@ecoute>', gen_random_uuid()),
    ADD CONSTRAINT mail_outbox_status_check
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed', 'uncertain')),
    ADD CONSTRAINT mail_outbox_campaign FOREIGN KEY (tenant_id, campaign_id)
        REFERENCES campaigns (tenant_id, id) ON DELETE SET NULL (campaign_id),
    ADD CONSTRAINT mail_outbox_message_id UNIQUE (tenant_id, message_id);
-- The html_body column of the first slice stays unused: HTML is rendered when the mail is sent,
-- with the space's branding of that moment, so 100,000 invitations store one text each.
COMMENT ON COLUMN mail_outbox.html_body IS 'unused: HTML is rendered at send time (src/mail/render.rs)';

-- Console listing: newest first, per space.
CREATE INDEX mail_outbox_recent ON mail_outbox (tenant_id, created_at DESC, id);
CREATE INDEX mail_outbox_by_campaign ON mail_outbox (tenant_id, campaign_id) WHERE campaign_id IS NOT NULL;

-- One notification per space and statement instead of one per row: a bulk invitation of
-- 100,000 rows wakes the workers once.
DROP TRIGGER mail_outbox_notify ON mail_outbox;
CREATE OR REPLACE FUNCTION notify_mail_queued() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    space uuid;
BEGIN
    FOR space IN SELECT DISTINCT tenant_id FROM queued_rows WHERE status = 'queued' LOOP
        PERFORM pg_notify('ecoute_mail_queued', space::text);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER mail_outbox_notify AFTER INSERT ON mail_outbox
    REFERENCING NEW TABLE AS queued_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_mail_queued();

-- Every try to hand a mail to the SMTP server. A row is inserted (phase `claimed`) in the same
-- transaction that claims the mail, so before any SMTP command for it. Right before the DATA
-- command the phase becomes `data`, committed: from then on the server may accept the message.
-- The row is closed (finished_at, outcome) once the server has answered. A row still open when
-- its lease has run out belongs to a worker that died: in phase `claimed` nothing can have been
-- delivered and the mail is queued again; in phase `data` it may have been, and the mail
-- becomes `uncertain` for an operator to settle.
CREATE TABLE mail_attempts (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    mail_id     uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    -- host, process and run of the worker, for whoever investigates.
    worker      text NOT NULL,
    phase       text NOT NULL DEFAULT 'claimed' CHECK (phase IN ('claimed', 'data')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    data_at     timestamptz,
    lease_until timestamptz NOT NULL,
    finished_at timestamptz,
    outcome     text CHECK (outcome IN ('sent', 'deferred', 'rejected', 'uncertain', 'abandoned', 'released')),
    -- The server's reply, or the error.
    detail      text,
    -- Keyed by mail first: a mail's attempts are one range, and every index of this table holds
    -- (tenant_id, mail_id, id), so whichever the planner picks, finding one attempt is a point
    -- lookup (see the note on the functions below).
    PRIMARY KEY (tenant_id, mail_id, id),
    FOREIGN KEY (tenant_id, mail_id) REFERENCES mail_outbox (tenant_id, id) ON DELETE CASCADE,
    CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
-- Open attempts: few at any time (the mails in flight); the reaper looks for expired leases here.
CREATE INDEX mail_attempts_open ON mail_attempts (tenant_id, mail_id, id) WHERE finished_at IS NULL;

-- Everyone a space has sent list mail to, with the random token of their unsubscribe link
-- (32 bytes from gen_random_uuid's strong random source; shown base64url-encoded). The token
-- is a capability that can only unsubscribe, so it is stored as is: the worker puts it in
-- every list mail to that address.
CREATE TABLE mail_recipients (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    address           text NOT NULL CHECK (address = lower(address)),
    unsubscribe_token bytea NOT NULL DEFAULT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, address),
    UNIQUE (tenant_id, unsubscribe_token)
);

-- Addresses a space no longer sends list mail to. Transactional mail (sign-in links) still goes.
CREATE TABLE mail_suppressions (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    address    text NOT NULL CHECK (address = lower(address)),
    reason     text NOT NULL CHECK (reason IN ('unsubscribed', 'operator')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, address)
);

-- Mails claimed per space and second: the per-space rate limit sums the last 60 rows, whatever
-- the number of workers. Rows older than two minutes are deleted as claims go.
CREATE TABLE mail_send_counts (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    second    timestamptz NOT NULL,
    mails     integer NOT NULL CHECK (mails > 0),
    PRIMARY KEY (tenant_id, second)
);

ALTER TABLE mail_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_attempts_own ON mail_attempts
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE mail_recipients ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_recipients FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_recipients_own ON mail_recipients
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE mail_suppressions ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_suppressions FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_suppressions_own ON mail_suppressions
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE mail_send_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_send_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_send_counts_own ON mail_send_counts
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- The worker's statements, in functions that address rows one at a time by primary key (still
-- one round trip per batch). Why not set-based statements joining an array of ids? A burst of
-- 100,000 mails outruns autovacuum's ANALYZE, and the worker's pooled connections keep cached
-- generic plans made when these tables were nearly empty. Measured: such plans turned into
-- scans of a whole space's rows, per batch or even per row, seconds per batch. Here every
-- statement is an equality on a full key, and seq scans are off inside the functions, so any
-- plan is an index point lookup (primary keys, created first, win ties). The functions run with
-- the caller's rights: row-level security applies as to any statement.

-- Claims up to `how_many` due mails of the space: locks them (FOR UPDATE SKIP LOCKED, so workers
-- never share one), marks list mail to a suppressed address `suppressed`, and the others
-- `sending`, each with a new attempt leased for `lease_seconds`. Returns the mails to send.
CREATE FUNCTION mail_claim(space uuid, how_many integer, worker text, lease_seconds float8)
RETURNS TABLE (attempt_id uuid, mail_id uuid, mail_kind text, to_address text, subject text, text_body text,
               message_id text, attempts integer, created_at timestamptz, unsubscribe_token bytea)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    due record;
BEGIN
    FOR due IN
        SELECT o.id, o.kind, o.to_address FROM mail_outbox o
         WHERE o.tenant_id = space AND o.status = 'queued' AND o.next_try_at <= now()
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

-- The gate before DATA: marks open attempts as handing the message over and renews their lease.
-- Returns the attempts still open; the others were taken back and must not be sent.
CREATE FUNCTION mail_pass_gate(space uuid, mail_ids uuid[], attempt_ids uuid[], lease_seconds float8)
RETURNS SETOF uuid
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    mail uuid;
    attempt uuid;
BEGIN
    FOR i IN 1 .. coalesce(array_length(attempt_ids, 1), 0) LOOP
        mail := mail_ids[i];
        attempt := attempt_ids[i];
        UPDATE mail_attempts a
           SET phase = 'data', data_at = now(), lease_until = now() + make_interval(secs => lease_seconds)
         WHERE a.tenant_id = space AND a.mail_id = mail AND a.id = attempt AND a.finished_at IS NULL;
        IF FOUND THEN
            RETURN NEXT attempt;
        END IF;
    END LOOP;
END;
$$;

-- Closes attempts with their outcome and moves their mails on. An attempt already closed as
-- `uncertain` (its lease ran out) still takes a late, definite answer; any other closed attempt
-- is left alone, its mail belonging to another attempt now. Returns how many mails became sent.
CREATE FUNCTION mail_record(space uuid, mail_ids uuid[], attempt_ids uuid[], outcomes text[], details text[],
                            statuses text[], retry_seconds float8[])
RETURNS integer
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    sent integer := 0;
    mail uuid;
    attempt uuid;
    new_outcome text;
    new_detail text;
    new_status text;
BEGIN
    FOR i IN 1 .. coalesce(array_length(attempt_ids, 1), 0) LOOP
        mail := mail_ids[i];
        attempt := attempt_ids[i];
        new_outcome := outcomes[i];
        new_detail := details[i];
        new_status := statuses[i];
        UPDATE mail_attempts a SET finished_at = now(), outcome = new_outcome, detail = new_detail
         WHERE a.tenant_id = space AND a.mail_id = mail AND a.id = attempt
           AND (a.finished_at IS NULL OR a.outcome = 'uncertain');
        CONTINUE WHEN NOT FOUND;
        UPDATE mail_outbox o
           SET status = new_status,
               sent_at = CASE WHEN new_outcome = 'sent' THEN now() ELSE o.sent_at END,
               last_error = CASE new_outcome WHEN 'sent' THEN NULL WHEN 'released' THEN o.last_error ELSE new_detail END,
               next_try_at = now() + make_interval(secs => retry_seconds[i]),
               attempts = o.attempts - CASE WHEN new_outcome = 'released' THEN 1 ELSE 0 END
         WHERE o.tenant_id = space AND o.id = mail AND o.status IN ('sending', 'uncertain');
        IF FOUND AND new_status = 'sent' THEN
            sent := sent + 1;
        END IF;
    END LOOP;
    RETURN sent;
END;
$$;

-- Takes back what a dead worker left: attempts open past their lease. Before the gate nothing was
-- handed over: the mail is queued again. After it the server may have the message: the mail
-- becomes `uncertain`. Returns the mails' new statuses.
CREATE FUNCTION mail_reap_expired(space uuid)
RETURNS SETOF text
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    expired record;
    new_status text;
BEGIN
    FOR expired IN
        UPDATE mail_attempts a
           SET finished_at = now(),
               outcome = CASE a.phase WHEN 'claimed' THEN 'abandoned' ELSE 'uncertain' END,
               detail = CASE a.phase
                   WHEN 'claimed' THEN 'worker lost before handing the message over (lease expired); queued again'
                   ELSE 'worker lost after DATA, before the answer (lease expired): the server may have accepted the message'
               END
         WHERE a.tenant_id = space AND a.finished_at IS NULL AND a.lease_until < now()
     RETURNING a.mail_id, a.outcome, a.detail
    LOOP
        new_status := CASE expired.outcome WHEN 'abandoned' THEN 'queued' ELSE 'uncertain' END;
        UPDATE mail_outbox o SET status = new_status, next_try_at = now(), last_error = expired.detail
         WHERE o.tenant_id = space AND o.id = expired.mail_id AND o.status = 'sending';
        IF FOUND THEN
            RETURN NEXT new_status;
        END IF;
    END LOOP;
END;
$$;
