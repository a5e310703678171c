//! The author's own contributions: editing an idea (its own page) or a comment (in place, on
//! the idea page) while the campaign is open, and withdrawing either at any time.
//!
//! The change runs in the idea's space (a national idea posted from a local space too), and
//! drops the cached lists and pages that show it, on every instance ([`Forget`]).

use super::*;
use crate::db::changes::Forget;
use crate::ideas::queries::{Owned, edit_comment, edit_idea, withdraw};
use crate::tenancy::TenantId;

/// The idea (the author's own, in an open campaign: else the page that says why not).
async fn own_idea(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    (slug, id): (&str, Uuid),
) -> Result<Result<(Arc<CampaignDetail>, IdeaView), Response>, PageError> {
    let (campaign, idea, tx) = idea_in_campaign(state, caches, page, slug, id).await?;
    tx.commit().await?;
    if !idea.is_mine {
        return Err(PageError::NotFound);
    }
    if !campaign.is_open() || idea.hidden.is_some() {
        let mut r = message(
            page,
            "ideas_own.closed_title",
            &["ideas_own.closed_body"],
            Some(("ideas.back_to_idea", format!("/consultations/{slug}/idees/{id}"))),
        )?;
        *r.status_mut() = StatusCode::CONFLICT;
        return Ok(Err(r));
    }
    Ok(Ok((campaign, idea)))
}

/// A transaction in the idea's own space (a database row gave its id).
async fn in_idea_space(state: &Ground, idea: &IdeaView) -> Result<TenantTx, PageError> {
    Ok(state.db.begin_in(TenantId::from_database(idea.tenant_id)).await?)
}

