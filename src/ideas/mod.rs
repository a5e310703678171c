//! Ideas: what citizens propose, expect or have lived (`idée`, `attente`, `expérience`), with
//! likes (one per person, not on one's own idea), comments with one level of replies, and
//! reports to moderators.
//!
//! An idea belongs to its campaign's tenant; `origin_tenant_id` records the space it was posted
//! from (a local space, for a national campaign). Forms carry a one-time `submission_key`, so a
//! double click or a refresh stores one row, not two.

pub mod api;
pub mod api_own;
pub mod api_types;
pub mod caches;
pub mod follows;
pub mod likes;
pub mod listing;
pub mod mine;
pub mod pages;
pub mod queries;
pub mod searches;
pub mod snapshot;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::web::Ground;

/// The ideas' routes: the campaign page with its ideas, an idea's page, likes, comments and
/// reports, and their API (which also lists campaigns).
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
    caches::IdeaCaches: FromRef<S>,
    crate::db::changes::Forget: FromRef<S>,
{
    Router::new()
        .route("/consultations/{slug}", get(pages::campaign_page))
        .route("/consultations/{slug}/idees", post(pages::post_idea))
        .route("/consultations/{slug}/idees/{id}", get(pages::idea_page))
        .route("/consultations/{slug}/idees/{id}/soutien", post(pages::post_like))
        .route(
            "/consultations/{slug}/idees/{id}/commentaires",
            post(pages::post_comment),
        )
        .route("/consultations/{slug}/idees/{id}/signalement", post(pages::post_report))
        .route(
            "/consultations/{slug}/idees/{id}/modifier",
            get(pages::edit_idea_form).post(pages::post_edit_idea),
        )
        .route(
            "/consultations/{slug}/idees/{id}/commentaires/modifier",
            post(pages::post_edit_comment),
        )
        .route("/consultations/{slug}/idees/{id}/retrait", post(pages::post_withdraw))
        .route("/compte/contributions", get(mine::my_contributions_page))
        .route("/compte/contributions/reponses", post(mine::set_reply_mail))
        .route("/consultations/{slug}/idees/{id}/suivi", post(pages::post_follow))
        .route("/api/v1/campaigns", get(api::list_campaigns))
        .route("/api/v1/campaigns/{slug}", get(api::get_campaign))
        .route(
            "/api/v1/campaigns/{slug}/ideas",
            get(api::list_campaign_ideas).post(api::create_idea),
        )
        .route(
            "/api/v1/ideas/{id}",
            get(api::get_idea)
                .put(api_own::edit_my_idea)
                .delete(api_own::withdraw_my_idea),
        )
        .route("/api/v1/ideas/{id}/like", post(api::like_idea).delete(api::unlike_idea))
        .route(
            "/api/v1/ideas/{id}/comments",
            get(api::get_comments).post(api::create_comment),
        )
        .route(
            "/api/v1/ideas/{id}/comments/{comment}",
            put(api_own::edit_my_comment).delete(api_own::withdraw_my_comment),
        )
        .route("/api/v1/ideas/{id}/reports", post(api::create_report))
}

/// The ideas API's part of the OpenAPI document (`crate::app::openapi` merges the parts).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::list_campaigns,
    api::get_campaign,
    api::list_campaign_ideas,
    api::create_idea,
    api::get_idea,
    api_own::edit_my_idea,
    api_own::withdraw_my_idea,
    api::like_idea,
    api::unlike_idea,
    api::get_comments,
    api::create_comment,
    api_own::edit_my_comment,
    api_own::withdraw_my_comment,
    api::create_report,
))]
pub struct Api;

pub const TITLE_MIN: usize = 3;
pub const TITLE_MAX: usize = 140;
pub const BODY_MIN: usize = 10;
pub const BODY_MAX: usize = 4000;
pub const COMMENT_MIN: usize = 2;
pub const COMMENT_MAX: usize = 2000;
pub const REASON_MIN: usize = 3;
pub const REASON_MAX: usize = 1000;
pub const PAGE_SIZE: i64 = 20;
/// The longest search, in characters (a few dozen words), as the API document promises it
/// (`IdeasQuery`'s `q`; a test keeps the two in step). PostgreSQL's cost grows with the words
/// of a full-text query (3,000 words took half a second), so longer ones are cut on the pages
/// and refused by the API.
pub const SEARCH_MAX_CHARS: usize = 200;

/// `search` cut to [`SEARCH_MAX_CHARS`] characters (at a character boundary).
pub fn bounded_search(search: &str) -> &str {
    match search.char_indices().nth(SEARCH_MAX_CHARS) {
        Some((end, _)) => &search[..end],
        None => search,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IdeaKind {
    Idee,
    Attente,
    Experience,
}

impl IdeaKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "idee" => Some(IdeaKind::Idee),
            "attente" => Some(IdeaKind::Attente),
            "experience" => Some(IdeaKind::Experience),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IdeaKind::Idee => "idee",
            IdeaKind::Attente => "attente",
            IdeaKind::Experience => "experience",
        }
    }
}

/// Orders of the idea list. Random is the default so early posts do not win by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdeaOrder {
    #[default]
    Random,
    MostLiked,
    Newest,
    MostCommented,
}

impl IdeaOrder {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("most-liked") => IdeaOrder::MostLiked,
            Some("newest") => IdeaOrder::Newest,
            Some("most-commented") => IdeaOrder::MostCommented,
            _ => IdeaOrder::Random,
        }
    }
}

