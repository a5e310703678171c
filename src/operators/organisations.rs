//! The organisations whose agents a space admits to its staff-only campaigns when they sign in
//! with ProConnect (`/admin/equipe/organisations`): a SIRET (ProConnect's `siret` claim) or an
//! e-mail domain (the address ProConnect verified). Beside the staff address list, not instead
//! of it. Each change is audited; the sessions' cached staff status is forgotten.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::accounts::session::SessionCache;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, NoticeQuery, Operator, notice, render_console, right};
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::page::Page;
use crate::web::pages::see_other;

const PATH: &str = "/admin/equipe/organisations";

/// One entry of the list: `siret` (14 digits) or `domain` (lowercase, without `@`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub kind: &'static str,
    pub value: String,
    pub label: String,
}

/// Reads what an operator typed: a SIRET (spaces allowed) or an e-mail domain (`@` allowed).
pub fn parse_organisation(input: &str) -> Result<(&'static str, String), &'static str> {
    let typed = input.trim();
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.is_empty() {
        return Err("validation.required");
    }
    if digits.chars().all(|c| c.is_ascii_digit()) {
        return if digits.len() == 14 {
            Ok(("siret", digits))
        } else {
            Err("console.organisations_bad_siret")
        };
    }
    let domain = typed.trim_start_matches('@').to_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if domain.len() <= 253 && domain.contains('.') && domain.split('.').all(label_ok) {
        Ok(("domain", domain))
    } else {
        Err("console.organisations_bad_value")
    }
}

#[derive(Serialize, Default)]
struct Kept {
    error: Option<String>,
    value: String,
    label: String,
}

async fn render(
    state: &Ground,
    page: &Page,
    operator: &Operator,
    notice: Option<String>,
    kept: Kept,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT kind, value, label FROM staff_organisations WHERE tenant_id = $1 ORDER BY kind DESC, value LIMIT 1000",
    )
    .bind(tx.tenant_id())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let organisations: Vec<Organisation> = rows
        .into_iter()
        .map(|(kind, value, label)| Organisation {
            kind: if kind == "siret" { "siret" } else { "domain" },
            value,
            label,
        })
        .collect();
    #[derive(Serialize)]
    struct View {
        organisations: Vec<Organisation>,
        notice: Option<String>,
        kept: Kept,
    }
    let view = View {
        organisations,
        notice,
        kept,
    };
    render_console(
        page,
        operator,
        "console_organisations.html",
        "/admin/equipe",
        view,
        status,
    )
}

/// `GET /admin/equipe/organisations`.
pub async fn organisations(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = notice(&page, &query);
    render(&state, &page, &operator, notice, Kept::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct AddForm {
    value: String,
    #[serde(default)]
    label: String,
}

/// `POST /admin/equipe/organisations`: adds one organisation (the same one twice: once).
pub async fn add(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    checked: CheckedForm<AddForm>,
) -> Result<Response, PageError> {
    let (form, refused) = checked.shown(|f| f == "value" || f == "label")?;
    let label = form.label.trim().to_owned();
    let parsed = match refused {
        Some(_) => Err("error.invalid_text.field"),
        None if label.chars().count() > 200 => Err("validation.too_long"),
        None => parse_organisation(&form.value),
    };
    let (kind, value) = match parsed {
        Ok(parsed) => parsed,
        Err(message) => {
            let kept = Kept {
                error: Some(page.text(message)),
                value: form.value,
                label: form.label,
            };
            return render(&state, &page, &operator, None, kept, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let added = sqlx::query(
        "INSERT INTO staff_organisations (tenant_id, kind, value, label, added_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING",
    )
    .bind(tx.tenant_id())
    .bind(kind)
    .bind(&value)
    .bind(&label)
    .bind(operator.0.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added > 0 {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_ADD_ORGANISATION,
            &value,
            serde_json::json!({ "kind": kind, "label": label }),
        )
        .await?;
    }
    tx.commit().await?;
    sessions.forget_all();
    see_other(&format!("{PATH}?fait=organisation"))
}

#[derive(Deserialize)]
pub struct RemoveForm {
    kind: String,
    value: String,
}

/// `POST /admin/equipe/organisations/retrait`.
pub async fn remove(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let removed = sqlx::query("DELETE FROM staff_organisations WHERE tenant_id = $1 AND kind = $2 AND value = $3")
        .bind(tx.tenant_id())
        .bind(&form.kind)
        .bind(&form.value)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed > 0 {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_REMOVE_ORGANISATION,
            &form.value,
            serde_json::json!({ "kind": form.kind }),
        )
        .await?;
    }
    tx.commit().await?;
    sessions.forget_all();
    see_other(&format!("{PATH}?fait=retrait_organisation"))
}

/// This page's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::accounts::session::SessionCache: axum::extract::FromRef<S>,
{
    use axum::routing::{get, post};
    axum::Router::new()
        .route(PATH, get(organisations).post(add))
        .route("/admin/equipe/organisations/retrait", post(remove))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets_and_domains() {
        assert_eq!(
            parse_organisation(" 213 300 635 00017 "),
            Ok(("siret", "21330063500017".into()))
        );
        assert_eq!(
            parse_organisation("@Caf33.CAF.fr"),
            Ok(("domain", "caf33.caf.fr".into()))
        );
        assert_eq!(parse_organisation("1234"), Err("console.organisations_bad_siret"));
        assert_eq!(parse_organisation("caf 33"), Err("console.organisations_bad_value"));
        assert_eq!(parse_organisation("-caf.fr"), Err("console.organisations_bad_value"));
        assert_eq!(parse_organisation(""), Err("validation.required"));
    }
}
