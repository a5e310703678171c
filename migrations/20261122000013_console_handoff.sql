-- "Open this module's console" from the national console: a one-time ticket, valid one minute,
-- exchanged on the module's host for a console session there (cookies are per host).
CREATE TABLE operator_handoffs (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    token_hash  bytea NOT NULL,
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (tenant_id, token_hash)
);
ALTER TABLE operator_handoffs ENABLE ROW LEVEL SECURITY;
ALTER TABLE operator_handoffs FORCE ROW LEVEL SECURITY;
CREATE POLICY operator_handoffs_own ON operator_handoffs
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
