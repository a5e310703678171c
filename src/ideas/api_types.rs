//! The types the ideas API reads and writes, as the OpenAPI document describes them (the
//! handlers are in [`super::api`]): path and query parameters, request bodies, and the answers
//! that are not a domain type of their own. The length limits of the bodies are the validation
//! constants of [`super`] (a test keeps the two in step).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{IdeaOrder, IdeaView};

/// `{slug}`: a campaign's slug.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SlugParam {
    /// The campaign's slug.
    pub slug: String,
}

/// `{id}`: an idea's id.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdeaParam {
    /// The idea's id.
    pub id: Uuid,
}

/// `{id}` and `{comment}`: an idea's id and one of its comments' id.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CommentParams {
    /// The idea's id.
    pub id: Uuid,
    /// The comment's id.
    pub comment: Uuid,
}

/// The query of the ideas list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdeasQuery {
    /// The order (unknown values: random).
    #[param(value_type = Option<IdeaOrder>, inline, default = "random")]
    pub order: Option<String>,
    /// The page, from 1 (clamped to 1..=10000).
    #[param(minimum = 1, maximum = 10000, default = 1)]
    pub page: Option<i64>,
    /// Seed of the random order; pass the same one to page through a stable order.
    pub seed: Option<String>,
    /// Full-text search (French, accent-insensitive; words, "phrases", -excluded), at most
    /// `SEARCH_MAX_CHARS` characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
}

/// A page of ideas.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IdeaPage {
    pub ideas: Vec<IdeaView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub order: IdeaOrder,
}

/// A new idea.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewIdea)]
pub struct NewIdeaBody {
    #[schema(value_type = super::IdeaKind)]
    pub kind: String,
    #[schema(min_length = 3, max_length = 140)]
    pub title: String,
    #[schema(min_length = 10, max_length = 4000)]
    pub body: String,
    /// One of the campaign's themes.
    pub theme: Option<String>,
    /// Optional idempotency key: the same key twice stores one idea.
    pub submission_key: Option<Uuid>,
}

/// A new comment, or a reply to a top-level comment.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewComment)]
pub struct NewCommentBody {
    #[schema(min_length = 2, max_length = 2000)]
    pub body: String,
    /// The top-level comment this one answers.
    pub parent_id: Option<Uuid>,
    /// Optional idempotency key: the same key twice stores one comment.
    pub submission_key: Option<Uuid>,
}

/// The id of a stored comment.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CommentId {
    pub id: Uuid,
}

/// A report to the moderators.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewReport)]
pub struct NewReportBody {
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
    /// One of the idea's comments, rather than the idea.
    pub comment_id: Option<Uuid>,
}

/// A comment's id and text, as it now reads.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EditedComment {
    pub id: Uuid,
    pub body: String,
}

#[cfg(test)]
mod tests {
    use utoipa::{IntoParams, PartialSchema};

    /// The document's limits are literals (utoipa reads literals only): they must be the
    /// validation constants.
    #[test]
    fn the_documented_limits_are_the_validated_ones() {
        let params = super::IdeasQuery::into_params(|| None);
        let q = params.iter().find(|p| p.name == "q").expect("q");
        let q = serde_json::to_value(q).unwrap();
        assert_eq!(q["schema"]["maxLength"], super::super::SEARCH_MAX_CHARS, "{q}");
        let idea = serde_json::to_value(super::NewIdeaBody::schema()).unwrap();
        let comment = serde_json::to_value(super::NewCommentBody::schema()).unwrap();
        let report = serde_json::to_value(super::NewReportBody::schema()).unwrap();
        use super::super::*;
        for (schema, field, min, max) in [
            (&idea, "title", TITLE_MIN, TITLE_MAX),
            (&idea, "body", BODY_MIN, BODY_MAX),
            (&comment, "body", COMMENT_MIN, COMMENT_MAX),
            (&report, "reason", REASON_MIN, REASON_MAX),
        ] {
            let property = &schema["properties"][field];
            assert_eq!(
                (&property["minLength"], &property["maxLength"]),
                (&min.into(), &max.into()),
                "{field}"
            );
        }
    }
}
