//! What every console has, on its own space: the dashboard counts, moderation, the team
//! (operators, invitations, the staff list) and the audit log.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

use crate::accounts::EmailAddress;
use crate::accounts::session::SessionCache;
use crate::error::PageError;
use crate::ideas::snapshot::IdeaSnapshots;
use crate::mail::{OutgoingMail, queue};
use crate::moderation::{Decision, ModerationProblem, Target, moderate};
use crate::operators::{Role, invitations, queries as operators};
use crate::tenancy::{Tenant, TenantKind, TenantTx};
use crate::web::Ground;
use crate::web::console::Action;
use crate::web::console::SignedInOperator;
use crate::web::console::render_console;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub open_reports: i64,
    pub pending: i64,
    pub ideas: i64,
    pub participants: i64,
    pub operators: i64,
    pub staff: i64,
}

/// The dashboard's figures for the current space. One query.
pub async fn counts(tx: &mut TenantTx) -> Result<Counts, sqlx::Error> {
    let r = sqlx::query(
        "SELECT
            (SELECT count(DISTINCT (target_kind, target_id)) FROM content_reports WHERE tenant_id = $1 AND resolved_at IS NULL) AS open_reports,
            (SELECT count(*) FROM ideas WHERE tenant_id = $1 AND status = 'pending')
              + (SELECT count(*) FROM idea_comments WHERE tenant_id = $1 AND status = 'pending') AS pending,
            (SELECT count(*) FROM ideas WHERE tenant_id = $1) AS ideas,
            (SELECT count(DISTINCT account_id) FROM ideas WHERE tenant_id = $1 OR origin_tenant_id = $1) AS participants,
            (SELECT count(*) FROM operator_roles WHERE tenant_id = $1) AS operators,
            (SELECT count(*) FROM staff_members WHERE tenant_id = $1) AS staff",
    )
    .bind(tx.tenant_id())
    .fetch_one(&mut **tx)
    .await?;
    Ok(Counts {
        open_reports: r.try_get("open_reports")?,
        pending: r.try_get("pending")?,
        ideas: r.try_get("ideas")?,
        participants: r.try_get("participants")?,
        operators: r.try_get("operators")?,
        staff: r.try_get("staff")?,
    })
}

