//! In-process caches (moka): the one way to look a value up and load it on a miss.
//!
//! Every request goes through several caches (its space, its session, the campaign, the ideas
//! snapshot). A loader holds database futures, and inline in moka's `try_get_with` it made each
//! lookup's future about 30 KB, and a campaign page's handler 32 KB: copied by value at every
//! layer on the way, hit or miss. Here a hit is a plain `get`; the loader is built, and boxed,
//! only on a miss.

use std::borrow::Borrow;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use moka::future::Cache;

/// The value of `key`, loaded by `load` on a miss (concurrent misses of one key share one
/// load, and its error). `name` labels the hit/miss metric.
pub async fn get_or_load<K, V, Q, F, Fut>(
    cache: &Cache<K, V>,
    name: &'static str,
    key: &Q,
    load: F,
) -> Result<V, sqlx::Error>
where
    K: Hash + Eq + Send + Sync + Borrow<Q> + 'static,
    V: Clone + Send + Sync + 'static,
    Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<V, sqlx::Error>>,
{
    if let Some(found) = cache.get(key).await {
        crate::telemetry::metrics::cache_lookup(name, true);
        return Ok(found);
    }
    crate::telemetry::metrics::cache_lookup(name, false);
    Box::pin(cache.try_get_with_by_ref(key, load()))
        .await
        // The loading request's own error when nobody else waited on it. A waiter gets a copy
        // that keeps what the answer depends on: an unreachable database stays one (503, and
        // the stale-if-error lists of `ideas::snapshot`), anything else stays an internal fault.
        .map_err(|shared: Arc<sqlx::Error>| match Arc::try_unwrap(shared) {
            Ok(e) => e,
            Err(shared) if crate::error::is_unavailable(&shared) => {
                sqlx::Error::Io(std::io::Error::other(shared.to_string()))
            }
            Err(shared) => sqlx::Error::InvalidArgument(shared.to_string()),
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use moka::future::Cache;

    use super::*;

    /// Two requests wait on one failing load: both get an error that says what the loader's
    /// said, an unreachable database or not.
    async fn both_errors(error: fn() -> sqlx::Error) -> Vec<bool> {
        let cache: Cache<u32, u32> = Cache::new(10);
        let load = || async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err::<u32, _>(error())
        };
        let (a, b) = tokio::join!(
            get_or_load(&cache, "test", &1, load),
            get_or_load(&cache, "test", &1, load)
        );
        [a, b]
            .into_iter()
            .map(|r| crate::error::is_unavailable(&r.unwrap_err()))
            .collect()
    }

    #[tokio::test]
    async fn waiters_on_a_failed_load_see_whether_the_database_was_unreachable() {
        assert_eq!(both_errors(|| sqlx::Error::PoolTimedOut).await, [true, true]);
        assert_eq!(both_errors(|| sqlx::Error::RowNotFound).await, [false, false]);
    }
}
