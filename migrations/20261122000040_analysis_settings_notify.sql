-- The profile question chosen for the analysis (0036) changes the priority ranking of the
-- themes that results pages show: it notifies like the other analysis tables (0023).
CREATE TRIGGER analysis_settings_results_notify AFTER INSERT OR UPDATE OR DELETE ON analysis_settings
    FOR EACH STATEMENT EXECUTE FUNCTION notify_results_changed();
