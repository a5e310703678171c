-- Operators: the people who run the platform (national admins at the Cnaf) and its modules
-- (local operators, moderators, analysts of a Caf). See src/operators/ and src/consoles/.

-- A person who operates, platform-wide like `accounts` (one e-mail address, one password).
-- National admin is a property of the person, not of a space: it holds on every host.
CREATE TABLE operators (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           text NOT NULL UNIQUE CHECK (email = lower(email)),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    national_admin  boolean NOT NULL DEFAULT false,
    -- argon2id, PHC string; NULL until the invitation is accepted.
    password_hash   text,
    -- RFC 6238 secret; NULL while no second factor is set.
    totp_secret     bytea,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz
);

-- Roles in a space (one per person and space).
CREATE TABLE operator_roles (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('local_operator', 'moderator', 'analyst')),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, operator_id)
);

-- Console sessions, per space like citizens' (cookies are per host). A session waits for its
-- second factor when the operator has one.
CREATE TABLE operator_sessions (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id_hash       bytea NOT NULL,
    operator_id   uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    second_factor boolean NOT NULL,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id_hash)
);

-- Invitations to operate a space (or, on the national space, to be a national admin).
CREATE TABLE operator_invitations (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('national_admin', 'local_operator', 'moderator', 'analyst')),
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  uuid REFERENCES operators (id) ON DELETE SET NULL,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

-- Caf staff invited to the space's staff-only campaigns (besides the staff e-mail domains).
CREATE TABLE staff_members (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    email      text NOT NULL CHECK (email = lower(email)),
    invited_by uuid REFERENCES operators (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, email)
);

-- Every console action: who, what, when, in which space. Append-only for the application.
CREATE TABLE audit_log (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    at             timestamptz NOT NULL DEFAULT now(),
    operator_id    uuid REFERENCES operators (id) ON DELETE SET NULL,
    operator_email text NOT NULL,
    action         text NOT NULL,
    target         text NOT NULL DEFAULT '',
    details        jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_recent ON audit_log (tenant_id, at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['operator_roles', 'operator_sessions', 'operator_invitations', 'staff_members', 'audit_log'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())', t || '_own', t);
    END LOOP;
END $$;

-- The registry of spaces is written by `tenants sync` (as the owner) and, for modules, by the
-- national console through these functions: the application role has no write access to
-- `tenants`, and the functions refuse unless the transaction is in the national space's
-- context (which only a national admin's console opens). The application checks the role; the
-- database checks the context.
CREATE FUNCTION console_activate_module(p_slug text, p_caf_code text, p_name text, p_primary text, p_secondary text)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    created uuid;
BEGIN
    IF app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'modules are managed from the national space only' USING ERRCODE = '42501';
    END IF;
    INSERT INTO tenants (slug, kind, name, caf_code, departements, primary_color, secondary_color)
    SELECT p_slug, 'local', p_name, c.code, c.departements, p_primary, p_secondary
      FROM caf_catalogue c WHERE c.code = p_caf_code
    RETURNING id INTO created;
    IF created IS NULL THEN
        RAISE EXCEPTION 'unknown Caf %', p_caf_code USING ERRCODE = '22023';
    END IF;
    RETURN created;
END $$;

CREATE FUNCTION console_set_module_status(p_tenant uuid, p_status text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'modules are managed from the national space only' USING ERRCODE = '42501';
    END IF;
    UPDATE tenants SET status = p_status WHERE id = p_tenant AND kind = 'local';
END $$;

REVOKE ALL ON FUNCTION console_activate_module(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION console_set_module_status(uuid, text) FROM PUBLIC;

-- The staff list decides who may join staff-only campaigns; sessions cache that answer.
CREATE FUNCTION notify_staff_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ecoute_account_changed', '*');
    RETURN NULL;
END $$;
CREATE TRIGGER staff_members_notify AFTER INSERT OR DELETE ON staff_members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_staff_changed();
