//! The space's own OpenID provider (`/admin/equipe/service-identification`): a Caf's Keycloak,
//! added, changed or turned off by the operators who manage the team (the provider may sign
//! operators in too). The client secret is write-only: sealed on save
//! ([`crate::oidc::sealed`]), never shown back, kept when the field is left empty. The issuer
//! is checked by discovery before anything is stored; every change is audited, without the
//! secret.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::accounts::own_provider;
use crate::error::PageError;
use crate::oidc::spaces::{self, Changes, SaveProblem, Saved};
use crate::oidc::{Oidc, OidcKind};
use crate::web::Ground;
use crate::web::console::{ConsoleOf, NoticeQuery, Operator, notice, render_console, right};
use crate::web::csrf::CheckedForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

pub const PATH: &str = "/admin/equipe/service-identification";
const MAX_NAME: usize = 120;
const MAX_CLIENT_ID: usize = 255;
const MAX_SECRET: usize = 1000;

/// The form, as sent and as shown again (never with the secret).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ProviderForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default, skip_serializing)]
    client_secret: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    for_operators: Option<String>,
    #[serde(default)]
    enabled: Option<String>,
}

#[derive(Serialize)]
struct View {
    form: ProviderForm,
    errors: BTreeMap<&'static str, String>,
    has_secret: bool,
    no_key: bool,
    redirect_uri: String,
    operator_redirect_uri: String,
    notice: Option<String>,
}

async fn render(
    ground: &Ground,
    oidc: &Oidc,
    page: &Page,
    operator: &Operator,
    shown: Option<ProviderForm>,
    errors: BTreeMap<&'static str, String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let mut tx = ground.db.begin(&page.tenant).await?;
    let stored = spaces::stored(&mut tx).await?;
    tx.commit().await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_secret = stored.is_some();
    let form = shown.unwrap_or_else(|| match stored {
        Some(s) => ProviderForm {
            display_name: s.display_name,
            issuer: s.issuer,
            client_id: s.client_id,
            client_secret: String::new(),
            scopes: s.scopes,
            for_operators: s.for_operators.then(|| "on".into()),
            enabled: s.enabled.then(|| "on".into()),
        },
        None => ProviderForm {
            scopes: "openid email profile".into(),
            enabled: Some("on".into()),
            ..ProviderForm::default()
        },
    });
    let base = page.origin.base_url();
    let view = View {
        form,
        errors,
        has_secret,
        no_key: oidc.sealer().is_none(),
        redirect_uri: format!("{base}{}", own_provider::CALLBACK),
        operator_redirect_uri: format!("{base}{}", super::pages::own_provider::CALLBACK),
        notice,
    };
    render_console(
        page,
        operator,
        "console_sign_in_provider.html",
        "/admin/equipe",
        view,
        status,
    )
}

/// `GET /admin/equipe/service-identification`.
pub async fn show(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = notice(&page, &query);
    render(&ground, &oidc, &page, &operator.0, None, BTreeMap::new(), notice).await
}

/// What the form says, checked field by field; the errors name their field.
fn check(page: &Page, form: &ProviderForm, refused: Option<&str>) -> Result<Changes, BTreeMap<&'static str, String>> {
    let mut errors = BTreeMap::new();
    let mut error = |field: &'static str, key: &str| {
        errors.entry(field).or_insert_with(|| page.text(key));
    };
    for field in ["display_name", "issuer", "client_id", "client_secret", "scopes"] {
        if refused == Some(field) {
            error(field, "error.invalid_text.field");
        }
    }
    let display_name = form.display_name.trim().to_owned();
    if display_name.is_empty() {
        error("display_name", "validation.required");
    } else if display_name.chars().count() > MAX_NAME || display_name.chars().any(char::is_control) {
        error("display_name", "validation.too_long");
    }
    let issuer = spaces::parse_issuer(&form.issuer, !page.origin.https);
    if form.issuer.trim().is_empty() {
        error("issuer", "validation.required");
    } else if issuer.is_none() {
        error("issuer", "console.own_provider_bad_issuer");
    }
    let client_id = form.client_id.trim().to_owned();
    if client_id.is_empty() {
        error("client_id", "validation.required");
    } else if client_id.len() > MAX_CLIENT_ID || client_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        error("client_id", "console.own_provider_bad_client_id");
    }
    let secret = form.client_secret.trim();
    if secret.len() > MAX_SECRET {
        error("client_secret", "validation.too_long");
    }
    let scopes = spaces::parse_scopes(&form.scopes);
    if scopes.is_none() {
        error("scopes", "console.own_provider_bad_scopes");
    }
    match (issuer, scopes) {
        (Some(issuer), Some(scopes)) if errors.is_empty() => Ok(Changes {
            display_name,
            issuer,
            client_id,
            secret: (!secret.is_empty()).then(|| secret.to_owned()),
            scopes,
            for_operators: form.for_operators.is_some(),
            enabled: form.enabled.is_some(),
        }),
        _ => Err(errors),
    }
}

