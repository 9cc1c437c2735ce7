//! Writes the small study, reads it back with dicom-object and checks it against the
//! model and `truth.json`.

mod common;

use common::*;
use dicom_dictionary_std::tags;
use uptake_phantom::ident::is_valid_nhs_number;
use uptake_phantom::{Phantom, PhantomOptions, Tissue, Truth};

#[test]
fn truth_voxel_counts_and_values_match_a_recount_from_the_files() {
    let (dir, truth) = default_study();
    let pet = recount(dir, true, truth);
    let ct = recount(dir, false, truth);
    for (n, l) in truth.lesions.iter().enumerate() {
        assert_eq!(l.pet_voxels, pet[n], "{} PET", l.name);
        assert_eq!(l.ct_voxels, ct[n], "{} CT", l.name);
        assert!(l.pet_voxels > 0 && l.ct_voxels > 0);
        assert!((l.mtv_ml_41 - l.pet_voxels as f64 * truth.pet.voxel_volume_ml).abs() < 1e-12);
        // Voxelised volume is close to the sphere's.
        let ct_ml = l.ct_voxels as f64 * truth.ct.voxel_volume_ml;
        assert!(
            (ct_ml / l.sphere_volume_ml - 1.0).abs() < 0.25,
            "{}: {ct_ml} vs {}",
            l.name,
            l.sphere_volume_ml
        );
    }
}

#[test]
fn truth_json_round_trips_and_matches_the_return_value() {
    let (dir, truth) = default_study();
    let text = std::fs::read_to_string(dir.join("truth.json")).unwrap();
    let back: Truth = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, truth);
    assert_eq!(truth.ct.dims, [128, 128, 100]);
    assert_eq!(truth.pet.dims, [96, 96, 76]);
    assert_eq!(truth.ct.files, 100);
    assert_eq!(truth.pet.files, 76);
    // The SUV factor is the documented formula.
    let s = &truth.suv;
    let decayed = s.dose_bq * 2f64.powf(-s.decay_time_s / s.half_life_s);
    assert!((s.suvbw_factor - truth.patient.weight_kg * 1000.0 / decayed).abs() < 1e-15);
    assert!(s.decay_time_s > 55.0 * 60.0 && s.decay_time_s < 65.0 * 60.0);
    // Small study stays small.
    let bytes: u64 = ["CT", "PET"]
        .iter()
        .flat_map(|d| files(&dir.join(d)))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(bytes <= 6_000_000, "{bytes} bytes");
}

#[test]
fn lesions_on_both_sides_with_the_declared_properties() {
    let (_, truth) = default_study();
    let left = truth.lesions.iter().filter(|l| l.side == "left").count();
    let right = truth.lesions.iter().filter(|l| l.side == "right").count();
    assert!(left >= 2 && right >= 2, "{left} left, {right} right");
    for l in &truth.lesions {
        assert_eq!(l.side == "left", l.centre_lps[0] > 0.0);
        assert!(l.host_suv < 0.41 * l.suv && l.suv > 2.5, "{}", l.name);
    }
    let big = truth
        .lesions
        .iter()
        .filter(|l| l.diameter_mm >= 25.0)
        .count();
    assert!(big >= 2);
    assert!(truth.lesions.iter().filter(|l| l.suvpeak.is_some()).count() >= 2);
    for host in ["left_lung", "right_lung", "liver", "soft_tissue"] {
        assert!(
            truth.lesions.iter().any(|l| l.host_tissue == host),
            "{host}"
        );
    }
    // Lesions also show on CT.
    for l in &truth.lesions {
        assert!(truth.tissues.iter().all(|t| t.hu != l.ct_hu));
    }
    assert_eq!(
        Phantom::standard().tissue_at(truth.liver_reference.centre_lps),
        Tissue::Liver
    );
}

