//! The author's own contributions: editing an idea (its own page) or a comment (in place, on
//! the idea page) while the campaign is open, and withdrawing either at any time.
//!
//! The change runs in the idea's space (a national idea posted from a local space too), and
//! drops the cached lists and pages that show it, on every instance ([`Forget`]).

use super::*;
use crate::accounts::Account;
use crate::db::changes::Forget;
use crate::ideas::comment_path;
use crate::ideas::queries::{edit_comment, edit_idea, withdraw};
use crate::tenancy::TenantId;

/// What the author changes: each asks something else of the idea.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Their idea's text: their own, in an open campaign, still shown.
    Idea,
    /// One of their comments (whose authorship the query checks): open campaign, idea shown.
    Comment,
    /// A withdrawal: at any time.
    Withdrawal,
}

/// The author's idea and what it is in.
struct Own {
    account: Account,
    campaign: Arc<CampaignDetail>,
    idea: IdeaView,
}

/// The preamble of every handler here: who is signed in, the idea (in a campaign that admits
/// them), and whether `change` may be made. `Err`: the page to show instead (sign in first, or
/// why not, 409).
async fn own_idea(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    (slug, id): (&str, Uuid),
    change: Change,
) -> Result<Result<Own, Response>, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path).map(Err);
    };
    let (campaign, idea, tx) = idea_in_campaign(state, caches, page, slug, id).await?;
    tx.commit().await?;
    if change == Change::Idea && !idea.is_mine {
        return Err(PageError::NotFound);
    }
    if change != Change::Withdrawal && (!campaign.is_open() || idea.hidden.is_some()) {
        let r = idea_conflict(page, "ideas_own.closed_title", "ideas_own.closed_body", (slug, id))?;
        return Ok(Err(r));
    }
    Ok(Ok(Own {
        account,
        campaign,
        idea,
    }))
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
    let Own { campaign, idea, .. } = match own_idea(&state, &caches, &page, (&slug, id), Change::Idea).await? {
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

/// `POST /consultations/{slug}/idees/{id}/modifier`: the new text, the old one kept as a
/// version. The same text again (a double submission) changes nothing.
pub async fn post_edit_idea(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    State(forget): State<Forget>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    CheckedForm { form, refused }: CheckedForm<IdeaFields>,
) -> Result<Response, PageError> {
    let own = match own_idea(&state, &caches, &page, (&slug, id), Change::Idea).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let new = match form.parse(refused, &own.campaign.summary.themes) {
        Ok(new) => new,
        Err(errors) => {
            let kept = form.kept(&page, &errors);
            return render_edit(&page, &own.campaign, &own.idea, kept, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let mut tx = in_idea_space(&state, &own.idea).await?;
    let outcome = edit_idea(&mut tx, id, own.account.id, &new, own.campaign.premoderation).await?;
    tx.commit().await?;
    if !outcome.settle(&forget, own.campaign.summary.id) {
        return Err(PageError::NotFound);
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
    if page.account.is_none() {
        return sign_in_first(&page.path);
    }
    let (form, refused) = checked.shown(|f| f == "body")?;
    let own = match own_idea(&state, &caches, &page, (&slug, id), Change::Comment).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let body = match checked_text(refused, "body", || parse_comment(&form.body)) {
        Ok(body) => body,
        Err(errors) => {
            let on = (&state, &caches, &page);
            let parent = Some(form.comment_id.to_string());
            return refused_text(on, (&slug, id), &errors, TextForm::Edit, form.body, parent).await;
        }
    };
    let mut tx = in_idea_space(&state, &own.idea).await?;
    let outcome = edit_comment(&mut tx, id, form.comment_id, own.account.id, &body).await?;
    tx.commit().await?;
    if !outcome.settle(&forget, own.campaign.summary.id) {
        return Err(PageError::NotFound);
    }
    see_other(&comment_path(
        &format!("/consultations/{slug}/idees/{id}"),
        form.comment_id,
    ))
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
    if page.account.is_none() {
        return sign_in_first(&page.path);
    }
    let comment = optional_id(form.comment_id)?;
    let own = match own_idea(&state, &caches, &page, (&slug, id), Change::Withdrawal).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let mut tx = in_idea_space(&state, &own.idea).await?;
    let outcome = withdraw(&mut tx, id, comment, own.account.id).await?;
    tx.commit().await?;
    if !outcome.settle(&forget, own.campaign.summary.id) {
        return Err(PageError::NotFound);
    }
    match comment {
        Some(c) => see_other(&comment_path(&format!("/consultations/{slug}/idees/{id}"), c)),
        None => see_other(&format!("/consultations/{slug}/idees/{id}")),
    }
}
