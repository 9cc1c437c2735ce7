//! The `uptake` binary end to end: JSON contracts, agreement with an independent reader, and
//! one-line errors.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

fn sts001() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sts001_petct")
}

fn independent_probe(dir: &Path, p: [f64; 3]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/independent/probe.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir)
        .args(p.map(|v| v.to_string()))
        .output()
        .expect("python3 (installed by cargo xtask test)");
    assert!(
        out.status.success(),
        "probe.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("probe.py JSON")
}

#[test]
fn probe_on_real_ge_study_agrees_with_pydicom_exactly() {
    let dir = sts001();
    let dir_s = dir.to_str().expect("utf-8 path");
    // Points inside both volumes, inside PET only (the CT was cropped), and outside both.
    // Coordinates avoid exact ties between voxel centres (where either neighbour is correct).
    let points = [
        [1.3, -2.7, -800.2],
        [-10.1, 20.2, -830.4],
        [15.3, -60.2, -790.1],
        [0.7, 0.4, -200.3],
        [-150.2, 100.1, -500.3],
        [0.3, 0.2, 900.0],
    ];
    let mut compared = (0, 0, 0);
    for p in points {
        let at = format!("{},{},{}", p[0], p[1], p[2]);
        let ours = json(&uptake(&["probe", dir_s, "--at", &at, "--json"]));
        let pet_ref = independent_probe(&dir.join("PT"), p);
        let ct_ref = independent_probe(&dir.join("CT"), p);
        assert_eq!(ours["pet_voxel"], pet_ref["voxel"], "PET voxel at {at}");
        assert_eq!(ours["ct_voxel"], ct_ref["voxel"], "CT voxel at {at}");
        match (ours["pet_value"].as_f64(), pet_ref["value"].as_f64()) {
            (Some(a), Some(b)) => {
                // f32 storage of stored × slope: exact to f32 precision.
                assert!(
                    (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                    "PET value at {at}: {a} vs {b}"
                );
                compared.0 += 1;
            }
            (None, None) => compared.2 += 1,
            other => panic!("PET presence differs at {at}: {other:?}"),
        }
        match (ours["ct_hu"].as_f64(), ct_ref["value"].as_f64()) {
            (Some(a), Some(b)) => {
                assert_eq!(a, b, "CT HU at {at}");
                compared.1 += 1;
            }
            (None, None) => compared.2 += 1,
            other => panic!("CT presence differs at {at}: {other:?}"),
        }
        assert_eq!(ours["pet_units"], "BQML");
    }
    assert!(
        compared.0 >= 4 && compared.1 >= 2 && compared.2 >= 3,
        "{compared:?}"
    );
}

#[test]
fn inspect_json_reports_patient_series_and_suv_inputs() {
    let dir = tempfile::tempdir().expect("temp");
    let d = dir.path().to_str().expect("utf-8");
    let out = uptake(&["phantom", d, "--shuffle"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).expect("truth"))
            .expect("json");
    let report = json(&uptake(&["inspect", d, "--json"]));
    assert_eq!(report["schema"], "uptake.inspect/1");
    let study = &report["studies"][0];
    assert_eq!(
        study["patient"]["nhs_number"],
        truth["patient"]["nhs_number"]
    );
    assert_eq!(study["patient"]["nhs_number_valid"], true);
    assert_eq!(study["patient"]["name"], "PHANTOM^UPTAKE");
    let series = study["series"].as_array().expect("series");
    assert_eq!(series.len(), 2);
    let pet = series
        .iter()
        .find(|s| s["modality"] == "PT")
        .expect("PET series");
    let ct = series
        .iter()
        .find(|s| s["modality"] == "CT")
        .expect("CT series");
    assert_eq!(pet["dims"], truth["pet"]["dims"]);
    assert_eq!(ct["dims"], truth["ct"]["dims"]);
    assert_eq!(ct["orientation"], serde_json::json!(["L", "P", "H"]));
    assert_eq!(pet["pet"]["units"], "BQML");
    assert_eq!(pet["pet"]["decay_correction"], "START");
    assert_eq!(
        pet["pet"]["radiopharmaceutical"]["total_dose"],
        truth["suv"]["dose_bq"]
    );
    assert_eq!(pet["pet"]["rescale_slopes_differ"], true);
    assert_eq!(pet["problems"], serde_json::json!([]));
}

#[test]
fn probe_outside_both_volumes_gives_nulls_not_an_error() {
    let dir = tempfile::tempdir().expect("temp");
    let d = dir.path().to_str().expect("utf-8");
    assert!(uptake(&["phantom", d]).status.success());
    let r = json(&uptake(&["probe", d, "--at", "0,0,5000", "--json"]));
    for key in [
        "ct_hu",
        "ct_hu_trilinear",
        "ct_voxel",
        "pet_value",
        "pet_voxel",
    ] {
        assert!(r[key].is_null(), "{key} = {}", r[key]);
    }
    assert_eq!(r["pet_units"], "BQML");
}

#[test]
fn errors_are_one_line_with_nonzero_exit() {
    let out = uptake(&["inspect", "/nonexistent/uptake/path"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("uptake: error: "), "{err}");
    let out = uptake(&["probe", "/tmp", "--at", "1,2"]);
    assert!(!out.status.success());
}

#[test]
fn quantify_json_matches_phantom_truth_for_every_lesion() {
    let dir = tempfile::tempdir().expect("temp");
    let d = dir.path().to_str().expect("utf-8");
    assert!(uptake(&["phantom", d, "--midnight", "--ffs"])
        .status
        .success());
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).expect("truth"))
            .expect("json");
    let lesions = truth["lesions"].as_array().expect("lesions");
    assert!(lesions.len() >= 4);
    for lesion in lesions {
        let c: Vec<f64> = lesion["centre_lps"]
            .as_array()
            .expect("centre")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        let seed = format!("{},{},{}", c[0] + 1.5, c[1] - 1.0, c[2] + 0.5);
        let r = json(&uptake(&["quantify", d, "--seed", &seed, "--json"]));
        assert_eq!(r["schema"], "uptake.quantify/1");
        assert_eq!(r["suv_type"], "bw");
        let suv = lesion["suv"].as_f64().expect("suv");
        for key in ["suvmax", "suvmean"] {
            let v = r[key].as_f64().expect(key);
            assert!(
                (v - suv).abs() <= 1e-3 * suv,
                "{}: {key} {v} vs {suv}",
                lesion["name"]
            );
        }
        assert_eq!(r["voxels"], lesion["pet_voxels"], "{}", lesion["name"]);
        let mtv = r["mtv_ml"].as_f64().expect("mtv");
        assert!(
            (mtv - lesion["mtv_ml_41"].as_f64().expect("truth mtv")).abs() < 1e-9,
            "{}",
            lesion["name"]
        );
        if let Some(peak) = lesion["suvpeak"].as_f64() {
            assert!((r["suvpeak"].as_f64().expect("suvpeak") - peak).abs() <= 1e-3 * peak);
        }
        let factor = r["suv_factor"]["value"].as_f64().expect("series factor");
        let expected = truth["suv"]["suvbw_factor"].as_f64().expect("truth factor");
        assert!(
            (factor - expected).abs() <= 1e-6 * expected,
            "factor {factor} vs {expected}"
        );
    }
}

