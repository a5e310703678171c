-- Sign-in with FranceConnect (citizens) and ProConnect (agents, operators): see src/oidc and
-- docs/architecture.md, "OpenID providers".

-- A sign-in under way, between the redirect to the provider and its callback. Stored here
-- rather than in a signed cookie: a row can be used once (used_at, under a row lock), and the
-- space's RLS policy makes a `state` started in space A unknown in space B. The browser that
-- started it holds a random binding in a cookie; only its hash is here, as for the state.
CREATE TABLE oidc_logins (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    state_hash    bytea NOT NULL,
    browser_hash  bytea NOT NULL,
    provider      text NOT NULL CHECK (provider IN ('franceconnect', 'proconnect')),
    -- Who signs in: a citizen (accounts) or an operator (console).
    purpose       text NOT NULL CHECK (purpose IN ('citizen', 'operator')),
    nonce         text NOT NULL CHECK (length(nonce) <= 200),
    pkce_verifier text NOT NULL CHECK (length(pkce_verifier) <= 200),
    return_to     text NOT NULL DEFAULT '/' CHECK (length(return_to) <= 500),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    PRIMARY KEY (tenant_id, state_hash)
);
CREATE INDEX oidc_logins_expiry ON oidc_logins (expires_at);
ALTER TABLE oidc_logins ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_logins FORCE ROW LEVEL SECURITY;
CREATE POLICY oidc_logins_own ON oidc_logins
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- Verified identities (personal data): a provider's `sub` for this space's client, linked to an
-- account. The account was verified by `provider` on `verified_at`, with level `acr`.
CREATE TABLE oidc_identities (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    provider    text NOT NULL CHECK (provider IN ('franceconnect', 'proconnect')),
    subject     text NOT NULL CHECK (length(subject) <= 255),
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       text NOT NULL DEFAULT '' CHECK (length(email) <= 320),
    acr         text NOT NULL DEFAULT '' CHECK (length(acr) <= 50),
    siret       text NOT NULL DEFAULT '' CHECK (length(siret) <= 14),
    verified_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider, subject)
);
CREATE INDEX oidc_identities_account ON oidc_identities (account_id);
ALTER TABLE oidc_identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_identities FORCE ROW LEVEL SECURITY;
CREATE POLICY oidc_identities_own ON oidc_identities
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- A session opened through a provider keeps its ID token, for the logout at the provider
-- (`id_token_hint`).
ALTER TABLE sessions ADD COLUMN oidc_provider text
    CHECK (oidc_provider IN ('franceconnect', 'proconnect'));
ALTER TABLE sessions ADD COLUMN oidc_id_token text CHECK (length(oidc_id_token) <= 8000);
