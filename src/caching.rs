//! In-process caches (moka): the one way to look a value up and load it on a miss.
//!
//! Every request goes through several caches (its space, its session, the campaign, the ideas
//! snapshot). A loader holds database futures, and inline in moka's `try_get_with` it made each
//! lookup's future about 30 KB, and a campaign page's handler 32 KB: copied by value at every
//! layer on the way, hit or miss. Here a hit is a plain `get`; the loader is built, and boxed,
//! only on a miss.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::{BoxFuture, FutureExt, Shared};
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
        // The loading request's own error when nobody else waited on it, else a waiter's copy.
        .map_err(|shared: Arc<sqlx::Error>| Arc::try_unwrap(shared).unwrap_or_else(|shared| waiter_error(&shared)))
}

/// A waiter's copy of a shared load's error: it keeps what the answer depends on. An
/// unreachable database stays one (503, and the stale-if-error lists of `ideas::snapshot`),
/// anything else stays an internal fault.
pub fn waiter_error(shared: &sqlx::Error) -> sqlx::Error {
    if crate::error::is_unavailable(shared) {
        sqlx::Error::Io(std::io::Error::other(shared.to_string()))
    } else {
        sqlx::Error::InvalidArgument(shared.to_string())
    }
}

/// A computation under way, shared by everyone who waits for it.
pub type Running<V> = Shared<BoxFuture<'static, Result<V, Arc<sqlx::Error>>>>;

/// Takes a key off the list of loads under way when dropped.
struct Leaving<K: Hash + Eq, V> {
    list: Arc<Mutex<HashMap<K, Running<V>>>>,
    key: Option<K>,
}

impl<K: Hash + Eq, V> Drop for Leaving<K, V> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.list.lock().unwrap_or_else(PoisonError::into_inner).remove(&key);
        }
    }
}

/// Loads that run in tasks of their own, one per key: every caller of a key waits on the same
/// one, and it goes on when they all go away (a request answered 408 or 503, a client gone).
/// For what every request shares and that may take longer than one request may wait: the
/// first load of a large campaign's ideas, a results page at Grand-Débat size. Unlike moka's
/// loader, which runs in the first caller's future and is dropped with it, so that each next
/// request started the same load again. The load files its value itself before it ends.
pub struct Apart<K, V> {
    running: Arc<Mutex<HashMap<K, Running<V>>>>,
}

impl<K, V> Clone for Apart<K, V> {
    fn clone(&self) -> Self {
        Apart {
            running: self.running.clone(),
        }
    }
}

impl<K, V> Default for Apart<K, V> {
    fn default() -> Self {
        Apart {
            running: Arc::default(),
        }
    }
}

impl<K, V> Apart<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The load of `key` under way, or `load` started in a task of its own. `filed` says
    /// whether the value is already where callers look (a load that ended just before): then
    /// nothing starts, and `None` comes back.
    pub fn join<F>(&self, key: &K, filed: impl FnOnce() -> bool, load: F) -> Option<Running<V>>
    where
        F: Future<Output = Result<V, sqlx::Error>> + Send + 'static,
    {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(under_way) = running.get(key) {
            return Some(under_way.clone());
        }
        if filed() {
            return None;
        }
        let leaving = Leaving {
            list: self.running.clone(),
            key: Some(key.clone()),
        };
        let task = tokio::spawn(async move {
            // The key leaves the list when the load ends, or when its task panics.
            let _leaving = leaving;
            load.await.map_err(Arc::new)
        });
        let under_way = async move {
            task.await
                .unwrap_or_else(|e| Err(Arc::new(sqlx::Error::Io(std::io::Error::other(e)))))
        }
        .boxed()
        .shared();
        running.insert(key.clone(), under_way.clone());
        Some(under_way)
    }

    /// Loads under way.
    pub fn len(&self) -> usize {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
    async fn a_load_apart_runs_once_and_ends_when_its_callers_go_away() {
        let apart: Apart<u32, u32> = Apart::default();
        let filed = Arc::new(Mutex::new(None::<u32>));
        let loads = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let load = |value: u32| {
            let (filed, loads) = (filed.clone(), loads.clone());
            async move {
                loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                *filed.lock().unwrap() = Some(value);
                Ok(value)
            }
        };
        let is_filed = || filed.lock().unwrap().is_some();
        // The first caller gives up at once; a second joins the same load, and gives up too.
        let first = apart.join(&1, is_filed, load(7)).expect("started");
        assert!(tokio::time::timeout(Duration::from_millis(20), first).await.is_err());
        let second = apart.join(&1, is_filed, load(8)).expect("under way");
        assert!(tokio::time::timeout(Duration::from_millis(20), second).await.is_err());
        // With nobody waiting, the load ends and files its value, then leaves the list.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(*filed.lock().unwrap(), Some(7));
        assert!(apart.is_empty());
        assert!(apart.join(&1, is_filed, load(9)).is_none(), "filed: nothing starts");
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_load_that_panics_is_an_error_and_the_next_caller_starts_again() {
        let apart: Apart<u32, u32> = Apart::default();
        let failed = apart.join(&1, || false, async { panic!("a bug in a load") }).unwrap();
        assert!(failed.await.is_err());
        assert!(apart.is_empty(), "the key left the list");
        let again = apart.join(&1, || false, async { Ok(2) }).unwrap();
        assert_eq!(again.await.unwrap(), 2);
    }

    #[tokio::test]
    async fn waiters_on_a_failed_load_see_whether_the_database_was_unreachable() {
        assert_eq!(both_errors(|| sqlx::Error::PoolTimedOut).await, [true, true]);
        assert_eq!(both_errors(|| sqlx::Error::RowNotFound).await, [false, false]);
    }
}
