//! Typed errors of the DICOMweb client.

use thiserror::Error;

/// A failure of the transport (the HTTP implementation supplied by the caller).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TransportError {
    /// No answer (or no next chunk) within the transport's time limit.
    #[error("timed out")]
    Timeout,
    /// The connection could not be made or was reset.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The body stream broke off.
    #[error("body stream failed: {0}")]
    Body(String),
    /// Anything else reported by the transport.
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// Whether repeating the request may help (time-outs and connection failures).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            TransportError::Timeout | TransportError::Connect(_) | TransportError::Body(_)
        )
    }
}

/// A malformed `multipart/related` body or Content-Type.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum MultipartError {
    /// The Content-Type is not `multipart/…` or has no `boundary` parameter.
    #[error("no multipart boundary in content type {0:?}")]
    NoBoundary(String),
    /// The boundary parameter is empty, longer than 70 characters or has invalid characters.
    #[error("invalid multipart boundary {0:?}")]
    BadBoundary(String),
    /// A part is larger than the configured maximum.
    #[error("part {index} exceeds the maximum part size of {limit} bytes")]
    PartTooLarge {
        /// Index of the part (0-based).
        index: usize,
        /// The configured maximum.
        limit: usize,
    },
    /// The part header block is larger than the fixed limit.
    #[error("part {index}: header block exceeds {limit} bytes")]
    HeadersTooLarge {
        /// Index of the part (0-based).
        index: usize,
        /// The fixed limit.
        limit: usize,
    },
    /// A part header line is not `name: value` or not UTF-8.
    #[error("part {index}: malformed header line")]
    BadHeader {
        /// Index of the part (0-based).
        index: usize,
    },
    /// A Content-Length header is not a number.
    #[error("part {index}: invalid Content-Length")]
    BadContentLength {
        /// Index of the part (0-based).
        index: usize,
    },
    /// The bytes after a part of declared length are not a boundary delimiter.
    #[error("part {index}: no boundary after {length} bytes of declared Content-Length")]
    MissingDelimiter {
        /// Index of the part (0-based).
        index: usize,
        /// The declared length.
        length: usize,
    },
    /// The preamble grew past the limit without a boundary (wrong boundary or not multipart).
    #[error("no boundary delimiter found in the first {0} bytes (wrong boundary?)")]
    BoundaryNotFound(usize),
    /// The body ended before the close delimiter.
    #[error("body ended inside part {index} (truncated)")]
    Truncated {
        /// Index of the unfinished part (0-based).
        index: usize,
    },
    /// `feed` was called after an error.
    #[error("parser already failed")]
    Poisoned,
}

/// A DICOM JSON document that does not follow PS3.18 Annex F.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON at all.
    #[error("invalid JSON: {0}")]
    Syntax(String),
    /// The top level is not an array of objects (or one object).
    #[error("expected an array of data sets")]
    NotAnArray,
    /// A key is not 8 hexadecimal digits.
    #[error("invalid tag key {0:?}")]
    BadTag(String),
    /// An attribute has no `vr` or an invalid one.
    #[error("attribute {0}: missing or invalid vr")]
    BadVr(String),
    /// A value does not fit the VR.
    #[error("attribute {tag}: {reason}")]
    BadValue {
        /// The tag, as `GGGGEEEE`.
        tag: String,
        /// What is wrong.
        reason: String,
    },
    /// Nesting deeper than the limit.
    #[error("sequences nested deeper than {0}")]
    TooDeep(usize),
}

/// Any failure of a DICOMweb operation.
#[derive(Debug, Error)]
pub enum DicomWebError {
    /// 401 or 403: credentials missing, wrong or insufficient.
    #[error("not authorised (HTTP {status}) for {url}: check the PACS credentials")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// The request URL without its query.
        url: String,
    },
    /// 404.
    #[error("not found (HTTP 404): {url}")]
    NotFound {
        /// The request URL without its query.
        url: String,
    },
    /// Any other non-success status.
    #[error("HTTP {status} from {url}")]
    Status {
        /// The status code.
        status: u16,
        /// The request URL without its query.
        url: String,
    },
    /// The transport failed (after retries where retryable).
    #[error("request to {url} failed: {source}")]
    Transport {
        /// The request URL without its query.
        url: String,
        /// The cause.
        #[source]
        source: TransportError,
    },
    /// A multipart body could not be parsed.
    #[error("multipart response of {url}: {source}")]
    Multipart {
        /// The request URL without its query.
        url: String,
        /// The cause.
        #[source]
        source: MultipartError,
    },
    /// A DICOM JSON body could not be parsed.
    #[error("DICOM JSON response of {url}: {source}")]
    Json {
        /// The request URL without its query.
        url: String,
        /// The cause.
        #[source]
        source: JsonError,
    },
    /// A JSON body exceeded the size limit.
    #[error("response of {url} exceeds {limit} bytes")]
    TooLarge {
        /// The request URL without its query.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// A UID argument is not a valid DICOM UID (digits and dots, at most 64 characters).
    #[error("invalid UID {0:?}")]
    InvalidUid(String),
    /// The operation was cancelled through its [`crate::CancelToken`].
    #[error("cancelled")]
    Cancelled,
    /// No usable series for a PET-CT retrieval.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// A consumer callback refused a part (e.g. it did not parse as DICOM).
    #[error("{0}")]
    Consumer(String),
}

impl DicomWebError {
    /// Whether this is an authentication or authorisation refusal (401/403).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, DicomWebError::Unauthorized { .. })
    }
}
