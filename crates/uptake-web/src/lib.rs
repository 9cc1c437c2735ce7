//! # uptake-web
//!
//! The browser adapter of Uptake: `wasm-bindgen` entry points over the sans-IO Rust core.
//! Nothing here parses, decodes or measures by itself; it converts JavaScript values to the
//! inputs of `uptake-dicom` and its results (or typed errors) back to JavaScript objects.
//!
//! JS API (names as seen from JavaScript):
//! - `version()` — the crate version.
//! - `decodeInstance(bytes: Uint8Array)` — parse one DICOM file and decode frame 0:
//!   `{rows, columns, frames, transferSyntax, modality, min, max, checksum}`.
//! - `loadStudy(files: Array<Uint8Array>)` — parse files, plan series and choose PET and CT:
//!   `{series: [...], pet, ct, studyUid, studyDate, banner,
//!   patient: {name, id, nhsNumber, nhsNumberValid, birthDate, sex}, errors: [...]}`; `banner` is
//!   the viewer's patient banner line (`uptake_viewer::patient_banner`: "FAMILY, Given | NHS No.
//!   943 476 5919 | DOB … | Male | Study … | PT/CT").
//!
//! Every failure on input is a JS `Error` carrying the typed message; nothing panics on input.
//! The Rust-level functions [`decode_summary`] and [`study_summary`] hold the logic and are
//! tested natively.

use uptake_dicom::{DicomInstance, InstanceError, LoadedStudy};
use wasm_bindgen::prelude::*;

pub mod command;
pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod gfx;
mod js;
pub mod preview;
pub mod snapshot;
#[cfg(target_arch = "wasm32")]
mod wasm_alloc;
#[cfg(target_arch = "wasm32")]
pub mod web_viewer;

/// Errors of the web API, shown to the user as the message of a JS `Error`.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The file could not be parsed or its frame could not be decoded.
    #[error(transparent)]
    Instance(#[from] InstanceError),
    /// The file has no frame to decode.
    #[error("{0}: the file has no image frame")]
    NoFrame(String),
    /// A file list held no usable image.
    #[error("no DICOM image among {files} file(s){}", first_error(.errors))]
    NoImages {
        /// Number of files given.
        files: usize,
        /// Messages of the files that failed.
        errors: Vec<String>,
    },
}

pub(crate) fn first_error(errors: &[String]) -> String {
    errors.first().map(|e| format!(": {e}")).unwrap_or_default()
}

/// Summary of one decoded frame (frame 0 of an instance), in rescaled units (HU, Bq/ml, …).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeSummary {
    /// Rows of the frame.
    pub rows: u32,
    /// Columns of the frame.
    pub columns: u32,
    /// Number of frames in the instance.
    pub frames: usize,
    /// Transfer syntax UID of the file.
    pub transfer_syntax: String,
    /// Modality (e.g. `CT`, `PT`).
    pub modality: String,
    /// Smallest rescaled value of frame 0.
    pub min: f64,
    /// Largest rescaled value of frame 0.
    pub max: f64,
    /// 32-bit FNV-1a of the little-endian `f32` bits of every rescaled value of frame 0: equal
    /// checksums mean identical decoded values, whatever the transfer syntax.
    pub checksum: u32,
}

/// FNV-1a over the little-endian bytes of `values`.
pub fn checksum_f32(values: &[f32]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// Parses one DICOM Part 10 file and decodes its frame 0 into `f32` rescaled values.
pub fn decode_summary(name: &str, bytes: &[u8]) -> Result<DecodeSummary, WebError> {
    let instance = DicomInstance::from_bytes(name, bytes)?;
    let header = &instance.header;
    if header.frame_count() == 0 {
        return Err(WebError::NoFrame(name.to_string()));
    }
    let mut values = vec![0f32; header.pixel.samples_per_frame()];
    instance.decode_frame_into(0, &mut values)?;
    let (min, max) = values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    Ok(DecodeSummary {
        rows: header.pixel.rows,
        columns: header.pixel.columns,
        frames: header.frame_count(),
        transfer_syntax: header.transfer_syntax.clone(),
        modality: header.modality.clone(),
        min: f64::from(min),
        max: f64::from(max),
        checksum: checksum_f32(&values),
    })
}

/// One planned series of a study summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSummary {
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// Modality of the series.
    pub modality: String,
    /// SeriesDescription of its first instance, if any.
    pub description: Option<String>,
    /// Volume dimensions (columns, rows, slices).
    pub dims: [usize; 3],
    /// Voxel spacing in mm (column, row, slice).
    pub spacing: [f64; 3],
    /// Number of slice problems found while planning (gaps, duplicates, …).
    pub problems: usize,
}

