//! The web app: static files with correct MIME types (`application/wasm` included), gzip/br
//! compression, and caching headers (content-hashed assets immutable for a year, everything
//! else, index.html first, revalidated on every load).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Whether a file name carries a content hash (`app.3f9a1c2b.js`, `viewer-5d41402abc4b.wasm`):
/// a run of at least 8 hexadecimal characters between separators.
pub fn is_hashed(file_name: &str) -> bool {
    file_name.split(['.', '-', '_']).any(|seg| {
        seg.len() >= 8
            && seg.bytes().all(|b| b.is_ascii_hexdigit())
            && seg.bytes().any(|b| b.is_ascii_digit())
    })
}

/// The Cache-Control value for a request path.
pub fn cache_control(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or("");
    if name.is_empty() || name.ends_with(".html") || !is_hashed(name) {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    }
}

async fn caching(req: Request, next: Next) -> Response {
    let value = cache_control(req.uri().path());
    let mut resp = next.run(req).await;
    if resp.status().is_success() || resp.status().as_u16() == 304 {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    resp
}

/// A router serving `root` (index.html for `/`; unknown paths are 404).
pub fn router(root: &Path) -> Router {
    let dir = ServeDir::new(root)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(root.join("404.html")));
    Router::new()
        .fallback_service(dir)
        .layer(middleware::from_fn(caching))
        .layer(CompressionLayer::new().gzip(true).br(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("uptake_web_bg.3f9a1c2b.wasm"));
        assert!(is_hashed("app-5d41402abc4b.js"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("style.css"));
        assert_eq!(cache_control("/"), "no-cache");
        assert_eq!(cache_control("/index.html"), "no-cache");
        assert_eq!(
            cache_control("/pkg/uptake.1a2b3c4d.wasm"),
            "public, max-age=31536000, immutable"
        );
    }
}
