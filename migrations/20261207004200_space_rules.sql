-- Issue 24, item 4: the rules of each space (legal notice, personal data, participation charter,
-- accessibility statement) are generated from the space's data; what varies and only the
-- operator knows (publication director, postal address, contact, data protection officer,
-- host) is filled in from the console, here. One row per space, written by its operators
-- (the national space has its own); an empty field is shown as not given yet.

CREATE TABLE space_rules (
    tenant_id            uuid PRIMARY KEY REFERENCES tenants (id),
    -- The publisher's postal address (the Caf's or the Cnaf's head office).
    publisher_address    text NOT NULL DEFAULT '' CHECK (length(publisher_address) <= 500),
    -- Name and function of the publication director.
    publication_director text NOT NULL DEFAULT '' CHECK (length(publication_director) <= 200),
    -- Where people write about the platform, its content or its accessibility.
    contact_email        text NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254),
    -- The data protection officer: who, and how to reach them.
    dpo_name             text NOT NULL DEFAULT '' CHECK (length(dpo_name) <= 200),
    dpo_email            text NOT NULL DEFAULT '' CHECK (length(dpo_email) <= 254),
    dpo_address          text NOT NULL DEFAULT '' CHECK (length(dpo_address) <= 500),
    -- Who hosts the service, and where.
    host_name            text NOT NULL DEFAULT '' CHECK (length(host_name) <= 200),
    host_address         text NOT NULL DEFAULT '' CHECK (length(host_address) <= 500),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- The operator who saved it last (the audit log has every change).
    updated_by           text NOT NULL DEFAULT ''
);

ALTER TABLE space_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE space_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY space_rules_own ON space_rules
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
