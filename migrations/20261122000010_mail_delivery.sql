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
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    mail_id     uuid NOT NULL,
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
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, mail_id) REFERENCES mail_outbox (tenant_id, id) ON DELETE CASCADE,
    CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX mail_attempts_mail ON mail_attempts (tenant_id, mail_id);
CREATE INDEX mail_attempts_open ON mail_attempts (tenant_id, lease_until) WHERE finished_at IS NULL;

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
