-- Analysis themes reach the public only once an operator has reviewed them: a run's themes
-- (with the operators' renames and merges) are a draft until its `published_at` is set from the
-- analysis console, and a new run starts as a draft again. Runs finished before this rule keep
-- what the public already saw.
ALTER TABLE analysis_runs ADD COLUMN published_at timestamptz;
UPDATE analysis_runs SET published_at = COALESCE(finished_at, now()) WHERE status = 'done';