/// Content awaiting a decision: reported, or held by pre-moderation; or hidden (to restore).
#[derive(Debug, Serialize)]
pub struct QueueItem {
    pub kind: String,
    pub id: Uuid,
    pub idea_id: Uuid,
    pub campaign_slug: String,
    pub title: String,
    pub excerpt: String,
    pub status: String,
    pub reports: i64,
    pub reasons: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

async fn moderation_items(tx: &mut TenantTx, hidden: bool) -> Result<Vec<QueueItem>, sqlx::Error> {
    let rows = sqlx::query(
        "WITH open AS (
             SELECT target_kind, target_id, count(*) AS n, array_agg(reason ORDER BY created_at) AS reasons
               FROM content_reports WHERE tenant_id = $1 AND resolved_at IS NULL GROUP BY 1, 2
         ), items AS (
             SELECT 'idea' AS kind, i.id, i.id AS idea_id, i.campaign_id, i.title, i.body, i.status, i.created_at
               FROM ideas i WHERE i.tenant_id = $1
                AND (CASE WHEN $2 THEN i.status = 'hidden'
                          ELSE i.status = 'pending' OR EXISTS (SELECT 1 FROM open o WHERE o.target_kind = 'idea' AND o.target_id = i.id) END)
             UNION ALL
             SELECT 'comment', c.id, c.idea_id, i.campaign_id, i.title, c.body, c.status, c.created_at
               FROM idea_comments c JOIN ideas i ON i.tenant_id = c.tenant_id AND i.id = c.idea_id
              WHERE c.tenant_id = $1
                AND (CASE WHEN $2 THEN c.status = 'hidden'
                          ELSE c.status = 'pending' OR EXISTS (SELECT 1 FROM open o WHERE o.target_kind = 'comment' AND o.target_id = c.id) END)
         )
         SELECT it.kind, it.id, it.idea_id, ca.slug AS campaign_slug, it.title, left(it.body, 400) AS excerpt,
                it.status, it.created_at, COALESCE(o.n, 0) AS reports, COALESCE(o.reasons, '{}') AS reasons
           FROM items it
           JOIN campaigns ca ON ca.tenant_id = $1 AND ca.id = it.campaign_id
           LEFT JOIN open o ON o.target_kind = it.kind AND o.target_id = it.id
          ORDER BY COALESCE(o.n, 0) DESC, it.created_at
          LIMIT 200",
    )
    .bind(tx.tenant_id())
    .bind(hidden)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(QueueItem {
                kind: r.try_get("kind")?,
                id: r.try_get("id")?,
                idea_id: r.try_get("idea_id")?,
                campaign_slug: r.try_get("campaign_slug")?,
                title: r.try_get("title")?,
                excerpt: r.try_get("excerpt")?,
                status: r.try_get("status")?,
                reports: r.try_get("reports")?,
                reasons: r.try_get("reasons")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    fait: Option<String>,
}

impl NoticeQuery {
    pub fn from_fait(fait: Option<String>) -> Self {
        NoticeQuery { fait }
    }
}

pub fn notice(page: &Page, query: &NoticeQuery) -> Option<String> {
    query
        .fait
        .as_deref()
        .map(|what| page.text(&format!("console.done.{what}")))
}

/// `GET /admin/moderation`.
pub async fn moderation(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Moderate)?;
    render_moderation(&state, &page, &operator, notice(&page, &query), None, StatusCode::OK).await
}

async fn render_moderation(
    state: &Ground,
    page: &Page,
    operator: &SignedInOperator,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let queue = moderation_items(&mut tx, false).await?;
    let hidden = moderation_items(&mut tx, true).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        queue: Vec<QueueItem>,
        hidden: Vec<QueueItem>,
        notice: Option<String>,
        error: Option<String>,
    }
    let view = View {
        queue,
        hidden,
        notice,
        error,
    };
    render_console(
        page,
        operator,
        "console_moderation.html",
        "/admin/moderation",
        view,
        status,
    )
}

#[derive(Deserialize)]
pub struct DecisionForm {
    kind: String,
    id: Uuid,
    decision: String,
    reason: String,
}

