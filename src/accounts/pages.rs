//! Sign-in pages: ask for a link, confirm it, sign out. All work without JavaScript.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::EmailAddress;
use super::queries::{
    SIGN_IN_PER_HOUR, TokenProblem, consume_sign_in_token, create_sign_in_token, find_or_create_account,
    recent_sign_in_requests, set_lang,
};
use super::session::{SESSION_COOKIE, SESSION_DAYS, close_session, open_session};
use crate::accounts::session::SessionCache;
use crate::error::PageError;
use crate::mail::{OutgoingMail, queue};
use crate::oidc::{Oidc, OidcKind};
use crate::web::Ground;
use crate::web::csrf::{CheckedForm, CsrfForm, cookie, read_cookie};
use crate::web::page::Page;
use crate::web::pages::see_other;

/// Only local paths: never an open redirect.
pub fn safe_return_path(candidate: Option<&str>) -> String {
    match candidate {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && p.len() <= 500 => p.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize)]
pub struct ReturnQuery {
    retour: Option<String>,
    jeton: Option<String>,
}

#[derive(Serialize)]
struct SignInView<'a> {
    step: &'a str,
    email: &'a str,
    return_to: &'a str,
    error: Option<String>,
    token: &'a str,
    /// Whether the space offers FranceConnect.
    franceconnect: bool,
    /// Whether the space offers ProConnect (public agents).
    proconnect: bool,
    /// The name of the space's own provider, when it offers one.
    space_provider: Option<String>,
}

