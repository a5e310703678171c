-- Volunteer imports (issue 21, item 2): an operator uploads a pool CSV into a workshop
-- recruitment (people gathered by letter, phone or a spreadsheet). The file is kept here between
-- the upload and the confirmation, so the mapping of its columns and the preview survive a
-- reload; confirming turns its valid lines into applications like the web ones and drops the
-- file's text (only the summary and the refused lines stay).
--
--   POST upload (multipart) ──▶ workshop_imports (content, header) ──303──▶ GET the import
--   POST mapping ──▶ workshop_imports.mapping ──303──▶ GET the import (preview)
--   POST confirm (confirm_key) ──▶ workshop_applications (import_id, import_line, cells)
--                               ──303──▶ GET the import (its summary)

CREATE TABLE workshop_imports (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    recruitment_id uuid NOT NULL,
    file_name      text NOT NULL CHECK (length(file_name) <= 300),
    -- The file as uploaded (UTF-8), until it is confirmed; '' afterwards.
    content        text NOT NULL,
    -- The file's header, as written (a JSON array of strings).
    header         jsonb NOT NULL,
    -- Which column holds what: {"email": col|null, "id": col|null, "criteria": {key: col}}.
    mapping        jsonb,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- The confirm form's idempotency key: a confirm carrying it takes effect once.
    confirm_key    uuid NOT NULL DEFAULT gen_random_uuid(),
    confirmed_by   text,
    confirmed_at   timestamptz,
    -- After confirmation: how many people were added, and the lines left out
    -- ([{"line": n, "reason": text}]).
    accepted       integer CHECK (accepted >= 0),
    refused        jsonb,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, confirm_key),
    FOREIGN KEY (tenant_id, recruitment_id) REFERENCES workshop_recruitments (tenant_id, id) ON DELETE CASCADE,
    CHECK ((confirmed_at IS NULL) = (confirmed_by IS NULL)),
    CHECK (confirmed_at IS NULL OR content = '')
);
CREATE INDEX workshop_imports_of_recruitment ON workshop_imports (tenant_id, recruitment_id, created_at);

ALTER TABLE workshop_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE workshop_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY workshop_imports_own ON workshop_imports
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- An imported person is an application without an account: their address may be empty (they
-- are contacted by phone or letter, from the panel's export), their row of the file is kept
-- (`cells`, aligned with the import's header) for the export and the household rule, and their
-- id in the file (`external_id`) names them in the exports.
ALTER TABLE workshop_applications
    ALTER COLUMN account_id DROP NOT NULL,
    ADD COLUMN import_id uuid,
    ADD COLUMN import_line integer,
    ADD COLUMN external_id text CHECK (length(external_id) <= 200),
    ADD COLUMN cells jsonb,
    ADD CONSTRAINT workshop_applications_import FOREIGN KEY (tenant_id, import_id)
        REFERENCES workshop_imports (tenant_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT workshop_applications_origin CHECK ((account_id IS NULL) = (import_id IS NOT NULL)),
    ADD CONSTRAINT workshop_applications_imported CHECK ((import_id IS NULL) = (import_line IS NULL));
CREATE UNIQUE INDEX workshop_applications_external_id ON workshop_applications (tenant_id, recruitment_id, external_id)
    WHERE external_id IS NOT NULL;

-- The household rule of a draw: the imported columns whose equal values make one household
-- (empty: no rule).
ALTER TABLE workshop_draws ADD COLUMN households text[] NOT NULL DEFAULT '{}';
