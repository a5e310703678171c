//! "Mes données": everything the platform keeps about one person, from every space, as JSON.
//!
//! Two kinds of rows are the person's: those naming their account (contributions, likes,
//! reports, survey answers, follows, workshop applications, sessions, the spaces it is linked
//! to) and those naming their address (sign-in requests, the mail sent to them, their
//! unsubscription, invitation lists and staff lists that hold it). Each key of a space's entry
//! is named after the table it comes from (`comments`, `likes` and `reports` kept their
//! earlier names), so `tests/integration/privacy` can check that every table referencing
//! accounts is here. Secrets (token hashes, unsubscribe tokens) are left out.

use serde::Serialize;
use serde_json::Value;

use super::Account;
use crate::tenancy::{TenantDb, TenantTx};

/// Everything the platform holds about one person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyData {
    pub account: Account,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The language their mail is written in (`fr`, `en`): that of the pages they last used.
    pub lang: String,
    /// Whether replies to what they wrote are told by mail.
    pub reply_mail: bool,
    /// Per space where something was found: its slug and the rows.
    pub spaces: Vec<SpaceData>,
}

/// The person's rows in one space, by table (each row as the table holds it, less secrets).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct SpaceData {
    pub space: String,
    pub account_spaces: Vec<Value>,
    pub sessions: Vec<Value>,
    pub ideas: Vec<Value>,
    pub comments: Vec<Value>,
    pub likes: Vec<Value>,
    pub reports: Vec<Value>,
    pub survey_responses: Vec<Value>,
    pub campaign_followers: Vec<Value>,
    /// Identities verified by FranceConnect or ProConnect, linked to the account.
    pub oidc_identities: Vec<Value>,
    pub idea_follows: Vec<Value>,
    pub idea_mail_sent: Vec<Value>,
    /// Earlier texts of the person's ideas and comments, kept when they edited them.
    pub contribution_versions: Vec<Value>,
    pub news_notifications: Vec<Value>,
    pub workshop_applications: Vec<Value>,
    pub sign_in_tokens: Vec<Value>,
    pub mail_outbox: Vec<Value>,
    pub mail_recipients: Vec<Value>,
    pub mail_suppressions: Vec<Value>,
    pub campaign_invitations: Vec<Value>,
    pub invitation_batch_lines: Vec<Value>,
    pub staff_members: Vec<Value>,
}

impl SpaceData {
    fn is_empty(&self) -> bool {
        [
            &self.account_spaces,
            &self.sessions,
            &self.ideas,
            &self.comments,
            &self.likes,
            &self.reports,
            &self.survey_responses,
            &self.campaign_followers,
            &self.oidc_identities,
            &self.idea_follows,
            &self.idea_mail_sent,
            &self.contribution_versions,
            &self.news_notifications,
            &self.workshop_applications,
            &self.sign_in_tokens,
            &self.mail_outbox,
            &self.mail_recipients,
            &self.mail_suppressions,
            &self.campaign_invitations,
            &self.invitation_batch_lines,
            &self.staff_members,
        ]
        .iter()
        .all(|rows| rows.is_empty())
    }
}

/// Collects the person's rows from every space, each in its own tenant-scoped transaction.
pub async fn export_my_data(db: &TenantDb, account: &Account) -> Result<MyData, sqlx::Error> {
    let mut spaces = Vec::new();
    let mut created_at = chrono::Utc::now();
    let (mut lang, mut reply_mail) = (account.lang.code().to_owned(), true);
    for (tenant, slug) in db.list_tenants().await? {
        let mut tx = db.begin_in(tenant).await?;
        // Only the spaces linked to the account see it (RLS); any of them gives its columns.
        if let Some(row) = sqlx::query!(
            "SELECT created_at, lang, reply_mail FROM accounts WHERE id = $1",
            account.id
        )
        .fetch_optional(&mut *tx)
        .await?
        {
            (created_at, lang, reply_mail) = (row.created_at, row.lang, row.reply_mail);
        }
        let mut data = SpaceData {
            space: slug,
            ..SpaceData::default()
        };
        by_account(&mut tx, account, &mut data).await?;
        by_address(&mut tx, &account.email.to_lowercase(), &mut data).await?;
        tx.commit().await?;
        if !data.is_empty() {
            spaces.push(data);
        }
    }
    Ok(MyData {
        account: account.clone(),
        created_at,
        lang,
        reply_mail,
        spaces,
    })
}

