//! Series-mismatch warnings (PatientID, FrameOfReferenceUID), switching series, and the
//! memory estimate from the series dimensions before decoding.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use uptake_dicom::load_paths;
use uptake_phantom::{write_study, PhantomOptions};
use uptake_viewer::memory::DEFAULT_BUDGET_BYTES;
use uptake_viewer::{estimate_for_study, Session, Viewer, ViewerError, Warning};

fn set_str(path: &std::path::Path, tag: dicom_core::Tag, vr: VR, value: &str) {
    let mut obj = dicom_object::open_file(path).expect("open");
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    obj.write_to_file(path).expect("write");
}

#[test]
fn mismatched_ct_warns_and_series_can_be_switched() {
    let dir = tempfile::tempdir().expect("tmp");
    let truth = write_study(dir.path(), &PhantomOptions::default()).expect("phantom");
    for e in std::fs::read_dir(dir.path().join("CT")).expect("CT dir") {
        let p = e.expect("entry").path();
        set_str(&p, tags::PATIENT_ID, VR::LO, "SOMEONE-ELSE");
        set_str(&p, tags::FRAME_OF_REFERENCE_UID, VR::UI, "1.2.3.999");
    }
    let study = load_paths(&[dir.path().to_path_buf()]);
    let est = estimate_for_study(&study, DEFAULT_BUDGET_BYTES);
    let [ci, cj, ck] = truth.ct.dims;
    let [pi, pj, pk] = truth.pet.dims;
    assert_eq!(est.ct_bytes, (ci * cj * ck * 2) as u64);
    assert_eq!(est.pet_bytes, (pi * pj * pk * 4) as u64);
    assert!(est.warning.is_none());
    assert!(estimate_for_study(&study, 1000).warning.is_some());

    let mut v = Viewer::new(Session::open(study).expect("session"));
    let w = &v.session.warnings;
    assert!(
        w.iter().any(|w| matches!(w, Warning::PatientIdDiffers(_))),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| matches!(w, Warning::FrameOfReferenceDiffers(_))),
        "{w:?}"
    );
    assert!(v
        .session
        .choice
        .explanation
        .contains("does NOT share the PET's FrameOfReferenceUID"));

    // Switching to an unknown series is a typed error and changes nothing.
    let before = v.session.choice.clone();
    assert!(matches!(
        v.switch_series(Some("1.2.3.4"), None),
        Err(ViewerError::UnknownSeries { .. })
    ));
    assert_eq!(v.session.choice, before);
    // Switching to the listed candidates (here the same series, chosen by the user) works and
    // re-measures lesions.
    let c = truth.lesions[0].centre_lps;
    v.add_lesion(c).expect("lesion");
    let pet = before.pet_candidates[0].0.clone();
    let ct = before.ct_candidates[0].0.clone();
    v.switch_series(Some(&pet), Some(&ct)).expect("switch");
    assert!(v.session.choice.explanation.contains("chosen by the user"));
    assert!(v.lesions()[0].suvmax.is_some());
}
