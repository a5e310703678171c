//! The idea page: the idea, its comments, likes and reports, and the forms that post them
//! (each kept as typed when refused).

use super::shared::IdeaPageKey;
use super::*;
use crate::campaigns::follows::{Followed, is_following};
use crate::campaigns::pages::verified_first;
use crate::ideas::comment_path;
use crate::ideas::queries::{CommentsAt, THREADS_PER_PAGE, comment_page};

/// The idea page's query: a page of its comments, or the page that holds one comment.
#[derive(Deserialize, Default)]
pub struct IdeaQuery {
    /// The page of comments, from 1.
    page: Option<i64>,
    /// A comment of the idea: its page is shown (links to a comment carry it).
    commentaire: Option<Uuid>,
}

impl IdeaQuery {
    fn at(&self) -> CommentsAt {
        match (self.commentaire, self.page) {
            (Some(comment), _) => CommentsAt::Comment(comment),
            (None, page) => CommentsAt::Page(page.unwrap_or(1)),
        }
    }
}

/// `GET /consultations/{slug}/idees/{id}`.
pub async fn idea_page(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    Query(query): Query<IdeaQuery>,
) -> Result<Response, PageError> {
    let at = query.at();
    // Shared by anonymous visitors: a numbered page (a link to one comment is rendered each
    // time, as its page is known only from the database).
    let shared = match (&page.account, at) {
        (None, CommentsAt::Page(number)) => shared_key(&state, &caches, &page, (&slug, id), number).await?,
        _ => None,
    };
    if let Some(key) = shared.as_ref() {
        let cached = caches.pages.idea(key);
        crate::telemetry::metrics::cache_lookup("idea_pages", cached.is_some());
        if let Some(html) = cached {
            return Ok(Html(html).into_response());
        }
    }
    // Boxed, so that a cache hit's future stays small (see the campaign page).
    Box::pin(async {
        let response = render_idea(
            &state,
            &caches,
            &page,
            (&slug, id, at),
            Vec::new(),
            Kept::default(),
            StatusCode::OK,
        )
        .await?;
        match shared {
            Some(key) if response.status() == StatusCode::OK => {
                let (parts, body) = response.into_parts();
                let html = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .map_err(|e| PageError::Internal(e.into()))?;
                caches.pages.insert_idea(key, html.clone());
                Ok(Response::from_parts(parts, axum::body::Body::from(html)))
            }
            _ => Ok(response),
        }
    })
    .await
}

/// The key of the page every anonymous visitor sees for this published idea, `None` when it
/// is not in the campaign's snapshot (not published, or too new) or the campaign is not open
/// to anonymous visitors: such pages are rendered each time.
async fn shared_key(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    (slug, id): (&str, Uuid),
    comments_page: i64,
) -> Result<Option<IdeaPageKey>, PageError> {
    let campaign = campaign_or_404(state, caches, page, slug).await?;
    if !campaign.admits(&page.tenant, None) {
        return Ok(None);
    }
    let snapshot = caches.snapshots.get(&state.db, &page.tenant, &campaign).await?;
    // Only the pages that can exist are shared (there are no more threads than comments): a
    // number past them is rendered each time, so made-up numbers cannot fill the cache.
    let exists = |counters: &(i32, i32)| {
        let pages = (i64::from(counters.1) + THREADS_PER_PAGE - 1) / THREADS_PER_PAGE;
        (1..=pages.max(1)).contains(&comments_page)
    };
    Ok(snapshot.counters(id).filter(exists).map(|counters| IdeaPageKey {
        generation: snapshot.generation(),
        tenant: page.tenant.id,
        tenant_version: page.tenant.version,
        status: campaign.summary.status,
        idea: id,
        lang: page.lang,
        counters,
        comments_page,
    }))
}