#[test]
fn headers_are_declared() {
    let (dir, truth) = default_study();
    let ct = open(&files(&dir.join("CT"))[10]);
    let pet = open(&files(&dir.join("PET"))[10]);
    for o in [&ct, &pet] {
        assert_eq!(s(o, tags::PATIENT_NAME).unwrap(), "PHANTOM^UPTAKE");
        let id = s(o, tags::PATIENT_ID).unwrap();
        assert!(is_valid_nhs_number(&id) && id.starts_with("999"), "{id}");
        assert_eq!(id, truth.patient.nhs_number);
        assert_eq!(s(o, tags::ISSUER_OF_PATIENT_ID).unwrap(), "NHS");
        let other = o.element(tags::OTHER_PATIENT_I_DS_SEQUENCE).unwrap();
        let item = &other.items().unwrap()[0];
        assert_eq!(
            item.element(tags::PATIENT_ID).unwrap().to_str().unwrap(),
            id
        );
        assert_eq!(
            item.element(tags::ISSUER_OF_PATIENT_ID)
                .unwrap()
                .to_str()
                .unwrap(),
            "NHS"
        );
        assert_eq!(s(o, tags::PATIENT_SEX).unwrap(), "M");
        assert_eq!(f1(o, tags::PATIENT_WEIGHT), 75.0);
        assert_eq!(f1(o, tags::PATIENT_SIZE), 1.75);
        assert_eq!(s(o, tags::PATIENT_POSITION).unwrap(), "HFS");
        assert_eq!(
            s(o, tags::STUDY_INSTANCE_UID).unwrap(),
            truth.study.study_instance_uid
        );
        assert_eq!(
            s(o, tags::FRAME_OF_REFERENCE_UID).unwrap(),
            truth.study.frame_of_reference_uid
        );
        assert_eq!(
            s(o, tags::PHOTOMETRIC_INTERPRETATION).unwrap(),
            "MONOCHROME2"
        );
        assert_eq!(s(o, tags::MANUFACTURER).unwrap(), "Uptake Phantom");
        assert!(s(o, tags::ACCESSION_NUMBER).is_some());
        assert!(s(o, tags::SLICE_LOCATION).is_some());
        assert_eq!(
            o.meta().transfer_syntax().trim_end_matches('\0'),
            "1.2.840.10008.1.2.1"
        );
    }
    assert_eq!(
        s(&ct, tags::SOP_CLASS_UID).unwrap(),
        "1.2.840.10008.5.1.4.1.1.2"
    );
    assert_eq!(s(&ct, tags::SERIES_DESCRIPTION).unwrap(), "CT WB");
    assert_eq!(f1(&ct, tags::BITS_STORED), 12.0);
    assert_eq!(f1(&ct, tags::HIGH_BIT), 11.0);
    assert_eq!(f1(&ct, tags::PIXEL_REPRESENTATION), 0.0);
    assert_eq!(f1(&ct, tags::RESCALE_INTERCEPT), -1024.0);
    assert_eq!(f1(&ct, tags::RESCALE_SLOPE), 1.0);
    assert_eq!(s(&ct, tags::RESCALE_TYPE).unwrap(), "HU");
    assert!(s(&ct, tags::KVP).is_some() && s(&ct, tags::CONVOLUTION_KERNEL).is_some());
    assert!(s(&ct, tags::WINDOW_CENTER).is_some() && s(&ct, tags::WINDOW_WIDTH).is_some());

    assert_eq!(
        s(&pet, tags::SOP_CLASS_UID).unwrap(),
        "1.2.840.10008.5.1.4.1.1.128"
    );
    assert_eq!(s(&pet, tags::SERIES_DESCRIPTION).unwrap(), "PET AC WB");
    assert_eq!(s(&pet, tags::UNITS).unwrap(), "BQML");
    assert_eq!(s(&pet, tags::DECAY_CORRECTION).unwrap(), "START");
    assert_eq!(
        s(&pet, tags::CORRECTED_IMAGE).unwrap(),
        "ATTN\\DECY\\SCAT\\DTIM\\RAN\\NORM"
    );
    assert_eq!(s(&pet, tags::SERIES_TYPE).unwrap(), "WHOLE BODY\\IMAGE");
    assert_eq!(s(&pet, tags::COUNTS_SOURCE).unwrap(), "EMISSION");
    assert!(s(&pet, tags::RECONSTRUCTION_METHOD).is_some());
    assert_eq!(f1(&pet, tags::PIXEL_REPRESENTATION), 1.0);
    assert_eq!(f1(&pet, tags::BITS_STORED), 16.0);
    assert_eq!(f1(&pet, tags::RESCALE_INTERCEPT), 0.0);
    assert!(f1(&pet, tags::ACTUAL_FRAME_DURATION) > 0.0);
    assert!(f1(&pet, tags::FRAME_REFERENCE_TIME) > 0.0);
    let rp = pet
        .element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .unwrap();
    let rp = &rp.items().unwrap()[0];
    let g = |t| {
        rp.element(t)
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end()
            .to_string()
    };
    assert_eq!(g(tags::RADIOPHARMACEUTICAL), "Fluorodeoxyglucose");
    assert_eq!(
        g(tags::RADIONUCLIDE_TOTAL_DOSE).parse::<f64>().unwrap(),
        truth.suv.dose_bq
    );
    assert_eq!(
        g(tags::RADIONUCLIDE_HALF_LIFE).parse::<f64>().unwrap(),
        6586.2
    );
    assert_eq!(
        g(tags::RADIONUCLIDE_POSITRON_FRACTION)
            .parse::<f64>()
            .unwrap(),
        0.9673
    );
    assert_eq!(
        g(tags::RADIOPHARMACEUTICAL_START_DATE_TIME),
        "20261120091230.000000"
    );
    assert_eq!(g(tags::RADIOPHARMACEUTICAL_START_TIME), "091230.000000");
    let code = rp.element(tags::RADIONUCLIDE_CODE_SEQUENCE).unwrap();
    assert_eq!(
        code.items().unwrap()[0]
            .element(tags::CODE_MEANING)
            .unwrap()
            .to_str()
            .unwrap(),
        "^18^Fluorine"
    );
    // Series about 60 min after injection, acquisitions not before the series time.
    assert_eq!(s(&pet, tags::SERIES_TIME).unwrap(), "101405.000000");
    for (_, p) in files(&dir.join("PET")).iter().map(|p| (p.clone(), open(p))) {
        let acq = s(&p, tags::ACQUISITION_TIME).unwrap();
        assert!(acq.as_str() >= "101405.000000", "{acq}");
        assert_eq!(s(&p, tags::ACQUISITION_DATE).unwrap(), "20261120");
    }
}

