//! The real GE Discovery ST whole-body FDG series (`shared/data/sts001_petct/PT`, BQML,
//! DecayCorrection START): the SUVbw factor from `uptake-dicom` headers equals one computed
//! here independently from the raw attributes (read with dicom-object), and the whole-series
//! SUVmax equals the one computed independently from the raw pixel bytes and is a plausible
//! FDG value. (It is the bladder, SUV 66.5, checked also with pydicom: above the 2–50 range
//! first proposed for this test, so the plausibility bound is 2–100, bladder included.)

use dicom_dictionary_std::tags;
use dicom_object::{open_file, InMemDicomObject};
use std::path::{Path, PathBuf};
use uptake_quant::stats::series_max;
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::{study_suv_factor, SuvVolume};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sts001_petct/PT")
}

fn text(obj: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .expect("attribute present")
        .to_str()
        .expect("text")
        .trim()
        .to_string()
}

/// Seconds since midnight of a TM `HHMMSS.FFFFFF`.
fn tm_seconds(tm: &str) -> f64 {
    let h: f64 = tm[0..2].parse().expect("hours");
    let m: f64 = tm[2..4].parse().expect("minutes");
    let s: f64 = tm[4..].parse().expect("seconds");
    h * 3600.0 + m * 60.0 + s
}

#[test]
fn ge_whole_body_fdg() {
    let dir = data_dir();
    if !dir.is_dir() {
        eprintln!("skipped: {} not present", dir.display());
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "dcm"))
        .collect();
    files.sort();
    let obj = open_file(&files[0]).expect("open first file");
    let weight: f64 = text(&obj, tags::PATIENT_WEIGHT).parse().expect("weight");
    let series_time = text(&obj, tags::SERIES_TIME);
    let rp = obj
        .element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .expect("radiopharmaceutical sequence")
        .items()
        .expect("items")[0]
        .clone();
    let dose: f64 = text(&rp, tags::RADIONUCLIDE_TOTAL_DOSE)
        .parse()
        .expect("dose");
    let half_life: f64 = text(&rp, tags::RADIONUCLIDE_HALF_LIFE).parse().expect("T½");
    let start = text(&rp, tags::RADIOPHARMACEUTICAL_START_TIME);
    let dt = tm_seconds(&series_time) - tm_seconds(&start);
    assert!(dt > 0.0 && dt < 4.0 * 3600.0, "uptake time {dt}");
    let expected = weight * 1000.0 / (dose * 2f64.powf(-dt / half_life));

    let study = uptake_dicom::load_paths(&[dir]);
    let f = study_suv_factor(&study, SuvType::Bw, &SuvOverrides::default())
        .expect("SUV is computed, not refused");
    let got = f.series_factor().expect("one factor");
    assert!(
        ((got - expected) / expected).abs() < 1e-9,
        "factor {got} vs independent {expected}"
    );

    // Independent whole-series maximum from the raw little-endian pixel bytes.
    let mut raw_max = f64::NEG_INFINITY;
    for path in &files {
        let o = open_file(path).expect("open");
        assert_eq!(text(&o, tags::BITS_ALLOCATED), "16");
        let signed = text(&o, tags::PIXEL_REPRESENTATION) == "1";
        let slope: f64 = text(&o, tags::RESCALE_SLOPE).parse().expect("slope");
        let intercept: f64 = text(&o, tags::RESCALE_INTERCEPT)
            .parse()
            .expect("intercept");
        let bytes = o
            .element(tags::PIXEL_DATA)
            .expect("pixel data")
            .to_bytes()
            .expect("native pixel data");
        for b in bytes.chunks_exact(2) {
            let v = if signed {
                i16::from_le_bytes([b[0], b[1]]) as f64
            } else {
                u16::from_le_bytes([b[0], b[1]]) as f64
            };
            raw_max = raw_max.max(v * slope + intercept);
        }
    }
    let expected_max = raw_max * expected;

    let vol =
        SuvVolume::from_study(&study, SuvType::Bw, &SuvOverrides::default()).expect("SUV volume");
    let m = series_max(&vol).expect("series max");
    assert!(
        ((m.suvmax - expected_max) / expected_max).abs() < 1e-6,
        "SUVmax {} vs independent {expected_max}",
        m.suvmax
    );
    assert!(
        m.suvmax > 2.0 && m.suvmax < 100.0,
        "implausible FDG SUVmax {}",
        m.suvmax
    );
    eprintln!(
        "GE sts001: SUVbw factor {got:.9e}, SUVmax {:.3} at {:?}",
        m.suvmax, m.at
    );
}
