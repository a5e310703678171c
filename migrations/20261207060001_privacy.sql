-- Issue 24, items 3 and 6: follow-up news that people can leave campaign by campaign, news mail
-- written in Markdown, and open data that publishes a survey's free text only where the
-- operator chose to.

-- Each follow has its own unsubscribe token (32 random bytes, as `mail_recipients`): the news
-- mail's one-click link (RFC 8058) stops that follow only, not the space's other list mail.
-- `reason` says why the person follows, so the mail can say it: they asked, or they took part.
ALTER TABLE campaign_followers
    ADD COLUMN unsubscribe_token bytea NOT NULL
        DEFAULT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
    ADD COLUMN reason text NOT NULL DEFAULT 'asked' CHECK (reason IN ('asked', 'contributed'));
CREATE UNIQUE INDEX campaign_followers_unsubscribe ON campaign_followers (tenant_id, unsubscribe_token);

-- A mail's text may be Markdown (news posts): the worker renders it to HTML and to plain text.
-- `follow_token` is the follow a news mail is about: its List-Unsubscribe link ends that follow.
ALTER TABLE mail_outbox
    ADD COLUMN text_format text NOT NULL DEFAULT 'plain' CHECK (text_format IN ('plain', 'markdown')),
    ADD COLUMN follow_token bytea;

-- Whoever contributes to a campaign (an idea, a comment, a survey answer) follows its news.
-- The trigger runs with the caller's rights: a national campaign's follow is a national row
-- whose origin is the current space, as the contribution itself.
CREATE FUNCTION follow_campaign_of_contribution() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    campaign uuid;
BEGIN
    IF NEW.account_id IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'idea_comments' THEN
        SELECT i.campaign_id INTO campaign FROM ideas i WHERE i.tenant_id = NEW.tenant_id AND i.id = NEW.idea_id;
    ELSE
        campaign := NEW.campaign_id;
    END IF;
    IF campaign IS NOT NULL THEN
        INSERT INTO campaign_followers (tenant_id, campaign_id, account_id, origin_tenant_id, reason)
        VALUES (NEW.tenant_id, campaign, NEW.account_id, NEW.origin_tenant_id, 'contributed')
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ideas_follow_campaign AFTER INSERT ON ideas
    FOR EACH ROW EXECUTE FUNCTION follow_campaign_of_contribution();
CREATE TRIGGER idea_comments_follow_campaign AFTER INSERT ON idea_comments
    FOR EACH ROW EXECUTE FUNCTION follow_campaign_of_contribution();
CREATE TRIGGER survey_responses_follow_campaign AFTER INSERT ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION follow_campaign_of_contribution();

-- Open data publishes the answers to a free-text question only when the operator ticked it
-- (people wrote them for the campaign's team, not necessarily for everyone).
ALTER TABLE survey_questions ADD COLUMN open_data boolean NOT NULL DEFAULT false;
