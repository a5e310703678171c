//! Accepting an invitation to a console: the link's page, then the password (and name) that
//! open the account; a used, expired or withdrawn link says so.

use super::*;

#[derive(Serialize)]
pub(super) struct InvitationView<'a> {
    pub(super) intro: String,
    pub(super) token: &'a str,
    pub(super) name: &'a str,
    pub(super) has_password: bool,
    pub(super) errors: Vec<FieldMessage>,
}

#[derive(Serialize)]
pub(super) struct FieldMessage {
    pub(super) field: &'static str,
    pub(super) message: String,
}

pub(super) fn invitation_gone(page: &Page, why: NotAccepted) -> Result<Response, PageError> {
    let body = match why {
        NotAccepted::Unknown => "console.invitation_unknown",
        NotAccepted::Used => "console.invitation_used",
        NotAccepted::Expired => "console.invitation_expired",
    };
    let mut response = message(page, "console.invitation_title", &[body], None)?;
    *response.status_mut() = if why == NotAccepted::Unknown {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::GONE
    };
    Ok(response)
}

pub(super) fn role_label(page: &Page, role: crate::operators::Role) -> String {
    page.text(&format!("console.roles.{}", role.as_str()))
}

/// `GET /admin/invitation/{token}`.
pub async fn invitation_form(
    State(state): State<Ground>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let found = invitations::find(&mut tx, &token).await?;
    tx.commit().await?;
    let Some(invitation) = found else {
        return invitation_gone(&page, NotAccepted::Unknown);
    };
    if invitation.accepted {
        return invitation_gone(&page, NotAccepted::Used);
    }
    if invitation.expires_at < chrono::Utc::now() {
        return invitation_gone(&page, NotAccepted::Expired);
    }
    let view = InvitationView {
        intro: page
            .text("console.invitation_intro")
            .replace("{email}", &invitation.email)
            .replace("{role}", &role_label(&page, invitation.role))
            .replace("{space}", &page.tenant.name),
        token: &token,
        name: "",
        has_password: invitation.has_password,
        errors: Vec::new(),
    };
    Ok(page.render("console_invitation.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct InvitationForm {
    pub(super) name: String,
    pub(super) password: Option<String>,
    pub(super) confirmation: Option<String>,
}

/// `POST /admin/invitation/{token}`: creates the operator (or adds the role), then asks them to
/// sign in.
pub async fn accept_invitation(
    State(state): State<Ground>,
    page: Page,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<InvitationForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let Some(invitation) = invitations::find(&mut tx, &token).await? else {
        return invitation_gone(&page, NotAccepted::Unknown);
    };
    let name = form.name.trim().to_owned();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 120 {
        errors.push(FieldMessage {
            field: "name",
            message: page.text("validation.required"),
        });
    }
    let new_password = form.password.unwrap_or_default();
    if !invitation.has_password {
        if let Err(key) = password::check_new(&new_password, &invitation.email) {
            errors.push(FieldMessage {
                field: "password",
                message: page.text(key),
            });
        } else if form.confirmation.as_deref() != Some(new_password.as_str()) {
            errors.push(FieldMessage {
                field: "confirmation",
                message: page.text("console.password_mismatch"),
            });
        }
    }
    if !errors.is_empty() {
        let view = InvitationView {
            intro: page.text("console.invitation_fix"),
            token: &token,
            name: &name,
            has_password: invitation.has_password,
            errors,
        };
        let mut response = page.render("console_invitation.html", view)?.into_response();
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let hash = if invitation.has_password {
        None
    } else {
        Some(
            tokio::task::spawn_blocking(move || password::hash(&new_password))
                .await
                .map_err(anyhow::Error::from)??,
        )
    };
    match invitations::accept(&mut tx, &token, &name, hash.as_deref()).await? {
        Ok(_) => {
            tx.commit().await?;
            see_other("/admin/connexion?bienvenue=1")
        }
        Err(why) => invitation_gone(&page, why),
    }
}
