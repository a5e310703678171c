//! The second factor: turning a TOTP code on (with its secret shown once, as a QR code and as
//! text) or off, after the password is checked again.

use super::*;

#[derive(Serialize)]
pub(super) struct SecurityView {
    pub(super) enabled: bool,
    pub(super) secret_text: String,
    pub(super) secret_hex: String,
    pub(super) uri: String,
    pub(super) error: Option<String>,
}

pub(super) fn security_view(
    page: &Page,
    who: &crate::operators::Operator,
    enabled: bool,
    error: Option<String>,
) -> SecurityView {
    let secret = totp::new_secret();
    SecurityView {
        enabled,
        secret_text: totp::base32(&secret)
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        secret_hex: secret.iter().map(|b| format!("{b:02x}")).collect(),
        uri: totp::uri(
            &secret,
            &format!("{} – {}", page.text("site.name"), page.tenant.name),
            &who.email,
        ),
        error,
    }
}

/// `GET /admin/securite`: turn the second factor on or off.
pub async fn security(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let enabled = has_totp(&mut tx, operator.0.id).await?;
    tx.commit().await?;
    let view = security_view(&page, &operator.0, enabled, None);
    render_console(
        &page,
        &operator,
        "console_security.html",
        "/admin/securite",
        view,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct SecurityForm {
    pub(super) action: String,
    pub(super) code: String,
    pub(super) secret: Option<String>,
}

/// `POST /admin/securite`: enabling needs a code from the new secret (proof the app has it);
/// disabling needs a code from the current one.
pub async fn change_security(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    CsrfForm(form): CsrfForm<SecurityForm>,
) -> Result<Response, PageError> {
    let now = chrono::Utc::now().timestamp();
    let mut tx = state.db.begin(&page.tenant).await?;
    let enabled = has_totp(&mut tx, operator.0.id).await?;
    let outcome = match (form.action.as_str(), enabled) {
        ("enable", false) => {
            let secret = form
                .secret
                .as_deref()
                .and_then(parse_hex)
                .filter(|s| s.len() == 20)
                .ok_or(PageError::BadRequest)?;
            match totp::matching_step(&secret, &form.code, now) {
                Some(step) if enable_totp(&mut tx, operator.0.id, &secret, step).await? => {
                    Some(crate::audit::AuditAction::SECURITY_TOTP_ENABLED)
                }
                _ => None,
            }
        }
        ("disable", true) => match disable_totp(&mut tx, operator.0.id, &form.code).await? {
            Check::Ok => Some(crate::audit::AuditAction::SECURITY_TOTP_DISABLED),
            _ => None,
        },
        _ => return see_other("/admin/securite"),
    };
    match outcome {
        Some(done) => {
            crate::audit::record(&mut tx, &operator.0, done, &operator.0.email, serde_json::json!({})).await?;
            tx.commit().await?;
            see_other("/admin/securite")
        }
        None => {
            tx.commit().await?;
            let view = security_view(&page, &operator.0, enabled, Some(page.text("console.code_failed")));
            render_console(
                &page,
                &operator,
                "console_security.html",
                "/admin/securite",
                view,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

pub(super) fn parse_hex(s: &str) -> Option<Vec<u8>> {
    s.len()
        .is_multiple_of(2)
        .then(|| {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
                .collect()
        })
        .flatten()
}
