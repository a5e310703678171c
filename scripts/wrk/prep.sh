#!/usr/bin/env bash
# scripts/wrk/prep.sh DB OUT: in a database kept by `ecoute-bench --keep-database`, 256 fresh
# accounts (wrkN@exemple.fr) with a session in Gironde, and OUT, the pairs file for likes.lua
# (each idea of the 1,000-idea campaign x each account, in a scattered but fixed order).
# Uses psql on 127.0.0.1:5432 as postgres (the benchmark's database server).
set -euo pipefail
db=$1; out=$2
psql -q -h 127.0.0.1 -U postgres -d "$db" -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE wrk_people AS
  SELECT g, 'wrktoken-' || g || '-' || md5(g::text) AS token FROM generate_series(1, 256) g;
INSERT INTO accounts (email, pseudonym)
  SELECT 'wrk' || g || '@exemple.fr', 'wrk' || g FROM wrk_people ON CONFLICT (email) DO NOTHING;
SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE slug = 'gironde'), false);
INSERT INTO sessions (tenant_id, id_hash, account_id, expires_at)
  SELECT t.id, sha256(convert_to(p.token, 'UTF8')), a.id, now() + interval '1 day'
    FROM wrk_people p JOIN accounts a ON a.email = 'wrk' || p.g || '@exemple.fr', tenants t WHERE t.slug = 'gironde'
  ON CONFLICT DO NOTHING;
SQL
psql -At -F $'\t' -h 127.0.0.1 -U postgres -d "$db" -c "
  WITH big AS (SELECT campaign_id FROM ideas GROUP BY campaign_id HAVING count(*) = 1000)
  SELECT '/api/v1/ideas/' || i.id || '/like', 'wrktoken-' || g || '-' || md5(g::text)
    FROM ideas i, generate_series(1, 256) g
   WHERE i.campaign_id = (SELECT campaign_id FROM big) AND i.status = 'published'
   ORDER BY md5(i.id::text || g::text)" > "$out"
wc -l "$out"
