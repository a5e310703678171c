-- Tenancy: the registry of spaces, the network catalogue, and the row-level security helpers.
--
-- Rule for every table that holds tenant data (see docs/architecture.md):
--   * a `tenant_id uuid NOT NULL` column, first in the primary key and in every foreign key;
--   * ALTER TABLE … ENABLE ROW LEVEL SECURITY and FORCE ROW LEVEL SECURITY;
--   * policies written against app_current_tenant(), which is NULL (so matches nothing) when
--     the transaction did not set `app.tenant_id`.
-- A test lists every table with a tenant_id column and fails if one breaks the rule.

-- Reusable trigger: keep updated_at current.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- The tenant of the current transaction, or NULL. Fails closed: an unset or empty setting
-- yields NULL, and `tenant_id = NULL` is never true.
CREATE FUNCTION app_current_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid
$$;

-- The 101 Caf of the network, whether or not they have a module yet. Shared reference data.
CREATE TABLE caf_catalogue (
    code         text PRIMARY KEY,            -- département-based code, e.g. '33', '2A', '974'
    name         text NOT NULL,               -- 'Caf de la Gironde'
    departements text[] NOT NULL
);

-- The spaces: exactly one national space (the Cnaf) and one local module per subscribing Caf.
-- This is the registry itself (its `id` *is* the tenant id), read by host resolution before any
-- tenant is known, so it has no tenant_id column and no RLS; the application role may only read it.
CREATE TABLE tenants (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    kind                text NOT NULL CHECK (kind IN ('national', 'local')),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    caf_code            text REFERENCES caf_catalogue (code),
    departements        text[] NOT NULL DEFAULT '{}',
    custom_domains      text[] NOT NULL DEFAULT '{}',
    logo_url            text,
    primary_color       text NOT NULL CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
    secondary_color     text NOT NULL CHECK (secondary_color ~ '^#[0-9a-f]{6}$'),
    welcome_text        text NOT NULL DEFAULT '',
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    plan                text NOT NULL DEFAULT 'standard',
    quotas              jsonb NOT NULL DEFAULT '{}',
    staff_email_domains text[] NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Exactly one national space (at most one here; `tenants sync` checks there is one).
CREATE UNIQUE INDEX tenants_one_national ON tenants (kind) WHERE kind = 'national';
-- Custom domains are looked up by element.
CREATE INDEX tenants_custom_domains ON tenants USING gin (custom_domains);

CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every instance caches host -> tenant; tell them all when the registry changes.
CREATE FUNCTION notify_tenant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ecoute_tenant_changed', COALESCE(NEW.slug, OLD.slug));
    RETURN NULL;
END;
$$;

CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION notify_tenant_changed();
