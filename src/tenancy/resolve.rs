//! Host → tenant, cached.
//!
//! `<base>` and `www.<base>` are the national space; `<slug>.<base>` a local module; any other
//! host is looked up among custom domains. Answers (including "no such space") are cached in
//! moka. Every instance LISTENs on `ecoute_tenant_changed` (see [`crate::db::changes`]), which a
//! trigger on `tenants` fires, and empties its cache on each notification, so a tenant created, renamed or suspended through
//! any instance (or `tenants sync`) is seen everywhere within moments, without a restart.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use sqlx::{PgPool, Row};

use super::{Branding, Tenant, TenantKind, TenantStatus};

pub use crate::db::changes::TENANT_CHANNEL;

/// Bounded so a flood of random host names cannot grow memory; TTL as a safety net should a
/// notification be missed while the listener reconnects (it also clears the cache then).
const CACHE_CAPACITY: u64 = 10_000;
const CACHE_TTL: Duration = Duration::from_secs(300);

/// What a host resolves to.
#[derive(Debug, Clone)]
pub enum Resolution {
    Found(Arc<Tenant>),
    Unknown,
}

#[derive(Clone)]
pub struct TenantResolver {
    pool: PgPool,
    base_domain: Arc<str>,
    cache: Cache<String, Option<Arc<Tenant>>>,
}

impl TenantResolver {
    /// `pool` is the application role's pool: the `tenants` registry is readable without a
    /// tenant context, and nothing else is.
    pub fn new(pool: PgPool, base_domain: &str) -> Self {
        let cache = Cache::builder()
            .max_capacity(CACHE_CAPACITY)
            .time_to_live(CACHE_TTL)
            .build();
        TenantResolver {
            pool,
            base_domain: base_domain.into(),
            cache,
        }
    }

    pub fn base_domain(&self) -> &str {
        &self.base_domain
    }

    /// Resolves a normalised host name (see [`super::host::normalize_host`]).
    pub async fn resolve(&self, host: &str) -> Result<Resolution, sqlx::Error> {
        let found = crate::caching::get_or_load(&self.cache, "tenants", host, || async {
            let lookup = self.lookup_for(host);
            fetch(&self.pool, &lookup).await.map(|t| t.map(Arc::new))
        })
        .await?;
        Ok(match found {
            Some(tenant) => Resolution::Found(tenant),
            None => Resolution::Unknown,
        })
    }

    fn lookup_for(&self, host: &str) -> Lookup {
        let base = &*self.base_domain;
        if host == base || host.strip_prefix("www.") == Some(base) {
            return Lookup::National;
        }
        if let Some(label) = host.strip_suffix(base).and_then(|h| h.strip_suffix('.'))
            && !label.contains('.')
        {
            return Lookup::Slug(label.to_owned());
        }
        Lookup::CustomDomain(host.to_owned())
    }

    /// Empties the cache: every host is looked up again on its next request.
    pub fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }
}

enum Lookup {
    National,
    Slug(String),
    CustomDomain(String),
}

/// One SELECT list for the three lookups (a macro, so each query stays a literal string).
macro_rules! select_tenant {
    ($where:literal) => {
        concat!(
            "SELECT id, slug, kind, name, departements, status, logo_url, primary_color, secondary_color, staff_email_domains, ",
            "welcome_text, (extract(epoch from updated_at) * 1000)::bigint AS version FROM tenants WHERE ",
            $where
        )
    };
}

/// A cache miss (the span is here rather than on every request's `resolve`).
#[tracing::instrument(name = "tenant_lookup", skip_all, level = "debug")]
async fn fetch(pool: &PgPool, lookup: &Lookup) -> Result<Option<Tenant>, sqlx::Error> {
    let row = match lookup {
        Lookup::National => {
            sqlx::query(select_tenant!("kind = 'national'"))
                .fetch_optional(pool)
                .await?
        }
        Lookup::Slug(slug) => {
            sqlx::query(select_tenant!("kind = 'local' AND slug = $1"))
                .bind(slug)
                .fetch_optional(pool)
                .await?
        }
        Lookup::CustomDomain(domain) => {
            sqlx::query(select_tenant!("custom_domains @> ARRAY[$1]::text[]"))
                .bind(domain)
                .fetch_optional(pool)
                .await?
        }
    };
    row.map(|r| tenant_from_row(&r)).transpose()
}

fn tenant_from_row(row: &sqlx::postgres::PgRow) -> Result<Tenant, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    Ok(Tenant {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        kind: TenantKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("tenant kind {kind}").into()))?,
        name: row.try_get("name")?,
        departements: row.try_get("departements")?,
        status: TenantStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("tenant status {status}").into()))?,
        branding: Branding {
            logo_url: row.try_get("logo_url")?,
            primary_color: row.try_get("primary_color")?,
            secondary_color: row.try_get("secondary_color")?,
            welcome_text: row.try_get("welcome_text")?,
        },
        version: row.try_get("version")?,
        staff_email_domains: row.try_get("staff_email_domains")?,
    })
}
