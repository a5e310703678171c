//! Following what a campaign holds: the campaign itself (its news, `results::news`) or one of
//! its ideas (its conversation, `ideas::follows`). Both are kept alike: a row in the space of
//! what is followed, with the space the person followed from (a national campaign or idea
//! followed from a local space is a national row that the local space may read and withdraw).

use uuid::Uuid;

use crate::tenancy::TenantTx;

/// What a person follows (in the space `tenant` of the calls below).
#[derive(Debug, Clone, Copy)]
pub enum Followed {
    /// A campaign's news.
    Campaign(Uuid),
    /// An idea's conversation.
    Idea(Uuid),
}

impl Followed {
    /// The table of such follows, the column of what is followed, and its id. The table is one
    /// of two constants: the one part of the statements below that varies.
    fn parts(self) -> (&'static str, &'static str, Uuid) {
        match self {
            Followed::Campaign(id) => ("campaign_followers", "campaign_id", id),
            Followed::Idea(id) => ("idea_follows", "idea_id", id),
        }
    }
}

/// Whether `account` follows `followed` (of space `tenant`), as the space of `tx` may see it.
pub async fn is_following(
    tx: &mut TenantTx,
    tenant: Uuid,
    followed: Followed,
    account: Uuid,
) -> Result<bool, sqlx::Error> {
    let (table, column, id) = followed.parts();
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = $1 AND {column} = $2 AND account_id = $3)"
    )))
    .bind(tenant)
    .bind(id)
    .bind(account)
    .fetch_one(&mut **tx)
    .await
}

/// Starts or stops following `followed` (of space `tenant`) from the space of `tx`. Twice is
/// once.
pub async fn set_following(
    tx: &mut TenantTx,
    tenant: Uuid,
    followed: Followed,
    account: Uuid,
    follow: bool,
) -> Result<(), sqlx::Error> {
    let (table, column, id) = followed.parts();
    let origin = tx.tenant_id();
    let query = if follow {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} (tenant_id, {column}, account_id, origin_tenant_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        )))
        .bind(tenant)
        .bind(id)
        .bind(account)
        .bind(origin)
    } else {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE tenant_id = $1 AND {column} = $2 AND account_id = $3"
        )))
        .bind(tenant)
        .bind(id)
        .bind(account)
    };
    query.execute(&mut **tx).await?;
    Ok(())
}
