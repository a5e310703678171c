-- The campaign page links to the workshop application page while a recruitment is open on the
-- campaign (CampaignDetail::recruits_for_workshops). Campaigns are cached on every instance:
-- opening, closing or purging a recruitment says its campaign changed, so the caches drop
-- their copy (src/db/changes.rs). The payload is the campaign's id, as for campaigns.
CREATE FUNCTION notify_recruitment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ecoute_campaign_changed', COALESCE(NEW.campaign_id, OLD.campaign_id)::text);
    RETURN NULL;
END $$;

CREATE TRIGGER workshop_recruitments_notify
    AFTER INSERT OR DELETE OR UPDATE OF open, purged_at ON workshop_recruitments
    FOR EACH ROW EXECUTE FUNCTION notify_recruitment_changed();
