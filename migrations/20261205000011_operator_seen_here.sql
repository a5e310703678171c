-- One definition of "an operator seen from the current space": a national admin (who acts on
-- every host) or an operator with a role here. platform_identity wrote this predicate out four
-- times (the read policy and three SECURITY DEFINER functions); they now share it, so a change
-- to who may see an operator is made once.
--
-- Plain SQL, STABLE and without SET options, so that the planner can inline it into the policy.
-- Names are schema-qualified for the same reason (no search_path of its own).
CREATE FUNCTION operator_seen_here(p_operator uuid, p_national_admin boolean) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT public.app_current_tenant() IS NOT NULL AND (
        p_national_admin
        OR EXISTS (SELECT 1 FROM public.operator_roles r
                    WHERE r.tenant_id = public.app_current_tenant() AND r.operator_id = p_operator))
$$;

DROP POLICY operators_here_read ON operators;
CREATE POLICY operators_here_read ON operators FOR SELECT
    USING (operator_seen_here(id, national_admin));

CREATE OR REPLACE FUNCTION operator_check_totp(p_operator uuid, p_code text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE
    o operators%ROWTYPE;
    now_step bigint := floor(extract(epoch FROM clock_timestamp()) / 30)::bigint;
    code text := replace(btrim(COALESCE(p_code, '')), ' ', '');
    step bigint;
BEGIN
    SELECT * INTO o FROM operators
     WHERE operators.id = p_operator AND operator_seen_here(operators.id, operators.national_admin)
       FOR UPDATE;
    IF NOT FOUND OR o.totp_secret IS NULL THEN
        RETURN 'none';
    END IF;
    IF o.locked_until > now() THEN
        RETURN 'locked';
    END IF;
    IF code ~ '^[0-9]{6}$' THEN
        FOR step IN now_step - 1 .. now_step + 1 LOOP
            IF step > COALESCE(o.totp_last_step, -1) AND totp_code(o.totp_secret, step) = code::integer THEN
                UPDATE operators SET totp_last_step = step, failed_attempts = 0, locked_until = NULL
                 WHERE operators.id = p_operator;
                RETURN 'ok';
            END IF;
        END LOOP;
    END IF;
    PERFORM operator_record_failure_(p_operator);
    RETURN 'wrong';
END $$;

CREATE OR REPLACE FUNCTION operator_enable_totp(p_operator uuid, p_secret bytea, p_step bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
BEGIN
    UPDATE operators SET totp_secret = p_secret, totp_last_step = p_step
     WHERE operators.id = p_operator AND totp_secret IS NULL AND length(p_secret) >= 16
       AND operator_seen_here(operators.id, operators.national_admin);
    RETURN FOUND;
END $$;

CREATE OR REPLACE FUNCTION operator_has_totp(p_operator uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT o.totp_secret IS NOT NULL FROM operators o
     WHERE o.id = p_operator AND operator_seen_here(o.id, o.national_admin)
$$;
