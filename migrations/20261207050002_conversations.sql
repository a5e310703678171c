-- Issue 24, item 2: conversations. A reply tells the author of the comment or idea it answers
-- by mail (unless they turned that off), and "Suivre cette idée" sends updates (replies, a
-- decision that names the idea or changes its status). At most one mail per idea and person per
-- hour, so a busy thread does not flood anyone.

-- Who follows which idea: as campaign_followers (20261122000020_news.sql). The row is in the
-- idea's space; following a national idea from a local space makes a national row whose origin
-- is the space, which may read and withdraw its own people's rows.
CREATE TABLE idea_follows (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    idea_id          uuid NOT NULL,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    origin_tenant_id uuid NOT NULL REFERENCES tenants (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idea_id, account_id),
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id)
);

ALTER TABLE idea_follows ENABLE ROW LEVEL SECURITY;
ALTER TABLE idea_follows FORCE ROW LEVEL SECURITY;
CREATE POLICY idea_follows_own ON idea_follows
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY idea_follows_from_space ON idea_follows
    USING (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());

-- A follower is someone the idea's space writes to: linked to it, like a campaign's followers.
CREATE TRIGGER idea_follows_link_account AFTER INSERT ON idea_follows
    FOR EACH ROW EXECUTE FUNCTION link_account_from_row();

-- When each person was last written to about each idea: the next mail about it waits an hour.
CREATE TABLE idea_mail_sent (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    idea_id    uuid NOT NULL,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idea_id, account_id),
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id)
);

ALTER TABLE idea_mail_sent ENABLE ROW LEVEL SECURITY;
ALTER TABLE idea_mail_sent FORCE ROW LEVEL SECURITY;
CREATE POLICY idea_mail_sent_own ON idea_mail_sent
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- Whether a person is told by mail when someone answers what they wrote (on by default; the
-- account page turns it off). Following an idea is asked for, and undone, on its own.
ALTER TABLE accounts ADD COLUMN reply_mail boolean NOT NULL DEFAULT true;

-- The mail of a conversation: list mail (suppressed for an address that unsubscribed from the
-- space, List-Unsubscribe, within the monthly quota). Its text carries a link that stops
-- following the idea alone (/desabonnement/{token}?idee={id}).
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox
    ADD CONSTRAINT mail_outbox_kind_check
        CHECK (kind IN ('sign_in', 'invitation', 'news', 'workshop', 'moderation', 'conversation'));
