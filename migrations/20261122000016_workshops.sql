-- Workshop recruitment ("appel à personnes"): a campaign collects volunteers for in-person
-- workshop sessions through a qualification questionnaire; operators draw a panel under
-- diversity quotas (src/workshops/selection), invite it, promote from the waitlist and record
-- attendance. Profiles are purged after the retention period; only anonymous counts remain.
-- docs/workshops.md explains the flow.

-- One recruitment per campaign. `criteria` is the questionnaire: a JSON list of
-- {key, label, kind: 'single'|'multiple'|'number', options: [..], standard: bool, quota: bool}.
-- `quotas` maps "criterion key" → {"option": [min %, max %]}.
CREATE TABLE workshop_recruitments (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id      uuid NOT NULL,
    intro            text NOT NULL DEFAULT '' CHECK (length(intro) <= 4000),
    criteria         jsonb NOT NULL DEFAULT '[]',
    retention_months integer NOT NULL DEFAULT 6 CHECK (retention_months BETWEEN 1 AND 36),
    seats            integer CHECK (seats IS NULL OR seats > 0),
    quotas           jsonb NOT NULL DEFAULT '{}',
    open             boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Set by the retention job: the profiles are gone, `anonymous_counts` is what is left
    -- (applications, selected, confirmed, attended, counts per criterion value).
    purged_at        timestamptz,
    anonymous_counts jsonb,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    UNIQUE (tenant_id, campaign_id)
);

CREATE TABLE workshop_sessions (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    recruitment_id uuid NOT NULL,
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    caf_name       text NOT NULL CHECK (length(caf_name) BETWEEN 1 AND 200),
    place          text NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    address        text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    accessibility  text NOT NULL DEFAULT '' CHECK (length(accessibility) <= 2000),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    capacity       integer NOT NULL CHECK (capacity > 0),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, recruitment_id) REFERENCES workshop_recruitments (tenant_id, id) ON DELETE CASCADE,
    CHECK (ends_at > starts_at)
);
CREATE INDEX workshop_sessions_by_recruitment ON workshop_sessions (tenant_id, recruitment_id, starts_at);

-- One application per person and recruitment (editable). `answers` maps criterion key → the
-- chosen option (text), options (array) or number. The contact address is copied so the
-- invitation reaches the person even if they change their account; it goes at the purge.
CREATE TABLE workshop_applications (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    recruitment_id     uuid NOT NULL,
    account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email              text NOT NULL,
    answers            jsonb NOT NULL DEFAULT '{}',
    sessions           uuid[] NOT NULL DEFAULT '{}',
    accessibility_needs text NOT NULL DEFAULT '' CHECK (length(accessibility_needs) <= 2000),
    consent_at         timestamptz NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, recruitment_id) REFERENCES workshop_recruitments (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, recruitment_id, account_id)
);

-- A draw: the published seed, the quotas used and the fairness figures.
CREATE TABLE workshop_draws (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    recruitment_id  uuid NOT NULL,
    seed            bigint NOT NULL,
    seats           integer NOT NULL CHECK (seats > 0),
    quotas          jsonb NOT NULL,
    algorithm       text NOT NULL,
    min_probability double precision NOT NULL,
    gini            double precision NOT NULL,
    drawn_at        timestamptz NOT NULL DEFAULT now(),
    drawn_by        text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, recruitment_id) REFERENCES workshop_recruitments (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, recruitment_id)
);

-- Everyone in the pool at the draw: selected (invitation state) or on the waitlist (rank).
-- An invitation token is stored hashed, used once; `deadline` is when a non-answer frees the
-- seat. The unique partial index on seats makes "one seat, one person" a database rule.
CREATE TABLE workshop_selections (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    draw_id        uuid NOT NULL,
    application_id uuid NOT NULL,
    probability    double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
    status         text NOT NULL CHECK (status IN ('waitlist', 'invited', 'confirmed', 'declined', 'expired')),
    waitlist_rank  integer,
    seat           integer,
    token_hash     bytea,
    deadline       timestamptz,
    answered_at    timestamptz,
    session_id     uuid,
    attended       boolean,
    -- Reminders sent 7 days and 1 day before the person's session (null: not yet).
    reminded_7_at  timestamptz,
    reminded_1_at  timestamptz,
    PRIMARY KEY (tenant_id, draw_id, application_id),
    FOREIGN KEY (tenant_id, draw_id) REFERENCES workshop_draws (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, application_id) REFERENCES workshop_applications (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, session_id) REFERENCES workshop_sessions (tenant_id, id) ON DELETE SET NULL (session_id),
    CHECK ((status = 'waitlist') = (seat IS NULL))
);
CREATE UNIQUE INDEX workshop_selections_one_per_seat ON workshop_selections (tenant_id, draw_id, seat)
    WHERE status IN ('invited', 'confirmed');
CREATE UNIQUE INDEX workshop_selections_token ON workshop_selections (token_hash) WHERE token_hash IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workshop_recruitments', 'workshop_sessions', 'workshop_applications',
                             'workshop_draws', 'workshop_selections'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())', t || '_own', t);
    END LOOP;
END $$;
