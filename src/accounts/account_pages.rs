//! "Mon compte": pseudonym, download my data, delete my account. Pages and API.

use crate::accounts::session::SessionCache;
use crate::web::json::Json;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Account;
use super::queries::set_pseudonym;
use super::rights::{Contributions, delete_account, export_my_data, parse_pseudonym};
use super::session::SESSION_COOKIE;
use crate::accounts::session::ApiAccount;
use crate::error::{ApiError, FieldProblem, PageError};
use crate::tenancy::CurrentTenant;
use crate::web::Ground;
use crate::web::csrf::{CsrfForm, cookie};
use crate::web::i18n::Lang;
use crate::web::openapi::{SignedInReading, Writing, WritingJson};
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Serialize)]
struct AccountView {
    pseudonym: String,
    error: Option<String>,
    delete_error: Option<String>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    enregistre: Option<String>,
}

fn render(page: &Page, view: AccountView, status: StatusCode) -> Result<Response, PageError> {
    let mut response = page.render("account.html", view)?.into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /compte`.
pub async fn account_page(page: Page, Query(query): Query<AccountQuery>) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return see_other("/connexion?retour=/compte");
    };
    let view = AccountView {
        pseudonym: account.pseudonym,
        error: None,
        delete_error: None,
        saved: query.enregistre.is_some(),
    };
    render(&page, view, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct PseudonymForm {
    pseudonym: String,
}

/// `POST /compte/pseudonyme`.
pub async fn change_pseudonym(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    CsrfForm(form): CsrfForm<PseudonymForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return see_other("/connexion?retour=/compte");
    };
    match parse_pseudonym(&form.pseudonym) {
        Ok(pseudonym) => {
            let mut tx = state.db.begin(&page.tenant).await?;
            set_pseudonym(&mut tx, account.id, &pseudonym).await?;
            tx.commit().await?;
            sessions.forget_account(account.id);
            see_other("/compte?enregistre=1")
        }
        Err(message) => {
            let view = AccountView {
                pseudonym: form.pseudonym,
                error: Some(page.text(message)),
                delete_error: None,
                saved: false,
            };
            render(&page, view, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// `GET /compte/mes-donnees`: everything about me, as a JSON file.
pub async fn download_my_data(State(state): State<Ground>, page: Page) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return see_other("/connexion?retour=/compte");
    };
    let data = export_my_data(&state.db, &account).await?;
    let body = serde_json::to_vec_pretty(&data).map_err(anyhow::Error::from)?;
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"mes-donnees-ecoute.json\""),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct DeleteForm {
    /// `garder` (keep contributions as "Anonyme") or `retirer` (withdraw them).
    contributions: Option<String>,
    /// The confirmation checkbox.
    confirmer: Option<String>,
}

/// `POST /compte/suppression`.
pub async fn delete_my_account(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return see_other("/connexion?retour=/compte");
    };
    let choice = match form.contributions.as_deref() {
        Some("garder") => Some(Contributions::KeepAnonymous),
        Some("retirer") => Some(Contributions::Withdraw),
        _ => None,
    };
    let (Some(choice), Some(_)) = (choice, form.confirmer.filter(|c| c == "oui")) else {
        let view = AccountView {
            pseudonym: account.pseudonym,
            error: None,
            delete_error: Some(page.text("account.delete_confirm_missing")),
            saved: false,
        };
        return render(&page, view, StatusCode::UNPROCESSABLE_ENTITY);
    };
    delete_account(&state.db, &page.tenant, account.id, choice).await?;
    sessions.forget_account(account.id);
    let mut response = crate::accounts::pages::message(
        &page,
        "account.deleted_title",
        &["account.deleted_body"],
        Some(("error.back_home", "/".into())),
    )?;
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(SESSION_COOKIE, "", 0, page.origin.https));
    Ok(response)
}

/// My account (signed in).
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("session" = [])), responses(
    (status = 200, description = "My account", body = Account),
    SignedInReading,
))]
pub async fn api_me(ApiAccount(account): ApiAccount) -> Json<Account> {
    Json(account)
}

/// My new pseudonym.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Pseudonym)]
pub struct MeBody {
    #[schema(min_length = 2, max_length = 40)]
    pseudonym: String,
}

/// Change my pseudonym.
#[utoipa::path(patch, path = "/api/v1/me", tag = "account", request_body = MeBody,
    security(("session" = [])), responses(
    (status = 200, description = "My account, with its new pseudonym", body = Account),
    WritingJson,
))]
pub async fn api_update_me(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Json(body): Json<MeBody>,
) -> Result<Json<Account>, ApiError> {
    let pseudonym = parse_pseudonym(&body.pseudonym).map_err(|m| {
        ApiError::Invalid(vec![FieldProblem {
            field: "pseudonym".into(),
            message: Lang::Fr.text(m),
        }])
    })?;
    let mut tx = state.db.begin(&tenant).await?;
    set_pseudonym(&mut tx, account.id, &pseudonym).await?;
    tx.commit().await?;
    sessions.forget_account(account.id);
    Ok(Json(Account { pseudonym, ..account }))
}

/// Everything the platform holds about me, in every space.
#[utoipa::path(get, path = "/api/v1/me/data", tag = "account", security(("session" = [])), responses(
    (status = 200, description = "My data, by space and table", body = super::my_data::MyData),
    SignedInReading,
))]
pub async fn api_my_data(State(state): State<Ground>, ApiAccount(account): ApiAccount) -> Result<Response, ApiError> {
    Ok(Json(export_my_data(&state.db, &account).await?).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Keep my contributions (signed "compte supprimé") or withdraw them.
    #[param(value_type = Option<KeepOrWithdraw>, inline, default = "keep")]
    contributions: Option<String>,
}

/// The values of `contributions`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeepOrWithdraw {
    Keep,
    Withdraw,
}

/// Delete my account (`?contributions=keep|withdraw`).
#[utoipa::path(delete, path = "/api/v1/me", tag = "account", params(DeleteQuery),
    security(("session" = [])), responses(
    (status = 204, description = "Deleted: the session ends"),
    Writing,
))]
pub async fn api_delete_me(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    tenant: crate::tenancy::CurrentTenant,
    ApiAccount(account): ApiAccount,
    Query(query): Query<DeleteQuery>,
) -> Result<StatusCode, ApiError> {
    let choice = match query.contributions.as_deref() {
        None | Some("keep") => Contributions::KeepAnonymous,
        Some("withdraw") => Contributions::Withdraw,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "contributions must be keep or withdraw, not {other:?}"
            )));
        }
    };
    delete_account(&state.db, &tenant, account.id, choice).await?;
    sessions.forget_account(account.id);
    Ok(StatusCode::NO_CONTENT)
}
