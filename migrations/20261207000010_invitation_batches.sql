-- Invitation batches (issue 20, item 1): an uploaded address list is checked and kept here until
-- the operator confirms it, so its preview survives a reload and confirming needs no second
-- upload. Who was invited to which campaign is kept once per address (campaign_invitations): a
-- confirmed list never invites anyone twice, and re-inviting is a separate action.
--
--   POST upload ──▶ invitation_batches + invitation_batch_lines ──303──▶ GET preview
--   POST confirm (the batch's confirm_key) ──▶ campaign_invitations, mail_outbox (batch_id)
--                                          ──303──▶ GET the batch's page (its progress)

CREATE TABLE invitation_batches (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id  uuid NOT NULL,
    -- The mail as the operator wrote it; the campaign's link is added when it is queued.
    subject      text NOT NULL,
    message      text NOT NULL,
    -- The addresses also join the space's staff list (internal campaigns).
    as_staff     boolean NOT NULL DEFAULT false,
    -- Distinct valid addresses of the upload, for the campaign's list of batches.
    addresses    integer NOT NULL CHECK (addresses >= 0),
    prepared_by  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- The confirm form's idempotency key: a confirm carrying it takes effect once; the same
    -- key again (a double submit, a reload) finds the batch confirmed and changes nothing.
    confirm_key  uuid NOT NULL DEFAULT gen_random_uuid(),
    confirmed_by text,
    confirmed_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, confirm_key),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
    CHECK ((confirmed_at IS NULL) = (confirmed_by IS NULL))
);
CREATE INDEX invitation_batches_of_campaign ON invitation_batches (tenant_id, campaign_id, created_at DESC);

-- Each line of an upload as it was read, in order: a valid address (problem NULL; once per
-- batch), the repeat of an earlier line (problem 'invitations.duplicate', repeats_line), or a
-- refused line (problem: the reason, a locale key; no address).
CREATE TABLE invitation_batch_lines (
    tenant_id    uuid NOT NULL,
    batch_id     uuid NOT NULL,
    position     integer NOT NULL,
    line         integer NOT NULL,
    address      text CHECK (address = lower(address)),
    value        text NOT NULL,
    problem      text,
    repeats_line integer,
    -- Set on valid lines when the batch is confirmed: 'invited', or 'skipped' (invited to the
    -- campaign before); 'skipped' becomes 'reinvited' when the operator re-invites them.
    outcome      text CHECK (outcome IN ('invited', 'skipped', 'reinvited')),
    PRIMARY KEY (tenant_id, batch_id, position),
    FOREIGN KEY (tenant_id, batch_id) REFERENCES invitation_batches (tenant_id, id) ON DELETE CASCADE,
    CHECK ((address IS NOT NULL) = (problem IS NULL OR problem = 'invitations.duplicate')),
    CHECK ((repeats_line IS NOT NULL) = (problem IS NOT DISTINCT FROM 'invitations.duplicate')),
    CHECK (outcome IS NULL OR problem IS NULL)
);
CREATE UNIQUE INDEX invitation_batch_lines_address ON invitation_batch_lines (tenant_id, batch_id, address)
    WHERE problem IS NULL;

-- Who has been invited to which campaign: the key that keeps a confirmed list from inviting
-- anyone twice (two confirms racing on the same address: one insert wins, the other skips).
CREATE TABLE campaign_invitations (
    tenant_id   uuid NOT NULL,
    campaign_id uuid NOT NULL,
    address     text NOT NULL CHECK (address = lower(address)),
    -- The last invitation ("déjà invitée le …"): the first, unless re-invited.
    invited_at  timestamptz NOT NULL DEFAULT now(),
    -- The batch that sent it (none for invitations sent before batches existed).
    batch_id    uuid,
    PRIMARY KEY (tenant_id, campaign_id, address),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, batch_id) REFERENCES invitation_batches (tenant_id, id) ON DELETE SET NULL (batch_id)
);

-- The mails a batch queued, so its page counts them by status (src/mail/status.rs, Filter::batch).
ALTER TABLE mail_outbox
    ADD COLUMN batch_id uuid,
    ADD CONSTRAINT mail_outbox_batch FOREIGN KEY (tenant_id, batch_id)
        REFERENCES invitation_batches (tenant_id, id) ON DELETE SET NULL (batch_id);
CREATE INDEX mail_outbox_by_batch ON mail_outbox (tenant_id, batch_id) WHERE batch_id IS NOT NULL;

-- Invitations sent before this migration count as invited: the backfill reads every space's
-- outbox, so RLS is lifted for the owner for this transaction (forced again below).
ALTER TABLE mail_outbox NO FORCE ROW LEVEL SECURITY;
INSERT INTO campaign_invitations (tenant_id, campaign_id, address, invited_at)
SELECT tenant_id, campaign_id, lower(to_address), max(created_at)
  FROM mail_outbox
 WHERE kind = 'invitation' AND campaign_id IS NOT NULL
 GROUP BY tenant_id, campaign_id, lower(to_address);
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;

ALTER TABLE invitation_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitation_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY invitation_batches_own ON invitation_batches
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE invitation_batch_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitation_batch_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY invitation_batch_lines_own ON invitation_batch_lines
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE campaign_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY campaign_invitations_own ON campaign_invitations
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
