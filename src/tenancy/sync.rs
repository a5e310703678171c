//! `ecoute tenants sync`: make the database match the `tenants/` folder.
//!
//! Idempotent: it creates what is missing and updates what differs, field by field, and says
//! so. It never deletes: a tenant present in the database but absent from the files is reported,
//! not removed (suspend it in its file instead). Everything happens in one transaction, so a bad
//! file leaves the database as it was. The `tenants` trigger notifies every running instance.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use sqlx::{PgConnection, PgPool, Row};

use super::files::{TenantSpec, TenantsFolder, read_folder};
use super::{TenantKind, TenantSlug, TenantStatus};

/// Apply the changes, or only report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    Apply,
    Check,
}

/// What a sync found (and, in [`SyncMode::Apply`], did).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub created: Vec<String>,
    /// Tenants whose database row differed from their file, with the differing fields.
    pub updated: Vec<(String, Vec<&'static str>)>,
    pub unchanged: usize,
    /// In the database but not in the files: left untouched.
    pub only_in_database: Vec<String>,
    pub catalogue_changed: usize,
}

impl SyncReport {
    /// True when the database differed from the files (before an apply) or differs (check).
    pub fn has_drift(&self) -> bool {
        !self.created.is_empty() || !self.updated.is_empty() || self.catalogue_changed > 0
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for slug in &self.created {
            writeln!(f, "created    {slug}")?;
        }
        for (slug, fields) in &self.updated {
            writeln!(f, "updated    {slug} (drift in: {})", fields.join(", "))?;
        }
        for slug in &self.only_in_database {
            writeln!(
                f,
                "kept       {slug} (in the database but not in tenants/; not deleted — suspend it in a file to close it)"
            )?;
        }
        if self.catalogue_changed > 0 {
            writeln!(f, "catalogue  {} Caf entries written", self.catalogue_changed)?;
        }
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} only in the database",
            self.created.len(),
            self.updated.len(),
            self.unchanged,
            self.only_in_database.len()
        )
    }
}

/// Reads `dir` and applies (or checks) it against the database, as the owner.
pub async fn sync_tenants(pool: &PgPool, dir: &Path, base_domain: &str, mode: SyncMode) -> anyhow::Result<SyncReport> {
    let folder = read_folder(dir, base_domain)?;
    let mut tx = pool.begin().await?;
    // Two syncs at once would race on the same rows: take turns.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ecoute.tenants_sync'))")
        .execute(&mut *tx)
        .await?;
    let report = reconcile(&mut tx, &folder, mode).await?;
    match mode {
        SyncMode::Apply => tx.commit().await?,
        SyncMode::Check => tx.rollback().await?,
    }
    Ok(report)
}

async fn reconcile(conn: &mut PgConnection, folder: &TenantsFolder, mode: SyncMode) -> anyhow::Result<SyncReport> {
    let mut report = SyncReport {
        catalogue_changed: sync_catalogue(conn, folder, mode).await?,
        ..Default::default()
    };
    let current = load_current(conn).await?;
    // National first: the unique index allows one, and a renamed national slug must not collide.
    let mut wanted: Vec<&TenantSpec> = folder.tenants.iter().collect();
    wanted.sort_by_key(|t| (t.kind != TenantKind::National, t.slug.clone()));
    for spec in wanted {
        match current.get(spec.slug.as_str()) {
            None => {
                if mode == SyncMode::Apply {
                    upsert(conn, spec).await?;
                }
                report.created.push(spec.slug.to_string());
            }
            Some(existing) => {
                let diff = existing.differences(spec);
                if diff.is_empty() {
                    report.unchanged += 1;
                } else {
                    if mode == SyncMode::Apply {
                        upsert(conn, spec).await?;
                    }
                    report.updated.push((spec.slug.to_string(), diff));
                }
            }
        }
    }
    report.only_in_database = current
        .keys()
        .filter(|slug| !folder.tenants.iter().any(|t| t.slug.as_str() == slug.as_str()))
        .cloned()
        .collect();
    Ok(report)
}

