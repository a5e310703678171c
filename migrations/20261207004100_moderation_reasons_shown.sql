-- Issue 20, item 4: the reason a contribution was hidden is shown, to its author (by mail and
-- on the contribution) and to everyone (in the placeholder), and it names an article of the
-- participation charter. A withdrawal by the author is not moderation and is not worded so.
--
-- Why the contribution rows carry it, and not only `moderation_actions`: the placeholder is read
-- wherever the contribution is (a national idea from the space it came through, whose context
-- cannot read the national space's moderation trail), so what the public and the author see
-- travels with the row, under the row's own policies.
--
--   hidden_by      who hid it: 'moderation' or 'author' (the account was deleted with its
--                  contributions withdrawn); NULL unless status = 'hidden'. A row hidden before
--                  this migration with no moderation decision on it was withdrawn by its author.
--   hidden_reason  the charter reason a moderator chose (src/moderation/reasons.rs: its code,
--                  which gives the article); NULL for a withdrawal and for older decisions.
--   hidden_note    the moderator's explanation to the author (optional); shown to the author only.

ALTER TABLE ideas
    ADD COLUMN hidden_by text CHECK (hidden_by IN ('moderation', 'author')),
    ADD COLUMN hidden_reason text CHECK (hidden_reason ~ '^[a-z_]{2,40}$'),
    ADD COLUMN hidden_note text CHECK (length(hidden_note) BETWEEN 1 AND 1000),
    ADD CONSTRAINT ideas_hidden_details_only_when_hidden
        CHECK (status = 'hidden' OR (hidden_by IS NULL AND hidden_reason IS NULL AND hidden_note IS NULL));

ALTER TABLE idea_comments
    ADD COLUMN hidden_by text CHECK (hidden_by IN ('moderation', 'author')),
    ADD COLUMN hidden_reason text CHECK (hidden_reason ~ '^[a-z_]{2,40}$'),
    ADD COLUMN hidden_note text CHECK (length(hidden_note) BETWEEN 1 AND 1000),
    ADD CONSTRAINT idea_comments_hidden_details_only_when_hidden
        CHECK (status = 'hidden' OR (hidden_by IS NULL AND hidden_reason IS NULL AND hidden_note IS NULL));

-- The trail keeps the charter reason of each decision to hide. Hiding needs a charter reason and
-- may go without a note; restoring and approving still need a written reason (3 characters or
-- more), as before.
ALTER TABLE moderation_actions
    ADD COLUMN charter_reason text CHECK (charter_reason ~ '^[a-z_]{2,40}$'),
    DROP CONSTRAINT moderation_actions_reason_check,
    ADD CONSTRAINT moderation_actions_reason_check
        CHECK (length(reason) <= 1000 AND (length(reason) >= 3 OR (charter_reason IS NOT NULL AND reason = '')));

-- Who hid what was hidden before: a moderator when the last decision on it hid it, else its
-- author (the account's withdrawal is the only other way a row became hidden). RLS is forced
-- even for the owner, so each space's rows are updated in its own context.
DO $$
DECLARE space uuid;
BEGIN
    FOR space IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', space::text, true);
        UPDATE ideas i SET hidden_by = CASE WHEN EXISTS (
                SELECT 1 FROM moderation_actions m
                 WHERE m.tenant_id = i.tenant_id AND m.target_kind = 'idea' AND m.target_id = i.id AND m.action = 'hide')
            THEN 'moderation' ELSE 'author' END
         WHERE i.tenant_id = space AND i.status = 'hidden';
        UPDATE idea_comments c SET hidden_by = CASE WHEN EXISTS (
                SELECT 1 FROM moderation_actions m
                 WHERE m.tenant_id = c.tenant_id AND m.target_kind = 'comment' AND m.target_id = c.id AND m.action = 'hide')
            THEN 'moderation' ELSE 'author' END
         WHERE c.tenant_id = space AND c.status = 'hidden';
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;

-- A mail of its own kind tells the author why their contribution was hidden. It is about the
-- person's own contribution, so it goes like transactional mail: never suppressed, no
-- List-Unsubscribe, not held back by the monthly quota.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox
    ADD CONSTRAINT mail_outbox_kind_check CHECK (kind IN ('sign_in', 'invitation', 'news', 'workshop', 'moderation'));

CREATE OR REPLACE FUNCTION mail_kind_is_transactional(kind text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT kind IN ('sign_in', 'workshop', 'moderation')
$$;

-- As in 20261122000030_workshop_mail.sql, with `moderation` mail transactional too.
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
           AND (o.kind IN ('sign_in', 'workshop', 'moderation') OR allowance IS NULL OR allowance > 0)
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
