//! What became of the ideas, and what happened next: decisions (with the ideas they answer)
//! and news of the project, written by the operator and mailed to those who follow.

use super::*;

/// The decision form: its fields, and one `ideas` pair per ticked idea.
#[derive(Debug, Default)]
pub struct DecisionForm {
    pub(super) id: Option<String>,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) explanation: String,
    pub(super) ideas: Vec<String>,
    pub(super) themes: Vec<String>,
}

impl DecisionForm {
    /// Reads the form's pairs (repeated `ideas` keys, which a struct cannot take).
    fn from_pairs(pairs: Vec<(String, String)>) -> DecisionForm {
        let mut form = DecisionForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "id" => form.id = Some(value),
                "title" => form.title = value,
                "status" => form.status = value,
                "explanation" => form.explanation = value,
                "ideas" => form.ideas.push(value),
                "themes" => form.themes.push(value),
                _ => {}
            }
        }
        form
    }
}

/// `POST /admin/campagnes/{id}/decisions`: adds or changes a decision.
pub async fn save_decision(
    State(state): State<Ground>,
    State(results): State<ResultsCache>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    checked: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    // A refused character in a field the form does not show as text: the French page.
    let (pairs, refused) = checked.shown(|f| ["title", "explanation"].contains(&f))?;
    let form = DecisionForm::from_pairs(pairs);
    let decision = match form.id.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let ideas: Result<Vec<Uuid>, _> = form
        .ideas
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::parse::<Uuid>)
        .collect();
    let themes: Result<Vec<Uuid>, _> = form.themes.iter().map(|s| s.trim().parse::<Uuid>()).collect();
    let mut problems = decisions::validate(&form.title, &form.status, &form.explanation);
    if refused.is_some() {
        problems.push(decisions::Problem::RefusedText);
    }
    let themes = match themes {
        Ok(themes) => themes,
        Err(_) => {
            problems.push(decisions::Problem::UnknownTheme);
            Vec::new()
        }
    };
    let ideas = match ideas {
        Ok(ideas) => ideas,
        Err(_) => {
            problems.push(decisions::Problem::UnknownIdea);
            Vec::new()
        }
    };
    if problems.is_empty() {
        let mut tx = state.db.begin(&page.tenant).await?;
        authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
        let draft = decisions::DecisionDraft {
            title: form.title.clone(),
            status: form.status.clone(),
            explanation: form.explanation.clone(),
            ideas: ideas.clone(),
            themes,
        };
        let before = decisions::before(&mut tx, decision).await?;
        match decisions::save(&mut tx, id, decision, &draft).await {
            Ok(Ok(saved)) => {
                decisions::tell_followers(&mut tx, id, before.as_ref(), &draft, &page.origin.base_url()).await?;
                crate::audit::record(
                    &mut tx,
                    &operator.0,
                    crate::audit::AuditAction::RESULTS_DECISION,
                    &form.title,
                    serde_json::json!({ "campaign": id, "decision": saved, "status": form.status, "ideas": ideas }),
                )
                .await?;
                tx.commit().await?;
                results.forget_all();
                return see_other(&format!("/admin/campagnes/{id}/resultats?fait=decision"));
            }
            Ok(Err(problem)) => problems.push(problem),
            Err(sqlx::Error::RowNotFound) => return Err(PageError::NotFound),
            Err(e) => return Err(e.into()),
        }
    }
    let errors = problems.iter().map(|p| page.text(p.key())).collect();
    let kept = Kept {
        form: Kept::form_of("decision", decision),
        title: form.title,
        text: form.explanation,
        status: form.status,
        ideas: form.ideas.iter().filter_map(|s| s.trim().parse().ok()).collect(),
        themes: form.themes.iter().filter_map(|s| s.trim().parse().ok()).collect(),
    };
    let view = kept_view(&state, &page, id, errors, None, kept).await?;
    render(&page, &operator, view, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Debug, Deserialize)]
pub struct NewsForm {
    #[serde(default)]
    pub(super) id: Option<String>,
    pub(super) title: String,
    pub(super) body: String,
}

/// `POST /admin/campagnes/{id}/nouvelles`: publishes or edits a post; followers not told yet
/// are mailed once, through the outbox, in the same transaction.
pub async fn save_news(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    checked: CheckedForm<NewsForm>,
) -> Result<Response, PageError> {
    let (form, refused) = checked.shown(|f| ["title", "body"].contains(&f))?;
    let post = match form.id.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let body = form.body;
    let mut problems = crate::results::news::validate(&form.title, &body);
    if refused.is_some() {
        problems.push("error.invalid_text.field");
    }
    if !problems.is_empty() {
        let errors = problems.iter().map(|k| page.text(k)).collect();
        let kept = Kept {
            form: Kept::form_of("news", post),
            title: form.title,
            text: body,
            ..Kept::default()
        };
        let view = kept_view(&state, &page, id, errors, None, kept).await?;
        return render(&page, &operator, view, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let link = format!(
        "{}/consultations/{}/nouvelles",
        page.origin.base_url_for(&page.origin.host.clone().unwrap_or_default()),
        campaign.summary.slug
    );
    let (saved, queued) = match crate::results::news::save_post(&mut tx, id, post, &form.title, &body, &link).await {
        Ok(saved) => saved,
        Err(sqlx::Error::RowNotFound) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::RESULTS_NEWS,
        &form.title,
        serde_json::json!({ "campaign": id, "post": saved, "mails_queued": queued }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/resultats?fait=nouvelle"))
}
