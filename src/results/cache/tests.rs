//! The results cache's own rules: generations, weights, one computation per part.

use super::*;
use crate::results::{Figures, QuestionResult, Results};

fn shared(charts: usize) -> SharedResults {
    let question = QuestionResult {
        id: Uuid::new_v4(),
        label: String::new(),
        kind: "single_choice",
        answered: 1,
        options: Vec::new(),
        average: None,
        chart: Some("x".repeat(20_000)),
        summary: String::new(),
    };
    SharedResults {
        results: Results {
            figures: Figures::default(),
            questions: vec![question; charts],
        },
        synthesis_md: String::new(),
        early: false,
        decisions: Vec::new(),
        themes: Vec::new(),
    }
}

#[test]
fn entries_weigh_what_their_charts_weigh() {
    assert_eq!(shared(0).weight(), 1024);
    assert_eq!(shared(3).weight(), 1024 + 60_000);
    let viewer = ViewerResults {
        from_this_space: Some(Figures::default()),
        own_questions: Vec::new(),
        territories: Vec::new(),
    };
    assert_eq!(viewer.weight(), 512);
}

#[tokio::test]
async fn a_part_computed_before_a_change_is_not_served_after_it() {
    let cache = ResultsCache::default();
    let campaign = Uuid::new_v4();
    let generation = cache.generation();
    let first = cache
        .shared(generation, campaign, "fr", || async { Ok(Some(shared(1))) })
        .await
        .unwrap()
        .unwrap();
    // Cached: the loader is not called again.
    let again = cache
        .shared(generation, campaign, "fr", || async {
            unreachable!("served from the cache")
        })
        .await
        .unwrap()
        .unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    // A load that started before a change stores under the old generation: after the
    // change, the next request computes afresh.
    cache.forget_all();
    let stale = cache
        .shared(generation, campaign, "fr", || async { Ok(Some(shared(1))) })
        .await
        .unwrap()
        .unwrap();
    let fresh = cache
        .shared(cache.generation(), campaign, "fr", || async { Ok(Some(shared(2))) })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stale.results.questions.len(), 1);
    assert_eq!(fresh.results.questions.len(), 2);
    // Unpublished results are not cached.
    let none = cache
        .shared(cache.generation(), Uuid::new_v4(), "fr", || async { Ok(None) })
        .await
        .unwrap();
    assert!(none.is_none());
}

#[tokio::test]
async fn a_part_slower_than_the_wait_is_computed_once_and_served_when_done() {
    let cache = ResultsCache::waiting(Duration::from_millis(100));
    let (campaign, generation) = (Uuid::new_v4(), cache.generation());
    let loads = Arc::new(AtomicU64::new(0));
    let (gate, opened) = tokio::sync::oneshot::channel::<()>();
    let counted = loads.clone();
    let slow = async move {
        counted.fetch_add(1, Ordering::SeqCst);
        let _ = opened.await;
        Ok(Some(shared(1)))
    };
    // The first request waits, then is told the service is unavailable (503).
    let first = cache.shared(generation, campaign, "fr", || slow).await.unwrap_err();
    assert!(crate::error::is_unavailable(&first), "{first}");
    // A second one finds the computation under way: no second load, the same answer.
    let counted = loads.clone();
    let again = async move {
        counted.fetch_add(1, Ordering::SeqCst);
        Ok(Some(shared(2)))
    };
    assert!(cache.shared(generation, campaign, "fr", || again).await.is_err());
    // Once it ends (nobody waiting), it is filed: the next request is served from it.
    gate.send(()).unwrap();
    let mut served = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if let Ok(Some(part)) = cache
            .shared(generation, campaign, "fr", || async { unreachable!("computed once") })
            .await
        {
            served = Some(part);
            break;
        }
    }
    assert_eq!(served.expect("served once computed").results.questions.len(), 1);
    assert_eq!(loads.load(Ordering::SeqCst), 1, "one computation");
}

#[tokio::test]
async fn a_failed_load_is_an_error_for_every_waiting_request() {
    let cache = ResultsCache::default();
    let campaign = Uuid::new_v4();
    let generation = cache.generation();
    let (gate, opened) = tokio::sync::oneshot::channel::<()>();
    let slow = cache.shared(generation, campaign, "fr", || async move {
        let _ = opened.await;
        Err(sqlx::Error::PoolTimedOut)
    });
    let waiting = cache.shared(generation, campaign, "fr", || async { Ok(Some(shared(1))) });
    let open = async {
        tokio::task::yield_now().await;
        let _ = gate.send(());
    };
    let (first, second, ()) = tokio::join!(slow, waiting, open);
    assert!(first.is_err(), "the loader's own request fails");
    assert!(second.is_err(), "and so does the one waiting on it, never a 404");
}
