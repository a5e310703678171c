//! Downloads written while their rows are read, in constant memory: a campaign of 2,000,000
//! contributions is one statement whose rows go out as they come, never a table in memory.
//!
//! The rows are written by a task of their own ([`stream`]), which owns the download's
//! transaction. It encodes rows into chunks of about [`CHUNK`] bytes and hands them to the
//! response body through a channel a few chunks deep: when the client reads slowly, the task
//! waits, and so does the statement in PostgreSQL. When the client goes away, the next chunk
//! finds no reader; the task stops and its transaction is rolled back. A download that fails
//! midway ends its body with an error, so the client sees a cut transfer (HTTP/1.1 closes
//! without the last chunk), never a file that looks whole.
//!
//! The task is outside the request, so its statements are not held to the request's limit
//! (`db::as_a_request`): begin its transaction with [`crate::db::beyond_the_request`]. Each
//! download holds a database connection while it runs, so downloads take turns ([`Turn`]), in
//! two queues: the public's open data and the console's exports, so that anonymous downloads of
//! a large campaign never keep an operator from an export ([`Queue::at_once`] each, per
//! instance). One that waits [`DOWNLOAD_WAIT`] for its turn is answered 503 with `Retry-After`.

use std::future::Future;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::table::{Encoder, Format, disposition};
use crate::error::PageError;

/// Bytes encoded before they are handed to the body.
pub const CHUNK: usize = 64 * 1024;
/// Chunks the body may hold while the client reads.
const CHUNKS_AHEAD: usize = 4;
/// How long a download waits for its turn before it is answered 503.
pub const DOWNLOAD_WAIT: Duration = Duration::from_secs(5);
/// How long a reader may take nothing before its download stops.
pub const READER_PATIENCE: Duration = Duration::from_secs(60);

/// Whom a download is for: each queue has turns of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Open data, for anyone.
    Public,
    /// Exports of the console, for operators.
    Console,
}

impl Queue {
    /// Downloads of this queue running at once in this instance.
    pub const fn at_once(self) -> usize {
        match self {
            Queue::Public => 3,
            Queue::Console => 2,
        }
    }

    fn turns(self) -> &'static std::sync::Arc<Semaphore> {
        static PUBLIC: std::sync::LazyLock<std::sync::Arc<Semaphore>> =
            std::sync::LazyLock::new(|| std::sync::Arc::new(Semaphore::new(Queue::Public.at_once())));
        static CONSOLE: std::sync::LazyLock<std::sync::Arc<Semaphore>> =
            std::sync::LazyLock::new(|| std::sync::Arc::new(Semaphore::new(Queue::Console.at_once())));
        match self {
            Queue::Public => &PUBLIC,
            Queue::Console => &CONSOLE,
        }
    }
}

/// Downloads of `queue` running now in this instance.
pub fn running(queue: Queue) -> usize {
    queue.at_once() - queue.turns().available_permits()
}

/// The download's reader went away: the rows' writer stops.
#[derive(Debug, thiserror::Error)]
#[error("the download's reader went away")]
pub struct ReaderGone;

/// Where a download's rows are written, row by row.
pub struct Rows {
    encoder: Encoder,
    body: mpsc::Sender<Result<Bytes, std::io::Error>>,
    _turn: OwnedSemaphorePermit,
}

