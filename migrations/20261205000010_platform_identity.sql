-- Platform identity behind the second wall: accounts and operators are platform-wide rows
-- (no tenant_id), so until now the application role could read, change and delete every one of
-- them from any space's context: every citizen's e-mail, every operator's password hash and
-- TOTP secret. The model (docs/architecture.md, "Platform tables"):
--
-- * accounts: a space reaches an account only through `account_spaces`, the link made when the
--   person signs in there (or, for a national contribution, from the space it came through).
--   Reading the row (e-mail included), changing the pseudonym and deleting the account need that
--   link. Creating an account, or linking one, happens only in `account_sign_in`. Pseudonyms,
--   which the site shows beside contributions, are read anywhere through `account_pseudonym`.
-- * operators: the application role reads the identity columns of the operators of the current
--   space and of national admins, never `password_hash` or `totp_secret` (column privileges,
--   granted by `ecoute migrate`). Every change and every use of a secret goes through the
--   SECURITY DEFINER functions below, which check the current space.
--
-- Both tables have RLS enabled but not forced: their owner is who runs the SECURITY DEFINER
-- functions and the referential actions; the application role never owns anything.
--
-- pgcrypto gives the HMAC-SHA1 of RFC 6238 (TOTP is checked here, so the secret never leaves).
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The spaces where an account may be reached: one row per (space, account).
CREATE TABLE account_spaces (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    since      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, account_id)
);
CREATE INDEX account_spaces_account ON account_spaces (account_id);
ALTER TABLE account_spaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_spaces FORCE ROW LEVEL SECURITY;
CREATE POLICY account_spaces_own ON account_spaces
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- Links for what already exists: every space where the account has a session, a sign-in link
-- or a row, and the origin space of its national rows.
INSERT INTO account_spaces (tenant_id, account_id)
SELECT DISTINCT tenant_id, account_id FROM (
    SELECT tenant_id, account_id FROM sessions
    UNION ALL SELECT t.tenant_id, a.id FROM sign_in_tokens t JOIN accounts a ON a.email = t.email
    UNION ALL SELECT tenant_id, account_id FROM ideas
    UNION ALL SELECT origin_tenant_id, account_id FROM ideas
    UNION ALL SELECT tenant_id, account_id FROM idea_comments
    UNION ALL SELECT origin_tenant_id, account_id FROM idea_comments
    UNION ALL SELECT tenant_id, account_id FROM idea_likes
    UNION ALL SELECT origin_tenant_id, account_id FROM idea_likes
    UNION ALL SELECT tenant_id, account_id FROM content_reports
    UNION ALL SELECT origin_tenant_id, account_id FROM content_reports
    UNION ALL SELECT tenant_id, account_id FROM survey_responses
    UNION ALL SELECT origin_tenant_id, account_id FROM survey_responses
    UNION ALL SELECT tenant_id, account_id FROM workshop_applications
    UNION ALL SELECT tenant_id, account_id FROM campaign_followers
    UNION ALL SELECT origin_tenant_id, account_id FROM campaign_followers
    UNION ALL SELECT tenant_id, account_id FROM news_notifications
) links
WHERE tenant_id IS NOT NULL AND account_id IS NOT NULL;

-- Whether this session's login role is the schema owner (or a superuser): the tools that seed
-- and migrate, never the application role.
CREATE FUNCTION app_session_is_owner() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_roles r
         WHERE r.rolname = session_user
           AND (r.rolsuper OR r.oid = (SELECT relowner FROM pg_class WHERE oid = 'public.accounts'::regclass)))
$$;