/// What `loadStudy` reports: series, the PET/CT choice, the patient and the per-file errors.
#[derive(Debug, Clone, PartialEq)]
pub struct StudySummary {
    /// Planned series, in planning order.
    pub series: Vec<SeriesSummary>,
    /// SeriesInstanceUID of the PET chosen for quantification (attenuation-corrected first).
    pub pet: Option<String>,
    /// SeriesInstanceUID of the CT chosen to fuse with it (same FrameOfReference first).
    pub ct: Option<String>,
    /// PatientName of the first image.
    pub patient_name: Option<String>,
    /// PatientID of the first image.
    pub patient_id: Option<String>,
    /// NHS Number, when the patient has one.
    pub nhs_number: Option<String>,
    /// Whether the NHS Number passes its modulus-11 check.
    pub nhs_number_valid: Option<bool>,
    /// PatientBirthDate (DA) of the first image.
    pub birth_date: Option<String>,
    /// PatientSex of the first image.
    pub sex: Option<String>,
    /// StudyInstanceUID of the first image.
    pub study_uid: Option<String>,
    /// StudyDate (DA) of the first image.
    pub study_date: Option<String>,
    /// The patient banner line (see [`uptake_viewer::patient_banner`]).
    pub banner: String,
    /// Messages of files that could not be parsed and of series that could not be planned.
    pub errors: Vec<String>,
}

/// The modalities of the planned series, in order without repeats, joined by `/` (`"PT/CT"`).
pub fn modalities_text(series: &[SeriesSummary]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in series {
        if !seen.contains(&s.modality.as_str()) {
            seen.push(&s.modality);
        }
    }
    if seen.is_empty() {
        "no series".to_string()
    } else {
        seen.join("/")
    }
}

