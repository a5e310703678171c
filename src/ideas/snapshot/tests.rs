//! The snapshot's stand-in rule, page slicing and orders, full and compact.

use std::sync::Arc;

use super::*;

/// A moderation decision must not leave a list that may hold a hidden idea to stand in
/// during an outage; a new idea may (the list only lacks it).
#[tokio::test]
async fn a_moderation_drops_the_stand_in_list_and_a_new_idea_keeps_it() {
    let snapshots = IdeaSnapshots::default();
    let (cache, last) = snapshots.caches();
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    for campaign in [a, b] {
        let snapshot = Arc::new(IdeaSnapshot::new(vec![idea(1, 0, 0)]));
        cache.insert(campaign, snapshot.clone()).await;
        last.insert(campaign, snapshot).await;
    }
    snapshots.forget_for_new_idea(a).await;
    snapshots.forget(b).await;
    assert!(cache.get(&a).await.is_none() && cache.get(&b).await.is_none());
    assert!(last.get(&a).await.is_some(), "a new idea keeps the stand-in");
    assert!(last.get(&b).await.is_none(), "a moderation drops it");
}

fn idea(n: u32, likes: i32, comments: i32) -> SnapshotIdea {
    SnapshotIdea::new(
        IdeaView {
            id: Uuid::from_u128(n as u128 * 0x9e37_79b9_7f4a_7c15),
            tenant_id: Uuid::nil(),
            campaign_id: Uuid::nil(),
            origin_tenant_id: Uuid::nil(),
            kind: "idee".into(),
            title: format!("Idée {n}"),
            body: String::new(),
            excerpt: String::new(),
            theme: None,
            status: "published".into(),
            like_count: likes,
            comment_count: comments,
            author: "A".into(),
            is_mine: false,
            liked_by_me: false,
            created_at: chrono::Utc::now(),
            edited_at: None,
            hidden: None,
        },
        None,
    )
}

fn titles(page: &[&SnapshotIdea]) -> Vec<String> {
    page.iter().map(|i| i.view_for(None).unwrap().title).collect()
}

fn view(idea: &SnapshotIdea) -> IdeaView {
    idea.view_for(None).unwrap()
}

#[test]
fn orders_and_pages() {
    let snapshot = IdeaSnapshot::new((0..45).map(|n| idea(n, (n % 7) as i32, (n % 5) as i32)).collect());
    let (first, total) = snapshot.page(IdeaOrder::Newest, "", 1, None);
    assert_eq!(total, 45);
    assert_eq!(first.len(), 20);
    assert_eq!(view(first[0]).title, "Idée 0");
    let (last, _) = snapshot.page(IdeaOrder::Newest, "", 3, None);
    assert_eq!(last.len(), 5);
    assert!(snapshot.page(IdeaOrder::Newest, "", 4, None).0.is_empty());

    let (liked, _) = snapshot.page(IdeaOrder::MostLiked, "", 1, None);
    assert!(liked.windows(2).all(|w| view(w[0]).like_count >= view(w[1]).like_count));
    assert_eq!(view(liked[0]).like_count, 6);

    // Random: a permutation per seed, stable across pages and calls.
    let pages = |seed: &str| {
        (1..=3)
            .flat_map(|p| titles(&snapshot.page(IdeaOrder::Random, seed, p, None).0))
            .collect::<Vec<_>>()
    };
    let a = pages("visiteur-a");
    assert_eq!(a, pages("visiteur-a"));
    assert_ne!(a, pages("visiteur-b"));
    let mut sorted = a.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 45, "every idea exactly once across the pages");

    // Restricted to a subset (search results).
    let only = Subset::new(snapshot.ideas[..3].iter().map(|i| i.id).collect());
    let (found, total) = snapshot.page(IdeaOrder::Random, "x", 1, Some(&only));
    assert_eq!((found.len(), total), (3, 3));
}

