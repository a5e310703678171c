//! The team in the console: the space's operators and their pending invitations, inviting one,
//! and the staff list (agents admitted to internal campaigns).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::accounts::EmailAddress;
use crate::accounts::session::SessionCache;
use crate::error::PageError;
use crate::mail::{OutgoingMail, queue};
use crate::operators::{Role, invitations, queries as operators};
use crate::tenancy::{Tenant, TenantKind, TenantTx};
use crate::web::Ground;
use crate::web::console::Operator;
use crate::web::console::{ConsoleOf, right};
use crate::web::console::{NoticeQuery, notice, render_console};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Serialize)]
struct PendingInvitation {
    id: uuid::Uuid,
    email: String,
    role: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize)]
struct RoleOption {
    value: &'static str,
    label: String,
}

#[derive(Serialize, Default)]
pub(super) struct TeamErrors {
    pub(super) invite: Option<String>,
    /// A refused withdrawal of the national admin role (the last one).
    pub(super) national_admins: Option<String>,
    staff: Vec<String>,
    /// What was typed in a refused form, shown again in it: the invitation's address and
    /// role, the staff addresses that were not taken (one per line).
    kept_email: String,
    kept_role: String,
    kept_staff: String,
}

/// The roles one may invite to this space.
fn invitable_roles(page: &Page, operator: &Operator) -> Vec<RoleOption> {
    let mut roles: Vec<Role> = Role::LOCAL.to_vec();
    if page.tenant.kind == TenantKind::National && operator.national_admin {
        roles.insert(0, Role::NationalAdmin);
    }
    roles
        .into_iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label: page.text(&format!("console.roles.{}", r.as_str())),
        })
        .collect()
}

/// `GET /admin/equipe`.
pub async fn team(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    render_team(
        &state,
        &page,
        &operator,
        notice(&page, &query),
        TeamErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn render_team(
    state: &Ground,
    page: &Page,
    operator: &Operator,
    notice: Option<String>,
    errors: TeamErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let members: Vec<_> = operators::list_here(&mut tx)
        .await?
        .into_iter()
        .map(|o| {
            let role = o.role.map(|r| page.text(&format!("console.roles.{}", r.as_str())));
            serde_json::json!({
                "id": o.id,
                "name": o.name,
                "email": o.email,
                "role": role,
                "role_value": o.role.map(|r| r.as_str()),
                "is_self": o.id == operator.id,
            })
        })
        .collect();
    let invitations: Vec<PendingInvitation> =
        sqlx::query_as::<_, (uuid::Uuid, String, String, chrono::DateTime<chrono::Utc>)>(
            "SELECT id, email, role, expires_at FROM operator_invitations
          WHERE tenant_id = $1 AND accepted_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 100",
        )
        .bind(tx.tenant_id())
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(id, email, role, expires_at)| PendingInvitation {
            id,
            email,
            role: page.text(&format!("console.roles.{role}")),
            expires_at,
        })
        .collect();
    let staff: Vec<String> =
        sqlx::query_scalar("SELECT email FROM staff_members WHERE tenant_id = $1 ORDER BY email LIMIT 1000")
            .bind(tx.tenant_id())
            .fetch_all(&mut *tx)
            .await?;
    // On the national space, its national admins (for national admins to manage).
    let national_admins = if page.tenant.kind == TenantKind::National && operator.national_admin {
        super::national_admins::list(&mut tx, operator.id).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        members: Vec<serde_json::Value>,
        national_admins: Vec<super::national_admins::NationalAdmin>,
        invitations: Vec<PendingInvitation>,
        /// The roles a member of the team may be given here.
        local_roles: Vec<RoleOption>,
        staff: Vec<String>,
        staff_domains: String,
        roles: Vec<RoleOption>,
        notice: Option<String>,
        errors: TeamErrors,
    }
    let local_roles = Role::LOCAL
        .iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label: page.text(&format!("console.roles.{}", r.as_str())),
        })
        .collect();
    let view = View {
        members,
        national_admins,
        invitations,
        local_roles,
        staff,
        staff_domains: page.tenant.staff_email_domains.join(", "),
        roles: invitable_roles(page, operator),
        notice,
        errors,
    };
    render_console(page, operator, "console_team.html", "/admin/equipe", view, status)
}

