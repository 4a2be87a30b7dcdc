//! The mock's accept loop, in place of `axum::serve`, because that one has no limits: each
//! connection is served by hyper's HTTP/1 with a header-read timeout, closed after an idle
//! time, and only [`Limits::max_connections`] are served at once. One more connection gets a
//! fixed `503 Service Unavailable` with `Retry-After: 1` and is closed, with a warning logged,
//! so a crowd of slow or idle clients cannot lock the others out (beyond 64 refusals under way,
//! further connections are closed at once without an answer).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};

use crate::mock::fault::schedule::{ConnectionReset, ResetConnection};
use crate::mock::limits::Limits;

/// How long a refused connection is given to send its request and read the 503.
const REFUSAL_GRACE: Duration = Duration::from_secs(1);

/// Refusals answered at once; beyond them a connection is closed without an answer, so a flood
/// cannot hold file descriptors through the refusals either.
const MAX_REFUSALS: usize = 64;

/// How long to wait after a failed `accept` (out of file descriptors, most likely) before the
/// next one, so the loop does not spin while connections are released.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// Serve `app` on `listener` under `limits` until `shutdown` resolves; then stop accepting,
/// let every connection finish its request in flight, and return.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let (closing_tx, closing_rx) = watch::channel(false);
    // Every connection task holds a sender; when all are gone, `recv` answers `None`.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(
                %peer,
                max_connections = limits.max_connections,
                "connection limit reached: answered 503 and closed"
            );
            if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                let max = limits.max_connections;
                tokio::spawn(async move {
                    refuse(stream, max).await;
                    drop(refusal);
                });
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (stream, last) = Tracked::new(stream);
        let conn = builder.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(Resetting(app.clone())),
        );
        let mut closing = closing_rx.clone();
        let alive = alive_tx.clone();
        let idle = limits.idle_timeout;
        tokio::spawn(async move {
            tokio::pin!(conn);
            let mut hard_stop: Option<tokio::time::Instant> = None;
            loop {
                let idle_at = last.deadline(idle);
                tokio::select! {
                    done = conn.as_mut() => {
                        if let Err(e) = done {
                            if e.is_timeout() {
                                tracing::info!(%peer, "closed a connection whose request head was too slow");
                            } else {
                                tracing::debug!(%peer, "connection ended: {e}");
                            }
                        }
                        break;
                    }
                    _ = closing.changed(), if hard_stop.is_none() => {
                        conn.as_mut().graceful_shutdown();
                        hard_stop = Some(tokio::time::Instant::now() + idle);
                    }
                    () = tokio::time::sleep_until(idle_at), if hard_stop.is_none() => {
                        if last.idle_for() >= idle {
                            // Closes at once when no request is in flight; a request in flight
                            // gets until the hard stop to finish.
                            conn.as_mut().graceful_shutdown();
                            hard_stop = Some(tokio::time::Instant::now() + idle);
                        }
                    }
                    () = sleep_until_opt(hard_stop), if hard_stop.is_some() => {
                        tracing::info!(%peer, "dropped a connection that stayed stuck after close");
                        break;
                    }
                }
            }
            drop(permit);
            drop(alive);
        });
    }
    let _ = closing_tx.send(true);
    drop(alive_tx);
    let _ = alive_rx.recv().await;
    Ok(())
}

async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Answer a connection beyond the limit: a fixed 503, then close. The request (if the client
/// sends it within the grace time) is read and discarded first, so closing does not reset the
/// connection before the client has read the answer.
async fn refuse(mut stream: TcpStream, max: usize) {
    let body = format!(
        "{{\"error\":\"service_unavailable\",\"message\":\"the mock serves at most {max} connections at once; retry later\"}}"
    );
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let exchange = async {
        let mut buf = [0u8; 4096];
        // The head first (or whatever arrives within the grace time), then the answer.
        let _ = tokio::time::timeout(REFUSAL_GRACE / 4, stream.read(&mut buf)).await;
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await?;
        while stream.read(&mut buf).await? > 0 {}
        io::Result::Ok(())
    };
    let _ = tokio::time::timeout(REFUSAL_GRACE, exchange).await;
}

/// When a connection last carried a byte, in milliseconds since it opened.
struct LastActivity {
    opened: Instant,
    millis: AtomicU64,
}

impl LastActivity {
    fn touch(&self) {
        let now = self.opened.elapsed().as_millis() as u64;
        self.millis.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.millis.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }

    fn deadline(&self, idle: Duration) -> tokio::time::Instant {
        let last = Duration::from_millis(self.millis.load(Ordering::Relaxed));
        tokio::time::Instant::from_std(self.opened + last + idle)
    }
}

/// A TCP stream that records its last read or write, for the idle timeout.
struct Tracked {
    inner: TcpStream,
    last: Arc<LastActivity>,
}

impl Tracked {
    fn new(inner: TcpStream) -> (Tracked, Arc<LastActivity>) {
        let last = Arc::new(LastActivity {
            opened: Instant::now(),
            millis: AtomicU64::new(0),
        });
        (
            Tracked {
                inner,
                last: last.clone(),
            },
            last,
        )
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.last.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.last.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.last.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The mock's router, with the responses marked [`ResetConnection`] turned into a service
/// error: hyper then closes the connection without writing anything (a scheduled `reset`).
#[derive(Clone)]
struct Resetting(Router);

impl tower_service::Service<hyper::Request<hyper::body::Incoming>> for Resetting {
    type Response = axum::response::Response;
    type Error = ConnectionReset;
    type Future =
        Pin<Box<dyn Future<Output = Result<axum::response::Response, ConnectionReset>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectionReset>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        let mut app = self.0.clone();
        Box::pin(async move {
            let response = match app.call(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if response.extensions().get::<ResetConnection>().is_some() {
                Err(ConnectionReset)
            } else {
                Ok(response)
            }
        })
    }
}
