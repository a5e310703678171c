-- Workshop mail: a kind of its own, and an attachment on the outbox (the `.ics` of a session).
--
-- Workshop invitations, promotions from the waitlist and reminders went out as `invitation`,
-- which is list mail: someone who had unsubscribed from a space's invitations and news never
-- got the workshop invitation they had applied for. `workshop` mail answers the person's own
-- application (they gave their address for it and have a deadline to meet), so it is treated
-- like transactional mail: never suppressed, no List-Unsubscribe, and not held back by the
-- monthly e-mail quota. It is still counted in `emails_sent` when it goes (every sent mail
-- is), and it is not an `invitations` event (that metric counts invitations to campaigns,
-- which `meter_invitations` recognises by kind `invitation`). docs/metering.md says the same.

ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox
    ADD CONSTRAINT mail_outbox_kind_check CHECK (kind IN ('sign_in', 'invitation', 'news', 'workshop')),
    -- One optional attachment, stored as text (an iCalendar file is text): its file name, its
    -- full content type (`text/calendar; method=PUBLISH; charset=utf-8`) and its content.
    ADD COLUMN attachment_name text,
    ADD COLUMN attachment_type text,
    ADD COLUMN attachment_text text,
    ADD CONSTRAINT mail_outbox_attachment_whole CHECK (
        (attachment_name IS NULL) = (attachment_type IS NULL)
        AND (attachment_name IS NULL) = (attachment_text IS NULL));

-- Transactional kinds: always sent, whatever the suppression list and the monthly quota.
CREATE FUNCTION mail_kind_is_transactional(kind text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT kind IN ('sign_in', 'workshop')
$$;

-- As in 20261122000017_metering.sql, with `workshop` mail transactional like sign-in links.
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
           AND (o.kind IN ('sign_in', 'workshop') OR allowance IS NULL OR allowance > 0)
         ORDER BY o.next_try_at
         LIMIT how_many
           FOR UPDATE SKIP LOCKED
    LOOP
        IF NOT mail_kind_is_transactional(due.kind) AND EXISTS (
            SELECT 1 FROM mail_suppressions s WHERE s.tenant_id = space AND s.address = due.to_address
        ) THEN
            UPDATE mail_outbox o SET status = 'suppressed' WHERE o.tenant_id = space AND o.id = due.id;
            CONTINUE;
        END IF;
        IF NOT mail_kind_is_transactional(due.kind) AND allowance IS NOT NULL THEN
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
        IF NOT mail_kind_is_transactional(due.kind) THEN
            SELECT r.unsubscribe_token INTO unsubscribe_token
              FROM mail_recipients r WHERE r.tenant_id = space AND r.address = due.to_address;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
