-- Decisions also answer themes of the semantic analysis. A theme is known by its key, which
-- stays the same across analysis runs (docs/analysis.md), so the link survives a re-run; the
-- theme's current name is read from the latest analysis when the page is shown.
CREATE TABLE decision_themes (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    decision_id uuid NOT NULL,
    theme_key   uuid NOT NULL,
    PRIMARY KEY (tenant_id, decision_id, theme_key),
    FOREIGN KEY (tenant_id, decision_id) REFERENCES decisions (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE decision_themes ENABLE ROW LEVEL SECURITY;
ALTER TABLE decision_themes FORCE ROW LEVEL SECURITY;
CREATE POLICY decision_themes_own ON decision_themes
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY decision_themes_read_national ON decision_themes FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL);
