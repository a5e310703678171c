-- A schema Citus may distribute: policies without subqueries, unique keys with tenant_id.
--
-- Citus copies a distributed or reference table's policies onto its shards, and refuses a policy
-- whose expression holds a subquery ("Subqueries are not supported in policies on distributed
-- tables"): `create_reference_table('accounts')` failed on the three policies below that read
-- `account_spaces`, and the national read policies of six tenant tables failed the same way.
-- Each EXISTS moves into a function, as migration 20261206000001 did for ideas and comments:
-- the function runs as the caller, so RLS still applies to the rows it reads, exactly as inside
-- the policy, and the policies keep their meaning on a single server.

CREATE FUNCTION account_linked_here(p_account uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.account_spaces l
                    WHERE l.tenant_id = public.app_current_tenant() AND l.account_id = p_account)
$$;

CREATE FUNCTION campaign_results_published(p_tenant uuid, p_campaign uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.campaigns c
                    WHERE c.tenant_id = p_tenant AND c.id = p_campaign
                      AND c.published_at IS NOT NULL AND c.results_published_at IS NOT NULL)
$$;

CREATE FUNCTION decision_readable(p_tenant uuid, p_decision uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.decisions d WHERE d.tenant_id = p_tenant AND d.id = p_decision)
$$;

CREATE FUNCTION response_from_here(p_tenant uuid, p_response uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.survey_responses r
                    WHERE r.tenant_id = p_tenant AND r.id = p_response
                      AND r.origin_tenant_id = public.app_current_tenant())
$$;

ALTER POLICY accounts_linked_read ON accounts USING (account_linked_here(id));
ALTER POLICY accounts_linked_update ON accounts
    USING (account_linked_here(id)) WITH CHECK (account_linked_here(id));
ALTER POLICY accounts_linked_delete ON accounts USING (account_linked_here(id));

ALTER POLICY survey_questions_read_national ON survey_questions
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND campaign_published(tenant_id, campaign_id));

ALTER POLICY decisions_read_national ON decisions
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND campaign_results_published(tenant_id, campaign_id));

ALTER POLICY decision_ideas_read_national ON decision_ideas
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND decision_readable(tenant_id, decision_id));

ALTER POLICY decision_themes_read_national ON decision_themes
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND decision_readable(tenant_id, decision_id));

ALTER POLICY news_posts_read_national ON news_posts
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND published_at <= now()
           AND campaign_published(tenant_id, campaign_id));

ALTER POLICY survey_answers_read_origin ON survey_answers
    USING (response_from_here(tenant_id, response_id));

ALTER POLICY survey_answers_contribute_national ON survey_answers
    WITH CHECK (tenant_id = app_national_tenant() AND response_from_here(tenant_id, response_id));

-- The last unique key of a tenant table without `tenant_id` (Citus: "Distributed relations
-- cannot have UNIQUE ... constraints that do not include the partition column"). A token is
-- looked up within its space (`WHERE tenant_id = $1 AND token_hash = $2`), and is random.
DROP INDEX workshop_selections_token;
CREATE UNIQUE INDEX workshop_selections_token ON workshop_selections (tenant_id, token_hash)
    WHERE token_hash IS NOT NULL;

-- `ON DELETE SET NULL (column)` for a Citus cluster, which refuses that action on a key that
-- includes the distribution column: the distribution step (src/db/citus.sql) re-creates such a
-- key without the action and puts this trigger on the referenced table, BEFORE DELETE, to clear
-- the referencing column of the same space's rows first. Arguments: the referencing table, its
-- column, the referenced column (the other half of the key is tenant_id on both sides). Unused
-- on a single server.
CREATE FUNCTION citus_set_null_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %s SET %I = NULL WHERE tenant_id = $1 AND %I = $2',
                   TG_ARGV[0]::regclass, TG_ARGV[1], TG_ARGV[1])
      USING OLD.tenant_id, (to_jsonb(OLD) ->> TG_ARGV[2])::uuid;
    RETURN OLD;
END $$;
