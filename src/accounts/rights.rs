//! A person's rights over their data: see and download it, change their pseudonym, delete
//! their account (keeping their contributions as "Anonyme", or withdrawing them too).
//!
//! Contributions live in every space where they were made, under RLS. These operations visit
//! each space in its own tenant-scoped transaction and touch only the person's own rows, so
//! they never need a connection that bypasses isolation.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::Account;
use crate::tenancy::{TenantDb, TenantId};

/// Validates a pseudonym: 2 to 40 characters, no e-mail address, no control characters.
pub fn parse_pseudonym(input: &str) -> Result<String, &'static str> {
    let p = input.trim();
    let n = p.chars().count();
    if n == 0 {
        Err("validation.required")
    } else if n < 2 {
        Err("validation.too_short")
    } else if n > 40 {
        Err("validation.too_long")
    } else if p.contains('@') || p.chars().any(char::is_control) {
        Err("account.pseudonym_invalid")
    } else {
        Ok(p.to_owned())
    }
}

/// Everything the platform holds about one person.
#[derive(Debug, Serialize)]
pub struct MyData {
    pub account: Account,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Per space where something was found: its slug and the rows.
    pub spaces: Vec<SpaceData>,
}

#[derive(Debug, Serialize)]
pub struct SpaceData {
    pub space: String,
    pub ideas: Vec<Value>,
    pub comments: Vec<Value>,
    pub likes: Vec<Value>,
    pub reports: Vec<Value>,
    pub survey_responses: Vec<Value>,
}

async fn tenants(db: &TenantDb) -> Result<Vec<(TenantId, String)>, sqlx::Error> {
    db.list_tenants().await
}

/// Collects the person's rows from every space.
pub async fn export_my_data(db: &TenantDb, account: &Account) -> Result<MyData, sqlx::Error> {
    let mut spaces = Vec::new();
    let mut created_at = chrono::Utc::now();
    for (tenant, slug) in tenants(db).await? {
        let mut tx = db.begin_in(tenant).await?;
        // Only the spaces linked to the account see it (RLS); any of them gives the date.
        if let Some(at) = sqlx::query_scalar!("SELECT created_at FROM accounts WHERE id = $1", account.id,)
            .fetch_optional(&mut *tx)
            .await?
        {
            created_at = at;
        }
        let data = SpaceData {
            space: slug,
            // Each row of the person's, as a JSON value (`!`: a row's JSON is never NULL).
            ideas: sqlx::query_scalar!(
                r#"SELECT to_jsonb(i) - 'submission_key' AS "row!" FROM ideas i WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
                tenant.uuid(),
                account.id,
            )
            .fetch_all(&mut *tx)
            .await?,
            comments: sqlx::query_scalar!(
                r#"SELECT to_jsonb(c) - 'submission_key' AS "row!" FROM idea_comments c WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
                tenant.uuid(),
                account.id,
            )
            .fetch_all(&mut *tx)
            .await?,
            likes: sqlx::query_scalar!(
                r#"SELECT to_jsonb(l) AS "row!" FROM idea_likes l WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
                tenant.uuid(),
                account.id,
            )
            .fetch_all(&mut *tx)
            .await?,
            reports: sqlx::query_scalar!(
                r#"SELECT to_jsonb(r) AS "row!" FROM content_reports r WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
                tenant.uuid(),
                account.id,
            )
            .fetch_all(&mut *tx)
            .await?,
            survey_responses: sqlx::query_scalar!(
                r#"SELECT jsonb_build_object('campaign_id', r.campaign_id, 'version', r.version, 'submitted_at', r.submitted_at,
                        'answers', (SELECT jsonb_object_agg(a.question_id, a.value) FROM survey_answers a
                                     WHERE a.tenant_id = r.tenant_id AND a.response_id = r.id)) AS "row!"
                   FROM survey_responses r WHERE r.tenant_id = $1 AND r.account_id = $2 ORDER BY r.submitted_at"#,
                tenant.uuid(),
                account.id,
            )
            .fetch_all(&mut *tx)
            .await?,
        };
        tx.commit().await?;
        let empty = data.ideas.is_empty()
            && data.comments.is_empty()
            && data.likes.is_empty()
            && data.reports.is_empty()
            && data.survey_responses.is_empty();
        if !empty {
            spaces.push(data);
        }
    }
    Ok(MyData {
        account: account.clone(),
        created_at,
        spaces,
    })
}

/// What happens to contributions when an account is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contributions {
    /// They stay, shown as "Anonyme".
    KeepAnonymous,
    /// Their texts are withdrawn (replaced by a notice, hidden), likes and survey answers removed.
    Withdraw,
}

/// Deletes the account (sessions with it). With [`Contributions::Withdraw`], first withdraws
/// the person's contributions in every space, each in its own tenant-scoped transaction.
pub async fn delete_account(
    db: &TenantDb,
    here: &crate::tenancy::Tenant,
    account: Uuid,
    contributions: Contributions,
) -> Result<(), sqlx::Error> {
    if contributions == Contributions::Withdraw {
        for (tenant, _) in tenants(db).await? {
            let mut tx = db.begin_in(tenant).await?;
            let space = tenant.uuid();
            sqlx::query!(
                "DELETE FROM idea_likes WHERE tenant_id = $1 AND account_id = $2",
                space,
                account,
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "UPDATE ideas SET title = 'Contribution retirée', body = 'Cette contribution a été retirée par son auteur.',
                        theme = NULL, status = 'hidden', hidden_by = 'author', hidden_reason = NULL, hidden_note = NULL
                  WHERE tenant_id = $1 AND account_id = $2",
                space,
                account,
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "UPDATE idea_comments SET body = 'Commentaire retiré par son auteur.', status = 'hidden',
                        hidden_by = 'author', hidden_reason = NULL, hidden_note = NULL
                  WHERE tenant_id = $1 AND account_id = $2",
                space,
                account,
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "DELETE FROM survey_responses WHERE tenant_id = $1 AND account_id = $2",
                space,
                account,
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
    }
    // Foreign keys do the rest: sessions and likes go, contributions keep no account id.
    db.delete_account(here, account).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms() {
        assert_eq!(parse_pseudonym("  Marie G. "), Ok("Marie G.".into()));
        assert_eq!(parse_pseudonym("m"), Err("validation.too_short"));
        assert_eq!(parse_pseudonym("marie@exemple.fr"), Err("account.pseudonym_invalid"));
        assert_eq!(parse_pseudonym(&"x".repeat(41)), Err("validation.too_long"));
    }
}