async fn sync_catalogue(conn: &mut PgConnection, folder: &TenantsFolder, mode: SyncMode) -> anyhow::Result<usize> {
    let current: Vec<(String, String, Vec<String>)> =
        sqlx::query_as("SELECT code, name, departements FROM caf_catalogue")
            .fetch_all(&mut *conn)
            .await?;
    let current: BTreeMap<_, _> = current.into_iter().map(|(c, n, d)| (c, (n, d))).collect();
    let mut changed = 0;
    for entry in &folder.catalogue {
        if current.get(&entry.code) == Some(&(entry.name.clone(), entry.departements.clone())) {
            continue;
        }
        changed += 1;
        if mode == SyncMode::Apply {
            sqlx::query(
                "INSERT INTO caf_catalogue (code, name, departements) VALUES ($1, $2, $3)
                 ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, departements = EXCLUDED.departements",
            )
            .bind(&entry.code)
            .bind(&entry.name)
            .bind(&entry.departements)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(changed)
}

async fn load_current(conn: &mut PgConnection) -> anyhow::Result<BTreeMap<String, TenantSpec>> {
    let rows = sqlx::query(
        "SELECT slug, kind, name, caf_code, departements, custom_domains, logo_url, primary_color,
                secondary_color, welcome_text, status, plan, quotas, staff_email_domains
           FROM tenants",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut map = BTreeMap::new();
    for row in rows {
        let slug: String = row.try_get("slug")?;
        let kind: String = row.try_get("kind")?;
        let status: String = row.try_get("status")?;
        let quotas: sqlx::types::Json<BTreeMap<String, i64>> = row.try_get("quotas")?;
        let spec = TenantSpec {
            slug: TenantSlug::parse(&slug).map_err(anyhow::Error::msg)?,
            kind: TenantKind::parse(&kind).unwrap_or(TenantKind::Local),
            name: row.try_get("name")?,
            caf_code: row.try_get("caf_code")?,
            departements: row.try_get("departements")?,
            custom_domains: row.try_get("custom_domains")?,
            logo_url: row.try_get("logo_url")?,
            primary_color: row.try_get("primary_color")?,
            secondary_color: row.try_get("secondary_color")?,
            welcome_text: row.try_get("welcome_text")?,
            status: TenantStatus::parse(&status).unwrap_or(TenantStatus::Suspended),
            plan: row.try_get("plan")?,
            quotas: quotas.0,
            staff_email_domains: row.try_get("staff_email_domains")?,
        };
        map.insert(slug, spec);
    }
    Ok(map)
}

async fn upsert(conn: &mut PgConnection, t: &TenantSpec) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO tenants (slug, kind, name, caf_code, departements, custom_domains, logo_url,
                              primary_color, secondary_color, welcome_text, status, plan, quotas,
                              staff_email_domains)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (slug) DO UPDATE SET
             kind = EXCLUDED.kind, name = EXCLUDED.name, caf_code = EXCLUDED.caf_code,
             departements = EXCLUDED.departements, custom_domains = EXCLUDED.custom_domains,
             logo_url = EXCLUDED.logo_url, primary_color = EXCLUDED.primary_color,
             secondary_color = EXCLUDED.secondary_color, welcome_text = EXCLUDED.welcome_text,
             status = EXCLUDED.status, plan = EXCLUDED.plan, quotas = EXCLUDED.quotas,
             staff_email_domains = EXCLUDED.staff_email_domains",
    )
    .bind(t.slug.as_str())
    .bind(t.kind.as_str())
    .bind(&t.name)
    .bind(&t.caf_code)
    .bind(&t.departements)
    .bind(&t.custom_domains)
    .bind(&t.logo_url)
    .bind(&t.primary_color)
    .bind(&t.secondary_color)
    .bind(&t.welcome_text)
    .bind(t.status.as_str())
    .bind(&t.plan)
    .bind(sqlx::types::Json(&t.quotas))
    .bind(&t.staff_email_domains)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
