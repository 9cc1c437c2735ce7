//! Writing `multipart/related` response bodies part by part.

use bytes::Bytes;

/// A fresh boundary (not guessable content: time and a counter; the parts are binary DICOM,
/// and the boundary is long enough not to occur in them by chance in practice).
pub fn new_boundary() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("uptake-{t:x}-{n:x}-9c1f2d")
}

/// The head of one part (delimiter and headers).
pub fn part_head(boundary: &str, content_type: &str, length: usize) -> Bytes {
    Bytes::from(format!(
        "--{boundary}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    ))
}

/// The line break ending a part's content.
pub fn part_tail() -> Bytes {
    Bytes::from_static(b"\r\n")
}

/// The close delimiter.
pub fn close(boundary: &str) -> Bytes {
    Bytes::from(format!("--{boundary}--\r\n"))
}

/// The response Content-Type for parts of type `part_type`.
pub fn content_type(part_type: &str, boundary: &str) -> String {
    format!("multipart/related; type=\"{part_type}\"; boundary={boundary}")
}
