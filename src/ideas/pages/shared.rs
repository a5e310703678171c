//! Pages as anonymous visitors see them, rendered once and served byte for byte to the next
//! ones: the campaign page (per seed bucket of its random order, and per search) and an idea's
//! page. Each key
//! holds everything the page depends on, so a change makes a new key rather than a stale hit:
//! the ideas snapshot's generation (replaced on a new idea, a moderation decision, a campaign
//! change through this instance), the space's version (name, branding), the campaign's
//! lifecycle, the language and, for an idea's page, its like and comment counts as this
//! instance knows them (bumped in place by a like or a comment through it). What changes
//! through another instance shows within [`PAGES_TTL`].

use axum::body::Bytes;
use uuid::Uuid;

use super::super::IdeaOrder;
use crate::campaigns::Lifecycle;
use crate::web::i18n::Lang;

pub(super) const PAGES_TTL: std::time::Duration = std::time::Duration::from_secs(5);
/// For each of the two kinds of page.
pub(super) const PAGES_CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

/// The shared pages of this instance.
#[derive(Clone)]
pub struct SharedPages {
    campaigns: moka::sync::Cache<SharedPageKey, Bytes>,
    ideas: moka::sync::Cache<IdeaPageKey, Bytes>,
}

/// Everything an anonymous campaign page depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SharedPageKey {
    pub(super) generation: u64,
    pub(super) tenant: Uuid,
    pub(super) tenant_version: i64,
    pub(super) status: Lifecycle,
    pub(super) order: IdeaOrder,
    pub(super) page: i64,
    pub(super) lang: Lang,
    pub(super) seed: String,
    /// The search, as cut (empty: the plain list).
    pub(super) search: String,
}

/// Everything an anonymous idea page depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdeaPageKey {
    pub(super) generation: u64,
    pub(super) tenant: Uuid,
    pub(super) tenant_version: i64,
    pub(super) status: Lifecycle,
    pub(super) idea: Uuid,
    pub(super) lang: Lang,
    /// Likes and comments, as the snapshot counts them now.
    pub(super) counters: (i32, i32),
    /// The page of comments.
    pub(super) comments_page: i64,
}

fn cache<K>() -> moka::sync::Cache<K, Bytes>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
{
    moka::sync::Cache::builder()
        .max_capacity(PAGES_CAPACITY_BYTES)
        .weigher(|_, html: &Bytes| u32::try_from(html.len()).unwrap_or(u32::MAX))
        .time_to_live(PAGES_TTL)
        .build()
}

impl Default for SharedPages {
    fn default() -> Self {
        SharedPages {
            campaigns: cache(),
            ideas: cache(),
        }
    }
}

impl SharedPages {
    pub(super) fn get(&self, key: &SharedPageKey) -> Option<Bytes> {
        self.campaigns.get(key)
    }

    pub(super) fn insert(&self, key: SharedPageKey, html: Bytes) {
        self.campaigns.insert(key, html);
    }

    pub(super) fn idea(&self, key: &IdeaPageKey) -> Option<Bytes> {
        self.ideas.get(key)
    }

    pub(super) fn insert_idea(&self, key: IdeaPageKey, html: Bytes) {
        self.ideas.insert(key, html);
    }
}