/// Queues the invitation mail to operate `space`, in the transaction that records it.
pub async fn send_operator_invitation(
    tx: &mut TenantTx,
    space: &Tenant,
    space_base_url: &str,
    email: &str,
    role: Role,
    by: &crate::operators::Operator,
) -> Result<(), sqlx::Error> {
    let token = invitations::invite(tx, email, role, Some(by.id)).await?;
    let link = format!("{space_base_url}/admin/invitation/{token}");
    // The invited person's language, if their address has an account; else French (the
    // inviter's language is not theirs).
    let lang = crate::mail::recipient_lang(tx, email).await?;
    let text = lang
        .text("console.invitation_mail_body")
        .replace("{inviter}", &by.name)
        .replace("{space}", &space.name)
        .replace("{role}", &lang.text(&format!("console.roles.{}", role.as_str())))
        .replace("{link}", &link)
        .replace("{days}", &invitations::VALID_DAYS.to_string());
    let subject = lang
        .text("console.invitation_mail_subject")
        .replace("{space}", &space.name);
    queue(
        tx,
        &OutgoingMail {
            to: email.to_owned(),
            subject,
            text,
            lang,
        },
    )
    .await?;
    crate::audit::record(
        tx,
        by,
        crate::audit::AuditAction::TEAM_INVITE_OPERATOR,
        email,
        serde_json::json!({ "role": role.as_str() }),
    )
    .await
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
}

/// `POST /admin/equipe/invitations`.
pub async fn invite_operator(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, PageError> {
    let role = Role::parse(&form.role)
        .filter(|r| invitable_roles(&page, &operator).iter().any(|o| o.value == r.as_str()))
        .ok_or(PageError::BadRequest)?;
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(_) => {
            let errors = TeamErrors {
                invite: Some(page.text("validation.email")),
                kept_email: form.email,
                kept_role: form.role,
                ..Default::default()
            };
            return render_team(&state, &page, &operator, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let base = page.origin.base_url();
    send_operator_invitation(&mut tx, &page.tenant, &base, email.as_str(), role, &operator.0).await?;
    tx.commit().await?;
    see_other("/admin/equipe?fait=invitation")
}

#[derive(Deserialize)]
pub struct StaffForm {
    emails: String,
}

/// `POST /admin/equipe/agents`: adds addresses (one per line, or separated by commas or
/// semicolons) to the staff list. Valid lines are taken; invalid ones are listed by line.
pub async fn add_staff(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    CsrfForm(form): CsrfForm<StaffForm>,
) -> Result<Response, PageError> {
    let mut valid = Vec::new();
    let mut problems = Vec::new();
    let mut refused = Vec::new();
    for (n, line) in form.emails.lines().enumerate() {
        for item in line.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
            match EmailAddress::parse(item) {
                Ok(email) => valid.push(email.as_str().to_owned()),
                Err(_) => {
                    problems.push(
                        page.text("console.staff_bad_line")
                            .replace("{line}", &(n + 1).to_string())
                            .replace("{value}", item),
                    );
                    refused.push(item.to_owned());
                }
            }
        }
    }
    valid.sort();
    valid.dedup();
    let mut tx = state.db.begin(&page.tenant).await?;
    let added: Vec<String> = sqlx::query_scalar(
        "INSERT INTO staff_members (tenant_id, email, invited_by) SELECT $1, e, $3 FROM unnest($2::text[]) AS e
         ON CONFLICT DO NOTHING RETURNING email",
    )
    .bind(tx.tenant_id())
    .bind(&valid)
    .bind(operator.0.id)
    .fetch_all(&mut *tx)
    .await?;
    // Each new member is told, in the same transaction (the outbox).
    let home = page.origin.base_url();
    for email in &added {
        let lang = crate::mail::recipient_lang(&mut tx, email).await?;
        let text = lang
            .text("console.staff_mail_body")
            .replace("{space}", &page.tenant.name)
            .replace("{link}", &home);
        let subject = lang
            .text("console.staff_mail_subject")
            .replace("{space}", &page.tenant.name);
        queue(
            &mut tx,
            &OutgoingMail {
                to: email.clone(),
                subject,
                text,
                lang,
            },
        )
        .await?;
    }
    let added = added.len();
    if added > 0 {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_ADD_STAFF,
            "",
            serde_json::json!({ "added": added }),
        )
        .await?;
    }
    tx.commit().await?;
    sessions.forget_all();
    if problems.is_empty() {
        return see_other("/admin/equipe?fait=agents");
    }
    let notice = Some(page.lang.count_text("console.staff_added", added as i64));
    let errors = TeamErrors {
        staff: problems,
        // The addresses taken are stored; the refused ones come back to be corrected.
        kept_staff: refused.join("\n"),
        ..Default::default()
    };
    render_team(
        &state,
        &page,
        &operator,
        notice,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize)]
pub struct RemoveStaffForm {
    email: String,
}

/// `POST /admin/equipe/agents/retrait`.
pub async fn remove_staff(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    CsrfForm(form): CsrfForm<RemoveStaffForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let removed = sqlx::query("DELETE FROM staff_members WHERE tenant_id = $1 AND email = $2")
        .bind(tx.tenant_id())
        .bind(form.email.trim().to_lowercase())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed > 0 {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_REMOVE_STAFF,
            form.email.trim(),
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    sessions.forget_all();
    see_other("/admin/equipe?fait=retrait")
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::accounts::session::SessionCache: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/equipe", get(team))
        .route("/admin/equipe/invitations", post(invite_operator))
        .route("/admin/equipe/agents", post(add_staff))
        .route("/admin/equipe/agents/retrait", post(remove_staff))
}