/// `GET /connexion`: the e-mail form.
pub async fn sign_in_form(
    State(state): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<ReturnQuery>,
) -> Result<Response, PageError> {
    let return_to = safe_return_path(query.retour.as_deref());
    let franceconnect = oidc.provider(OidcKind::FranceConnect, &page.tenant.slug).is_some();
    let proconnect = oidc.provider(OidcKind::ProConnect, &page.tenant.slug).is_some();
    let space_provider = super::own_provider::button(&state, &oidc, &page, false).await?;
    Ok(page
        .render(
            "signin.html",
            SignInView {
                step: "ask",
                email: "",
                return_to: &return_to,
                error: None,
                token: "",
                franceconnect,
                proconnect,
                space_provider,
            },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    retour: Option<String>,
}

/// `POST /connexion`: queues the link e-mail (in the same transaction as the token).
pub async fn request_link(
    State(state): State<Ground>,
    page: Page,
    CheckedForm { form, refused }: CheckedForm<SignInForm>,
) -> Result<Response, PageError> {
    let return_to = safe_return_path(form.retour.as_deref());
    let show_error = |message: String| {
        let mut response = page
            .render(
                "signin.html",
                SignInView {
                    step: "ask",
                    email: &form.email,
                    return_to: &return_to,
                    error: Some(message),
                    token: "",
                    franceconnect: false,
                    proconnect: false,
                    space_provider: None,
                },
            )?
            .into_response();
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok::<_, PageError>(response)
    };
    // A refused character (a NUL...): the entry kept (without that character), the message
    // beside it. In a hidden field: the error page.
    match refused.as_deref() {
        Some("email") => return show_error(page.text("error.invalid_text.field")),
        Some(field) => return Err(PageError::InvalidText(field.to_owned())),
        None => {}
    }
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(_) => return show_error(page.text("validation.email")),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    if recent_sign_in_requests(&mut tx, &email).await? >= SIGN_IN_PER_HOUR {
        return show_error(page.text("account.too_many"));
    }
    let token = create_sign_in_token(&mut tx, &email, &return_to).await?;
    let link = format!("{}/connexion/lien?jeton={token}", page.origin.base_url());
    let body = page
        .text("account.mail_body")
        .replace("{space}", &page.tenant.name)
        .replace("{link}", &link);
    let subject = format!("{} – {}", page.text("account.mail_subject"), page.tenant.name);
    queue(
        &mut tx,
        &OutgoingMail {
            to: email.as_str().to_owned(),
            subject,
            text: body,
            lang: page.lang,
        },
    )
    .await?;
    tx.commit().await?;
    message(&page, "account.sent_title", &["account.sent_body"], None)
}

/// A short page with a title and paragraphs (by locale key).
pub fn message(
    page: &Page,
    title: &str,
    paragraphs: &[&str],
    link: Option<(&str, String)>,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct Link {
        href: String,
        label: String,
    }
    #[derive(Serialize)]
    struct View {
        title: String,
        paragraphs: Vec<String>,
        link: Option<Link>,
    }
    let view = View {
        title: page.text(title),
        paragraphs: paragraphs.iter().map(|k| page.text(k)).collect(),
        link: link.map(|(label, href)| Link {
            href,
            label: page.text(label),
        }),
    };
    Ok(page.render("message.html", view)?.into_response())
}

/// `GET /connexion/lien?jeton=…`: asks for a click, so link scanners do not use the token.
pub async fn confirm_form(page: Page, Query(query): Query<ReturnQuery>) -> Result<Response, PageError> {
    let token = query.jeton.unwrap_or_default();
    if token.is_empty() || token.len() > 100 {
        return Err(PageError::BadRequest);
    }
    Ok(page
        .render(
            "signin.html",
            SignInView {
                step: "confirm",
                email: "",
                return_to: "/",
                error: None,
                token: &token,
                franceconnect: false,
                proconnect: false,
                space_provider: None,
            },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    jeton: String,
}

/// `POST /connexion/lien`: uses the token once, opens a session, goes back where the person was.
pub async fn confirm(
    State(state): State<Ground>,
    page: Page,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (email, return_to) = match consume_sign_in_token(&mut tx, &form.jeton).await? {
        Ok(found) => found,
        Err(problem) => {
            let key = match problem {
                TokenProblem::Unknown => "account.link_unknown",
                TokenProblem::Used => "account.link_used",
                TokenProblem::Expired => "account.link_expired",
            };
            let mut response = message(
                &page,
                "account.link_invalid_title",
                &[key],
                Some(("account.new_link", "/connexion".into())),
            )?;
            *response.status_mut() = StatusCode::GONE;
            return Ok(response);
        }
    };
    let account = find_or_create_account(&mut tx, &email).await?;
    set_lang(&mut tx, account.id, page.lang).await?;
    let session = open_session(&mut tx, account.id).await?;
    tx.commit().await?;
    let mut response = see_other(&safe_return_path(Some(&return_to)))?;
    response.headers_mut().append(
        SET_COOKIE,
        cookie(SESSION_COOKIE, &session, SESSION_DAYS * 86_400, page.origin.https),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /deconnexion`: and at the provider too, when the session was opened through one.
pub async fn sign_out(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let mut next = "/".to_owned();
    if let Some(token) = read_cookie(&headers, SESSION_COOKIE) {
        let mut tx = state.db.begin(&page.tenant).await?;
        let closed = close_session(&mut tx, &token).await?;
        tx.commit().await?;
        if let Some(account) = &page.account {
            sessions.forget_account(account.id);
        }
        if let Some((kind, id_token)) = closed
            && let Some(provider) = oidc.resolve(&state.db, &page.tenant, kind).await?
        {
            let back = format!("{}/", page.origin.base_url());
            match oidc.logout_url(&provider, &id_token, &back).await {
                Ok(Some(url)) => next = url,
                Ok(None) => {}
                // Signed out here all the same; the provider's session ends on its own.
                Err(refusal) => tracing::warn!(%refusal, "logout at the OpenID provider failed"),
            }
        }
    }
    let mut response = if next.starts_with('/') {
        see_other(&next)?
    } else {
        // On to the provider by a page of ours (a meta refresh, and a link), not a redirect:
        // a form's redirect to another origin is a form target, which the pages' CSP
        // (`form-action 'self'`) makes Chromium block. The CSP stays as strict for every form.
        #[derive(Serialize)]
        struct View<'a> {
            title: String,
            paragraphs: Vec<String>,
            link: serde_json::Value,
            refresh: &'a str,
        }
        let view = View {
            title: page.text("oidc.signed_out_title"),
            paragraphs: vec![page.text("oidc.signed_out_body")],
            link: serde_json::json!({"href": next, "label": page.text("oidc.signed_out_continue")}),
            refresh: &next,
        };
        page.render("message.html", view)?.into_response()
    };
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(SESSION_COOKIE, "", 0, page.origin.https));
    Ok(response)
}
