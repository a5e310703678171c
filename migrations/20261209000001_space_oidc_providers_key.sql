-- Every key of a tenant table includes tenant_id (tests/integration/isolation.rs,
-- `every_key_of_a_tenant_table_includes_tenant_id`): a key is a space's own, and Citus can only
-- enforce a key on a distributed table when it holds the distribution column, so it refused to
-- distribute space_oidc_providers, whose primary key was its id alone.
ALTER TABLE space_oidc_providers DROP CONSTRAINT space_oidc_providers_pkey;
ALTER TABLE space_oidc_providers ADD PRIMARY KEY (tenant_id, id);
