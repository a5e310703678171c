-- Participation: citizen accounts, sign-in, sessions, ideas with likes, comments and reports,
-- and the outbox that carries e-mail.
--
-- Accounts are platform-wide (one person, one account). Everything a person does belongs to a
-- space: sessions and sign-in links to the space they were opened on, contributions to the
-- campaign's owner. A contribution to a national campaign is stored in the national tenant with
-- origin_tenant_id set to the local space it came from; that space may read it, not change it.

-- The national tenant's id, for policies on shared national content.
CREATE FUNCTION app_national_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM tenants WHERE kind = 'national'
$$;

-- Campaign settings needed by participation.
ALTER TABLE campaigns
    ADD COLUMN has_ideas boolean NOT NULL DEFAULT true,
    ADD COLUMN has_survey boolean NOT NULL DEFAULT false,
    ADD COLUMN premoderation boolean NOT NULL DEFAULT false,
    ADD COLUMN cover_image_url text;

-- Server-side secrets shared by every instance (CSRF tokens are HMACs under `csrf`).
CREATE TABLE server_keys (
    name  text PRIMARY KEY,
    value bytea NOT NULL CHECK (length(value) >= 32)
);

CREATE TABLE accounts (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email      text UNIQUE CHECK (email = lower(email) AND length(email) <= 254),
    pseudonym  text NOT NULL CHECK (length(pseudonym) BETWEEN 2 AND 40),
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

-- Single-use sign-in links. Only the SHA-256 of the token is stored.
CREATE TABLE sign_in_tokens (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    token_hash bytea NOT NULL,
    email      text NOT NULL,
    return_to  text NOT NULL DEFAULT '/',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE INDEX sign_in_tokens_recent ON sign_in_tokens (tenant_id, email, created_at);

-- Sessions, one per browser and space (cookies are per host). Only the hash of the id is stored.
CREATE TABLE sessions (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id_hash    bytea NOT NULL,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id_hash)
);

CREATE TABLE ideas (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id      uuid NOT NULL,
    origin_tenant_id uuid NOT NULL REFERENCES tenants (id),
    account_id       uuid REFERENCES accounts (id) ON DELETE SET NULL,
    kind             text NOT NULL CHECK (kind IN ('idee', 'attente', 'experience')),
    title            text NOT NULL CHECK (length(title) BETWEEN 3 AND 140),
    body             text NOT NULL CHECK (length(body) BETWEEN 10 AND 4000),
    theme            text,
    status           text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'pending', 'hidden')),
    like_count       integer NOT NULL DEFAULT 0,
    comment_count    integer NOT NULL DEFAULT 0,
    -- The form's one-time key: a double click or a refresh re-sends it and hits the constraint.
    submission_key   uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    UNIQUE (tenant_id, submission_key)
);
CREATE INDEX ideas_campaign_recent ON ideas (tenant_id, campaign_id, created_at DESC);
CREATE INDEX ideas_origin ON ideas (origin_tenant_id) WHERE origin_tenant_id <> tenant_id;

CREATE TABLE idea_likes (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    idea_id          uuid NOT NULL,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    origin_tenant_id uuid NOT NULL REFERENCES tenants (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idea_id, account_id),
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id)
);

CREATE TABLE idea_comments (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    idea_id          uuid NOT NULL,
    parent_id        uuid,
    origin_tenant_id uuid NOT NULL REFERENCES tenants (id),
    account_id       uuid REFERENCES accounts (id) ON DELETE SET NULL,
    body             text NOT NULL CHECK (length(body) BETWEEN 2 AND 2000),
    status           text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'pending', 'hidden')),
    submission_key   uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES idea_comments (tenant_id, id),
    UNIQUE (tenant_id, submission_key)
);
CREATE INDEX idea_comments_idea ON idea_comments (tenant_id, idea_id, created_at);

-- "Report this content": a queue for moderators; nothing is deleted, only hidden later.
CREATE TABLE content_reports (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    target_kind      text NOT NULL CHECK (target_kind IN ('idea', 'comment')),
    target_id        uuid NOT NULL,
    origin_tenant_id uuid NOT NULL REFERENCES tenants (id),
    account_id       uuid REFERENCES accounts (id) ON DELETE SET NULL,
    reason           text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, target_kind, target_id, account_id)
);