/// A compact snapshot of the same ideas pages them as the full one does, but for the random
/// order, which is its own permutation: every idea once across the pages, per seed.
#[test]
fn a_compact_snapshot_orders_and_pages_as_the_full_one() {
    let counters = |n: u32| ((n % 7) as i32, (n % 5) as i32);
    let full = IdeaSnapshot::new((0..45).map(|n| idea(n, counters(n).0, counters(n).1)).collect());
    let compact = IdeaSnapshot::new(
        full.ideas
            .iter()
            .map(|i| {
                SnapshotIdea::compact(
                    i.id,
                    i.likes.load(Ordering::Relaxed),
                    i.comments.load(Ordering::Relaxed),
                )
            })
            .collect(),
    );
    assert!(compact.is_compact() && !full.is_compact());
    let ids = |page: Vec<&SnapshotIdea>| page.iter().map(|i| i.id).collect::<Vec<_>>();
    for order in [IdeaOrder::Newest, IdeaOrder::MostLiked, IdeaOrder::MostCommented] {
        for page in 1..=4 {
            assert_eq!(
                ids(full.page(order, "", page, None).0),
                ids(compact.page(order, "", page, None).0),
                "{order:?}, page {page}"
            );
        }
    }
    let pages = |seed: &str| {
        (1..=3)
            .flat_map(|p| ids(compact.page(IdeaOrder::Random, seed, p, None).0))
            .collect::<Vec<_>>()
    };
    let a = pages("7");
    assert_eq!(a, pages("7"));
    assert_ne!(a, pages("8"));
    assert_ne!(
        a,
        ids((1..=3)
            .flat_map(|p| full.page(IdeaOrder::Newest, "", p, None).0)
            .collect())
    );
    let mut seen = a.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 45, "every idea exactly once across the pages");
    assert_eq!(compact.page(IdeaOrder::Random, "7", 1, None).1, 45);
    assert!(compact.page(IdeaOrder::Random, "7", 4, None).0.is_empty());

    // Search results: the same subset, in the same order, from either size.
    let only = Subset::new(full.ideas.iter().step_by(4).map(|i| i.id).collect());
    for order in [IdeaOrder::Newest, IdeaOrder::MostLiked, IdeaOrder::Random] {
        let (found, total) = compact.page(order, "x", 1, Some(&only));
        assert_eq!(total, only.len());
        assert_eq!(ids(found), ids(full.page(order, "x", 1, Some(&only)).0), "{order:?}");
    }
    assert_eq!(compact.counters(full.ideas[3].id), Some(counters(3)));
}

/// The compact random order is a permutation at every size, and a new idea moves one other
/// idea at most.
#[test]
fn the_shuffle_is_a_permutation_that_a_new_element_barely_moves() {
    for n in [1u64, 2, 3, 4, 5, 17, 64, 65, 1000] {
        let shuffle = order::Shuffle::new(n, 42);
        let mut seen: Vec<u64> = (0..n).map(|r| shuffle.at(r)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
    }
    let (before, after) = (order::Shuffle::new(1000, 42), order::Shuffle::new(1001, 42));
    let moved = (0..1000).filter(|&r| before.at(r) != after.at(r)).count();
    assert!(moved <= 1, "{moved} ranks changed");
}

/// A slow load spaces the next one out; a quick one waits the TTL only.
#[test]
fn a_slow_load_is_not_repeated_at_once() {
    let limits = Limits {
        large_from: 0,
        large_ttl: Duration::ZERO,
        large_changed_after: Duration::from_secs(3600),
    };
    let mut snapshot = IdeaSnapshot::new(vec![SnapshotIdea::compact(Uuid::from_u128(1), 0, 0)]);
    assert!(snapshot.is_due(&limits));
    snapshot.load_time = Duration::from_secs(1);
    assert!(
        !snapshot.is_due(&limits),
        "ten seconds after a one-second load at least"
    );
}

/// A search pages its matches in each order as the order filtered by hand would, from places
/// kept for the snapshot they were worked out in, and worked out again for a reloaded one.
#[test]
fn a_search_pages_its_matches_in_order_and_works_its_places_out_again_after_a_reload() {
    let counters = |n: u32| ((n % 7) as i32, (n % 5) as i32);
    let snapshot =
        |range: std::ops::Range<u32>| IdeaSnapshot::new(range.map(|n| idea(n, counters(n).0, counters(n).1)).collect());
    let first = snapshot(0..90);
    let only = Subset::new(first.ideas.iter().step_by(3).map(|i| i.id).collect());
    let by_hand = |s: &IdeaSnapshot, order: IdeaOrder| -> Vec<Uuid> {
        (1..=10)
            .flat_map(|p| s.page(order, "", p, None).0)
            .map(|i| i.id)
            .filter(|id| only.ids.contains(id))
            .collect()
    };
    let paged = |s: &IdeaSnapshot, order: IdeaOrder| -> (Vec<Uuid>, usize) {
        let total = s.page(order, "", 1, Some(&only)).1;
        let ids = (1..=3)
            .flat_map(|p| s.page(order, "", p, Some(&only)).0)
            .map(|i| i.id)
            .collect();
        (ids, total)
    };
    for order in [IdeaOrder::Newest, IdeaOrder::MostLiked, IdeaOrder::MostCommented] {
        assert_eq!(paged(&first, order), (by_hand(&first, order), 30), "{order:?}");
    }
    // A reload: some ideas gone, others new, so other places.
    let second = snapshot(45..120);
    for order in [IdeaOrder::Newest, IdeaOrder::MostLiked, IdeaOrder::MostCommented] {
        assert_eq!(paged(&second, order), (by_hand(&second, order), 15), "{order:?}");
    }
    let (random, total) = second.page(IdeaOrder::Random, "s", 1, Some(&only));
    assert_eq!((random.len(), total), (15, 15));
}
