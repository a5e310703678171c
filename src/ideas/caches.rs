//! [`IdeaCaches`]: what the ideas pages and API reach beyond the ground, as one extractor.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::likes::LikeWriter;
use super::pages::SharedPages;
use super::snapshot::IdeaSnapshots;
use crate::campaigns::cache::CampaignCache;

/// The caches the ideas pages and API read and keep fresh: campaigns, idea lists, rendered
/// campaign pages and the batched like writer. Each is a substate of the application's state.
pub struct IdeaCaches {
    pub campaigns: CampaignCache,
    pub snapshots: IdeaSnapshots,
    pub pages: SharedPages,
    pub likes: LikeWriter,
}

impl<S: Send + Sync> FromRequestParts<S> for IdeaCaches
where
    CampaignCache: FromRef<S>,
    IdeaSnapshots: FromRef<S>,
    SharedPages: FromRef<S>,
    LikeWriter: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(IdeaCaches {
            campaigns: CampaignCache::from_ref(state),
            snapshots: IdeaSnapshots::from_ref(state),
            pages: SharedPages::from_ref(state),
            likes: LikeWriter::from_ref(state),
        })
    }
}
