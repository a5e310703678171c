-- Moderation: nothing is ever deleted by a moderator, only hidden (or restored, or approved out
-- of pre-moderation), and every decision leaves an audit row: who, when, why.

CREATE TABLE moderation_actions (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    target_kind text NOT NULL CHECK (target_kind IN ('idea', 'comment')),
    target_id   uuid NOT NULL,
    action      text NOT NULL CHECK (action IN ('hide', 'restore', 'approve')),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
    -- Who decided: an operator's identity (e-mail or account), kept even if the account goes.
    actor       text NOT NULL CHECK (length(actor) BETWEEN 1 AND 254),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX moderation_actions_target ON moderation_actions (tenant_id, target_kind, target_id, created_at);

ALTER TABLE moderation_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE moderation_actions FORCE ROW LEVEL SECURITY;
CREATE POLICY moderation_actions_own ON moderation_actions
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
