//! The operator consoles, under `/admin` on each host.
//!
//! - On the national host: the network's modules ([`national`]), besides what every console has.
//! - On every host: moderation, the team (operators and staff), the audit log ([`space`]).
//! - Usage and quotas ([`metering`]): every space's for national admins, each its own at home.
//!
//! Every handler takes a [`SignedInOperator`] and states its [`Action`] before touching
//! anything; rights are decided in [`crate::web::console::rights`] only. Every change writes an
//! audit line in its own transaction.

pub mod analysis;
pub mod branding;
pub mod campaigns;
pub mod deliveries;
pub mod invitations;
pub mod metering;
pub mod national;
pub mod results;
pub mod space;
pub mod workshops;

use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;

use crate::error::PageError;
use crate::tenancy::TenantKind;
use crate::web::console::SignedInOperator;
use crate::web::page::Page;

/// The console frame (layout and navigation) lives with the operators it serves.
pub use crate::web::console::render_console;

/// The console's routes (sign-in included), merged into the spaces' router so that tenant
/// resolution applies.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: FromRef<S>,
    crate::accounts::session::SessionCache: FromRef<S>,
    crate::campaigns::cache::CampaignCache: FromRef<S>,
    crate::ideas::snapshot::IdeaSnapshots: FromRef<S>,
    crate::results::cache::ResultsCache: FromRef<S>,
{
    use crate::operators::pages as sign_in;
    Router::new()
        .route("/admin", get(home))
        .route("/admin/connexion", get(sign_in::sign_in_form).post(sign_in::sign_in))
        .route(
            "/admin/connexion/code",
            get(sign_in::code_form).post(sign_in::check_code),
        )
        .route("/admin/deconnexion", post(sign_in::sign_out))
        .route(
            "/admin/invitation/{token}",
            get(sign_in::invitation_form).post(sign_in::accept_invitation),
        )
        .route("/admin/securite", get(sign_in::security).post(sign_in::change_security))
        .route("/admin/modules", get(national::list).post(national::activate))
        .route("/admin/compteurs", get(metering::overview))
        .route("/admin/compteurs.csv", get(metering::export))
        .route(
            "/admin/compteurs/{slug}",
            get(metering::space).post(metering::set_quotas),
        )
        .route("/admin/modules/{slug}/statut", post(national::set_status))
        .route(
            "/admin/modules/{slug}/invitation",
            post(national::invite_first_operator),
        )
        .route("/admin/campagnes", get(campaigns::list).post(campaigns::create))
        .route("/admin/campagnes/nouvelle", get(campaigns::new_form))
        .route("/admin/campagnes/{id}", get(campaigns::edit).post(campaigns::update))
        .route("/admin/campagnes/{id}/apercu", get(campaigns::preview))
        .route("/admin/campagnes/{id}/export/{file}", get(campaigns::export))
        .route("/admin/campagnes/{id}/publication", post(campaigns::publish))
        .route(
            "/admin/campagnes/{id}/resultats",
            get(results::form).post(results::save),
        )
        .route("/admin/campagnes/{id}/decisions", post(results::save_decision))
        .route("/admin/campagnes/{id}/nouvelles", post(results::save_news))
        .route("/admin/campagnes/{id}/questions", post(campaigns::add_question))
        .route(
            "/admin/campagnes/{id}/questions/{question}",
            post(campaigns::update_question),
        )
        .route(
            "/admin/campagnes/{id}/questions/{question}/deplacer",
            post(campaigns::move_question),
        )
        .route(
            "/admin/campagnes/{id}/questions/{question}/suppression",
            post(campaigns::remove_question),
        )
        .route("/admin/apparence", get(branding::form).post(branding::save))
        .route("/admin/apparence/apercu.css", get(branding::preview_css))
        .route("/admin/modules/{slug}/ouvrir", post(national::open_module))
        .route("/admin/relais", get(sign_in::handoff))
        .route(
            "/admin/campagnes/{id}/invitations",
            get(invitations::form)
                .post(invitations::send)
                .layer(crate::web::limits::layer("/admin/campagnes/{id}/invitations")),
        )
        .route("/admin/campagnes/{id}/invitations/etat", get(invitations::progress))
        .route("/admin/campagnes/{id}/couverture", post(campaigns::upload_cover))
        .route("/admin/courriels", get(deliveries::list))
        .route("/admin/courriels/{id}/decision", post(deliveries::decide))
        .route("/admin/courriels/incertains", post(deliveries::resend_uncertain))
        .route("/admin/moderation", get(space::moderation).post(space::decide))
        .route("/admin/equipe", get(space::team))
        .route("/admin/equipe/invitations", post(space::invite_operator))
        .route("/admin/equipe/agents", post(space::add_staff))
        .route("/admin/equipe/agents/retrait", post(space::remove_staff))
        .route("/admin/journal", get(space::audit_log))
        .route("/admin/participants", get(space::participants_page))
        .route("/admin/campagnes/{id}/analyse", get(analysis::show).post(analysis::run))
        .route("/admin/campagnes/{id}/analyse/etat", get(analysis::progress))
        .route("/admin/campagnes/{id}/analyse/themes", post(analysis::edit_theme))
        .route("/admin/campagnes/{id}/analyse/profils", post(analysis::choose_profiles))
        .route(
            "/admin/campagnes/{id}/analyse/doublons",
            post(analysis::merge_duplicates),
        )
        .route("/admin/campagnes/{id}/analyse/export/{file}", get(analysis::export))
        .route(
            "/admin/campagnes/{id}/ateliers",
            get(workshops::show).post(workshops::open),
        )
        .route("/admin/campagnes/{id}/ateliers/seances", post(workshops::add_session))
        .route("/admin/campagnes/{id}/ateliers/tirage", post(workshops::draw))
        .route(
            "/admin/campagnes/{id}/ateliers/presences",
            post(workshops::record_attendance),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/invitations",
            post(workshops::send_invitations),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/questions",
            post(workshops::add_question),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/questions/{key}/suppression",
            post(workshops::remove_question),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/repartition",
            post(workshops::assign_sessions),
        )
}

/// `GET /admin`: what needs attention in this space.
pub async fn home(
    axum::extract::State(state): axum::extract::State<crate::web::Ground>,
    page: Page,
    operator: SignedInOperator,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let counts = space::counts(&mut tx).await?;
    let quotas = crate::metering::quotas::for_space(&mut tx).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        counts: space::Counts,
        quotas: crate::metering::Quotas,
        quota_alerts: Vec<String>,
        national: bool,
        notice: Option<String>,
    }
    // Quotas at 80 % or more, worded for the banner.
    let quota_alerts = quotas
        .alerts()
        .into_iter()
        .map(|q| {
            let level = match q.level {
                crate::metering::QuotaLevel::Reached => "metering.reached",
                _ => "metering.warning",
            };
            format!(
                "{} : {} / {} ({} %) — {}",
                page.text(&format!("metering.quota.{}", q.key)),
                q.used,
                q.limit.unwrap_or_default(),
                q.percent,
                page.text(level)
            )
        })
        .collect();
    let view = View {
        quotas,
        quota_alerts,
        counts,
        national: page.tenant.kind == TenantKind::National,
        notice: None,
    };
    render_console(&page, &operator, "console_home.html", "/admin", view, StatusCode::OK)
}
