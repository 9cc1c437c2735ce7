//! The server behind `uptake serve`: the viewer's static files with a strict
//! Content-Security-Policy, and `/dicom-web/` either reverse-proxied to a PACS (`--pacs URL`)
//! or answered from a folder of DICOM files (`--dicom-dir DIR`). Also the native DICOMweb
//! transport and [`fetch_study_blocking`] for the CLI's `--dicomweb URL --study UID`.
//!
//! Built on axum + hyper + tower-http (tokio). Listens on 127.0.0.1 unless
//! [`ServerConfig::allow_remote`] is set.

pub mod config;
pub mod dicom_json;
pub mod embedded;
pub mod error;
pub mod fetch;
pub mod multipart_body;
pub mod proxy;
pub mod security;
pub mod static_files;
pub mod transport;

pub use config::{DicomWebSource, ServerConfig};
pub use error::ServerError;
pub use fetch::{
    fetch_study, fetch_study_blocking, fetch_study_blocking_with, FetchError, FetchOptions,
    FetchScope, FetchedStudy,
};
pub use transport::NativeTransport;

use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// The complete router for `config` (scans the DICOM folders in embedded mode).
pub fn router(config: &ServerConfig) -> Result<Router, ServerError> {
    let mut app = Router::new();
    match &config.dicomweb {
        DicomWebSource::None => {}
        DicomWebSource::Pacs(url) => {
            app = app.merge(proxy::router(url, config.pacs_connect_timeout)?)
        }
        DicomWebSource::DicomDirs(dirs) => {
            let index =
                embedded::index::Index::build(dirs).map_err(|source| ServerError::Folder {
                    path: dirs
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    source,
                })?;
            app = app.merge(embedded::router(Arc::new(index)));
        }
    }
    if let Some(root) = &config.web_root {
        if !root.is_dir() {
            return Err(ServerError::Folder {
                path: root.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
            });
        }
        app = app.merge(static_files::router(root));
    }
    Ok(security::layer(app))
}

/// A bound, not yet running server.
#[derive(Debug)]
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Router,
}

impl Server {
    /// Checks the address policy, builds the router and binds the socket.
    pub async fn bind(config: &ServerConfig) -> Result<Server, ServerError> {
        if !config.addr.ip().is_loopback() && !config.allow_remote {
            return Err(ServerError::NotLoopback(config.addr));
        }
        let app = router(config)?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: config.addr,
                source,
            })?;
        Ok(Server { listener, app })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        self.listener.local_addr().map_err(ServerError::Serve)
    }

    /// Serves until `shutdown` completes, then finishes open requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ServerError::Serve)
    }
}

/// Binds and serves `config` until `shutdown` completes.
pub async fn serve(
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    Server::bind(&config).await?.run(shutdown).await
}
