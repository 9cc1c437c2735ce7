//! The I/O boundary: the embedding program performs HTTP requests; this crate only describes
//! them and interprets the answers.

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use bytes::Bytes;
use std::future::Future;
use std::time::Duration;

/// A response body delivered in chunks of any size.
pub trait Body {
    /// The next chunk, or `None` at the end of the body.
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, TransportError>>;
}

/// Performs HTTP requests. Implementations: native (in `uptake-server`), browser `fetch` (in
/// `uptake-web`), and in-memory fakes in tests. Futures need not be `Send` (browser futures are
/// not).
pub trait Transport {
    /// The body type of responses.
    type Body: Body;

    /// Sends `request` and returns the response head once it arrives. Non-2xx statuses are
    /// responses, not errors.
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse<Self::Body>, TransportError>>;

    /// Waits `duration` (used for retry back-off).
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
}

/// A body held completely in memory, delivered as the given chunks (for tests and fakes).
#[derive(Debug, Default, Clone)]
pub struct ChunkedBody {
    chunks: std::collections::VecDeque<Result<Bytes, TransportError>>,
}

impl ChunkedBody {
    /// A body delivering `chunks` in order.
    pub fn new(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        ChunkedBody {
            chunks: chunks.into_iter().map(Ok).collect(),
        }
    }

    /// A body delivering `chunks` and then failing with `error`.
    pub fn failing(chunks: impl IntoIterator<Item = Bytes>, error: TransportError) -> Self {
        let mut b = Self::new(chunks);
        b.chunks.push_back(Err(error));
        b
    }
}

impl Body for ChunkedBody {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        match self.chunks.pop_front() {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(e),
        }
    }
}
