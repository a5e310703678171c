-- Every unique key of a tenant table starts with tenant_id, so that a table can later be
-- distributed by tenant_id (Citus: a unique constraint must include the distribution column;
-- docs/operations.md). Invitation tokens are 256-bit random values, so uniqueness within a
-- space loses nothing, and lookups are made within the space anyway (RLS).
ALTER TABLE operator_invitations DROP CONSTRAINT operator_invitations_token_hash_key;
ALTER TABLE operator_invitations ADD CONSTRAINT operator_invitations_token_hash_key UNIQUE (tenant_id, token_hash);
