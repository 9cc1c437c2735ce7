//! Same-origin reverse proxy of `/dicom-web/` to a PACS DICOMweb root. Bodies stream both
//! ways; the `Authorization` header passes through unchanged and is never logged.

use crate::error::ServerError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::TryStreamExt;
use std::sync::Arc;
use std::time::Duration;

/// Request headers passed to the PACS.
const FORWARD_REQUEST: [&str; 7] = [
    "accept",
    "authorization",
    "range",
    "if-none-match",
    "if-modified-since",
    "content-type",
    "content-length",
];

/// Hop-by-hop response headers not passed back (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

struct Proxy {
    client: reqwest::Client,
    /// PACS DICOMweb root without trailing slash.
    base: String,
}

/// Mount point of the proxied root.
pub const PREFIX: &str = "/dicom-web";

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().strip_prefix(PREFIX).unwrap_or("");
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let url = format!("{}{}{}", p.base, path, query);
    let Ok(method) = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()) else {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    };
    let mut headers = reqwest::header::HeaderMap::new();
    for name in FORWARD_REQUEST {
        for v in parts.headers.get_all(name) {
            if let (Ok(n), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_bytes(v.as_bytes()),
            ) {
                headers.append(n, v);
            }
        }
    }
    let upstream_body = reqwest::Body::wrap_stream(body.into_data_stream());
    let result = p
        .client
        .request(method, &url)
        .headers(headers)
        .body(upstream_body)
        .send()
        .await;
    let resp = match result {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return (StatusCode::GATEWAY_TIMEOUT, "PACS timed out").into_response()
        }
        Err(_) => return (StatusCode::BAD_GATEWAY, "PACS unreachable").into_response(),
    };
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut out_headers = HeaderMap::new();
    for (k, v) in resp.headers() {
        let name = k.as_str();
        if HOP_BY_HOP.contains(&name) {
            continue;
        }
        // The PACS's login challenge would make the browser open its own password prompt
        // (and hang a page that cannot answer it): the viewer shows its own "asks for a
        // login (401)" instead, and may read the scheme from the renamed header.
        let name = if name == "www-authenticate" {
            "x-pacs-www-authenticate"
        } else {
            name
        };
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            axum::http::HeaderValue::from_bytes(v.as_bytes()),
        ) {
            out_headers.append(n, v);
        }
    }
    let stream = resp.bytes_stream().map_err(std::io::Error::other);
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = status;
    *response.headers_mut() = out_headers;
    response
}

/// The proxy routes for PACS root `base` (e.g. `http://127.0.0.1:8042/dicom-web`).
pub fn router(base: &str, connect_timeout: Duration) -> Result<Router, ServerError> {
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(ServerError::PacsUrl(base.to_string()));
    }
    let client = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ServerError::Client(e.to_string()))?;
    let proxy = Arc::new(Proxy {
        client,
        base: base.trim_end_matches('/').to_string(),
    });
    Ok(Router::new()
        .route(PREFIX, axum::routing::any(forward))
        .route(&format!("{PREFIX}/{{*rest}}"), axum::routing::any(forward))
        .with_state(proxy))
}
