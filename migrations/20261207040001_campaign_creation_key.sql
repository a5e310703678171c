-- The key of the console form that created a campaign (a new draft or a copy of another one):
-- the same form sent twice (a double click, a reload of the POST) finds the campaign it already
-- made instead of making a second one. NULL for campaigns made before, and by the seeds.
ALTER TABLE campaigns ADD COLUMN creation_key uuid;
CREATE UNIQUE INDEX campaigns_creation_key ON campaigns (tenant_id, creation_key) WHERE creation_key IS NOT NULL;