#[test]
fn pet_rescale_slope_is_per_slice() {
    let (dir, truth) = default_study();
    let series = read_series(&dir.join("PET"));
    let mut slopes: Vec<f64> = series.iter().map(|(_, s)| s.slope).collect();
    for (_, sl) in &series {
        let max = sl.stored.iter().copied().max().unwrap();
        assert_eq!(max, 32767, "slice max maps to 32767");
    }
    slopes.sort_by(f64::total_cmp);
    slopes.dedup();
    assert!(slopes.len() >= 3, "slopes {slopes:?}");
    let mut t = truth.pet.rescale_slopes.clone();
    t.sort_by(f64::total_cmp);
    t.dedup();
    assert_eq!(t, slopes);
}

#[test]
fn instance_numbers_follow_position_by_default() {
    let (dir, truth) = default_study();
    let mut series = read_series(&dir.join("CT"));
    series.sort_by_key(|(_, s)| s.instance);
    for (k, (_, sl)) in series.iter().enumerate() {
        assert_eq!(sl.instance, k as i64 + 1);
        let want = [0, 1, 2]
            .map(|a| truth.ct.first_position_lps[a] + k as f64 * truth.ct.slice_step_lps[a]);
        for (got, want) in sl.position.iter().zip(want) {
            assert!((got - want).abs() < 1e-9);
        }
    }
}

#[test]
fn output_is_deterministic() {
    let (a, ta) = default_study();
    let (b, tb) = study("determinism", &PhantomOptions::default());
    assert_eq!(ta, &tb);
    for (sub, name) in [("CT", "CT_0042.dcm"), ("PET", "PET_0017.dcm")] {
        let x = std::fs::read(a.join(sub).join(name)).unwrap();
        let y = std::fs::read(b.join(sub).join(name)).unwrap();
        assert!(x == y, "{sub}/{name} differs");
    }
    assert_eq!(
        std::fs::read(a.join("truth.json")).unwrap(),
        std::fs::read(b.join("truth.json")).unwrap()
    );
}
