//! Server configuration (what `uptake serve` flags map to).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Where `/dicom-web/` is answered from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DicomWebSource {
    /// Not served (404).
    #[default]
    None,
    /// Reverse proxy to a PACS DICOMweb root (`--pacs URL`), e.g.
    /// `http://127.0.0.1:8042/dicom-web`.
    Pacs(String),
    /// Embedded read-only DICOMweb from the DICOM files under these folders (`--dicom-dir`).
    DicomDirs(Vec<PathBuf>),
}

/// Everything the server needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address to listen on; `127.0.0.1:8080` by default. Port 0 picks a free port.
    pub addr: SocketAddr,
    /// Must be `true` to listen on a non-loopback address (`--listen-any`/`--allow-remote`).
    pub allow_remote: bool,
    /// Folder of the web app (index.html, JS, WASM); `None` serves no static files.
    pub web_root: Option<PathBuf>,
    /// The DICOMweb back end.
    pub dicomweb: DicomWebSource,
    /// Time limit for connecting to the PACS (proxy mode).
    pub pacs_connect_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            allow_remote: false,
            web_root: None,
            dicomweb: DicomWebSource::None,
            pacs_connect_timeout: Duration::from_secs(10),
        }
    }
}
