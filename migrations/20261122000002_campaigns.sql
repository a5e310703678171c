-- Campaigns: the first tenant-owned table. Participation (surveys, ideas…) builds on it.
--
-- A campaign belongs to one tenant. Scope 'national' is only for the national tenant's
-- campaigns, which every local space shows; scope 'local' stays in its space.
-- Lifecycle is derived, not stored: draft (published_at NULL) → scheduled (before opens_at)
-- → open → closed (after closes_at) → results published (results_published_at set).

CREATE TABLE campaigns (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    slug                 text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$'),
    scope                text NOT NULL CHECK (scope IN ('national', 'local')),
    audience             text NOT NULL DEFAULT 'public' CHECK (audience IN ('public', 'staff')),
    title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary              text NOT NULL DEFAULT '' CHECK (length(summary) <= 600),
    body_md              text NOT NULL DEFAULT '',
    themes               text[] NOT NULL DEFAULT '{}',
    opens_at             timestamptz NOT NULL,
    closes_at            timestamptz NOT NULL,
    published_at         timestamptz,
    results_published_at timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug),
    CHECK (closes_at > opens_at)
);

CREATE INDEX campaigns_national_published ON campaigns (opens_at DESC)
    WHERE scope = 'national' AND published_at IS NOT NULL;

CREATE TRIGGER campaigns_updated_at BEFORE UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Only the national tenant may own national campaigns.
CREATE FUNCTION check_campaign_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.scope = 'national' AND (SELECT kind FROM tenants WHERE id = NEW.tenant_id) <> 'national' THEN
        RAISE EXCEPTION 'only the national space may own national campaigns' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER campaigns_scope BEFORE INSERT OR UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION check_campaign_scope();

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;

-- A space sees and writes its own campaigns.
CREATE POLICY campaigns_own ON campaigns
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

-- Published national campaigns are the one shared thing: readable (not writable) from every
-- space, but only inside some tenant context.
CREATE POLICY campaigns_national_read ON campaigns FOR SELECT
    USING (scope = 'national' AND published_at IS NOT NULL AND app_current_tenant() IS NOT NULL);