/// The address of a comment: its idea's page (`idea_path`, absolute or not) at the page of the
/// discussion that holds it, scrolled to it. (`moderation::notice` writes the same for its mail.)
pub fn comment_path(idea_path: &str, comment: Uuid) -> String {
    format!("{idea_path}?commentaire={comment}#commentaire-{comment}")
}

/// A field-level validation problem, with the locale key of its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

/// A new idea, validated.
#[derive(Debug, Clone)]
pub struct NewIdea {
    pub kind: IdeaKind,
    pub title: String,
    pub body: String,
    pub theme: Option<String>,
}

fn length_check(field: &'static str, value: &str, min: usize, max: usize, errors: &mut Vec<FieldError>) {
    let n = value.chars().count();
    if n == 0 {
        errors.push(FieldError {
            field,
            message: "validation.required",
        });
    } else if n < min {
        errors.push(FieldError {
            field,
            message: "validation.too_short",
        });
    } else if n > max {
        errors.push(FieldError {
            field,
            message: "validation.too_long",
        });
    }
}

impl NewIdea {
    /// Parses raw input; `themes` are the campaign's themes (a theme must be one of them).
    pub fn parse(
        kind: &str,
        title: &str,
        body: &str,
        theme: Option<&str>,
        themes: &[String],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = IdeaKind::parse(kind);
        if kind.is_none() {
            errors.push(FieldError {
                field: "kind",
                message: "validation.kind",
            });
        }
        let (title, body) = (title.trim().to_owned(), body.trim().replace("\r\n", "\n"));
        length_check("title", &title, TITLE_MIN, TITLE_MAX, &mut errors);
        length_check("body", &body, BODY_MIN, BODY_MAX, &mut errors);
        let theme = theme.map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        if let Some(t) = &theme
            && !themes.contains(t)
        {
            errors.push(FieldError {
                field: "theme",
                message: "validation.theme",
            });
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(NewIdea {
                kind,
                title,
                body,
                theme,
            }),
            _ => Err(errors),
        }
    }
}

/// Validates a comment or reply body.
pub fn parse_comment(body: &str) -> Result<String, Vec<FieldError>> {
    let body = body.trim().replace("\r\n", "\n");
    let mut errors = Vec::new();
    length_check("body", &body, COMMENT_MIN, COMMENT_MAX, &mut errors);
    if errors.is_empty() { Ok(body) } else { Err(errors) }
}

/// Validates a report's reason.
pub fn parse_reason(reason: &str) -> Result<String, Vec<FieldError>> {
    let reason = reason.trim().to_owned();
    let mut errors = Vec::new();
    length_check("reason", &reason, REASON_MIN, REASON_MAX, &mut errors);
    if errors.is_empty() { Ok(reason) } else { Err(errors) }
}

/// An idea as lists and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IdeaView {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub campaign_id: Uuid,
    pub origin_tenant_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The first 280 characters of the body, for lists.
    pub excerpt: String,
    pub theme: Option<String>,
    pub status: String,
    pub like_count: i32,
    pub comment_count: i32,
    pub author: String,
    pub is_mine: bool,
    pub liked_by_me: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When its author last changed it (`None`: never): the page says "modifié le …".
    pub edited_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Hidden: who hid it and why, for its placeholder (`None` unless hidden).
    pub hidden: Option<crate::moderation::HiddenNotice>,
}

/// At most `max` characters, cut at a word boundary, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut
        .rsplit_once(char::is_whitespace)
        .map(|(head, _)| head)
        .unwrap_or(&cut);
    format!("{}…", cut.trim_end())
}

/// A comment or a reply.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub body: String,
    pub status: String,
    pub author: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When its author last changed it (`None`: never).
    pub edited_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Written by the person reading.
    pub is_mine: bool,
    /// Hidden: who hid it and why, for its placeholder (`None` unless hidden).
    pub hidden: Option<crate::moderation::HiddenNotice>,
    /// Replies (one level: a reply has none).
    #[schema(no_recursion)]
    pub replies: Vec<CommentView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_cut_at_a_character_boundary() {
        assert_eq!(bounded_search("allocations"), "allocations");
        let long = "é".repeat(SEARCH_MAX_CHARS + 5);
        assert_eq!(bounded_search(&long).chars().count(), SEARCH_MAX_CHARS);
        assert_eq!(
            bounded_search(&long[..SEARCH_MAX_CHARS * 2]),
            &long[..SEARCH_MAX_CHARS * 2]
        );
    }

    #[test]
    fn idea_validation() {
        let themes = vec!["Accueil".to_owned()];
        assert!(NewIdea::parse("idee", "Un titre", "Un corps assez long.", Some("Accueil"), &themes).is_ok());
        let errors = NewIdea::parse("autre", "", &"x".repeat(4001), Some("Inconnu"), &themes).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field, e.message)).collect();
        assert_eq!(
            fields,
            vec![
                ("kind", "validation.kind"),
                ("title", "validation.required"),
                ("body", "validation.too_long"),
                ("theme", "validation.theme")
            ]
        );
        assert_eq!(
            NewIdea::parse("idee", "ab", "court", None, &themes).unwrap_err().len(),
            2
        );
        assert_eq!(parse_comment("  ").unwrap_err()[0].message, "validation.required");
        assert_eq!(IdeaOrder::parse(Some("most-liked")), IdeaOrder::MostLiked);
        assert_eq!(IdeaOrder::parse(Some("n'importe")), IdeaOrder::Random);
        assert_eq!(excerpt("court", 280), "court");
        assert_eq!(excerpt("un deux trois", 9), "un deux…");
    }
}
