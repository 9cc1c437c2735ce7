//! `uptake serve`: the web viewer and its DICOMweb back end on one origin.

use crate::cli_error::CliError;
use clap::Args;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use uptake_server::{DicomWebSource, Server, ServerConfig};

/// Options of `uptake serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Answer DICOMweb (QIDO-RS, WADO-RS) from this folder of DICOM files (repeatable).
    #[arg(long, value_name = "DIR", conflicts_with = "pacs")]
    dicom_dir: Vec<PathBuf>,
    /// Reverse-proxy `/dicom-web/` to this PACS DICOMweb root (e.g. http://127.0.0.1:8042/dicom-web).
    #[arg(long, value_name = "URL")]
    pacs: Option<String>,
    /// Folder of the web app (index.html, JS, WASM).
    #[arg(long, value_name = "DIR")]
    web_root: Option<PathBuf>,
    /// Port (0 picks a free one; the URL is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on; anything but loopback also needs `--allow-remote`.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    listen: IpAddr,
    /// Allow listening on a non-loopback address (exposes patient data to the network).
    #[arg(long)]
    allow_remote: bool,
}

/// Runs `uptake serve` until Ctrl-C.
pub fn run(args: &ServeArgs) -> Result<(), CliError> {
    let dicomweb = match (&args.pacs, args.dicom_dir.is_empty()) {
        (Some(url), _) => DicomWebSource::Pacs(url.clone()),
        (None, false) => DicomWebSource::DicomDirs(args.dicom_dir.clone()),
        (None, true) => DicomWebSource::None,
    };
    let config = ServerConfig {
        addr: SocketAddr::new(args.listen, args.port),
        allow_remote: args.allow_remote,
        web_root: args.web_root.clone(),
        dicomweb,
        ..Default::default()
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::Server(e.to_string()))?;
    runtime.block_on(async {
        let server = Server::bind(&config).await.map_err(|e| CliError::Server(e.to_string()))?;
        let addr = server.local_addr().map_err(|e| CliError::Server(e.to_string()))?;
        println!("uptake: serving on http://{addr}/ (DICOMweb at http://{addr}/dicom-web/); Ctrl-C stops");
        server
            .run(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| CliError::Server(e.to_string()))
    })
}
