//! The snapshot's stand-in rule, page slicing and orders.

use super::*;

/// A moderation decision must not leave a list that may hold a hidden idea to stand in
/// during an outage; a new idea may (the list only lacks it).
#[tokio::test]
async fn a_moderation_drops_the_stand_in_list_and_a_new_idea_keeps_it() {
    let snapshots = IdeaSnapshots::default();
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    for campaign in [a, b] {
        let snapshot = Arc::new(IdeaSnapshot::new(vec![idea(1, 0, 0)]));
        snapshots.cache.insert(campaign, snapshot.clone()).await;
        snapshots.last.insert(campaign, snapshot).await;
    }
    snapshots.forget_for_new_idea(a).await;
    snapshots.forget(b).await;
    assert!(snapshots.cache.get(&a).await.is_none() && snapshots.cache.get(&b).await.is_none());
    assert!(snapshots.last.get(&a).await.is_some(), "a new idea keeps the stand-in");
    assert!(snapshots.last.get(&b).await.is_none(), "a moderation drops it");
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
    page.iter().map(|i| i.view.title.clone()).collect()
}

#[test]
fn orders_and_pages() {
    let snapshot = IdeaSnapshot::new((0..45).map(|n| idea(n, (n % 7) as i32, (n % 5) as i32)).collect());
    let (first, total) = snapshot.page(IdeaOrder::Newest, "", 1, None);
    assert_eq!(total, 45);
    assert_eq!(first.len(), 20);
    assert_eq!(first[0].view.title, "Idée 0");
    let (last, _) = snapshot.page(IdeaOrder::Newest, "", 3, None);
    assert_eq!(last.len(), 5);
    assert!(snapshot.page(IdeaOrder::Newest, "", 4, None).0.is_empty());

    let (liked, _) = snapshot.page(IdeaOrder::MostLiked, "", 1, None);
    assert!(liked.windows(2).all(|w| w[0].view.like_count >= w[1].view.like_count));
    assert_eq!(liked[0].view.like_count, 6);

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
    let only: HashSet<Uuid> = snapshot.ideas[..3].iter().map(|i| i.view.id).collect();
    let (found, total) = snapshot.page(IdeaOrder::Random, "x", 1, Some(&only));
    assert_eq!((found.len(), total), (3, 3));
}
