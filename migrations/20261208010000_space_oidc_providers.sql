-- A space's own OpenID provider (issue 22): a Caf's Keycloak, for instance, beside the
-- platform's FranceConnect and ProConnect. See src/oidc/spaces.rs and docs/operations.md,
-- "A space's own OpenID provider".
--
-- One per space. The client secret is never here in clear: it is sealed with
-- ChaCha20-Poly1305 under a key derived (HKDF-SHA256) from the server key that the process
-- reads from its environment or a secret file (ECOUTE_SECRETS_KEY), with the space's id and
-- this row's id as associated data, so a sealed secret copied to another row does not open.
-- Stored as: 12-byte nonce, then the ciphertext and its 16-byte tag.
CREATE TABLE space_oidc_providers (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL UNIQUE REFERENCES tenants (id),
    -- Shown on the sign-in button ("Se connecter avec l'annuaire de la Caf de la Gironde").
    display_name         text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    issuer               text NOT NULL CHECK (length(issuer) <= 500 AND issuer ~ '^https?://'),
    client_id            text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 255),
    client_secret_sealed bytea NOT NULL CHECK (length(client_secret_sealed) BETWEEN 29 AND 1100),
    -- Space-separated; always with openid and email.
    scopes               text NOT NULL DEFAULT 'openid email' CHECK (length(scopes) <= 300),
    -- Citizens always; operators too when set (an operator's address, then ProConnect's rules:
    -- a multi-factor `amr` stands for the TOTP code, else the code is asked).
    for_operators        boolean NOT NULL DEFAULT false,
    enabled              boolean NOT NULL DEFAULT true,
    updated_by           uuid REFERENCES operators (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE space_oidc_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE space_oidc_providers FORCE ROW LEVEL SECURITY;
CREATE POLICY space_oidc_providers_own ON space_oidc_providers
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- The third kind of provider, `space`, wherever a provider is named.
ALTER TABLE oidc_logins DROP CONSTRAINT oidc_logins_provider_check;
ALTER TABLE oidc_logins ADD CONSTRAINT oidc_logins_provider_check
    CHECK (provider IN ('franceconnect', 'proconnect', 'space'));
ALTER TABLE oidc_identities DROP CONSTRAINT oidc_identities_provider_check;
ALTER TABLE oidc_identities ADD CONSTRAINT oidc_identities_provider_check
    CHECK (provider IN ('franceconnect', 'proconnect', 'space'));
ALTER TABLE sessions DROP CONSTRAINT sessions_oidc_provider_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_oidc_provider_check
    CHECK (oidc_provider IN ('franceconnect', 'proconnect', 'space'));