#[test]
fn probe_reports_suvbw_and_refusals() {
    let dir = tempfile::tempdir().expect("temp");
    let d = dir.path().to_str().expect("utf-8");
    assert!(uptake(&["phantom", d]).status.success());
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).expect("truth"))
            .expect("json");
    let c: Vec<f64> = truth["liver_centre_lps"]
        .as_array()
        .expect("liver")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let at = format!("{},{},{}", c[0], c[1], c[2]);
    let r = json(&uptake(&["probe", d, "--at", &at, "--json"]));
    let liver = truth["liver_suv"].as_f64().expect("liver suv");
    assert!(
        (r["suvbw"].as_f64().expect("suvbw") - liver).abs() <= 1e-3 * liver,
        "{r}"
    );
    assert!(r["suv_refused"].is_null());
    // SUL needs height and sex, which the phantom has; an absurd weight override is refused.
    let r = json(&uptake(&[
        "probe", d, "--at", &at, "--suv", "lbm", "--json",
    ]));
    assert!(
        r["suv"].as_f64().is_some_and(|v| v > 0.0 && v < liver),
        "{r}"
    );
    let r = json(&uptake(&[
        "probe", d, "--at", &at, "--weight", "0", "--json",
    ]));
    assert!(
        r["suv"].is_null() && r["suv_refused"].as_str().is_some_and(|s| !s.is_empty()),
        "{r}"
    );
    assert!(
        r["pet_value"].as_f64().is_some(),
        "Bq/ml still shown when SUV is refused"
    );
}

#[test]
fn render_writes_a_png_of_the_requested_size() {
    let dir = tempfile::tempdir().expect("temp");
    let d = dir.path().to_str().expect("utf-8");
    assert!(uptake(&["phantom", d]).status.success());
    let out = dir.path().join("axial.png");
    let o = out.to_str().expect("utf-8");
    let r = uptake(&[
        "render",
        d,
        "--view",
        "axial",
        "--at",
        "84,-10,85",
        "--size",
        "320x240",
        "--out",
        o,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let png = std::fs::read(&out).expect("png written");
    assert_eq!(&png[1..4], b"PNG");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!((width, height), (320, 240));
    let bad = uptake(&["render", d, "--fusion", "2", "--out", o]);
    assert!(!bad.status.success());
}
