//! Keys read from where they live (the table, the secret store), kept, and read again on the
//! design's schedule: after at most `max_age`, and early when a token names a key id we do not
//! hold, but no more than once per `unknown_kid_reread`, so forged ids cannot hammer the source.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use crate::config::KeyCacheSettings;
use crate::error::AppError;

/// Reads the keys from their source; called by the cache only.
pub(crate) type Loader<T> = Box<dyn Fn() -> BoxFuture<'static, Result<T, AppError>> + Send + Sync>;

/// The read started at init: the keys and when they were read.
type ReadAhead<T> = tokio::task::JoinHandle<Result<(T, Instant), AppError>>;

struct Loaded<T> {
    keys: Arc<T>,
    at: Instant,
}

pub(crate) struct KeyCache<T> {
    load: Loader<T>,
    settings: KeyCacheSettings,
    loaded: RwLock<Option<Loaded<T>>>,
    last_early_read: Mutex<Option<Instant>>,
    /// One read at a time: a burst of requests on a stale cache reads the source once.
    reading: tokio::sync::Mutex<()>,
    /// The first read, started at init and not awaited there (`reading_ahead`).
    /// Its keys are as old as that read, not as its first use.
    ahead: Mutex<Option<ReadAhead<T>>>,
    /// Tells the read ahead that a request needs the keys now: it stops waiting its delay.
    needed: Arc<tokio::sync::Notify>,
}

