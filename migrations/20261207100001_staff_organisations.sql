-- Staff-only campaigns by organisation (issue 22, step 7): a space lists the organisations whose
-- agents, signed in with ProConnect, it admits, by SIRET (the `siret` claim) or by the domain of
-- the address ProConnect verified. Beside the staff address list (staff_members), not instead.
CREATE TABLE staff_organisations (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    kind       text NOT NULL CHECK (kind IN ('siret', 'domain')),
    value      text NOT NULL CHECK (
        (kind = 'siret' AND value ~ '^[0-9]{14}$')
        OR (kind = 'domain' AND length(value) <= 253
            AND value ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$')),
    label      text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    added_by   uuid REFERENCES operators (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, value)
);
ALTER TABLE staff_organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_organisations FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_organisations_own ON staff_organisations
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- The identity's organisation and address as ProConnect last gave them (an agent changes
-- organisation): the sign-in updates them.
CREATE INDEX oidc_identities_proconnect ON oidc_identities (tenant_id, account_id) WHERE provider = 'proconnect';
