-- Results pages are cached per instance (src/results/cache.rs). Whatever they show, besides the
-- campaign row itself (which already notifies `ecoute_campaign_changed`), notifies
-- `ecoute_results_changed` so every instance drops its copies: decisions and what they answer,
-- finished analysis runs and the operator's edits and merges, moderation (a hidden idea or
-- comment leaves the figures), and deletions (an account deleted with its contributions).
--
-- Statement-level triggers, and PostgreSQL folds identical notifications of one transaction
-- into one: a bulk change costs one notification. The payload is empty; results are cheap to
-- recompute once. No trigger fires on INSERT into ideas, comments or responses: contributions
-- arrive while a campaign is open, results are read once it is closed, and the insert path
-- stays as fast as it was.

CREATE FUNCTION notify_results_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ecoute_results_changed', '');
    RETURN NULL;
END $$;

CREATE TRIGGER decisions_results_notify AFTER INSERT OR UPDATE OR DELETE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER decision_ideas_results_notify AFTER INSERT OR UPDATE OR DELETE ON decision_ideas
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER decision_themes_results_notify AFTER INSERT OR UPDATE OR DELETE ON decision_themes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER analysis_runs_results_notify AFTER UPDATE OF status ON analysis_runs
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER analysis_edits_results_notify AFTER INSERT OR UPDATE OR DELETE ON analysis_edits
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER analysis_merges_results_notify AFTER INSERT OR UPDATE OR DELETE ON analysis_merges
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER ideas_results_notify AFTER UPDATE OF status OR DELETE ON ideas
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER idea_comments_results_notify AFTER UPDATE OF status OR DELETE ON idea_comments
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
CREATE TRIGGER survey_responses_results_notify AFTER DELETE ON survey_responses
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
