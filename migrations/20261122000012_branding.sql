-- A space's own files (its logo, for now), served from its host. Bytes live in PostgreSQL:
-- logos are small (the console refuses more than 512 KiB), and one backup then holds all.
CREATE TABLE space_assets (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes        bytea NOT NULL CHECK (octet_length(bytes) <= 524288),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE space_assets ENABLE ROW LEVEL SECURITY;
ALTER TABLE space_assets FORCE ROW LEVEL SECURITY;
CREATE POLICY space_assets_own ON space_assets
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- A module's branding, written from its own console (or the national one). The application
-- role has no write access to `tenants`; this function changes only the branding columns, and
-- only of the space whose context the transaction is in (or any module, from the national
-- space). Colours are checked as #rrggbb here too.
CREATE FUNCTION console_set_branding(p_tenant uuid, p_primary text, p_secondary text, p_welcome text, p_logo_url text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF app_current_tenant() IS DISTINCT FROM p_tenant AND app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'a space changes only its own branding' USING ERRCODE = '42501';
    END IF;
    IF p_logo_url IS NOT NULL AND p_logo_url !~ '^(/espace/logo/[0-9a-f-]{36}|https://[^\s"''<>]+)$' THEN
        RAISE EXCEPTION 'logo URL refused' USING ERRCODE = '22023';
    END IF;
    UPDATE tenants
       SET primary_color = p_primary, secondary_color = p_secondary, welcome_text = p_welcome, logo_url = p_logo_url
     WHERE id = p_tenant;
END $$;
REVOKE ALL ON FUNCTION console_set_branding(uuid, text, text, text, text) FROM PUBLIC;
