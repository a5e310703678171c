-- Project news after a campaign ("des nouvelles du projet"), and the people who asked to hear
-- about them. A post notifies each follower once: `news_notifications` records who was told,
-- so editing a post never mails anyone twice.

CREATE TABLE campaign_followers (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    campaign_id      uuid NOT NULL,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The space the person followed from (a national campaign followed from a local space).
    origin_tenant_id uuid NOT NULL REFERENCES tenants (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id, account_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id)
);

CREATE TABLE news_posts (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id  uuid NOT NULL,
    title        text NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
    body_md      text NOT NULL CHECK (length(body_md) BETWEEN 1 AND 20000),
    published_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id)
);
CREATE INDEX news_posts_by_campaign ON news_posts (tenant_id, campaign_id, published_at DESC);

CREATE TABLE news_notifications (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    post_id    uuid NOT NULL,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, post_id, account_id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES news_posts (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE campaign_followers ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_followers FORCE ROW LEVEL SECURITY;
CREATE POLICY campaign_followers_own ON campaign_followers
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- Following a national campaign from a local space: the row is national, its origin the space,
-- which may read and withdraw its own people's rows.
CREATE POLICY campaign_followers_from_space ON campaign_followers
    USING (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());

ALTER TABLE news_posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE news_posts FORCE ROW LEVEL SECURITY;
CREATE POLICY news_posts_own ON news_posts
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY news_posts_read_national ON news_posts FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL);

ALTER TABLE news_notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE news_notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY news_notifications_own ON news_notifications
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