fn render_edit(
    page: &Page,
    campaign: &CampaignDetail,
    idea: &IdeaView,
    form: IdeaFormState,
    status: StatusCode,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        idea: &'a IdeaView,
        form: IdeaFormState,
    }
    let mut response = page
        .render("idea_edit.html", View { campaign, idea, form })?
        .into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /consultations/{slug}/idees/{id}/modifier`: the author's form, filled with the text.
pub async fn edit_idea_form(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
) -> Result<Response, PageError> {
    if page.account.is_none() {
        return sign_in_first(&page.path);
    }
    let (campaign, idea) = match own_idea(&state, &caches, &page, (&slug, id)).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let form = IdeaFormState {
        kind: idea.kind.clone(),
        title: idea.title.clone(),
        body: idea.body.clone(),
        theme: idea.theme.clone().unwrap_or_default(),
        errors: Vec::new(),
    };
    render_edit(&page, &campaign, &idea, form, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct EditIdeaForm {
    kind: String,
    title: String,
    body: String,
    theme: Option<String>,
}

/// `POST /consultations/{slug}/idees/{id}/modifier`: the new text, the old one kept as a
/// version. The same text again (a double submission) changes nothing.
pub async fn post_edit_idea(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    State(forget): State<Forget>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    CheckedForm { form, refused }: CheckedForm<EditIdeaForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let (campaign, idea) = match own_idea(&state, &caches, &page, (&slug, id)).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let parsed = match refused {
        Some(field) => Err(vec![FieldError {
            field: match field.as_str() {
                "body" => "body",
                "kind" => "kind",
                "theme" => "theme",
                _ => "title",
            },
            message: "error.invalid_text.field",
        }]),
        None => NewIdea::parse(
            &form.kind,
            &form.title,
            &form.body,
            form.theme.as_deref(),
            &campaign.summary.themes,
        ),
    };
    let new = match parsed {
        Ok(new) => new,
        Err(errors) => {
            let kept = IdeaFormState {
                errors: shown(&page, &errors),
                kind: form.kind,
                title: form.title,
                body: form.body,
                theme: form.theme.unwrap_or_default(),
            };
            return render_edit(&page, &campaign, &idea, kept, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let mut tx = in_idea_space(&state, &idea).await?;
    let outcome = edit_idea(&mut tx, id, account.id, &new, campaign.premoderation).await?;
    tx.commit().await?;
    match outcome {
        Owned::Changed => forget.campaign(campaign.summary.id),
        Owned::Unchanged => {}
        Owned::Refused => return Err(PageError::NotFound),
    }
    see_other(&format!("/consultations/{slug}/idees/{id}"))
}

#[derive(Deserialize)]
pub struct EditCommentForm {
    comment_id: Uuid,
    body: String,
}

/// `POST /consultations/{slug}/idees/{id}/commentaires/modifier`: the author's new text of
/// one of their comments; a refused text comes back in its field on the idea page.
pub async fn post_edit_comment(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    State(forget): State<Forget>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    checked: CheckedForm<EditCommentForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let (form, refused) = checked.shown(|f| f == "body")?;
    let (campaign, idea) = match own_comment_idea(&state, &caches, &page, (&slug, id)).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let parsed = match refused {
        Some(_) => Err(vec![FieldError {
            field: "body",
            message: "error.invalid_text.field",
        }]),
        None => parse_comment(&form.body),
    };
    let body = match parsed {
        Ok(body) => body,
        Err(errors) => {
            let errors = shown(&page, &errors);
            let kept = Kept {
                edit: Some(KeptText {
                    message: first_message(&errors),
                    text: form.body,
                    parent: Some(form.comment_id.to_string()),
                }),
                ..Kept::default()
            };
            return render_idea(
                &state,
                &caches,
                &page,
                (&slug, id),
                errors,
                kept,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut tx = in_idea_space(&state, &idea).await?;
    let outcome = edit_comment(&mut tx, id, form.comment_id, account.id, &body).await?;
    tx.commit().await?;
    match outcome {
        Owned::Changed => forget.campaign(campaign.summary.id),
        Owned::Unchanged => {}
        Owned::Refused => return Err(PageError::NotFound),
    }
    see_other(&format!(
        "/consultations/{slug}/idees/{id}#commentaire-{}",
        form.comment_id
    ))
}

/// The idea whose comment its author edits: open campaign, idea still shown.
async fn own_comment_idea(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    (slug, id): (&str, Uuid),
) -> Result<Result<(Arc<CampaignDetail>, IdeaView), Response>, PageError> {
    let (campaign, idea, tx) = idea_in_campaign(state, caches, page, slug, id).await?;
    tx.commit().await?;
    if !campaign.is_open() || idea.hidden.is_some() {
        let mut r = message(
            page,
            "ideas_own.closed_title",
            &["ideas_own.closed_body"],
            Some(("ideas.back_to_idea", format!("/consultations/{slug}/idees/{id}"))),
        )?;
        *r.status_mut() = StatusCode::CONFLICT;
        return Ok(Err(r));
    }
    Ok(Ok((campaign, idea)))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    /// A comment of the idea; none: the idea itself.
    comment_id: Option<String>,
}

/// `POST /consultations/{slug}/idees/{id}/retrait`: the author withdraws the idea, or one of
/// their comments of it. Its place then reads "Retirée par son auteur". Twice is once.
pub async fn post_withdraw(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    State(forget): State<Forget>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    CsrfForm(form): CsrfForm<WithdrawForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let comment = match form.comment_id.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(c.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let (campaign, idea, tx) = idea_in_campaign(&state, &caches, &page, &slug, id).await?;
    tx.commit().await?;
    let mut tx = in_idea_space(&state, &idea).await?;
    let outcome = withdraw(&mut tx, id, comment, account.id).await?;
    tx.commit().await?;
    match outcome {
        Owned::Changed => forget.campaign(campaign.summary.id),
        Owned::Unchanged => {}
        Owned::Refused => return Err(PageError::NotFound),
    }
    match comment {
        Some(c) => see_other(&format!("/consultations/{slug}/idees/{id}#commentaire-{c}")),
        None => see_other(&format!("/consultations/{slug}/idees/{id}")),
    }
}
