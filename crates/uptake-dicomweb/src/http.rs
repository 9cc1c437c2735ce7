//! Minimal HTTP request and response values exchanged with a [`crate::Transport`].

/// HTTP method (the client only reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
}

/// A request for the transport to perform. `Debug` redacts the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("authorization") {
                    (k.as_str(), "<redacted>")
                } else {
                    (k.as_str(), v.as_str())
                }
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &crate::url::without_query(&self.url))
            .field("headers", &headers)
            .finish()
    }
}

impl HttpRequest {
    /// A GET of `url` accepting `accept`.
    pub fn get(url: String, accept: &str) -> Self {
        HttpRequest {
            method: Method::Get,
            url,
            headers: vec![("Accept".to_string(), accept.to_string())],
        }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response head and its streaming body.
#[derive(Debug)]
pub struct HttpResponse<B> {
    /// Status code.
    pub status: u16,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// The body, read chunk by chunk.
    pub body: B,
}

impl<B> HttpResponse<B> {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// The first value of header `name` (case-insensitive) in a list.
pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_authorization() {
        let mut r = HttpRequest::get("http://h/x?PatientID=123".into(), "application/dicom+json");
        r.headers
            .push(("Authorization".into(), "Bearer secret-token".into()));
        let d = format!("{r:?}");
        assert!(!d.contains("secret-token"));
        assert!(!d.contains("123"));
        assert_eq!(r.header("accept"), Some("application/dicom+json"));
    }
}