/// `POST /admin/moderation`: hide, restore or approve, with a reason; audited twice (the
/// moderation trail on the content, the console log).
pub async fn decide(
    State(state): State<Ground>,
    State(ideas): State<IdeaSnapshots>,
    page: Page,
    operator: SignedInOperator,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Moderate)?;
    let target = match form.kind.as_str() {
        "idea" => Target::Idea(form.id),
        "comment" => Target::Comment(form.id),
        _ => return Err(PageError::BadRequest),
    };
    let decision = match form.decision.as_str() {
        "hide" => Decision::Hide,
        "restore" => Decision::Restore,
        "approve" => Decision::Approve,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    match moderate(&mut tx, target, decision, &operator.0.email, &form.reason).await? {
        Ok(()) => {
            let campaign: Option<Uuid> = sqlx::query_scalar(
                "SELECT i.campaign_id FROM ideas i WHERE i.tenant_id = $1 AND i.id = COALESCE(
                    (SELECT idea_id FROM idea_comments WHERE tenant_id = $1 AND id = $2), $2)",
            )
            .bind(tx.tenant_id())
            .bind(form.id)
            .fetch_optional(&mut *tx)
            .await?;
            crate::audit::record(
                &mut tx,
                &operator.0,
                &format!("moderation.{}", form.decision),
                &format!("{}:{}", form.kind, form.id),
                serde_json::json!({ "reason": form.reason.trim() }),
            )
            .await?;
            tx.commit().await?;
            if let Some(campaign) = campaign {
                ideas.forget(campaign).await;
            }
            see_other("/admin/moderation?fait=moderation")
        }
        Err(ModerationProblem::NotFound) => Err(PageError::NotFound),
        Err(ModerationProblem::ReasonRequired) => {
            drop(tx);
            let error = Some(page.text("console.reason_required"));
            render_moderation(&state, &page, &operator, None, error, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Serialize)]
struct PendingInvitation {
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
struct TeamErrors {
    invite: Option<String>,
    staff: Vec<String>,
    /// What was typed in a refused form, shown again in it: the invitation's address and
    /// role, the staff addresses that were not taken (one per line).
    kept_email: String,
    kept_role: String,
    kept_staff: String,
}

/// The roles one may invite to this space.
fn invitable_roles(page: &Page, operator: &SignedInOperator) -> Vec<RoleOption> {
    let mut roles: Vec<Role> = Role::LOCAL.to_vec();
    if page.tenant.kind == TenantKind::National && operator.0.national_admin {
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
    operator: SignedInOperator,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::InviteOperators)?;
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

async fn render_team(
    state: &Ground,
    page: &Page,
    operator: &SignedInOperator,
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
            serde_json::json!({ "name": o.name, "email": o.email, "role": role })
        })
        .collect();
    let invitations: Vec<PendingInvitation> = sqlx::query_as::<_, (String, String, chrono::DateTime<chrono::Utc>)>(
        "SELECT email, role, expires_at FROM operator_invitations
          WHERE tenant_id = $1 AND accepted_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 100",
    )
    .bind(tx.tenant_id())
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(email, role, expires_at)| PendingInvitation {
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
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        members: Vec<serde_json::Value>,
        invitations: Vec<PendingInvitation>,
        staff: Vec<String>,
        staff_domains: String,
        roles: Vec<RoleOption>,
        notice: Option<String>,
        errors: TeamErrors,
    }
    let view = View {
        members,
        invitations,
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
    page: &Page,
    space: &Tenant,
    space_base_url: &str,
    email: &str,
    role: Role,
    by: &crate::operators::Operator,
) -> Result<(), sqlx::Error> {
    let token = invitations::invite(tx, email, role, Some(by.id)).await?;
    let link = format!("{space_base_url}/admin/invitation/{token}");
    let text = page
        .text("console.invitation_mail_body")
        .replace("{inviter}", &by.name)
        .replace("{space}", &space.name)
        .replace("{role}", &page.text(&format!("console.roles.{}", role.as_str())))
        .replace("{link}", &link)
        .replace("{days}", &invitations::VALID_DAYS.to_string());
    let subject = page
        .text("console.invitation_mail_subject")
        .replace("{space}", &space.name);
    queue(
        tx,
        &OutgoingMail {
            to: email.to_owned(),
            subject,
            text,
        },
    )
    .await?;
    crate::audit::record(
        tx,
        by,
        "team.invite_operator",
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
    operator: SignedInOperator,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::InviteOperators)?;
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
    send_operator_invitation(&mut tx, &page, &page.tenant, &base, email.as_str(), role, &operator.0).await?;
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
    operator: SignedInOperator,
    CsrfForm(form): CsrfForm<StaffForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::InviteParticipants)?;
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
        let text = page
            .text("console.staff_mail_body")
            .replace("{space}", &page.tenant.name)
            .replace("{link}", &home);
        let subject = page
            .text("console.staff_mail_subject")
            .replace("{space}", &page.tenant.name);
        queue(
            &mut tx,
            &OutgoingMail {
                to: email.clone(),
                subject,
                text,
            },
        )
        .await?;
    }
    let added = added.len();
    if added > 0 {
        crate::audit::record(
            &mut tx,
            &operator.0,
            "team.add_staff",
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
    operator: SignedInOperator,
    CsrfForm(form): CsrfForm<RemoveStaffForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::InviteParticipants)?;
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
            "team.remove_staff",
            form.email.trim(),
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    sessions.forget_all();
    see_other("/admin/equipe?fait=retrait")
}

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<i64>,
}

