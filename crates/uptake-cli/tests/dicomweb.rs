//! `uptake quantify --dicomweb` gives the same answer as `uptake quantify PATH` for every phantom
//! lesion, whether the study comes from a real Orthanc, through `uptake serve --pacs` (proxy) or
//! from `uptake serve --dicom-dir` (embedded).

#[path = "../../uptake-server/tests/common/mod.rs"]
mod orthanc_harness;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn uptake(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .output()
        .expect("run uptake")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "uptake failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// `uptake serve` as a child process, killed on drop.
struct Serve {
    child: Child,
    dicomweb: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start uptake serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let dicomweb = line
        .split_whitespace()
        .find(|w| w.starts_with("http://") && w.ends_with("/dicom-web/);"))
        .map(|w| w.trim_end_matches(");").to_string())
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    Serve { child, dicomweb }
}

const KEYS: [&str; 7] = [
    "suvmax", "suvmean", "suvpeak", "sd", "voxels", "mtv_ml", "tlg",
];

fn compare_all_lesions(dir: &Path, dicomweb: &str, what: &str) {
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth"))
            .expect("json");
    let study = truth["study"]["study_instance_uid"].as_str().expect("uid");
    let d = dir.to_str().expect("utf-8");
    let mut compared = 0;
    for lesion in truth["lesions"].as_array().expect("lesions") {
        let c: Vec<f64> = lesion["centre_lps"]
            .as_array()
            .expect("centre")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        let seed = format!("{},{},{}", c[0] + 1.0, c[1], c[2] - 1.0);
        let local = json(&uptake(&["quantify", d, "--seed", &seed, "--json"]));
        let remote = json(&uptake(&[
            "quantify",
            "--dicomweb",
            dicomweb,
            "--study",
            study,
            "--seed",
            &seed,
            "--json",
        ]));
        for key in KEYS {
            assert_eq!(local[key], remote[key], "{what}: {} {key}", lesion["name"]);
        }
        assert_eq!(
            local["suv_factor"], remote["suv_factor"],
            "{what}: SUV factor"
        );
        compared += 1;
    }
    assert!(compared >= 4);
}

fn phantom() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp");
    assert!(
        uptake(&["phantom", dir.path().to_str().expect("utf-8"), "--shuffle"])
            .status
            .success()
    );
    dir
}

#[test]
fn quantify_over_embedded_dicomweb_equals_files() {
    let dir = phantom();
    let server = serve(&["--dicom-dir", dir.path().to_str().expect("utf-8")]);
    compare_all_lesions(dir.path(), &server.dicomweb, "embedded");
    // `render` draws the same picture from DICOMweb as from the files.
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).expect("truth"))
            .expect("json");
    let study = truth["study"]["study_instance_uid"].as_str().expect("uid");
    let (a, b) = (dir.path().join("files.png"), dir.path().join("web.png"));
    let common = ["--view", "coronal", "--size", "128x128", "--out"];
    let d = dir.path().to_str().expect("utf-8");
    let mut local = vec!["render", d];
    local.extend(common);
    local.push(a.to_str().expect("utf-8"));
    assert!(uptake(&local).status.success());
    let mut remote = vec!["render", "--dicomweb", &server.dicomweb, "--study", study];
    remote.extend(common);
    remote.push(b.to_str().expect("utf-8"));
    let out = uptake(&remote);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&a).expect("png"),
        std::fs::read(&b).expect("png")
    );
}

#[test]
fn quantify_over_orthanc_and_proxy_equals_files() {
    let dir = phantom();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let orthanc = rt.block_on(orthanc_harness::Orthanc::start(None));
    let uploaded = rt.block_on(orthanc.upload_dir(dir.path()));
    assert_eq!(uploaded, 176, "every phantom file stored in Orthanc");
    compare_all_lesions(dir.path(), &orthanc.dicomweb(), "Orthanc");
    let proxy = serve(&["--pacs", &orthanc.dicomweb()]);
    compare_all_lesions(dir.path(), &proxy.dicomweb, "proxy");
    drop(proxy);
    drop(orthanc);
}

#[test]
fn unknown_study_and_unauthorised_are_clear_errors() {
    let dir = phantom();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let orthanc = rt.block_on(orthanc_harness::Orthanc::start(Some(("alice", "s3cret"))));
    let out = uptake(&[
        "inspect",
        "--dicomweb",
        &orthanc.dicomweb(),
        "--study",
        "1.2.3.4",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("uptake: error: DICOMweb:") && err.contains("not authorised (HTTP 401)"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1);
    assert!(!err.contains("s3cret"));
    // With credentials the request goes through; the study is not there: a clear message.
    let out = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args([
            "inspect",
            "--dicomweb",
            &orthanc.dicomweb(),
            "--study",
            "1.2.3.4",
            "--user",
            "alice",
        ])
        .env("UPTAKE_PASSWORD", "s3cret")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && (err.contains("not found")
                || err.contains("no DICOM images found in study 1.2.3.4")),
        "{err}"
    );
    drop(dir);
}
