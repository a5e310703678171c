//! Delivery status in the console: every mail of the space with where it stands, filtered by
//! status or campaign, and the operator's decision on an `uncertain` one (the worker stopped
//! between handing it over and hearing back: it may have arrived) or a failed one.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::PageError;
use crate::mail::MailStatus;
use crate::mail::status::{self, Decision, Filter, PageRequest};
use crate::web::Ground;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::console::{NoticeQuery, notice};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Deserialize, Default)]
pub struct DeliveryQuery {
    statut: Option<String>,
    campagne: Option<Uuid>,
    page: Option<u32>,
    fait: Option<String>,
}

/// `GET /admin/courriels`.
pub async fn list(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Query(query): Query<DeliveryQuery>,
) -> Result<Response, PageError> {
    let filter = Filter {
        status: query.statut.as_deref().and_then(MailStatus::parse),
        campaign: query.campagne,
        ..Default::default()
    };
    let request = PageRequest {
        page: query.page.unwrap_or(1).clamp(1, 10_000),
        per_page: 50,
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let listing = status::list(&mut tx, &filter, request).await?;
    let uncertain = status::counts(&mut tx, &Filter::default()).await?.uncertain;
    let counts = status::counts(
        &mut tx,
        &Filter {
            status: None,
            ..filter.clone()
        },
    )
    .await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct StatusLink {
        value: &'static str,
        label: String,
        count: i64,
        current: bool,
    }
    #[derive(Serialize)]
    struct View {
        listing: status::Listing,
        statuses: Vec<StatusLink>,
        campaign: Option<Uuid>,
        more: bool,
        notice: Option<String>,
        /// Uncertain mails of the whole space (the one action re-sends them all).
        uncertain: i64,
    }
    let statuses = MailStatus::ALL
        .iter()
        .map(|s| StatusLink {
            value: s.as_str(),
            label: page.text(&format!("deliveries.status.{}", s.as_str())),
            count: counts.get(*s),
            current: filter.status == Some(*s),
        })
        .collect();
    let notice = notice(&page, &NoticeQuery::from_fait(query.fait));
    let more = (listing.page as i64) * (listing.per_page as i64) < listing.total;
    let view = View {
        listing,
        statuses,
        campaign: filter.campaign,
        more,
        notice,
        uncertain,
    };
    render_console(
        &page,
        &operator,
        "console_deliveries.html",
        "/admin/courriels",
        view,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
}

/// `POST /admin/courriels/{id}/decision`: `renvoyer` (same Message-ID) or `recu`.
pub async fn decide(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    let (decision, action) = match form.decision.as_str() {
        "renvoyer" => (Decision::Resend, crate::audit::AuditAction::MAIL_RESEND),
        "recu" => (Decision::MarkSent, crate::audit::AuditAction::MAIL_MARK_SENT),
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    if !status::decide(&mut tx, id, decision).await? {
        return Err(PageError::NotFound);
    }
    crate::audit::record(&mut tx, &operator.0, action, &id.to_string(), serde_json::json!({})).await?;
    tx.commit().await?;
    see_other("/admin/courriels?fait=courriel")
}

/// `POST /admin/courriels/incertains`: queues again every uncertain mail of the space, in one
/// action taken after the page's warning that some recipients may get the mail twice. The
/// choice and its count go to the audit log. Run twice, the second finds none: nothing more
/// is sent, nothing more recorded.
pub async fn resend_uncertain(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    CsrfForm(_): CsrfForm<Confirm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let resent = status::resend_uncertain(&mut tx).await?;
    if resent > 0 {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::MAIL_RESEND_UNCERTAIN,
            "",
            serde_json::json!({ "count": resent }),
        )
        .await?;
    }
    tx.commit().await?;
    see_other("/admin/courriels?fait=courriels_incertains")
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct Confirm {}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/courriels", get(list))
        .route("/admin/courriels/{id}/decision", post(decide))
        .route("/admin/courriels/incertains", post(resend_uncertain))
}
