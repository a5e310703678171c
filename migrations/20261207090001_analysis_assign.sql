-- A moderator may file a contribution under a theme of the analysis by hand (the contributions
-- console's bulk action): one more kind of edit, replayed in order like the others. The theme is
-- `theme_key`, the contribution `other_key`.
ALTER TABLE analysis_edits DROP CONSTRAINT analysis_edits_kind_check;
ALTER TABLE analysis_edits ADD CONSTRAINT analysis_edits_kind_check
    CHECK (kind IN ('rename', 'merge', 'split', 'drop', 'restore', 'assign'));
ALTER TABLE analysis_edits ADD CONSTRAINT analysis_edits_assign_names_a_contribution
    CHECK (kind <> 'assign' OR other_key IS NOT NULL);
