//! [`TenantId`]: the id of a space, as a type that may open a tenant transaction.
//!
//! A `Uuid` that came with a request (a path, a form, a header) must never choose the space a
//! transaction runs in: only resolution does (the request's host, then its [`Tenant`]). So a
//! `TenantId` has no public constructor from a `Uuid`. It comes from:
//! - a resolved space: [`Tenant::tenant_id`];
//! - the list of spaces: [`super::TenantDb::list_tenants`];
//! - a row the database returns (it decodes as a column): a space's id read in a query, such
//!   as a campaign's owner or the space of an outbox row.
//!
//! Never from text a client sent.

use std::fmt;

use uuid::Uuid;

use super::Tenant;

/// A space's id that may open a tenant transaction (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type, serde::Serialize)]
#[sqlx(transparent)]
pub struct TenantId(Uuid);

impl TenantId {
    /// The id as a plain `Uuid`, to bind in a query or show.
    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl TenantId {
    /// A space id that the database handed over in a form sqlx does not decode (a NOTIFY
    /// payload that a trigger wrote). Never for an id that came with a request.
    pub(crate) fn from_database(id: Uuid) -> TenantId {
        TenantId(id)
    }
}

impl From<TenantId> for Uuid {
    fn from(id: TenantId) -> Uuid {
        id.0
    }
}

impl PartialEq<Uuid> for TenantId {
    fn eq(&self, other: &Uuid) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Tenant {
    /// This resolved space's id, which may open its transactions.
    pub fn tenant_id(&self) -> TenantId {
        TenantId(self.id)
    }
}
