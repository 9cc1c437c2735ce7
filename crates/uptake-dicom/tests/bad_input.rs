//! Bad input yields a typed error naming the file and the problem — never a panic.

mod common;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use std::path::{Path, PathBuf};
use uptake_dicom::{load_paths, AssembleError, DicomInstance, Problem};
use uptake_phantom::PhantomOptions;

fn first_ct(dir: &Path) -> PathBuf {
    dir.join("CT/CT_0050.dcm")
}

#[test]
fn truncated_file_is_a_typed_error_naming_the_file() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let bytes = std::fs::read(first_ct(dir.path())).expect("read");
    let cut = &bytes[..bytes.len() / 2];
    let err = DicomInstance::from_bytes("cut.dcm", cut).expect_err("truncated file must fail");
    assert_eq!(err.source_name, "cut.dcm");
    assert!(matches!(err.problem, Problem::Truncated(_)), "{err}");
    assert!(
        err.to_string().starts_with("cut.dcm: file is truncated"),
        "{err}"
    );
}

#[test]
fn every_truncation_point_fails_cleanly() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let bytes = std::fs::read(dir.path().join("PET/PET_0030.dcm")).expect("read");
    let mut step = 0;
    while step < bytes.len() {
        // Each prefix either fails with an error or (at the very end) decodes; nothing panics.
        if let Ok(inst) = DicomInstance::from_bytes("prefix.dcm", &bytes[..step]) {
            let mut out = vec![0f32; inst.header.pixel.samples_per_frame()];
            let _ = inst.decode_frame_into(0, &mut out);
        }
        step += 61;
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let bytes = std::fs::read(dir.path().join("PET/PET_0030.dcm")).expect("read");
    let mut seed = 0x2545_f491_u64;
    // Corrupt lengths must be refused before anything allocates them (this loop once took
    // minutes because the parser zero-filled gigabytes for a 20 KB file).
    for _ in 0..300 {
        let mut copy = bytes.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let pos = (seed as usize) % copy.len().min(4096);
            copy[pos] = (seed >> 32) as u8;
        }
        if let Ok(inst) = DicomInstance::from_bytes("corrupt.dcm", &copy) {
            let n = inst.header.pixel.samples_per_frame();
            if n <= 1 << 18 {
                let mut out = vec![0f32; n];
                let _ = inst.decode_frame_into(0, &mut out);
            }
        }
    }
}

#[test]
fn wrong_preamble_is_reported() {
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICX");
    bytes.extend_from_slice(&[0u8; 64]);
    let err = DicomInstance::from_bytes("x.dcm", &bytes).expect_err("must fail");
    assert!(matches!(err.problem, Problem::NoDicmMarker), "{err}");
    assert!(err.to_string().contains("x.dcm"));
}

#[test]
fn pixel_data_shorter_than_declared_is_reported() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let mut obj = dicom_object::open_file(first_ct(dir.path())).expect("open");
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(256u16),
    ));
    let path = dir.path().join("short.dcm");
    obj.write_to_file(&path).expect("write");
    let inst = DicomInstance::open(&path).expect("header is readable");
    let mut out = vec![0f32; inst.header.pixel.samples_per_frame()];
    let err = inst.decode_frame_into(0, &mut out).expect_err("must fail");
    assert!(
        matches!(err.problem, Problem::PixelDataTooShort { frame: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("short.dcm"), "{err}");
}

#[test]
fn unknown_transfer_syntax_is_reported() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    // Patch the meta group's TransferSyntaxUID in place with a UID of the same length.
    let mut bytes = std::fs::read(first_ct(dir.path())).expect("read");
    let old = b"1.2.840.10008.1.2.1\0";
    let new = b"1.2.840.10008.9.9.9\0";
    let at = bytes
        .windows(old.len())
        .position(|w| w == old)
        .expect("TS UID in meta");
    bytes[at..at + new.len()].copy_from_slice(new);
    let path = dir.path().join("htj2k.dcm");
    std::fs::write(&path, &bytes).expect("write");
    let err = DicomInstance::open(&path).expect_err("must fail");
    match &err.problem {
        Problem::UnsupportedTransferSyntax { uid, .. } => assert_eq!(uid, "1.2.840.10008.9.9.9"),
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("htj2k.dcm"));
}