/// `GET /admin/journal`.
pub async fn audit_log(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ViewAudit)?;
    let page_number = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut tx = state.db.begin(&page.tenant).await?;
    let lines = crate::audit::list(&mut tx, page_number).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        lines: Vec<crate::audit::AuditLine>,
        page_number: i64,
        more: bool,
        notice: Option<String>,
    }
    let more = lines.len() as i64 == crate::audit::PAGE_SIZE;
    let view = View {
        lines,
        page_number,
        more,
        notice: None,
    };
    render_console(
        &page,
        &operator,
        "console_audit.html",
        "/admin/journal",
        view,
        StatusCode::OK,
    )
}

/// A person who took part in this space, pseudonymised: their public pseudonym and a short
/// code derived from their id (stable within the space, useless elsewhere), never their address.
#[derive(Debug, Serialize)]
pub struct Participant {
    pub code: String,
    pub pseudonym: String,
    pub ideas: i64,
    pub comments: i64,
    pub likes: i64,
    pub responses: i64,
    pub last_seen: chrono::DateTime<chrono::Utc>,
}

pub const PARTICIPANTS_PAGE: i64 = 100;

/// People who contributed from this space (their contributions to national campaigns
/// included), most recent activity first.
pub async fn participants(tx: &mut TenantTx, page: i64) -> Result<Vec<Participant>, sqlx::Error> {
    let rows = sqlx::query(
        "WITH activity AS (
             SELECT account_id, 1 AS ideas, 0 AS comments, 0 AS likes, 0 AS responses, created_at AS at FROM ideas
              WHERE (tenant_id = $1 OR origin_tenant_id = $1) AND account_id IS NOT NULL
             UNION ALL
             SELECT account_id, 0, 1, 0, 0, created_at FROM idea_comments
              WHERE (tenant_id = $1 OR origin_tenant_id = $1) AND account_id IS NOT NULL
             UNION ALL
             SELECT account_id, 0, 0, 1, 0, created_at FROM idea_likes WHERE tenant_id = $1 OR origin_tenant_id = $1
             UNION ALL
             SELECT account_id, 0, 0, 0, 1, submitted_at FROM survey_responses
              WHERE (tenant_id = $1 OR origin_tenant_id = $1) AND account_id IS NOT NULL AND version = 1
         )
         SELECT encode(substring(sha256(convert_to($1::text || g.account_id::text, 'UTF8')) from 1 for 5), 'hex') AS code,
                p.pseudonym, g.ideas, g.comments, g.likes, g.responses, g.last_seen
           FROM (SELECT account_id, sum(ideas) AS ideas, sum(comments) AS comments, sum(likes) AS likes,
                        sum(responses) AS responses, max(at) AS last_seen
                   FROM activity GROUP BY account_id) g
           -- The pseudonym of any participant (the space may not reach the account itself).
           CROSS JOIN LATERAL (SELECT account_pseudonym(g.account_id) AS pseudonym) p
          WHERE p.pseudonym IS NOT NULL
          ORDER BY g.last_seen DESC
          LIMIT $2 OFFSET $3",
    )
    .bind(tx.tenant_id())
    .bind(PARTICIPANTS_PAGE)
    .bind((page.max(1) - 1) * PARTICIPANTS_PAGE)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Participant {
                code: r.try_get("code")?,
                pseudonym: r.try_get("pseudonym")?,
                ideas: r.try_get::<Option<i64>, _>("ideas")?.unwrap_or(0),
                comments: r.try_get::<Option<i64>, _>("comments")?.unwrap_or(0),
                likes: r.try_get::<Option<i64>, _>("likes")?.unwrap_or(0),
                responses: r.try_get::<Option<i64>, _>("responses")?.unwrap_or(0),
                last_seen: r.try_get("last_seen")?,
            })
        })
        .collect()
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// `GET /admin/participants`.
pub async fn participants_page(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::View)?;
    let page_number = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut tx = state.db.begin(&page.tenant).await?;
    let people = participants(&mut tx, page_number).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        more: bool,
        people: Vec<Participant>,
        page_number: i64,
        notice: Option<String>,
    }
    let view = View {
        more: people.len() as i64 == PARTICIPANTS_PAGE,
        people,
        page_number,
        notice: None,
    };
    render_console(
        &page,
        &operator,
        "console_participants.html",
        "/admin/participants",
        view,
        StatusCode::OK,
    )
}
