-- An operator may set a theme aside ("écarter") and take it back: two more kinds of edit,
-- replayed in order like the others.
ALTER TABLE analysis_edits DROP CONSTRAINT analysis_edits_kind_check;
ALTER TABLE analysis_edits ADD CONSTRAINT analysis_edits_kind_check
    CHECK (kind IN ('rename', 'merge', 'split', 'drop', 'restore'));