#[test]
fn series_with_mixed_dimensions_is_refused_naming_files() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let path = first_ct(dir.path());
    let mut obj = dicom_object::open_file(&path).expect("open");
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(64u16),
    ));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(64u16),
    ));
    obj.write_to_file(&path).expect("write");
    let study = load_paths(&[dir.path().join("CT")]);
    assert_eq!(study.refused.len(), 1, "{:?}", study.refused);
    let err = &study.refused[0].error;
    assert!(matches!(err, AssembleError::MixedGeometry { .. }), "{err}");
    assert!(err.to_string().contains("CT_0050.dcm"), "{err}");
}

#[test]
fn not_dicom_files_in_a_directory_are_skipped_not_fatal() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    std::fs::write(dir.path().join("notes.txt"), b"not dicom at all, but long enough to have a preamble-sized prefix ..........................................................................").expect("write");
    let study = load_paths(&[dir.path().to_path_buf()]);
    assert!(study.errors.is_empty(), "{:?}", study.errors);
    assert!(study.skipped.iter().any(|(f, _)| f.ends_with("notes.txt")));
    // Named explicitly, the same file is an error.
    let study = load_paths(&[dir.path().join("notes.txt")]);
    assert_eq!(study.errors.len(), 1);
}

#[test]
fn series_mixing_geometries_by_acquisition_becomes_one_stack_per_acquisition() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    // Slices 0-49 keep acquisition 1 and their geometry; slices 50-99 become acquisition 2 with
    // another pixel spacing: two volumes, each complete, not one mixed refusal.
    let ct = dir.path().join("CT");
    let mut names: Vec<_> = std::fs::read_dir(&ct)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for path in &names {
        let mut obj = dicom_object::open_file(path).expect("open");
        let z = obj
            .element(tags::IMAGE_POSITION_PATIENT)
            .ok()
            .and_then(|e| e.to_multi_float64().ok())
            .and_then(|v| v.get(2).copied())
            .expect("position");
        let second = z > 0.0;
        obj.put(DataElement::new(
            tags::ACQUISITION_NUMBER,
            VR::IS,
            PrimitiveValue::from(if second { "2" } else { "1" }),
        ));
        if second {
            obj.put(DataElement::new(
                tags::PIXEL_SPACING,
                VR::DS,
                PrimitiveValue::from("3.0\\3.0"),
            ));
        }
        obj.write_to_file(path).expect("write");
    }
    let study = load_paths(&[ct]);
    assert!(study.refused.is_empty(), "{:?}", study.refused);
    assert_eq!(study.plans.len(), 2);
    let mut acquisitions: Vec<_> = study.plans.iter().map(|p| p.acquisition).collect();
    acquisitions.sort();
    assert_eq!(acquisitions, vec![Some(1), Some(2)]);
    assert_eq!(
        study.plans.iter().map(|p| p.slots.len()).sum::<usize>(),
        100
    );
    assert!(
        study.plans.iter().all(|p| p.problems.is_empty()),
        "{:?}",
        study.plans.iter().map(|p| &p.problems).collect::<Vec<_>>()
    );
}

#[test]
fn uneven_slice_spacing_is_reported_with_its_size() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let path = first_ct(dir.path());
    let mut obj = dicom_object::open_file(&path).expect("open");
    let mut pos = obj
        .element(tags::IMAGE_POSITION_PATIENT)
        .ok()
        .and_then(|e| e.to_multi_float64().ok())
        .expect("position");
    pos[2] += 0.9; // 0.9 mm off a 3 mm grid: neither a gap nor rounding noise
    let text = pos
        .iter()
        .map(|v| format!("{v}"))
        .collect::<Vec<_>>()
        .join("\\");
    obj.put(DataElement::new(
        tags::IMAGE_POSITION_PATIENT,
        VR::DS,
        PrimitiveValue::from(text),
    ));
    obj.write_to_file(&path).expect("write");
    let study = load_paths(&[dir.path().join("CT")]);
    assert_eq!(study.plans.len(), 1);
    let problem = study.plans[0].problems.iter().find_map(|p| match p {
        uptake_dicom::SliceProblem::NonUniformSpacing {
            max_position_error_mm,
            ..
        } => Some(*max_position_error_mm),
        _ => None,
    });
    assert!(
        problem.is_some_and(|e| e > 0.5 && e < 1.0),
        "{:?}",
        study.plans[0].problems
    );
}
