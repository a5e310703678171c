//! `ecoute tenants sync`: make the database match the `tenants/` folder.
//!
//! Idempotent: it creates what is missing and updates what differs, field by field, and says
//! so. It never deletes: a tenant present in the database but absent from the files is reported,
//! not removed (suspend it in its file instead). Everything happens in one transaction, so a bad
//! file leaves the database as it was. The `tenants` trigger notifies every running instance.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use sqlx::{PgConnection, PgPool};

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
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('ecoute.tenants_sync'))")
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
    let current = sqlx::query!("SELECT code, name, departements FROM caf_catalogue")
        .fetch_all(&mut *conn)
        .await?;
    let current: BTreeMap<_, _> = current
        .into_iter()
        .map(|r| (r.code, (r.name, r.departements)))
        .collect();
    let mut changed = 0;
    for entry in &folder.catalogue {
        if current.get(&entry.code) == Some(&(entry.name.clone(), entry.departements.clone())) {
            continue;
        }
        changed += 1;
        if mode == SyncMode::Apply {
            sqlx::query!(
                "INSERT INTO caf_catalogue (code, name, departements) VALUES ($1, $2, $3)
                 ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, departements = EXCLUDED.departements",
                &entry.code,
                &entry.name,
                &entry.departements,
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(changed)
}

async fn load_current(conn: &mut PgConnection) -> anyhow::Result<BTreeMap<String, TenantSpec>> {
    let rows = sqlx::query!(
        r#"SELECT slug, kind, name, caf_code, departements, custom_domains, logo_url, primary_color,
                secondary_color, welcome_text, status, plan,
                quotas AS "quotas: sqlx::types::Json<BTreeMap<String, i64>>", staff_email_domains
           FROM tenants"#,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut map = BTreeMap::new();
    for row in rows {
        let slug = row.slug;
        let spec = TenantSpec {
            slug: TenantSlug::parse(&slug).map_err(anyhow::Error::msg)?,
            kind: TenantKind::parse(&row.kind).unwrap_or(TenantKind::Local),
            name: row.name,
            caf_code: row.caf_code,
            departements: row.departements,
            custom_domains: row.custom_domains,
            logo_url: row.logo_url,
            primary_color: row.primary_color,
            secondary_color: row.secondary_color,
            welcome_text: row.welcome_text,
            status: TenantStatus::parse(&row.status).unwrap_or(TenantStatus::Suspended),
            plan: row.plan,
            quotas: row.quotas.0,
            staff_email_domains: row.staff_email_domains,
        };
        map.insert(slug, spec);
    }
    Ok(map)
}

async fn upsert(conn: &mut PgConnection, t: &TenantSpec) -> anyhow::Result<()> {
    sqlx::query!(
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
        t.slug.as_str(),
        t.kind.as_str(),
        &t.name,
        t.caf_code.as_deref(),
        &t.departements,
        &t.custom_domains,
        t.logo_url.as_deref(),
        &t.primary_color,
        &t.secondary_color,
        &t.welcome_text,
        t.status.as_str(),
        &t.plan,
        sqlx::types::Json(&t.quotas) as _,
        &t.staff_email_domains,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
