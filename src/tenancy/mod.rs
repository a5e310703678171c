//! Multi-tenancy: which space a request is for, and the tenant-scoped database access that
//! every handler must go through.
//!
//! - [`host`]: the request's host, believing forwarded headers only from trusted proxies;
//! - [`resolve`]: host → [`Tenant`], through a moka cache kept coherent across instances by
//!   PostgreSQL `LISTEN/NOTIFY`;
//! - [`current`]: the request's space as an extractor (the layer that resolves it is `web::spaces`);
//! - [`scoped`]: [`TenantDb`] hands out transactions with `app.tenant_id` set, never the pool;
//! - the forced-RLS rule itself is checked by [`crate::db::rls`];
//! - [`files`] and [`sync`]: the declarative `tenants/` folder and `ecoute tenants sync`.

pub mod api;
pub mod branding;
pub mod current;
pub mod files;
pub mod host;
pub mod id;
pub mod resolve;
pub mod scoped;
pub mod sync;

use serde::Serialize;
use uuid::Uuid;

pub use current::CurrentTenant;
pub use id::TenantId;
pub use resolve::TenantResolver;
pub use scoped::{TenantDb, TenantTx};

/// National space (the Cnaf) or a local Caf module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TenantKind {
    National,
    Local,
}

impl TenantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantKind::National => "national",
            TenantKind::Local => "local",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "national" => Some(TenantKind::National),
            "local" => Some(TenantKind::Local),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(TenantStatus::Active),
            "suspended" => Some(TenantStatus::Suspended),
            _ => None,
        }
    }
}

/// A space's look: shown through CSS custom properties, so colours are validated hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Branding {
    pub logo_url: Option<String>,
    pub primary_color: String,
    pub secondary_color: String,
    pub welcome_text: String,
}

/// A resolved space, as the web layer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub kind: TenantKind,
    pub name: String,
    pub departements: Vec<String>,
    pub status: TenantStatus,
    pub branding: Branding,
    /// Changes whenever the row changes: used to version the per-tenant stylesheet URL.
    pub version: i64,
    /// E-mail domains whose addresses count as this space's staff (for staff-only campaigns).
    #[serde(skip)]
    pub staff_email_domains: Vec<String>,
}

impl Tenant {
    pub fn is_national(&self) -> bool {
        self.kind == TenantKind::National
    }

    /// Whether an address belongs to this space's staff: its domain is one of the staff domains
    /// (exactly, or a subdomain of one).
    pub fn is_staff_email(&self, email: &str) -> bool {
        let Some((_, domain)) = email.rsplit_once('@') else {
            return false;
        };
        let domain = domain.to_ascii_lowercase();
        self.staff_email_domains
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
    }
}

/// A tenant slug: lowercase letters, digits and inner hyphens, 1 to 63 characters, so it is a
/// valid DNS label (`<slug>.<base domain>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(TenantSlug(s.to_owned()))
        } else {
            Err(format!(
                "invalid slug {s:?}: use a-z, 0-9 and inner hyphens, at most 63 characters"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_dns_labels() {
        assert!(TenantSlug::parse("haute-garonne").is_ok());
        assert!(TenantSlug::parse("974").is_ok());
        for bad in ["", "-aude", "aude-", "Aude", "a.b", "é", &"a".repeat(64)] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