-- Links an account to a space. The link is written in that space's context, so that it passes
-- account_spaces' forced policy whoever owns the schema; the caller's context is put back.
CREATE FUNCTION link_account_in(p_space uuid, p_account uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE caller text := current_setting('app.tenant_id', true);
BEGIN
    PERFORM set_config('app.tenant_id', p_space::text, true);
    INSERT INTO account_spaces (tenant_id, account_id) VALUES (p_space, p_account) ON CONFLICT DO NOTHING;
    PERFORM set_config('app.tenant_id', COALESCE(caller, ''), true);
END $$;
REVOKE ALL ON FUNCTION link_account_in(uuid, uuid) FROM PUBLIC;

-- A row naming an account links it to the row's space in two cases only: the owner's tools
-- wrote it (demo, benchmarks, tests), or the account is already linked to the current space
-- and the row is a national one that came through it. The application role can never link
-- an account its space does not already reach.
CREATE FUNCTION link_account_from_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
BEGIN
    IF NEW.account_id IS NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.tenant_id IS NOT DISTINCT FROM app_current_tenant() THEN
        -- A row of the current space: the application signed the person in here already.
        IF app_session_is_owner() THEN
            PERFORM link_account_in(NEW.tenant_id, NEW.account_id);
        END IF;
        RETURN NULL;
    END IF;
    IF app_session_is_owner() OR EXISTS (
        SELECT 1 FROM account_spaces
         WHERE tenant_id = app_current_tenant() AND account_id = NEW.account_id) THEN
        PERFORM link_account_in(NEW.tenant_id, NEW.account_id);
    END IF;
    RETURN NULL;
END $$;

-- Likes are left out on purpose: a like is no reason for the national space to reach a person.
CREATE TRIGGER sessions_link_account AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();
CREATE TRIGGER ideas_link_account AFTER INSERT ON ideas
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();
CREATE TRIGGER idea_comments_link_account AFTER INSERT ON idea_comments
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();
CREATE TRIGGER content_reports_link_account AFTER INSERT ON content_reports
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();
CREATE TRIGGER survey_responses_link_account AFTER INSERT ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();
CREATE TRIGGER campaign_followers_link_account AFTER INSERT ON campaign_followers
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();
CREATE TRIGGER workshop_applications_link_account AFTER INSERT ON workshop_applications
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;

-- An account is reached from the spaces it is linked to: read, renamed, erased.
CREATE POLICY accounts_linked_read ON accounts FOR SELECT
    USING (EXISTS (SELECT 1 FROM account_spaces l
                    WHERE l.tenant_id = app_current_tenant() AND l.account_id = accounts.id));
CREATE POLICY accounts_linked_update ON accounts FOR UPDATE
    USING (EXISTS (SELECT 1 FROM account_spaces l
                    WHERE l.tenant_id = app_current_tenant() AND l.account_id = accounts.id))
    WITH CHECK (EXISTS (SELECT 1 FROM account_spaces l
                         WHERE l.tenant_id = app_current_tenant() AND l.account_id = accounts.id));
CREATE POLICY accounts_linked_delete ON accounts FOR DELETE
    USING (EXISTS (SELECT 1 FROM account_spaces l
                    WHERE l.tenant_id = app_current_tenant() AND l.account_id = accounts.id));
-- No INSERT policy: accounts are created by account_sign_in alone.

-- Sign-in in the current space: finds or creates the account for a proven address (the caller
-- has just used the e-mailed link) and links it here.
CREATE FUNCTION account_sign_in(p_email text, p_pseudonym text)
RETURNS TABLE (id uuid, email text, pseudonym text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
#variable_conflict use_column
DECLARE
    space uuid := app_current_tenant();
    found accounts%ROWTYPE;
BEGIN
    IF space IS NULL THEN
        RAISE EXCEPTION 'account_sign_in needs a space' USING ERRCODE = '42501';
    END IF;
    INSERT INTO accounts AS a (email, pseudonym) VALUES (lower(p_email), p_pseudonym)
    ON CONFLICT ON CONSTRAINT accounts_email_key DO UPDATE SET deleted_at = NULL
    RETURNING a.* INTO found;
    PERFORM link_account_in(space, found.id);
    RETURN QUERY SELECT found.id, found.email, found.pseudonym;
END $$;

-- The display name of any account: pseudonyms are shown beside contributions in every space
-- that shows them. Nothing else of the account comes out.
CREATE FUNCTION account_pseudonym(p_account uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT pseudonym FROM accounts WHERE id = p_account AND deleted_at IS NULL
$$;

-- Shared national likes: who liked what is no one's business but the space the like came
-- through (like counts travel on the idea row). A local space reads only its own origin's.
DROP POLICY idea_likes_read_shared ON idea_likes;
CREATE POLICY idea_likes_read_origin ON idea_likes FOR SELECT
    USING (origin_tenant_id = app_current_tenant());

-- Operators ---------------------------------------------------------------------------------

-- The last TOTP time step accepted: a code is good once (RFC 6238 §5.2).
ALTER TABLE operators ADD COLUMN totp_last_step bigint;

ALTER TABLE operators ENABLE ROW LEVEL SECURITY;
-- A space sees its own operators and the national admins (who act on every host).
CREATE POLICY operators_here_read ON operators FOR SELECT
    USING (app_current_tenant() IS NOT NULL AND (
        national_admin
        OR EXISTS (SELECT 1 FROM operator_roles r
                    WHERE r.tenant_id = app_current_tenant() AND r.operator_id = operators.id)));
-- No INSERT, UPDATE or DELETE policy: the functions below make every change.

-- What a password check needs, nothing secret: the operator, and their PHC string without its
-- hash (algorithm, parameters, salt), so the server can hash a candidate the same way.
CREATE FUNCTION operator_password_setup(p_email text)
RETURNS TABLE (id uuid, setup text, locked boolean, disabled boolean, has_totp boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT o.id,
           CASE WHEN o.password_hash IS NULL THEN NULL
                ELSE regexp_replace(o.password_hash, '\$[^$]*$', '') END,
           COALESCE(o.locked_until > now(), false),
           o.disabled_at IS NOT NULL,
           o.totp_secret IS NOT NULL
      FROM operators o
     WHERE o.email = lower(p_email) AND app_current_tenant() IS NOT NULL
$$;

-- Counts a failure; the 5th in a row locks the operator for 15 minutes.
CREATE FUNCTION operator_record_failure_(p_operator uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    UPDATE operators SET
        failed_attempts = CASE WHEN failed_attempts + 1 >= 5 THEN 0 ELSE failed_attempts + 1 END,
        locked_until = CASE WHEN failed_attempts + 1 >= 5 THEN now() + interval '15 minutes' ELSE locked_until END
     WHERE id = p_operator
$$;
REVOKE ALL ON FUNCTION operator_record_failure_(uuid) FROM PUBLIC;

-- Compares a candidate hash (computed with operator_password_setup's parameters) with the
-- stored one, and counts the outcome: 'ok', 'wrong', 'locked' or 'unknown'.
CREATE FUNCTION operator_check_password(p_operator uuid, p_candidate text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE o operators%ROWTYPE;
BEGIN
    IF app_current_tenant() IS NULL THEN
        RETURN 'unknown';
    END IF;
    SELECT * INTO o FROM operators WHERE operators.id = p_operator FOR UPDATE;
    IF NOT FOUND OR o.password_hash IS NULL OR o.disabled_at IS NOT NULL THEN
        RETURN 'unknown';
    END IF;
    IF o.locked_until > now() THEN
        RETURN 'locked';
    END IF;
    IF p_candidate IS NULL OR digest(p_candidate, 'sha256') <> digest(o.password_hash, 'sha256') THEN
        PERFORM operator_record_failure_(p_operator);
        RETURN 'wrong';
    END IF;
    UPDATE operators SET failed_attempts = 0, locked_until = NULL WHERE operators.id = p_operator;
    RETURN 'ok';
END $$;

-- RFC 4226 HOTP (SHA-1, 6 digits) of one time step.
CREATE FUNCTION totp_code(p_secret bytea, p_step bigint) RETURNS integer
LANGUAGE plpgsql IMMUTABLE SET search_path = public, pg_catalog AS $$
DECLARE
    mac bytea := hmac(int8send(p_step), p_secret, 'sha1');
    off integer := get_byte(mac, 19) & 15;
BEGIN
    -- Parenthesised: `<<` and `|` share one precedence level in PostgreSQL.
    RETURN ((((get_byte(mac, off) & 127)::bigint << 24)
           | (get_byte(mac, off + 1)::bigint << 16)
           | (get_byte(mac, off + 2)::bigint << 8)
           | get_byte(mac, off + 3)::bigint) % 1000000)::integer;
END $$;

-- Checks a TOTP code of an operator visible here, one step of drift either way, each step
-- once: 'ok', 'wrong', 'locked', or 'none' when no second factor is set. Failures count toward
-- the lock like wrong passwords.
CREATE FUNCTION operator_check_totp(p_operator uuid, p_code text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE
    o operators%ROWTYPE;
    now_step bigint := floor(extract(epoch FROM clock_timestamp()) / 30)::bigint;
    code text := replace(btrim(COALESCE(p_code, '')), ' ', '');
    step bigint;
BEGIN
    SELECT * INTO o FROM operators
     WHERE operators.id = p_operator AND app_current_tenant() IS NOT NULL
       AND (operators.national_admin OR EXISTS (
            SELECT 1 FROM operator_roles r
             WHERE r.tenant_id = app_current_tenant() AND r.operator_id = operators.id))
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

-- Turns the second factor on with a secret the operator proved they hold (the caller checked a
-- code of it, at time step p_step), for an operator of this space with none yet; that code's
-- step counts as used.
CREATE FUNCTION operator_enable_totp(p_operator uuid, p_secret bytea, p_step bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
BEGIN
    UPDATE operators SET totp_secret = p_secret, totp_last_step = p_step
     WHERE operators.id = p_operator AND totp_secret IS NULL AND length(p_secret) >= 16
       AND app_current_tenant() IS NOT NULL
       AND (national_admin OR EXISTS (
            SELECT 1 FROM operator_roles r
             WHERE r.tenant_id = app_current_tenant() AND r.operator_id = operators.id));
    RETURN FOUND;
END $$;

-- Turns it off, on a valid code of the current secret.
CREATE FUNCTION operator_disable_totp(p_operator uuid, p_code text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE outcome text := operator_check_totp(p_operator, p_code);
BEGIN
    IF outcome = 'ok' THEN
        UPDATE operators SET totp_secret = NULL WHERE operators.id = p_operator;
    END IF;
    RETURN outcome;
END $$;

-- Whether the operator has a second factor (the security page), for an operator seen here.
CREATE FUNCTION operator_has_totp(p_operator uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT o.totp_secret IS NOT NULL FROM operators o
     WHERE o.id = p_operator AND app_current_tenant() IS NOT NULL
       AND (o.national_admin OR EXISTS (
            SELECT 1 FROM operator_roles r
             WHERE r.tenant_id = app_current_tenant() AND r.operator_id = o.id))
$$;

-- Whether the person invited by this space's invitation already has a password elsewhere.
CREATE FUNCTION operator_invitation_has_password(p_token_hash bytea) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT COALESCE(bool_or(o.password_hash IS NOT NULL), false)
      FROM operator_invitations i JOIN operators o ON o.email = i.email
     WHERE i.tenant_id = app_current_tenant() AND i.token_hash = p_token_hash
$$;

-- Accepts one of this space's invitations (row-locked, once): creates the operator or finds
-- them, sets the password only if they have none, grants the role here. Returns the outcome
-- ('ok', 'unknown', 'used', 'expired') and the operator's id.
CREATE FUNCTION operator_accept_invitation(p_token_hash bytea, p_name text, p_password_hash text)
RETURNS TABLE (outcome text, operator_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
#variable_conflict use_column
DECLARE
    space uuid := app_current_tenant();
    inv operator_invitations%ROWTYPE;
    national boolean;
    who uuid;
BEGIN
    SELECT * INTO inv FROM operator_invitations
     WHERE tenant_id = space AND token_hash = p_token_hash FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown'::text, NULL::uuid; RETURN;
    END IF;
    IF inv.accepted_at IS NOT NULL THEN
        RETURN QUERY SELECT 'used'::text, NULL::uuid; RETURN;
    END IF;
    IF inv.expires_at < now() THEN
        RETURN QUERY SELECT 'expired'::text, NULL::uuid; RETURN;
    END IF;
    national := inv.role = 'national_admin' AND (SELECT kind FROM tenants WHERE id = space) = 'national';
    INSERT INTO operators AS o (email, name, password_hash, national_admin)
    VALUES (inv.email, p_name, p_password_hash, national)
    ON CONFLICT (email) DO UPDATE SET
        password_hash = COALESCE(o.password_hash, EXCLUDED.password_hash),
        national_admin = o.national_admin OR EXCLUDED.national_admin
    RETURNING o.id INTO who;
    IF inv.role <> 'national_admin' THEN
        INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES (space, who, inv.role)
        ON CONFLICT (tenant_id, operator_id) DO UPDATE SET role = EXCLUDED.role, granted_at = now();
    END IF;
    UPDATE operator_invitations SET accepted_at = now() WHERE tenant_id = space AND id = inv.id;
    RETURN QUERY SELECT 'ok'::text, who;
END $$;
