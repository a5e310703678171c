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
use sqlx::PgPool;
use uuid::Uuid;

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

/// A cache miss (the span is here rather than on every request's `resolve`).
#[tracing::instrument(name = "tenant_lookup", skip_all, level = "debug")]
async fn fetch(pool: &PgPool, lookup: &Lookup) -> Result<Option<Tenant>, sqlx::Error> {
    // The same SELECT list three times: the macros check each query as one literal.
    let row = match lookup {
        Lookup::National => {
            sqlx::query_as!(
                TenantRow,
                r#"SELECT id, slug, kind, name, departements, status, logo_url, primary_color, secondary_color, staff_email_domains,
                    welcome_text, (extract(epoch from updated_at) * 1000)::bigint AS "version!" FROM tenants WHERE kind = 'national'"#
            )
            .fetch_optional(pool)
            .await?
        }
        Lookup::Slug(slug) => {
            sqlx::query_as!(
                TenantRow,
                r#"SELECT id, slug, kind, name, departements, status, logo_url, primary_color, secondary_color, staff_email_domains,
                    welcome_text, (extract(epoch from updated_at) * 1000)::bigint AS "version!" FROM tenants WHERE kind = 'local' AND slug = $1"#,
                slug,
            )
            .fetch_optional(pool)
            .await?
        }
        Lookup::CustomDomain(domain) => {
            sqlx::query_as!(
                TenantRow,
                r#"SELECT id, slug, kind, name, departements, status, logo_url, primary_color, secondary_color, staff_email_domains,
                    welcome_text, (extract(epoch from updated_at) * 1000)::bigint AS "version!" FROM tenants WHERE custom_domains @> ARRAY[$1]::text[]"#,
                domain,
            )
            .fetch_optional(pool)
            .await?
        }
    };
    row.map(TenantRow::into_tenant).transpose()
}

/// A `tenants` row as resolution reads it.
#[derive(sqlx::FromRow)]
struct TenantRow {
    id: Uuid,
    slug: String,
    kind: String,
    name: String,
    departements: Vec<String>,
    status: String,
    logo_url: Option<String>,
    primary_color: String,
    secondary_color: String,
    staff_email_domains: Vec<String>,
    welcome_text: String,
    version: i64,
}

impl TenantRow {
    fn into_tenant(self) -> Result<Tenant, sqlx::Error> {
        let (kind, status) = (self.kind, self.status);
        Ok(Tenant {
            id: self.id,
            slug: self.slug,
            kind: TenantKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("tenant kind {kind}").into()))?,
            name: self.name,
            departements: self.departements,
            status: TenantStatus::parse(&status)
                .ok_or_else(|| sqlx::Error::Decode(format!("tenant status {status}").into()))?,
            branding: Branding {
                logo_url: self.logo_url,
                primary_color: self.primary_color,
                secondary_color: self.secondary_color,
                welcome_text: self.welcome_text,
            },
            version: self.version,
            staff_email_domains: self.staff_email_domains,
        })
    }
}
