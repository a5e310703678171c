-- The platform's default quotas: a setting of the national space, given to every module when it
-- is activated (before, a new module had no limit at all until someone set them by hand). Only
-- the national row's value is read; NULL (as the national row is created by `tenants sync`)
-- means the starting plan below, until the national console sets its own. Existing modules keep
-- their quotas.
ALTER TABLE tenants ADD COLUMN default_quotas jsonb;
ALTER TABLE tenants ADD CONSTRAINT tenants_default_quotas_national CHECK (default_quotas IS NULL OR kind = 'national');

CREATE FUNCTION platform_default_quotas() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT default_quotas FROM tenants WHERE kind = 'national'),
                    '{"emails_per_month": 20000, "active_campaigns": 10, "storage_mb": 2048}'::jsonb)
$$;

-- The checks of every quota set: known keys, whole numbers, 0 or more.
CREATE FUNCTION quotas_are_valid(p_quotas jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    key text;
BEGIN
    IF jsonb_typeof(p_quotas) <> 'object' THEN
        RAISE EXCEPTION 'quotas must be an object' USING ERRCODE = '22023';
    END IF;
    FOR key IN SELECT jsonb_object_keys(p_quotas) LOOP
        IF key NOT IN ('emails_per_month', 'active_campaigns', 'storage_mb') THEN
            RAISE EXCEPTION 'unknown quota %', key USING ERRCODE = '22023';
        END IF;
        IF jsonb_typeof(p_quotas -> key) <> 'number' OR (p_quotas ->> key)::numeric < 0
           OR (p_quotas ->> key)::numeric <> trunc((p_quotas ->> key)::numeric) THEN
            RAISE EXCEPTION 'quota % must be a whole number, 0 or more', key USING ERRCODE = '22023';
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION console_set_default_quotas(p_quotas jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'quotas are managed from the national space only' USING ERRCODE = '42501';
    END IF;
    PERFORM quotas_are_valid(p_quotas);
    UPDATE tenants SET default_quotas = p_quotas, updated_at = now() WHERE kind = 'national';
END $$;
REVOKE ALL ON FUNCTION console_set_default_quotas(jsonb) FROM PUBLIC;

-- A space's quotas, checked by the same function.
CREATE OR REPLACE FUNCTION console_set_quotas(p_tenant uuid, p_quotas jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'quotas are managed from the national space only' USING ERRCODE = '42501';
    END IF;
    PERFORM quotas_are_valid(p_quotas);
    UPDATE tenants SET quotas = p_quotas, updated_at = now() WHERE id = p_tenant;
END $$;

-- Activation now gives the module the national space's default quotas.
CREATE OR REPLACE FUNCTION console_activate_module(p_slug text, p_caf_code text, p_name text, p_primary text, p_secondary text)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    created uuid;
BEGIN
    IF app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'modules are managed from the national space only' USING ERRCODE = '42501';
    END IF;
    INSERT INTO tenants (slug, kind, name, caf_code, departements, primary_color, secondary_color, quotas)
    SELECT p_slug, 'local', p_name, c.code, c.departements, p_primary, p_secondary,
           platform_default_quotas()
      FROM caf_catalogue c WHERE c.code = p_caf_code
    RETURNING id INTO created;
    IF created IS NULL THEN
        RAISE EXCEPTION 'unknown Caf %', p_caf_code USING ERRCODE = '22023';
    END IF;
    RETURN created;
END $$;
