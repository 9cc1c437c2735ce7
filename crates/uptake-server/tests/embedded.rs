//! End to end against `uptake serve --dicom-dir` (embedded DICOMweb), plus the static site:
//! MIME types, CSP and the other security headers, caching, compression, loopback policy.

mod common;

use common::{run_suite, sts_dir, Expected};
use uptake_dicomweb::Auth;
use uptake_phantom::{write_study, PhantomOptions};
use uptake_server::{DicomWebSource, Server, ServerConfig, ServerError};

async fn start(config: ServerConfig) -> (String, tokio::sync::oneshot::Sender<()>) {
    let mut config = config;
    config.addr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::bind(&config).await.expect("bind");
    let addr = server.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_dicomweb_suite() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_study(tmp.path(), &PhantomOptions::default()).expect("phantom");
    let phantom = Expected::load("phantom", tmp.path().to_path_buf());
    let sts = Expected::load("sts001", sts_dir());
    let (url, stop) = start(ServerConfig {
        dicomweb: DicomWebSource::DicomDirs(vec![tmp.path().to_path_buf(), sts_dir()]),
        ..Default::default()
    })
    .await;
    let base = format!("{url}/dicom-web");
    run_suite("embedded", &base, Auth::None, &[&phantom, &sts]).await;

    // Frames in the stored syntax, metadata with a BulkDataURI, includefield, unknown study.
    let http = reqwest::Client::new();
    let series_uid = phantom.study.instances[0].header.series_uid.clone();
    let sop = phantom.study.instances[0].header.sop_instance_uid.clone();
    let r = http
        .get(format!(
            "{base}/studies/{}/series/{series_uid}/instances/{sop}/frames/1",
            phantom.study_uid
        ))
        .send()
        .await
        .expect("frames");
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .to_string();
    assert!(
        ct.contains("application/octet-stream") && ct.contains("transfer-syntax="),
        "{ct}"
    );
    let body = r.bytes().await.expect("body");
    let parts = uptake_dicomweb::multipart::parse_all(&ct, &body, 1 << 24).expect("parts");
    let h = &phantom.study.instances[0].header;
    assert_eq!(parts.len(), 1);
    assert_eq!(
        parts[0].body.len(),
        h.pixel.samples_per_frame() * h.pixel.bytes_per_sample()
    );
    let meta = http
        .get(format!(
            "{base}/studies/{}/series/{series_uid}/metadata",
            phantom.study_uid
        ))
        .send()
        .await
        .expect("metadata")
        .bytes()
        .await
        .expect("body");
    let ds = uptake_dicomweb::json::parse_datasets(&meta).expect("DICOM JSON");
    assert!(ds[0]
        .bulk_data_uri(uptake_dicomweb::tags::PIXEL_DATA)
        .is_some());
    let q = http
        .get(format!(
            "{base}/studies?PatientName=PHANTOM*&includefield=PatientWeight"
        ))
        .send()
        .await
        .expect("qido")
        .bytes()
        .await
        .expect("body");
    let ds = uptake_dicomweb::json::parse_datasets(&q).expect("json");
    assert_eq!(ds.len(), 1);
    assert!(
        ds[0].number(0x0010_1030).is_some(),
        "includefield PatientWeight"
    );
    let r = http
        .get(format!("{base}/studies/1.2.3.4/series"))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status(), 404);
    let _ = stop.send(());
}

#[tokio::test]
async fn static_site_headers_mime_caching_compression() {
    let root = tempfile::tempdir().expect("tmp");
    std::fs::write(
        root.path().join("index.html"),
        "<!doctype html><title>Uptake</title>".repeat(50),
    )
    .expect("w");
    std::fs::write(
        root.path().join("uptake_web_bg.1a2b3c4d5e.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .expect("w");
    std::fs::write(
        root.path().join("app.js"),
        "export const x = 1;\n".repeat(200),
    )
    .expect("w");
    let (url, stop) = start(ServerConfig {
        web_root: Some(root.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{url}/")).send().await.expect("index");
    assert_eq!(r.status(), 200);
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().expect("csp");
    for d in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(d), "CSP lacks {d}: {csp}");
    }
    assert!(!csp.contains("http"), "no third-party origin in the CSP");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-cache");
    assert!(h["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/html"));
    let r = http
        .get(format!("{url}/uptake_web_bg.1a2b3c4d5e.wasm"))
        .send()
        .await
        .expect("wasm");
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let r = http
        .get(format!("{url}/app.js"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("js");
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .contains("javascript"));
    let r = http
        .get(format!("{url}/app.js"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .expect("js");
    assert_eq!(r.headers()["content-encoding"], "br");
    let r = http
        .get(format!("{url}/missing.js"))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    // No DICOMweb configured: 404, not a crash.
    assert_eq!(
        http.get(format!("{url}/dicom-web/studies"))
            .send()
            .await
            .expect("r")
            .status(),
        404
    );
    let _ = stop.send(());
}

#[tokio::test]
async fn refuses_non_loopback_without_explicit_option() {
    let config = ServerConfig {
        addr: "0.0.0.0:0".parse().expect("addr"),
        ..Default::default()
    };
    assert!(matches!(
        Server::bind(&config).await,
        Err(ServerError::NotLoopback(_))
    ));
    let ok = Server::bind(&ServerConfig {
        allow_remote: true,
        ..config
    })
    .await;
    assert!(ok.is_ok());
    let bad = uptake_server::router(&ServerConfig {
        dicomweb: DicomWebSource::Pacs("ftp://x".into()),
        ..Default::default()
    });
    assert!(matches!(bad, Err(ServerError::PacsUrl(_))));
}