/// Parses `files` (named `file 1`, `file 2`, … in messages), plans series and picks PET and CT.
/// Files that fail are listed in [`StudySummary::errors`]; an error only if none is an image.
pub fn study_summary(files: Vec<Vec<u8>>) -> Result<StudySummary, WebError> {
    let count = files.len();
    let mut instances = Vec::new();
    let mut errors = Vec::new();
    for (i, bytes) in files.into_iter().enumerate() {
        match DicomInstance::from_vec(&format!("file {}", i + 1), bytes) {
            Ok(instance) => instances.push(instance),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if instances.is_empty() {
        return Err(WebError::NoImages {
            files: count,
            errors,
        });
    }
    let study = LoadedStudy::from_instances(instances);
    errors.extend(study.refused.iter().map(ToString::to_string));
    let series: Vec<SeriesSummary> = core::series_reports(&study)
        .into_iter()
        .map(|r| SeriesSummary {
            series_uid: r.series_uid,
            modality: r.modality,
            description: r.description,
            dims: r.dims,
            spacing: r.spacing,
            problems: r.problems.len(),
        })
        .collect();
    let pet = study.pet_plan();
    let ct = study.ct_plan(pet);
    let first = study.instances.first().map(|i| &i.header);
    let patient = first.map(|h| &h.patient);
    let study_date = first.and_then(|h| h.study_date.clone());
    let banner = uptake_viewer::patient_banner(
        &patient.cloned().unwrap_or_default(),
        study_date.as_deref(),
        &modalities_text(&series),
    );
    Ok(StudySummary {
        series,
        pet: pet.map(|p| p.series_uid.clone()),
        ct: ct.map(|p| p.series_uid.clone()),
        patient_name: patient.and_then(|p| p.name.clone()),
        patient_id: patient.and_then(|p| p.id.clone()),
        nhs_number: patient.and_then(|p| p.nhs_number.clone()),
        nhs_number_valid: patient.and_then(|p| p.nhs_number_valid),
        birth_date: patient.and_then(|p| p.birth_date.clone()),
        sex: patient.and_then(|p| p.sex.clone()),
        study_uid: first.map(|h| h.study_uid.clone()),
        study_date,
        banner,
        errors,
    })
}

/// Installs the panic hook (a panic would be a bug: it then reaches the console with its
/// message instead of `unreachable`).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The version of the Uptake WASM core.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Parses one DICOM file and decodes frame 0; see [`DecodeSummary`]. Throws an `Error` with
/// the typed message on bad input.
#[wasm_bindgen(js_name = decodeInstance)]
pub fn decode_instance(bytes: &[u8]) -> Result<JsValue, JsError> {
    console_error_panic_hook::set_once();
    decode_summary("file", bytes)
        .map(|s| js::decode_summary(&s))
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Parses a study from files (`Array<Uint8Array>`); see [`StudySummary`]. Throws an `Error`
/// when no file is a DICOM image or the argument is not an array of byte arrays.
#[wasm_bindgen(js_name = loadStudy)]
pub fn load_study(files: js_sys::Array) -> Result<JsValue, JsError> {
    console_error_panic_hook::set_once();
    let mut buffers = Vec::with_capacity(files.length() as usize);
    for (i, item) in files.iter().enumerate() {
        let Some(array) = item.dyn_ref::<js_sys::Uint8Array>() else {
            return Err(JsError::new(&format!(
                "file {}: expected a Uint8Array",
                i + 1
            )));
        };
        buffers.push(array.to_vec());
    }
    study_summary(buffers)
        .map(|s| js::study_summary(&s))
        .map_err(|e| JsError::new(&e.to_string()))
}

// Native only: reads the fixtures from disk (the browser tests embed them).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn every_syntax_decodes_to_the_same_values_natively() {
        let reference = decode_summary("le", &fixture("ct_le.dcm")).unwrap();
        assert_eq!((reference.rows, reference.columns), (64, 64));
        for name in ["ct_rle.dcm", "ct_jpegll.dcm", "ct_jpegls.dcm", "ct_j2k.dcm"] {
            let s = decode_summary(name, &fixture(name)).unwrap();
            assert_ne!(s.transfer_syntax, reference.transfer_syntax, "{name}");
            assert_eq!(
                (s.min, s.max, s.checksum),
                (reference.min, reference.max, reference.checksum),
                "{name}"
            );
        }
    }

    #[test]
    fn truncated_file_is_an_error() {
        let bytes = fixture("ct_j2k.dcm");
        for cut in [0, 10, 132, 400, bytes.len() - 100] {
            assert!(
                decode_summary("cut", &bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn study_summary_picks_pet_and_ct() {
        let files = ["CT_0", "CT_1", "CT_2", "PT_0", "PT_1", "PT_2"]
            .iter()
            .map(|n| fixture(&format!("study/{n}.dcm")))
            .chain([b"not dicom".to_vec()])
            .collect();
        let s = study_summary(files).unwrap();
        assert_eq!(s.series.len(), 2, "{s:?}");
        assert!(s.series.iter().all(|p| p.dims == [32, 32, 3]), "{s:?}");
        assert!(s.pet.is_some() && s.ct.is_some());
        assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
        assert!(s.patient_name.is_some());
        assert!(s.study_uid.is_some());
        // The banner is the viewer's: name, identifier, DOB, sex, study date, modalities.
        let patient = uptake_dicom::PatientInfo {
            name: s.patient_name.clone(),
            id: s.patient_id.clone(),
            nhs_number: s.nhs_number.clone(),
            birth_date: s.birth_date.clone(),
            sex: s.sex.clone(),
            ..Default::default()
        };
        let mods = modalities_text(&s.series);
        assert!(mods == "CT/PT" || mods == "PT/CT", "{mods}");
        let expected = uptake_viewer::patient_banner(&patient, s.study_date.as_deref(), &mods);
        assert_eq!(s.banner, expected);
        assert!(s.banner.contains(" | DOB "), "{}", s.banner);
    }

    #[test]
    fn modalities_text_lists_each_once() {
        let series = |m: &str| SeriesSummary {
            series_uid: "1.2".into(),
            modality: m.into(),
            description: None,
            dims: [1, 1, 1],
            spacing: [1.0; 3],
            problems: 0,
        };
        assert_eq!(modalities_text(&[]), "no series");
        assert_eq!(
            modalities_text(&[series("PT"), series("CT"), series("PT")]),
            "PT/CT"
        );
    }

    #[test]
    fn no_images_is_an_error() {
        let e = study_summary(vec![b"x".to_vec()]).unwrap_err();
        assert!(e.to_string().contains("no DICOM image"), "{e}");
    }
}