-- Transactional outbox: a mail row is written in the same transaction as the action that
-- causes it, and a worker sends it.
CREATE TABLE mail_outbox (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    to_address  text NOT NULL,
    subject     text NOT NULL,
    text_body   text NOT NULL,
    html_body   text,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    next_try_at timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX mail_outbox_due ON mail_outbox (tenant_id, next_try_at) WHERE status = 'queued';

CREATE FUNCTION notify_mail_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ecoute_mail_queued', NEW.tenant_id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER mail_outbox_notify AFTER INSERT ON mail_outbox
    FOR EACH ROW EXECUTE FUNCTION notify_mail_queued();

-- Counters on ideas, kept by triggers. The idea may belong to another tenant than the current
-- context (a like from a local space on a national idea), so the trigger switches to the idea's
-- tenant for its one UPDATE and restores the context afterwards.
CREATE FUNCTION bump_idea_counters() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    previous text := current_setting('app.tenant_id', true);
    row_tenant uuid := COALESCE(NEW.tenant_id, OLD.tenant_id);
    row_idea uuid := COALESCE(NEW.idea_id, OLD.idea_id);
    delta integer := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    PERFORM set_config('app.tenant_id', row_tenant::text, true);
    IF TG_TABLE_NAME = 'idea_likes' THEN
        UPDATE ideas SET like_count = like_count + delta WHERE tenant_id = row_tenant AND id = row_idea;
    ELSE
        UPDATE ideas SET comment_count = comment_count + delta WHERE tenant_id = row_tenant AND id = row_idea;
    END IF;
    PERFORM set_config('app.tenant_id', COALESCE(previous, ''), true);
    RETURN NULL;
END;
$$;
CREATE TRIGGER idea_likes_count AFTER INSERT OR DELETE ON idea_likes
    FOR EACH ROW EXECUTE FUNCTION bump_idea_counters();
CREATE TRIGGER idea_comments_count AFTER INSERT OR DELETE ON idea_comments
    FOR EACH ROW EXECUTE FUNCTION bump_idea_counters();

-- Row-level security. Space-local tables: own rows only.
ALTER TABLE sign_in_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY sign_in_tokens_own ON sign_in_tokens
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_own ON sessions
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_outbox_own ON mail_outbox
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- Contributions (ideas, likes, comments, reports) share one pattern:
--   * a space reads and writes its own rows;
--   * a space reads, but cannot change, national rows that came from it (origin);
--   * any space reads published national content (the shared national campaigns);
--   * a space may add national rows whose origin is itself (contributing to a national campaign).
ALTER TABLE ideas ENABLE ROW LEVEL SECURITY;
ALTER TABLE ideas FORCE ROW LEVEL SECURITY;
CREATE POLICY ideas_own ON ideas
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY ideas_read_shared ON ideas FOR SELECT
    USING (origin_tenant_id = app_current_tenant()
           OR (tenant_id = app_national_tenant() AND status = 'published' AND app_current_tenant() IS NOT NULL));
CREATE POLICY ideas_contribute_national ON ideas FOR INSERT
    WITH CHECK (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());

ALTER TABLE idea_comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE idea_comments FORCE ROW LEVEL SECURITY;
CREATE POLICY idea_comments_own ON idea_comments
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY idea_comments_read_shared ON idea_comments FOR SELECT
    USING (origin_tenant_id = app_current_tenant()
           OR (tenant_id = app_national_tenant() AND status = 'published' AND app_current_tenant() IS NOT NULL));
CREATE POLICY idea_comments_contribute_national ON idea_comments FOR INSERT
    WITH CHECK (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());

-- Likes are a person's own toggle: from a local space they may also be withdrawn (DELETE)
-- on national ideas, but only those given from that space.
ALTER TABLE idea_likes ENABLE ROW LEVEL SECURITY;
ALTER TABLE idea_likes FORCE ROW LEVEL SECURITY;
CREATE POLICY idea_likes_own ON idea_likes
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY idea_likes_read_shared ON idea_likes FOR SELECT
    USING (origin_tenant_id = app_current_tenant()
           OR (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL));
CREATE POLICY idea_likes_contribute_national ON idea_likes FOR INSERT
    WITH CHECK (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());
CREATE POLICY idea_likes_withdraw_national ON idea_likes FOR DELETE
    USING (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());

ALTER TABLE content_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY content_reports_own ON content_reports
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY content_reports_read_origin ON content_reports FOR SELECT
    USING (origin_tenant_id = app_current_tenant());
CREATE POLICY content_reports_contribute_national ON content_reports FOR INSERT
    WITH CHECK (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());
