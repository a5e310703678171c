-- Notifications that let every instance drop cached copies of what changed
-- (see src/db/changes.rs). Payloads are ids, never personal data.

CREATE FUNCTION notify_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('ecoute_account_changed', OLD.account_id::text);
    ELSE
        PERFORM pg_notify('ecoute_account_changed', OLD.id::text);
    END IF;
    RETURN NULL;
END $$;

-- A signed-out or expired session, a deleted account, a new pseudonym: cached sessions go.
CREATE TRIGGER sessions_notify AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION notify_account_changed();
CREATE TRIGGER accounts_notify AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION notify_account_changed();

CREATE FUNCTION notify_campaign_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ecoute_campaign_changed', COALESCE(NEW.id, OLD.id)::text);
    RETURN NULL;
END $$;

CREATE TRIGGER campaigns_notify AFTER INSERT OR UPDATE OR DELETE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION notify_campaign_changed();