pub(super) async fn render_idea(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    (slug, id, at): (&str, Uuid, CommentsAt),
    errors: Vec<ShownError>,
    kept: Kept,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (campaign, idea, mut tx) = idea_in_campaign(state, caches, page, slug, id).await?;
    let comments = comment_page(&mut tx, &idea, page.account.as_ref().map(|a| a.id), at).await?;
    let following = match &page.account {
        Some(account) => is_following(&mut tx, idea.tenant_id, Followed::Idea(idea.id), account.id).await?,
        None => false,
    };
    tx.commit().await?;
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        idea: &'a IdeaView,
        comments: Vec<crate::ideas::CommentView>,
        /// This page of comments, how many there are, and the rank of its first thread.
        comments_page: i64,
        comments_pages: i64,
        comments_first: i64,
        following: bool,
        can_contribute: bool,
        submission_key: Uuid,
        errors: Vec<ShownError>,
        kept: Kept,
        paragraphs: Vec<&'a str>,
    }
    let view = View {
        paragraphs: idea.body.lines().map(str::trim).filter(|l| !l.is_empty()).collect(),
        can_contribute: campaign.is_open(),
        campaign: &campaign,
        idea: &idea,
        comments_page: comments.number,
        comments_pages: comments.pages,
        comments_first: comments.first,
        comments: comments.threads,
        following,
        submission_key: Uuid::new_v4(),
        errors,
        kept,
    };
    let mut response = page.render("idea.html", view)?.into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// What a person typed in a form of the idea page that was refused, shown again in its field
/// with the message beside it (the comment or reply form it came from, or the report form).
#[derive(Serialize, Default)]
pub(super) struct Kept {
    /// `Some` for a refused comment: the text, the comment it answered (`None`: top level),
    /// and the message.
    pub(super) comment: Option<KeptText>,
    /// `Some` for a refused report.
    pub(super) report: Option<KeptText>,
    /// `Some` for a refused edit of a comment (`parent`: the comment edited).
    pub(super) edit: Option<KeptText>,
}

#[derive(Serialize)]
pub(super) struct KeptText {
    pub(super) text: String,
    pub(super) parent: Option<String>,
    pub(super) message: String,
}

/// The form of the idea page a refused text came from.
#[derive(Clone, Copy)]
pub(super) enum TextForm {
    Comment,
    Report,
    Edit,
}

/// A text of the idea page as typed in its `field`: refused when it held a refused character
/// (`refused` is set), else parsed.
pub(super) fn checked_text<T>(
    refused: Option<String>,
    field: &'static str,
    parse: impl FnOnce() -> Result<T, Vec<FieldError>>,
) -> Result<T, Vec<FieldError>> {
    match refused {
        Some(_) => Err(vec![FieldError {
            field,
            message: "error.invalid_text.field",
        }]),
        None => parse(),
    }
}

/// The idea page again (422), with a refused `text` (answering `parent`) in the field of
/// `form` and the message of `errors` beside it.
pub(super) async fn refused_text(
    (state, caches, page): (&Ground, &IdeaCaches, &Page),
    idea_at: (&str, Uuid),
    errors: &[FieldError],
    form: TextForm,
    text: String,
    parent: Option<String>,
) -> Result<Response, PageError> {
    let errors = shown(page, errors);
    // The page that holds the form: the comment replied to, edited or reported, else the last
    // page for a new comment (where it will land) and the first for a report of the idea.
    let on = parent.as_deref().and_then(|p| p.parse::<Uuid>().ok());
    let at = match (on, form) {
        (Some(comment), _) => CommentsAt::Comment(comment),
        (None, TextForm::Comment) => CommentsAt::Last,
        (None, _) => CommentsAt::Page(1),
    };
    let text = Some(KeptText {
        // The forms of the idea page have one field each.
        message: errors.first().map(|e| e.message.clone()).unwrap_or_default(),
        text,
        parent,
    });
    let kept = match form {
        TextForm::Comment => Kept {
            comment: text,
            ..Kept::default()
        },
        TextForm::Report => Kept {
            report: text,
            ..Kept::default()
        },
        TextForm::Edit => Kept {
            edit: text,
            ..Kept::default()
        },
    };
    render_idea(
        state,
        caches,
        page,
        (idea_at.0, idea_at.1, at),
        errors,
        kept,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize)]
pub struct LikeForm {
    /// `soutenir` or `retirer`: explicit, so a double submission does not undo itself.
    action: String,
    retour: Option<String>,
}

