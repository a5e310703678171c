-- Withdrawing the national admin role. The platform keeps at least one active national admin:
-- the function locks every national admin's row first, so that two admins withdrawing each
-- other at the same moment cannot both succeed, and checks that the one asking still is one.
-- Returns 'done', 'last' (refused: the last active national admin), 'unknown' (no such national
-- admin: already withdrawn) or 'not_allowed' (the caller is no longer a national admin).
-- The withdrawn admin's sessions on the national space end at once; elsewhere their sessions
-- keep only the roles they hold there (a session reads the flag on every request).
CREATE FUNCTION console_revoke_national_admin(p_by uuid, p_operator uuid)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    remaining integer;
BEGIN
    IF app_current_tenant() IS DISTINCT FROM app_national_tenant() THEN
        RAISE EXCEPTION 'national admins are managed from the national space only' USING ERRCODE = '42501';
    END IF;
    PERFORM 1 FROM operators WHERE national_admin ORDER BY id FOR UPDATE;
    IF NOT EXISTS (SELECT 1 FROM operators WHERE id = p_by AND national_admin AND disabled_at IS NULL) THEN
        RETURN 'not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM operators WHERE id = p_operator AND national_admin) THEN
        RETURN 'unknown';
    END IF;
    SELECT count(*) INTO remaining FROM operators
     WHERE national_admin AND disabled_at IS NULL AND id <> p_operator;
    IF remaining = 0 THEN
        RETURN 'last';
    END IF;
    UPDATE operators SET national_admin = false WHERE id = p_operator;
    DELETE FROM operator_sessions WHERE tenant_id = app_national_tenant() AND operator_id = p_operator;
    RETURN 'done';
END $$;
REVOKE ALL ON FUNCTION console_revoke_national_admin(uuid, uuid) FROM PUBLIC;