impl<T: Send + Sync + 'static> KeyCache<T> {
    pub(crate) fn new(load: Loader<T>, settings: KeyCacheSettings) -> Self {
        Self {
            load,
            settings,
            loaded: RwLock::new(None),
            last_early_read: Mutex::new(None),
            reading: tokio::sync::Mutex::new(()),
            ahead: Mutex::new(None),
            needed: Arc::default(),
        }
    }

    /// Starts the first read now, in the background: init goes on (and ends) while the source
    /// answers, and the first `get` awaits what is left of it. Needs a Tokio runtime.
    pub(crate) fn reading_ahead(self) -> Self {
        self.reading_ahead_after(Duration::from_millis(2))
    }

    /// `reading_ahead`, the read waiting `delay` first unless a request needs the keys sooner.
    ///
    /// The wait lets the runtime's first `GET /next` (a connect and a write on loopback) go out
    /// before this read's CPU: init ends there, and the read overlaps the wait for the first
    /// event instead. One yield was not enough: the connect's completion comes back through
    /// several task hops (bench/notes.md, "Init: the keys' read-ahead"). But in a cold start the
    /// first event is already waiting, so the first request needs the keys at once and must
    /// not sit out the rest of the delay (bench/notes.md, "The first request of the signing
    /// functions").
    pub(crate) fn reading_ahead_after(self, delay: Duration) -> Self {
        let read = (self.load)();
        let needed = self.needed.clone();
        let first = tokio::spawn(async move {
            let delay = std::pin::pin!(tokio::time::sleep(delay));
            let needed = std::pin::pin!(needed.notified());
            futures::future::select(delay, needed).await;
            read.await.map(|keys| (keys, Instant::now()))
        });
        *self.ahead.lock().expect("not poisoned") = Some(first);
        self
    }

    /// Keys given up front (tests), so no read is needed until `max_age`.
    pub(crate) fn with_keys(self, keys: T) -> Self {
        *self.loaded.write().expect("not poisoned") = Some(Loaded {
            keys: Arc::new(keys),
            at: Instant::now(),
        });
        self
    }

    fn fresh(&self) -> Option<Arc<T>> {
        let loaded = self.loaded.read().expect("not poisoned");
        loaded
            .as_ref()
            .filter(|l| l.at.elapsed() < self.settings.max_age)
            .map(|l| l.keys.clone())
    }

    /// The keys, read again first if they are older than `max_age`.
    pub(crate) async fn get(&self) -> Result<Arc<T>, AppError> {
        if let Some(keys) = self.fresh() {
            return Ok(keys);
        }
        let _reading = self.reading.lock().await;
        if let Some(keys) = self.fresh() {
            return Ok(keys);
        }
        self.read().await
    }

    /// Called when a token names a key id the cached keys lack: the keys read again, if no
    /// such early read happened within `unknown_kid_reread`; `None` otherwise.
    pub(crate) async fn reread_for_unknown_kid(&self) -> Result<Option<Arc<T>>, AppError> {
        {
            let mut last = self.last_early_read.lock().expect("not poisoned");
            if last.is_some_and(|at| at.elapsed() < self.settings.unknown_kid_reread) {
                return Ok(None);
            }
            *last = Some(Instant::now());
        }
        let _reading = self.reading.lock().await;
        self.read().await.map(Some)
    }

    /// Reads the source. If that fails while keys are cached, they stay in use (a rotation
    /// is late, which beats refusing every token) and the next read waits another `max_age`.
    async fn read(&self) -> Result<Arc<T>, AppError> {
        let result = match self.take_read_ahead().await {
            Some(read_ahead) => Ok(read_ahead),
            None => (self.load)().await.map(|keys| (keys, Instant::now())),
        };
        let mut loaded = self.loaded.write().expect("not poisoned");
        match (result, loaded.as_mut()) {
            (Ok((keys, at)), _) => {
                let keys = Arc::new(keys);
                *loaded = Some(Loaded {
                    keys: keys.clone(),
                    at,
                });
                Ok(keys)
            }
            (Err(error), Some(stale)) => {
                tracing::warn!(error = %error, "keys could not be read again; keeping the cached ones");
                stale.at = Instant::now();
                Ok(stale.keys.clone())
            }
            (Err(error), None) => Err(error),
        }
    }

    /// What the read started at init found, if it succeeded and is not already older than
    /// `max_age`; `None` also once it has been used (or failed: the caller reads again at once,
    /// the source may be back by now).
    async fn take_read_ahead(&self) -> Option<(T, Instant)> {
        let first = self.ahead.lock().expect("not poisoned").take()?;
        // A permit if the read ahead is not waiting yet: it then does not wait at all.
        self.needed.notify_one();
        match first.await {
            Ok(Ok((keys, at))) if at.elapsed() < self.settings.max_age => Some((keys, at)),
            Ok(Ok(_)) => None,
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "keys could not be read at init; reading again");
                None
            }
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn counting(
        reads: Arc<AtomicUsize>,
        fail: Arc<std::sync::atomic::AtomicBool>,
    ) -> Loader<usize> {
        Box::new(move || {
            let reads = reads.clone();
            let fail = fail.clone();
            Box::pin(async move {
                if fail.load(Ordering::SeqCst) {
                    return Err(AppError::internal("source down"));
                }
                Ok(reads.fetch_add(1, Ordering::SeqCst) + 1)
            })
        })
    }

    fn settings(max_age_ms: u64, unknown_ms: u64) -> KeyCacheSettings {
        KeyCacheSettings {
            max_age: Duration::from_millis(max_age_ms),
            unknown_kid_reread: Duration::from_millis(unknown_ms),
        }
    }

    /// A cold start's first request needs the keys at once: it does not wait out the read
    /// ahead's delay (here far longer than the test's patience), and still uses that read.
    #[tokio::test]
    async fn a_request_that_needs_the_keys_cuts_the_read_aheads_delay_short() {
        let reads = Arc::new(AtomicUsize::new(0));
        let cache = KeyCache::new(
            counting(reads.clone(), Default::default()),
            settings(60_000, 60_000),
        )
        .reading_ahead_after(Duration::from_secs(60));
        let keys = tokio::time::timeout(Duration::from_secs(5), cache.get())
            .await
            .expect("the first get sat out the read ahead's delay");
        assert_eq!(*keys.unwrap(), 1);
        assert_eq!(reads.load(Ordering::SeqCst), 1, "the read ahead served it");
    }

    #[tokio::test]
    async fn a_read_ahead_serves_the_first_get_and_ages_from_when_it_was_read() {
        let reads = Arc::new(AtomicUsize::new(0));
        let cache = KeyCache::new(
            counting(reads.clone(), Default::default()),
            settings(200, 60_000),
        )
        .reading_ahead();
        // The read-ahead waits a moment before reading: give it the runtime for longer.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(reads.load(Ordering::SeqCst), 1, "read before any get");
        assert_eq!(*cache.get().await.unwrap(), 1);
        assert_eq!(reads.load(Ordering::SeqCst), 1, "the get used it");

        let late = KeyCache::new(
            counting(reads.clone(), Default::default()),
            settings(200, 60_000),
        )
        .reading_ahead();
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(
            *late.get().await.unwrap(),
            3,
            "too old by its first use: read again"
        );
    }

    #[tokio::test]
    async fn a_failed_read_ahead_is_read_again_by_the_first_get() {
        let reads = Arc::new(AtomicUsize::new(0));
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let cache = KeyCache::new(counting(reads.clone(), fail.clone()), settings(200, 60_000))
            .reading_ahead();
        tokio::task::yield_now().await;
        fail.store(false, Ordering::SeqCst);
        assert_eq!(*cache.get().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn reads_once_then_again_after_max_age() {
        let reads = Arc::new(AtomicUsize::new(0));
        let cache = KeyCache::new(
            counting(reads.clone(), Default::default()),
            settings(200, 60_000),
        );
        for _ in 0..10 {
            assert_eq!(*cache.get().await.unwrap(), 1);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(*cache.get().await.unwrap(), 2);
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_flood_of_unknown_kids_reads_once_per_interval() {
        let reads = Arc::new(AtomicUsize::new(0));
        let cache = Arc::new(KeyCache::new(
            counting(reads.clone(), Default::default()),
            settings(60_000, 300),
        ));
        cache.get().await.unwrap();
        let flood = (0..200).map(|_| {
            let cache = cache.clone();
            async move { cache.reread_for_unknown_kid().await.unwrap().is_some() }
        });
        let reread = futures::future::join_all(flood).await;
        assert_eq!(reread.iter().filter(|r| **r).count(), 1);
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(cache.reread_for_unknown_kid().await.unwrap().is_some());
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_reread_keeps_the_cached_keys() {
        let reads = Arc::new(AtomicUsize::new(0));
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cache = KeyCache::new(counting(reads.clone(), fail.clone()), settings(50, 60_000));
        assert_eq!(*cache.get().await.unwrap(), 1);
        fail.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(*cache.get().await.unwrap(), 1);
        let empty = KeyCache::new(counting(reads, fail), settings(50, 60_000));
        assert!(empty.get().await.is_err());
    }
}
