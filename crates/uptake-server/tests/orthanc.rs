//! End to end against a real Orthanc (Debian `orthanc` + `orthanc-dicomweb`): directly,
//! through the `uptake serve --pacs` proxy, and with HTTP authentication on.

mod common;

use common::{client, run_suite, sts_dir, Expected, Orthanc};
use uptake_dicomweb::{Auth, DicomWebError, StudyQuery};
use uptake_phantom::{write_study, PhantomOptions};
use uptake_server::{DicomWebSource, Server, ServerConfig};

/// Starts the server on a free loopback port; returns its URL and the shutdown trigger.
async fn start_server(config: ServerConfig) -> (String, tokio::sync::oneshot::Sender<()>) {
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
async fn orthanc_direct_and_through_proxy() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_study(tmp.path(), &PhantomOptions::default()).expect("phantom");
    let phantom = Expected::load("phantom", tmp.path().to_path_buf());
    let sts = Expected::load("sts001", sts_dir());

    let orthanc = Orthanc::start(None).await;
    let n = orthanc.upload_dir(tmp.path()).await + orthanc.upload_dir(&sts_dir()).await;
    assert_eq!(n, phantom.study.instances.len() + sts.study.instances.len());

    run_suite(
        "orthanc",
        &orthanc.dicomweb(),
        Auth::None,
        &[&phantom, &sts],
    )
    .await;

    let (url, stop) = start_server(ServerConfig {
        dicomweb: DicomWebSource::Pacs(orthanc.dicomweb()),
        ..Default::default()
    })
    .await;
    run_suite(
        "proxy",
        &format!("{url}/dicom-web"),
        Auth::None,
        &[&phantom, &sts],
    )
    .await;
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orthanc_authentication_through_proxy() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_study(tmp.path(), &PhantomOptions::default()).expect("phantom");
    let phantom = Expected::load("phantom", tmp.path().to_path_buf());
    let orthanc = Orthanc::start(Some(("uptake", "pet-ct-s3cret"))).await;
    orthanc.upload_dir(tmp.path()).await;
    let creds = orthanc.auth.clone();

    // Directly and through the proxy, no credentials: a typed Unauthorized, not a crash.
    let e = client(&orthanc.dicomweb(), Auth::None)
        .search_studies(&StudyQuery::default())
        .await
        .unwrap_err();
    assert!(e.is_unauthorized(), "{e}");
    let (url, stop) = start_server(ServerConfig {
        dicomweb: DicomWebSource::Pacs(orthanc.dicomweb()),
        ..Default::default()
    })
    .await;
    let proxied = format!("{url}/dicom-web");
    let e = client(&proxied, Auth::None)
        .search_studies(&StudyQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, DicomWebError::Unauthorized { status: 401, .. }),
        "{e}"
    );
    let wrong = Auth::Basic {
        user: "uptake".into(),
        password: "wrong".into(),
    };
    assert!(client(&proxied, wrong)
        .search_studies(&StudyQuery::default())
        .await
        .unwrap_err()
        .is_unauthorized());
    let e = uptake_server::fetch_study(
        &proxied,
        &phantom.study_uid,
        Auth::None,
        &Default::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, uptake_server::FetchError::DicomWeb(d) if d.is_unauthorized()),
        "{e}"
    );

    // With Basic credentials passed through the proxy: the whole suite works.
    run_suite("proxy+auth", &proxied, creds, &[&phantom]).await;
    let _ = stop.send(());
}