/// The rows naming the account (`!`: a row's JSON is never NULL).
async fn by_account(tx: &mut TenantTx, account: &Account, data: &mut SpaceData) -> Result<(), sqlx::Error> {
    let (space, id) = (tx.tenant_id(), account.id);
    data.account_spaces = sqlx::query_scalar!(
        r#"SELECT to_jsonb(l) - 'tenant_id' - 'account_id' AS "row!" FROM account_spaces l WHERE tenant_id = $1 AND account_id = $2"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.sessions = sqlx::query_scalar!(
        r#"SELECT jsonb_build_object('created_at', created_at, 'expires_at', expires_at, 'provider', oidc_provider) AS "row!"
             FROM sessions WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.ideas = sqlx::query_scalar!(
        r#"SELECT to_jsonb(i) - 'submission_key' AS "row!" FROM ideas i WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.comments = sqlx::query_scalar!(
        r#"SELECT to_jsonb(c) - 'submission_key' AS "row!" FROM idea_comments c WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.likes = sqlx::query_scalar!(
        r#"SELECT to_jsonb(l) AS "row!" FROM idea_likes l WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.reports = sqlx::query_scalar!(
        r#"SELECT to_jsonb(r) AS "row!" FROM content_reports r WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.survey_responses = sqlx::query_scalar!(
        r#"SELECT jsonb_build_object('campaign_id', r.campaign_id, 'version', r.version, 'submitted_at', r.submitted_at,
                'answers', (SELECT jsonb_object_agg(a.question_id, a.value) FROM survey_answers a
                             WHERE a.tenant_id = r.tenant_id AND a.response_id = r.id)) AS "row!"
           FROM survey_responses r WHERE r.tenant_id = $1 AND r.account_id = $2 ORDER BY r.submitted_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.campaign_followers = sqlx::query_scalar!(
        r#"SELECT to_jsonb(f) - 'unsubscribe_token' AS "row!" FROM campaign_followers f
            WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    identities_and_conversations(tx, account, data).await?;
    data.news_notifications = sqlx::query_scalar!(
        r#"SELECT to_jsonb(n) AS "row!" FROM news_notifications n WHERE tenant_id = $1 AND account_id = $2 ORDER BY queued_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.workshop_applications = sqlx::query_scalar!(
        r#"SELECT to_jsonb(w) AS "row!" FROM workshop_applications w WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}

/// The rows the sign-in providers and the conversations added: verified identities, idea
/// follows and the mail they sent, the earlier texts of what the person wrote.
async fn identities_and_conversations(
    tx: &mut TenantTx,
    account: &Account,
    data: &mut SpaceData,
) -> Result<(), sqlx::Error> {
    let (space, id) = (tx.tenant_id(), account.id);
    data.oidc_identities = sqlx::query_scalar!(
        r#"SELECT to_jsonb(o) AS "row!" FROM oidc_identities o WHERE tenant_id = $1 AND account_id = $2 ORDER BY verified_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.idea_follows = sqlx::query_scalar!(
        r#"SELECT to_jsonb(f) AS "row!" FROM idea_follows f WHERE tenant_id = $1 AND account_id = $2 ORDER BY idea_id"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.idea_mail_sent = sqlx::query_scalar!(
        r#"SELECT to_jsonb(m) AS "row!" FROM idea_mail_sent m WHERE tenant_id = $1 AND account_id = $2 ORDER BY idea_id"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.contribution_versions = sqlx::query_scalar!(
        r#"SELECT to_jsonb(v) AS "row!" FROM contribution_versions v
            WHERE v.tenant_id = $1
              AND ((v.comment_id IS NULL AND v.idea_id IN (SELECT i.id FROM ideas i WHERE i.tenant_id = $1 AND i.account_id = $2))
                OR v.comment_id IN (SELECT c.id FROM idea_comments c WHERE c.tenant_id = $1 AND c.account_id = $2))
            ORDER BY v.replaced_at"#,
        space,
        id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}

/// The rows naming the address.
async fn by_address(tx: &mut TenantTx, address: &str, data: &mut SpaceData) -> Result<(), sqlx::Error> {
    let space = tx.tenant_id();
    data.sign_in_tokens = sqlx::query_scalar!(
        r#"SELECT to_jsonb(s) - 'token_hash' AS "row!" FROM sign_in_tokens s WHERE tenant_id = $1 AND email = $2 ORDER BY created_at"#,
        space,
        address,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.mail_outbox = sqlx::query_scalar!(
        r#"SELECT jsonb_build_object('kind', kind, 'to', to_address, 'subject', subject, 'text', text_body,
                  'attachment', attachment_name, 'status', status, 'queued_at', created_at, 'sent_at', sent_at) AS "row!"
             FROM mail_outbox WHERE tenant_id = $1 AND to_address = $2 ORDER BY created_at"#,
        space,
        address,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.mail_recipients = sqlx::query_scalar!(
        r#"SELECT to_jsonb(r) - 'unsubscribe_token' AS "row!" FROM mail_recipients r WHERE tenant_id = $1 AND address = $2"#,
        space,
        address,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.mail_suppressions = sqlx::query_scalar!(
        r#"SELECT to_jsonb(s) AS "row!" FROM mail_suppressions s WHERE tenant_id = $1 AND address = $2"#,
        space,
        address,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.campaign_invitations = sqlx::query_scalar!(
        r#"SELECT to_jsonb(i) AS "row!" FROM campaign_invitations i WHERE tenant_id = $1 AND address = $2 ORDER BY invited_at"#,
        space,
        address,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.invitation_batch_lines = sqlx::query_scalar!(
        r#"SELECT jsonb_build_object('batch_id', batch_id, 'line', line, 'value', value, 'outcome', outcome) AS "row!"
             FROM invitation_batch_lines WHERE tenant_id = $1 AND (address = $2 OR strpos(lower(value), $2) > 0)"#,
        space,
        address,
    )
    .fetch_all(&mut **tx)
    .await?;
    data.staff_members = sqlx::query_scalar!(
        r#"SELECT to_jsonb(m) - 'invited_by' AS "row!" FROM staff_members m WHERE tenant_id = $1 AND email = $2"#,
        space,
        address,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}
