//! Binding and running the mock: in-process for tests ([`MockServer::start`] → [`MockHandle`]),
//! or until a shutdown future resolves (the CLI's Ctrl-C), always with graceful shutdown.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::mock::{Mock, MockOptions};
use gamespec_spec::spec::Spec;

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The spec cannot be served (route conflict, claims that do not validate, …).
    #[error("cannot serve {spec}: {source}")]
    Spec {
        /// The spec's name.
        spec: String,
        /// What is wrong.
        source: Box<super::MockError>,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Entry point for running a mock.
#[derive(Debug)]
pub struct MockServer;

/// A running in-process mock. Dropping it shuts the server down too.
pub struct MockHandle {
    url: String,
    credentials: BTreeMap<String, String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl MockServer {
    /// Bind `options.host:options.port` and serve `spec` on the current tokio runtime until the
    /// handle is shut down or dropped.
    pub async fn start(spec: Arc<Spec>, options: MockOptions) -> Result<MockHandle, StartError> {
        let (listener, mock) = MockServer::bind(spec, options).await?;
        let url = url_of(&listener)?;
        let credentials = mock.credentials().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, mock, async {
            // Either an explicit shutdown or the handle being dropped ends the server.
            let _ = stopped.await;
        }));
        Ok(MockHandle {
            url,
            credentials,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Bind and prepare without serving yet, so a caller can announce the address (the CLI
    /// prints it) before calling [`serve`].
    pub async fn bind(
        spec: Arc<Spec>,
        options: MockOptions,
    ) -> Result<(TcpListener, Arc<Mock>), StartError> {
        let addr = SocketAddr::new(options.host, options.port);
        let mock = Mock::new(spec.clone(), options).map_err(|source| StartError::Spec {
            spec: spec.name(),
            source: Box::new(source),
        })?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        Ok((listener, Arc::new(mock)))
    }
}

/// `http://host:port` of a bound listener.
pub fn url_of(listener: &TcpListener) -> Result<String, StartError> {
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        source,
    })?;
    Ok(format!("http://{addr}"))
}

/// Serve until `shutdown` resolves, then finish in-flight requests and return; under the
/// mock's [`Limits`](crate::mock::limits::Limits) (timeouts, connection cap).
pub async fn serve(
    listener: TcpListener,
    mock: Arc<Mock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = mock.limits().clone();
    let app = Router::new().fallback(Mock::handle).with_state(mock);
    crate::mock::listener::serve(listener, app, limits, shutdown).await
}

impl MockHandle {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One pre-issued, valid credential per security scheme of the spec, by scheme name.
    pub fn credentials(&self) -> &BTreeMap<String, String> {
        &self.credentials
    }

    /// Stop accepting connections, let in-flight requests finish, and wait for the server.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for MockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Scheme names only: credentials are printed once, by the CLI, and nowhere else.
        f.debug_struct("MockHandle")
            .field("url", &self.url)
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Drop for MockHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
