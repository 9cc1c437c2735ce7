//! Server errors.

use std::net::SocketAddr;
use thiserror::Error;

/// Why the server could not start or stopped.
#[derive(Debug, Error)]
pub enum ServerError {
    /// A non-loopback address without `allow_remote`.
    #[error("refusing to listen on {0}: not a loopback address (pass the explicit option to listen on other interfaces)")]
    NotLoopback(SocketAddr),
    /// Binding the socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The web root or a DICOM folder cannot be read.
    #[error("cannot read {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The PACS URL is not an http(s) URL.
    #[error("invalid PACS URL {0:?} (expected http:// or https://)")]
    PacsUrl(String),
    /// The HTTP client for the proxy could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// The server loop failed.
    #[error("server: {0}")]
    Serve(#[source] std::io::Error),
}
