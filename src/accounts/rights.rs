//! A person's rights over their data: see and download it, change their pseudonym, delete
//! their account (keeping their contributions as "Anonyme", or withdrawing them too).
//!
//! Contributions live in every space where they were made, under RLS. These operations visit
//! each space in its own tenant-scoped transaction and touch only the person's own rows, so
//! they never need a connection that bypasses isolation.

use uuid::Uuid;

use crate::tenancy::{TenantDb, TenantId, TenantTx};

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

async fn tenants(db: &TenantDb) -> Result<Vec<(TenantId, String)>, sqlx::Error> {
    db.list_tenants().await
}

pub use super::my_data::{MyData, SpaceData, export_my_data};

/// What happens to contributions when an account is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contributions {
    /// They stay, shown as "Anonyme".
    KeepAnonymous,
    /// Their texts are withdrawn (replaced by a notice, hidden), likes and survey answers removed.
    Withdraw,
}

/// Deletes the account (sessions with it), and every row that holds its address: sign-in
/// requests, the mail sent to it, its unsubscription, invitation and staff lists, in every
/// space (the page says the address is erased; `tests/integration/privacy` searches every
/// table for it afterwards). With [`Contributions::Withdraw`], first withdraws the person's
/// contributions in every space, each in its own tenant-scoped transaction.
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
            // The earlier texts of what they wrote go with it (moderators kept them for review).
            sqlx::query!(
                "DELETE FROM contribution_versions v
                  WHERE v.tenant_id = $1
                    AND ((v.comment_id IS NULL
                          AND v.idea_id IN (SELECT id FROM ideas WHERE tenant_id = $1 AND account_id = $2))
                      OR v.comment_id IN (SELECT id FROM idea_comments WHERE tenant_id = $1 AND account_id = $2))",
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
    let mut tx = db.begin(here).await?;
    let address = sqlx::query_scalar!("SELECT email FROM accounts WHERE id = $1", account)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    tx.commit().await?;
    if let Some(address) = address.map(|a| a.to_lowercase()) {
        for (tenant, _) in tenants(db).await? {
            let mut tx = db.begin_in(tenant).await?;
            erase_address(&mut tx, &address).await?;
            tx.commit().await?;
        }
    }
    // Foreign keys do the rest: sessions, likes, follows and workshop applications go,
    // contributions keep no account id.
    db.delete_account(here, account).await.map(|_| ())
}

/// Erases, in the space of `tx`, every row that holds `address` (lowercase).
async fn erase_address(tx: &mut TenantTx, address: &str) -> Result<(), sqlx::Error> {
    let space = tx.tenant_id();
    sqlx::query!(
        "DELETE FROM sign_in_tokens WHERE tenant_id = $1 AND email = $2",
        space,
        address
    )
    .execute(&mut **tx)
    .await?;
    // Their attempts go with them (ON DELETE CASCADE).
    sqlx::query!(
        "DELETE FROM mail_outbox WHERE tenant_id = $1 AND to_address = $2",
        space,
        address
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "DELETE FROM mail_recipients WHERE tenant_id = $1 AND address = $2",
        space,
        address
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "DELETE FROM mail_suppressions WHERE tenant_id = $1 AND address = $2",
        space,
        address
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "DELETE FROM campaign_invitations WHERE tenant_id = $1 AND address = $2",
        space,
        address
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "DELETE FROM invitation_batch_lines WHERE tenant_id = $1 AND (address = $2 OR strpos(lower(value), $2) > 0)",
        space,
        address
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "DELETE FROM staff_members WHERE tenant_id = $1 AND email = $2",
        space,
        address
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
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
