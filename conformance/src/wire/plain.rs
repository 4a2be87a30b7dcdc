//! Plain-HTTP connections driven by hyper directly, kept open between requests.
//!
//! Almost every run talks to a server over `http://` on loopback, where a request costs a few
//! microseconds of kernel time and reqwest's layers (its pool, redirect policy, timeout
//! wrappers and a second and third reading of the URL) cost as much again. Requests to
//! `https://` servers still go through reqwest, which owns TLS.

use std::sync::Mutex;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

/// How many idle connections per client are kept (as many as workers, with room to spare).
const MAX_IDLE: usize = 64;

/// A request with its whole body.
pub type Request = http::Request<Full<Bytes>>;

/// Open connections that wait for their next request, by `host:port`.
#[derive(Debug, Default)]
pub struct Pool {
    idle: Mutex<Vec<(String, SendRequest<Full<Bytes>>)>>,
}

/// Why a plain-HTTP request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum PlainError {
    /// The TCP connection could not be made.
    #[error("could not connect: {0}")]
    Connect(#[source] std::io::Error),
    /// The HTTP exchange failed (the connection closed, the answer was not HTTP, …).
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

impl Pool {
    /// Send `request` to `host:port` (`authority`) on an idle connection, or on a new one. A
    /// kept connection the server closed in the meantime takes the request back unsent, which
    /// then goes on a new connection; a request that may have been sent is never sent twice.
    pub async fn send(
        &self,
        authority: &str,
        host: &str,
        port: u16,
        request: Request,
    ) -> Result<(http::Response<hyper::body::Incoming>, Kept), PlainError> {
        let mut request = request;
        while let Some(mut sender) = self.take(authority) {
            // Ready once the connection has finished the previous exchange; an error when the
            // server closed it.
            if sender.ready().await.is_err() {
                continue;
            }
            match sender.try_send_request(request).await {
                Ok(response) => return Ok((response, Kept(sender))),
                Err(mut e) => match e.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(e.into_error().into()),
                },
            }
        }
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(PlainError::Connect)?;
        // Requests and answers are small and go one at a time: send each at once.
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection's end (the server closing it, a reset) shows on its next request.
            let _ = connection.await;
        });
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        Ok((response, Kept(sender)))
    }

    /// The most recently kept connection to `authority` that is still open.
    fn take(&self, authority: &str) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(at) = idle.iter().rposition(|(a, _)| a == authority) {
            let (_, sender) = idle.swap_remove(at);
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    /// Keep `kept`, the connection whose answer has been read to its end, for the next request.
    pub fn give_back(&self, authority: &str, kept: Kept) {
        if kept.0.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push((authority.to_owned(), kept.0));
        }
    }
}

/// The connection an answer came on, to give back once its body has been read.
pub struct Kept(SendRequest<Full<Bytes>>);
