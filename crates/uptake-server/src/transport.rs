//! The native [`Transport`] for `uptake-dicomweb` (reqwest over tokio; rustls for https).

use bytes::Bytes;
use std::time::Duration;
use uptake_dicomweb::{Body, HttpRequest, HttpResponse, Transport, TransportError};

/// A reqwest-based transport.
#[derive(Debug, Clone)]
pub struct NativeTransport {
    client: reqwest::Client,
}

/// A response body read from reqwest.
#[derive(Debug)]
pub struct NativeBody(reqwest::Response);

fn map_err(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout
    } else if e.is_connect() {
        TransportError::Connect(e.to_string())
    } else if e.is_body() || e.is_decode() {
        TransportError::Body(e.to_string())
    } else {
        TransportError::Other(e.to_string())
    }
}

impl NativeTransport {
    /// A transport with a connect time-out and a limit on the wait for each chunk.
    pub fn new(connect_timeout: Duration, read_timeout: Duration) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .read_timeout(read_timeout)
            .build()
            .map_err(|e| TransportError::Other(e.to_string()))?;
        Ok(NativeTransport { client })
    }
}

impl Body for NativeBody {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        self.0.chunk().await.map_err(map_err)
    }
}

impl Transport for NativeTransport {
    type Body = NativeBody;

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse<NativeBody>, TransportError> {
        let mut rb = self.client.get(&request.url);
        for (k, v) in &request.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        let resp = rb.send().await.map_err(map_err)?;
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        Ok(HttpResponse {
            status: resp.status().as_u16(),
            headers,
            body: NativeBody(resp),
        })
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await
    }
}