/// `POST /consultations/{slug}/idees/{id}/soutien`.
pub async fn post_like(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    CsrfForm(form): CsrfForm<LikeForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let (campaign, idea, mut tx) = idea_in_campaign(&state, &caches, &page, &slug, id).await?;
    if !campaign.hears(&account) {
        return verified_first(&page, &slug);
    }
    if !campaign.is_open() || idea.status != "published" {
        return Err(PageError::BadRequest);
    }
    if idea.is_mine {
        return idea_conflict(&page, "ideas.own_like_title", "ideas.own_like_body", (&slug, id));
    }
    let delta = match form.action.as_str() {
        "soutenir" => match like(&mut tx, &idea, account.id).await? {
            true => Some(1),
            // Not liked by this account, yet not added: the same identity liked it with
            // another account (one voice per identity).
            false if campaign.verified_only && !idea.liked_by_me => {
                return idea_conflict(&page, "ideas.one_voice_title", "ideas.one_voice_body", (&slug, id));
            }
            false => None,
        },
        "retirer" => unlike(&mut tx, &idea, account.id).await?.then_some(-1),
        _ => return Err(PageError::BadRequest),
    };
    tx.commit().await?;
    if let Some(delta) = delta {
        caches.snapshots.count_like(campaign.summary.id, id, delta).await;
    }
    let back = safe_return_path(form.retour.as_deref());
    see_other(&format!("{back}#idee-{id}"))
}

#[derive(Deserialize)]
pub struct CommentForm {
    body: String,
    parent_id: Option<String>,
    submission_key: Uuid,
}

/// `POST /consultations/{slug}/idees/{id}/commentaires`.
pub async fn post_comment(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    checked: CheckedForm<CommentForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    // Only the text is shown again; a refused character in a hidden field gets the error page.
    let (form, refused) = checked.shown(|f| f == "body")?;
    let parent_id = form.parent_id.filter(|p| !p.is_empty());
    let parent = optional_id(parent_id.clone())?;
    let (campaign, idea, tx) = idea_in_campaign(&state, &caches, &page, &slug, id).await?;
    if !campaign.hears(&account) {
        return verified_first(&page, &slug);
    }
    if !campaign.is_open() || idea.status != "published" {
        return Err(PageError::BadRequest);
    }
    let mut tx = tx;
    // A refused character (a NUL...) or a text too short or long: the page again, the entry in
    // its field with the message beside it, nothing stored.
    let body = match checked_text(refused, "body", || parse_comment(&form.body)) {
        Ok(body) => body,
        Err(errors) => {
            drop(tx);
            let on = (&state, &caches, &page);
            return refused_text(on, (&slug, id), &errors, TextForm::Comment, form.body, parent_id).await;
        }
    };
    match insert_comment(&mut tx, &idea, parent, account.id, &body, form.submission_key).await? {
        Ok(inserted) => {
            tx.commit().await?;
            if let Inserted::New(comment) = &inserted {
                crate::telemetry::metrics::contribution(&page.tenant.slug, "comment");
                caches.snapshots.count_comment(campaign.summary.id, id).await;
                let base = crate::ideas::follows::idea_space_base(&page.origin, &page.tenant, idea.tenant_id);
                crate::ideas::follows::tell_reply(&state.db, &idea, *comment, &base).await;
            }
            see_other(&comment_path(
                &format!("/consultations/{slug}/idees/{id}"),
                inserted.id(),
            ))
        }
        Err(CommentProblem::BadParent) => Err(PageError::BadRequest),
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    reason: String,
    comment_id: Option<String>,
}

/// `POST /consultations/{slug}/idees/{id}/signalement`.
pub async fn post_report(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    checked: CheckedForm<ReportForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let (form, refused) = checked.shown(|f| f == "reason")?;
    let comment_id = form.comment_id.filter(|p| !p.is_empty());
    let comment = optional_id(comment_id.clone())?;
    let (_, idea, mut tx) = idea_in_campaign(&state, &caches, &page, &slug, id).await?;
    let reason = match checked_text(refused, "reason", || parse_reason(&form.reason)) {
        Ok(r) => r,
        Err(errors) => {
            drop(tx);
            let on = (&state, &caches, &page);
            return refused_text(on, (&slug, id), &errors, TextForm::Report, form.reason, comment_id).await;
        }
    };
    report(&mut tx, &idea, comment, account.id, &reason).await?;
    tx.commit().await?;
    message(
        &page,
        "ideas.reported_title",
        &["ideas.reported_body"],
        Some(("ideas.back_to_idea", format!("/consultations/{slug}/idees/{id}"))),
    )
}
