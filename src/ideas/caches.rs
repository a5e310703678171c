//! [`IdeaCaches`]: what the ideas pages and API reach beyond the ground, as one substate.

use std::sync::Arc;

use super::likes::LikeWriter;
use super::pages::SharedPages;
use super::snapshot::IdeaSnapshots;
use crate::campaigns::cache::CampaignCache;

/// The caches the ideas pages and API read and keep fresh: campaigns, idea lists, rendered
/// campaign pages and the batched like writer. One pointer: the campaign page is the hottest
/// path, and taking four caches apart cost it a clone (and a drop) of each on every request.
#[derive(Clone)]
pub struct IdeaCaches(Arc<IdeaCacheParts>);

/// What [`IdeaCaches`] holds (the same caches as the other domains' substates, shared).
pub struct IdeaCacheParts {
    pub campaigns: CampaignCache,
    pub snapshots: IdeaSnapshots,
    pub pages: SharedPages,
    pub likes: LikeWriter,
    pub searches: super::searches::SearchResults,
}

impl IdeaCaches {
    pub fn new(parts: IdeaCacheParts) -> Self {
        IdeaCaches(Arc::new(parts))
    }
}

impl std::ops::Deref for IdeaCaches {
    type Target = IdeaCacheParts;
    fn deref(&self) -> &IdeaCacheParts {
        &self.0
    }
}
