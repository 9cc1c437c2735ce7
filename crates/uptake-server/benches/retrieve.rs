//! Retrieval benchmark: the `clinical` phantom (~240 MB) from a real Orthanc on loopback,
//! through `uptake-dicomweb` (plan + centre-first per-instance requests, and one request per
//! series), against `curl` of the same series (WADO-RS series retrieve) in the same run.
//! Prints a table. Run with `cargo bench -p uptake-server --bench retrieve`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::Orthanc;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use uptake_dicom::{DicomInstance, LoadedStudy};
use uptake_dicomweb::plan::RetrieveRequest;
use uptake_dicomweb::{Auth, RetrieveOptions};
use uptake_phantom::{write_study, PhantomOptions, Size};

const ACCEPT: &str = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";

struct Row {
    name: String,
    metadata: Option<Duration>,
    first_ct: Option<Duration>,
    first_pet: Option<Duration>,
    full: Duration,
    bytes: u64,
}

fn curl_series(url: &str) -> (Duration, u64) {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{time_total} %{size_download}",
            "-H",
        ])
        .arg(format!("Accept: {ACCEPT}"))
        .arg(url)
        .output()
        .expect("curl (Debian package curl) is needed for the baseline");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut it = text.split_whitespace();
    let t: f64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    let b: u64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    (Duration::from_secs_f64(t), b)
}

async fn uptake_run(name: &str, base: &str, study_uid: &str, per_series: bool) -> Row {
    let c = common::client(base, Auth::None);
    let t0 = Instant::now();
    let plan = c.plan_pet_ct(study_uid).await.expect("plan");
    let metadata = t0.elapsed();
    let requests: Vec<RetrieveRequest> = if per_series {
        plan.per_series()
    } else {
        plan.requests.clone()
    };
    let pet_uid = plan.pet_series_uid.clone();
    let t1 = Instant::now();
    let (mut first_ct, mut first_pet) = (None, None);
    let mut instances = Vec::new();
    let progress = c
        .retrieve(
            study_uid,
            &requests,
            plan.expected_instances,
            &RetrieveOptions {
                concurrency: 6,
                ..Default::default()
            },
            &mut |i| {
                let inst = DicomInstance::from_bytes("bench", &i.bytes).expect("parse");
                let is_pet = i.series_uid == pet_uid;
                let slot = if is_pet {
                    &mut first_pet
                } else {
                    &mut first_ct
                };
                if slot.is_none() {
                    let n = inst.header.pixel.samples_per_frame();
                    let mut out = vec![0f32; n];
                    inst.decode_frame_into(0, &mut out).expect("decode");
                    *slot = Some(t0.elapsed());
                }
                instances.push(inst);
                Ok(())
            },
            &mut |_| {},
        )
        .await
        .expect("retrieve");
    let study = LoadedStudy::from_instances(instances);
    let pet = study.pet_plan().expect("pet");
    let _pv = study.volume(pet).expect("pet volume");
    let ct = study.ct_plan(Some(pet)).expect("ct");
    let _cv = study.volume(ct).expect("ct volume");
    let _ = t1;
    Row {
        name: name.into(),
        metadata: Some(metadata),
        first_ct,
        first_pet,
        full: t0.elapsed(),
        bytes: progress.bytes,
    }
}

fn ms(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .unwrap_or_else(|| "-".into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = Path::new("/tmp/uptake-bench-clinical");
    if !dir.join("truth.json").is_file() {
        eprintln!("generating the clinical phantom in {} …", dir.display());
        let _ = std::fs::remove_dir_all(dir);
        write_study(
            dir,
            &PhantomOptions {
                size: Size::Clinical,
                ..Default::default()
            },
        )
        .expect("phantom");
    }
    let files = common::Expected::load("clinical", dir.to_path_buf());
    let study_uid = files.study_uid.clone();
    let orthanc = Orthanc::start(None).await;
    let t = Instant::now();
    let n = orthanc.upload_dir(dir).await;
    eprintln!(
        "uploaded {n} instances to Orthanc in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let base = orthanc.dicomweb();

    // Warm Orthanc's caches equally for everyone: one untimed curl pass.
    let series: Vec<String> = files.per_series.keys().cloned().collect();
    for s in &series {
        curl_series(&format!("{base}/studies/{study_uid}/series/{s}"));
    }

    let mut rows = Vec::new();
    let (mut t_curl, mut b_curl) = (Duration::ZERO, 0);
    for s in &series {
        let (t, b) = curl_series(&format!("{base}/studies/{study_uid}/series/{s}"));
        t_curl += t;
        b_curl += b;
    }
    rows.push(Row {
        name: "curl, series retrieve (baseline)".into(),
        metadata: None,
        first_ct: None,
        first_pet: None,
        full: t_curl,
        bytes: b_curl,
    });
    rows.push(
        uptake_run(
            "uptake, plan + per-instance centre-first x6",
            &base,
            &study_uid,
            false,
        )
        .await,
    );
    rows.push(
        uptake_run(
            "uptake, plan + one request per series x2",
            &base,
            &study_uid,
            true,
        )
        .await,
    );

    println!(
        "\nclinical phantom: {} instances, Orthanc on loopback, transfer-syntax=*",
        files.study.instances.len()
    );
    println!(
        "{:<45} {:>10} {:>10} {:>10} {:>10} {:>9} {:>8}",
        "method", "meta ms", "1st CT ms", "1st PT ms", "full ms", "MB", "MB/s"
    );
    for r in rows {
        let mb = r.bytes as f64 / 1e6;
        println!(
            "{:<45} {:>10} {:>10} {:>10} {:>10.0} {:>9.1} {:>8.1}",
            r.name,
            ms(r.metadata),
            ms(r.first_ct),
            ms(r.first_pet),
            r.full.as_secs_f64() * 1000.0,
            mb,
            mb / r.full.as_secs_f64()
        );
    }
}
