//! What an analyst changes in what the analysis found: themes renamed, merged, split, set aside,
//! near-duplicates merged, the question that stands for profiles. A refused entry comes back on
//! the page with what was typed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{Refused, own_campaign, render, url};
use crate::analysis::profiles;
use crate::analysis::store;
use crate::analysis::versions::Edit;
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Deserialize)]
pub struct ThemeForm {
    action: String,
    theme: Uuid,
    #[serde(default)]
    name: String,
    #[serde(default)]
    into: Option<String>,
    #[serde(default)]
    phrase: String,
}

/// `POST /admin/campagnes/{id}/analyse/themes`: rename, merge, split, drop or restore a theme.
pub async fn edit_theme(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ThemeForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim().to_owned();
    let phrase = form.phrase.trim().to_owned();
    let refused = |field: &'static str, key: &str| Refused {
        theme: Some(form.theme),
        name: form.name.clone(),
        phrase: form.phrase.clone(),
        ..Refused::new(&page, field, key)
    };
    let edit = match form.action.as_str() {
        "renommer" if (1..=120).contains(&name.chars().count()) => Ok(Edit::Rename { key: form.theme, name }),
        "fusionner" => match form.into.as_deref().and_then(|s| s.parse::<Uuid>().ok()) {
            Some(into) if into != form.theme => Ok(Edit::Merge { into, from: form.theme }),
            _ => Err(refused("into", "fusion")),
        },
        "separer" if (2..=120).contains(&phrase.chars().count()) => Ok(Edit::Split {
            key: form.theme,
            new_key: Uuid::new_v4(),
            name: if (1..=120).contains(&name.chars().count()) {
                name
            } else {
                phrase.clone()
            },
            phrase,
        }),
        "ecarter" => Ok(Edit::Drop { key: form.theme }),
        "retablir" => Ok(Edit::Restore { key: form.theme }),
        "renommer" => Err(refused("name", "nom")),
        "separer" => Err(refused("phrase", "expression")),
        _ => return Err(PageError::BadRequest),
    };
    let edit = match edit {
        Ok(edit) => edit,
        Err(refused) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, &page, &operator, id, None, None, Some(refused), status).await;
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    store::add_edit(&mut tx, id, &edit, operator.0.id).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        match edit {
            Edit::Rename { .. } => crate::audit::AuditAction::ANALYSIS_RENAME,
            Edit::Merge { .. } => crate::audit::AuditAction::ANALYSIS_MERGE,
            Edit::Split { .. } => crate::audit::AuditAction::ANALYSIS_SPLIT,
            Edit::Drop { .. } => crate::audit::AuditAction::ANALYSIS_DROP,
            Edit::Restore { .. } => crate::audit::AuditAction::ANALYSIS_RESTORE,
            Edit::Assign { .. } => crate::audit::AuditAction::ANALYSIS_ASSIGN,
        },
        &campaign.summary.slug,
        serde_json::json!({ "edit": format!("{edit:?}") }),
    )
    .await?;
    tx.commit().await?;
    // A published theme renamed, merged or set aside shows so on the results pages at once.
    forget.campaign(id);
    see_other(&format!("{}?fait=theme", url(id)))
}

#[derive(Deserialize)]
pub struct MergeForm {
    kept: Uuid,
    /// The group's contributions, comma-separated.
    group: String,
}

/// `POST /admin/campagnes/{id}/analyse/doublons`: merge a group of near-duplicates into one.
pub async fn merge_duplicates(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<MergeForm>,
) -> Result<Response, PageError> {
    let others: Vec<Uuid> = form
        .group
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|&i| i != form.kept)
        .collect();
    if others.is_empty() {
        return Err(PageError::BadRequest);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let merged = store::merge_contributions(&mut tx, id, form.kept, &others, operator.0.id).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::ANALYSIS_MERGE_DUPLICATES,
        &campaign.summary.slug,
        serde_json::json!({ "kept": form.kept, "merged": merged }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("{}?fait=doublons#doublons", url(id)))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    /// A question's id, or empty for none.
    #[serde(default)]
    question: String,
}

/// `POST /admin/campagnes/{id}/analyse/profils`: choose the survey question whose answers stand
/// for participant profiles in the priority score (or none).
pub async fn choose_profiles(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, PageError> {
    let question = match form.question.trim() {
        "" => None,
        q => Some(q.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    if !profiles::choose(&mut tx, id, question, operator.0.id).await? {
        return see_other(&format!("{}?erreur=profil#profils", url(id)));
    }
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::ANALYSIS_PROFILES,
        &campaign.summary.slug,
        serde_json::json!({ "question": question }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("{}?fait=profils#profils", url(id)))
}