impl Rows {
    /// One row, its cells in the headers' order. Waits while the client is behind; fails with
    /// [`ReaderGone`] once it has gone.
    pub async fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> anyhow::Result<()> {
        self.encoder.row(cells)?;
        if self.encoder.pending() >= CHUNK {
            let chunk = self.encoder.take()?;
            self.send(chunk).await?;
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn count(&self) -> u64 {
        self.encoder.rows()
    }

    async fn send(&self, chunk: Vec<u8>) -> Result<(), ReaderGone> {
        hand(&self.body, chunk).await
    }

    async fn finish(self) -> anyhow::Result<()> {
        let Rows { encoder, body, _turn } = self;
        hand(&body, encoder.finish()?).await?;
        Ok(())
    }
}

/// Hands a chunk to the body. A reader that takes nothing for [`READER_PATIENCE`] is taken as
/// gone: it would hold a turn, a connection and a transaction for as long as it stalls.
async fn hand(body: &mpsc::Sender<Result<Bytes, std::io::Error>>, chunk: Vec<u8>) -> Result<(), ReaderGone> {
    match tokio::time::timeout(READER_PATIENCE, body.send(Ok(Bytes::from(chunk)))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(ReaderGone),
    }
}

/// A turn to run a download: taken before anything is written or recorded.
pub struct Turn(OwnedSemaphorePermit);

impl Turn {
    /// Waits for a turn; none within [`DOWNLOAD_WAIT`] is answered as an overloaded database
    /// is (503 with `Retry-After`).
    pub async fn take(queue: Queue) -> Result<Turn, PageError> {
        let permit = tokio::time::timeout(DOWNLOAD_WAIT, queue.turns().clone().acquire_owned())
            .await
            .map_err(|_| PageError::Database(sqlx::Error::PoolTimedOut))?
            .map_err(anyhow::Error::from)?;
        Ok(Turn(permit))
    }
}

/// A download named `filename` (without extension) in `format`, with `headers`, whose rows
/// `write` writes in a task of its own, then hands back. Not cached (`no-store`).
pub fn stream<F, Fut>(
    turn: Turn,
    format: Format,
    filename: &str,
    headers: Vec<String>,
    write: F,
) -> Result<Response, PageError>
where
    F: FnOnce(Rows) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<Rows>> + Send + 'static,
{
    let disposition = disposition(filename, format)?;
    let (sender, mut receiver) = mpsc::channel(CHUNKS_AHEAD);
    let rows = Rows {
        encoder: Encoder::new(format, headers)?,
        body: sender.clone(),
        _turn: turn.0,
    };
    let name = format!("{filename}.{}", format.extension());
    tokio::spawn(async move {
        // The writer in a task of its own: if it panics, the body still ends with an error.
        let failure = match tokio::spawn(write(rows)).await {
            Ok(Ok(rows)) => rows.finish().await.err(),
            Ok(Err(error)) => Some(error),
            Err(panicked) => Some(anyhow::anyhow!("the download's writer panicked: {panicked}")),
        };
        match failure {
            None => {}
            Some(error) if error.is::<ReaderGone>() => {
                tracing::info!(download = %name, "download abandoned by its reader")
            }
            Some(error) => {
                tracing::error!(download = %name, error = %format!("{error:#}"), "download failed midway");
                let _ = sender
                    .send(Err(std::io::Error::other("the download failed midway")))
                    .await;
            }
        }
    });
    let chunks = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let mut response = Response::new(Body::from_stream(chunks));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use http_body_util::BodyExt;

    use super::*;

    /// A writer of endless rows, counting them; what it ended with goes to `ended`.
    fn endless(
        written: Arc<AtomicU64>,
        ended: tokio::sync::oneshot::Sender<bool>,
    ) -> impl FnOnce(Rows) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<Rows>> + Send>> {
        move |mut out| {
            Box::pin(async move {
                let error = loop {
                    if let Err(error) = out.row(&["une ligne de quarante octets, à peu près"]).await {
                        break error;
                    }
                    written.store(out.count(), Ordering::SeqCst);
                };
                let _ = ended.send(error.is::<ReaderGone>());
                Err(error)
            })
        }
    }

    #[tokio::test]
    async fn the_writer_stays_a_few_chunks_ahead_of_its_reader_and_stops_when_it_leaves() {
        let (written, (ended, stopped)) = (Arc::new(AtomicU64::new(0)), tokio::sync::oneshot::channel());
        let turn = Turn::take(Queue::Console).await.unwrap();
        let headers = vec!["texte".to_owned()];
        let response = stream(turn, Format::Csv, "essai", headers, endless(written.clone(), ended)).unwrap();
        let mut body = response.into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert!(first.len() >= CHUNK);
        tokio::time::sleep(Duration::from_millis(300)).await;
        // The reader has taken one chunk and reads no more: the writer waits, holding at most
        // the channel's chunks and the one it is filling.
        let most = ((CHUNKS_AHEAD + 3) * CHUNK / 40) as u64;
        let rows = written.load(Ordering::SeqCst);
        assert!(rows > 0 && rows < most, "{rows} rows written, at most {most} expected");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(written.load(Ordering::SeqCst), rows, "the writer waits for its reader");
        drop(body);
        assert!(stopped.await.unwrap(), "the writer stops with ReaderGone");
    }

    #[tokio::test]
    async fn a_writer_that_fails_midway_cuts_the_body() {
        let turn = Turn::take(Queue::Console).await.unwrap();
        let response = stream(turn, Format::Json, "essai", vec!["n".into()], |mut out| async move {
            out.row(&["1"]).await?;
            anyhow::bail!("the database went away")
        })
        .unwrap();
        assert!(response.into_body().collect().await.is_err(), "no whole-looking file");
        let turn = Turn::take(Queue::Console).await.unwrap();
        let response = stream(turn, Format::Csv, "essai", vec!["n".into()], |mut out| async move {
            out.row(&["1"]).await?;
            panic!("a bug in the writer")
        })
        .unwrap();
        assert!(
            response.into_body().collect().await.is_err(),
            "a panic cuts the body too"
        );
        let turn = Turn::take(Queue::Console).await.unwrap();
        let response = stream(turn, Format::Json, "essai", vec!["n".into()], |mut out| async move {
            out.row(&["1"]).await?;
            Ok(out)
        })
        .unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"[\n{\"n\":\"1\"}\n]\n");
    }

    #[tokio::test]
    async fn open_data_and_console_exports_take_turns_apart() {
        let public: Vec<Turn> =
            futures_util::future::try_join_all((0..Queue::Public.at_once()).map(|_| Turn::take(Queue::Public)))
                .await
                .unwrap();
        assert_eq!(running(Queue::Public), Queue::Public.at_once());
        // Every public turn taken: an operator's export still starts at once.
        let console = tokio::time::timeout(Duration::from_secs(3), Turn::take(Queue::Console)).await;
        assert!(matches!(console, Ok(Ok(_))), "an export waits behind open data");
        drop(public);
        assert_eq!(running(Queue::Public), 0);
    }
}