/// `POST /admin/equipe/service-identification`: checks the form, then the issuer's discovery,
/// then seals and stores; the form comes back with its errors (422) otherwise, never with the
/// secret.
pub async fn save(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    checked: CheckedForm<ProviderForm>,
) -> Result<Response, PageError> {
    let shown = ["display_name", "issuer", "client_id", "client_secret", "scopes"];
    let (form, refused) = checked.shown(|f| shown.contains(&f))?;
    let again = |errors| {
        render(
            &ground,
            &oidc,
            &page,
            &operator.0,
            Some(form_shown(&form)),
            errors,
            None,
        )
    };
    let Some(sealer) = oidc.sealer() else {
        return again(BTreeMap::from([("issuer", page.text("console.own_provider_no_key"))])).await;
    };
    let changes = match check(&page, &form, refused.as_deref()) {
        Ok(changes) => changes,
        Err(errors) => return again(errors).await,
    };
    if let Err(refusal) = oidc.discover(&changes.issuer).await {
        tracing::info!(%refusal, issuer = changes.issuer, "a space's OpenID issuer did not answer discovery");
        return again(BTreeMap::from([(
            "issuer",
            page.text("console.own_provider_unreachable"),
        )]))
        .await;
    }
    let mut tx = ground.db.begin(&page.tenant).await?;
    let saved = match spaces::save(&mut tx, sealer, &changes, operator.0.id).await? {
        Ok(saved) => saved,
        Err(SaveProblem::SecretRequired) => {
            drop(tx);
            return again(BTreeMap::from([(
                "client_secret",
                page.text("console.own_provider_secret_required"),
            )]))
            .await;
        }
    };
    let (issuer_changed, secret_changed) = match saved {
        Saved::Unchanged => (false, false),
        Saved::Created => (true, true),
        Saved::Updated {
            issuer_changed,
            secret_changed,
        } => (issuer_changed, secret_changed),
    };
    if saved != Saved::Unchanged {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_SAVE_SIGN_IN_PROVIDER,
            &changes.issuer,
            serde_json::json!({
                "provider": OidcKind::Space.key(),
                "created": saved == Saved::Created,
                "display_name": changes.display_name,
                "client_id": changes.client_id,
                "scopes": changes.scopes,
                "for_operators": changes.for_operators,
                "enabled": changes.enabled,
                "issuer_changed": issuer_changed,
                "secret_changed": secret_changed,
            }),
        )
        .await?;
    }
    tx.commit().await?;
    see_other(&format!("{PATH}?fait=service_identification"))
}

/// The form as it comes back: what was typed, but never the secret.
fn form_shown(form: &ProviderForm) -> ProviderForm {
    ProviderForm {
        display_name: form.display_name.clone(),
        issuer: form.issuer.clone(),
        client_id: form.client_id.clone(),
        client_secret: String::new(),
        scopes: form.scopes.clone(),
        for_operators: form.for_operators.clone(),
        enabled: form.enabled.clone(),
    }
}

/// This page's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: axum::extract::FromRef<S>,
    Oidc: axum::extract::FromRef<S>,
{
    axum::Router::new().route(PATH, axum::routing::get(show).post(save))
}
