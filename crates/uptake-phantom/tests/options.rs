//! Each option changes what it says, and the truth stays exact.

mod common;

use common::*;
use dicom_dictionary_std::tags;
use uptake_phantom::headers::{
    PHILIPS_ACTIVITY_CONCENTRATION_SCALE_FACTOR, PHILIPS_SUV_SCALE_FACTOR,
};
use uptake_phantom::{Phantom, PhantomOptions, Truth};

fn counts(t: &Truth) -> Vec<(u64, u64)> {
    t.lesions
        .iter()
        .map(|l| (l.pet_voxels, l.ct_voxels))
        .collect()
}

#[test]
fn feet_first_changes_orientation_not_truth() {
    let (_, base) = default_study();
    let (dir, t) = study(
        "ffs",
        &PhantomOptions {
            feet_first: true,
            ..Default::default()
        },
    );
    assert_eq!(counts(&t), counts(base));
    assert_eq!(t.study.patient_position, "FFS");
    assert_eq!(
        t.lesions.iter().map(|l| l.centre_lps).collect::<Vec<_>>(),
        base.lesions
            .iter()
            .map(|l| l.centre_lps)
            .collect::<Vec<_>>()
    );
    let mut ct = read_series(&dir.join("CT"));
    ct.sort_by_key(|(_, s)| s.instance);
    for (_, s) in &ct {
        assert_eq!(s.orientation, [-1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    }
    // Instance 1 is at the head end, and z decreases with the instance number.
    assert!(ct
        .windows(2)
        .all(|w| w[1].1.position[2] < w[0].1.position[2]));
    let o = open(&ct[0].0);
    assert_eq!(s(&o, tags::PATIENT_POSITION).unwrap(), "FFS");
    // The first column is on the patient's left now.
    assert!(ct[0].1.position[0] > 0.0);
}

#[test]
fn shuffle_breaks_file_name_and_instance_order() {
    let (dir, t) = study(
        "shuffle",
        &PhantomOptions {
            shuffle_files: true,
            ..Default::default()
        },
    );
    let (_, base) = default_study();
    assert_eq!(counts(&t), counts(base));
    for sub in ["CT", "PET"] {
        let series = read_series(&dir.join(sub));
        let z_by_name: Vec<f64> = series.iter().map(|(_, s)| s.position[2]).collect();
        assert!(
            !z_by_name.windows(2).all(|w| w[0] < w[1]),
            "{sub}: names follow z"
        );
        let mut by_z: Vec<&Slice> = series.iter().map(|(_, s)| s).collect();
        by_z.sort_by(|a, b| a.position[2].total_cmp(&b.position[2]));
        let inst: Vec<i64> = by_z.iter().map(|s| s.instance).collect();
        assert!(!inst.windows(2).all(|w| w[0] < w[1]) && !inst.windows(2).all(|w| w[0] > w[1]));
        let mut sorted = inst.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=inst.len() as i64).collect::<Vec<_>>());
    }
}

#[test]
fn reverse_instance_numbers_count_down() {
    let (dir, _) = study(
        "reverse",
        &PhantomOptions {
            reverse_instance_numbers: true,
            ..Default::default()
        },
    );
    let mut ct = read_series(&dir.join("CT"));
    ct.sort_by_key(|(_, s)| s.instance);
    assert!(ct
        .windows(2)
        .all(|w| w[1].1.position[2] < w[0].1.position[2]));
    assert_eq!(ct[0].1.orientation, [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
}

#[test]
fn philips_counts_factors_reproduce_suv_and_activity() {
    let (dir, t) = study(
        "philips",
        &PhantomOptions {
            philips_cnts: true,
            ..Default::default()
        },
    );
    let p = t.suv.philips.clone().expect("philips truth");
    assert_eq!(t.suv.units, "CNTS");
    let ph = Phantom::standard();
    let pet = files(&dir.join("PET"));
    for path in pet.iter().step_by(7) {
        let o = open(path);
        assert_eq!(s(&o, tags::UNITS).unwrap(), "CNTS");
        assert_eq!(
            s(&o, tags::MANUFACTURER).unwrap(),
            "Philips Medical Systems"
        );
        assert_eq!(
            s(&o, dicom_core::Tag(0x7053, 0x0010)).unwrap(),
            "Philips PET Private Group"
        );
        let suvsf_raw = raw(&o, PHILIPS_SUV_SCALE_FACTOR).unwrap();
        let acsf_raw = raw(&o, PHILIPS_ACTIVITY_CONCENTRATION_SCALE_FACTOR).unwrap();
        assert!(
            suvsf_raw.ends_with(' ') && !suvsf_raw.ends_with("  "),
            "{suvsf_raw:?}"
        );
        assert!(
            acsf_raw.ends_with(' ') && !acsf_raw.ends_with("  "),
            "{acsf_raw:?}"
        );
        assert_eq!(suvsf_raw, p.suv_scale_factor_ds);
        let suvsf: f64 = suvsf_raw.trim().parse().unwrap();
        let acsf: f64 = acsf_raw.trim().parse().unwrap();
        assert_eq!(suvsf, p.suv_scale_factor);
        assert_eq!(acsf, p.activity_concentration_scale_factor);
        // Both routes agree to far better than the quantisation.
        assert!((suvsf / (acsf * t.suv.suvbw_factor) - 1.0).abs() < 1e-9);
        let sl = read_slice(&o);
        let row = [sl.orientation[0], sl.orientation[1], sl.orientation[2]];
        let col = [sl.orientation[3], sl.orientation[4], sl.orientation[5]];
        for j in (0..sl.rows).step_by(3) {
            for i in (0..sl.columns).step_by(3) {
                let c = uptake_phantom::grid::voxel_centre(sl.position, row, col, sl.spacing, i, j);
                let counts = sl.values[j * sl.columns + i];
                let want = ph.suv_at(c);
                let tol = sl.slope * suvsf * 0.5 * 1.000001 + 1e-12;
                assert!((counts * suvsf - want).abs() <= tol, "SUV via (7053,1000)");
                let bq = counts * acsf;
                assert!(
                    (bq * t.suv.suvbw_factor - want).abs() <= tol,
                    "SUV via (7053,1009)"
                );
            }
        }
    }
}

#[test]
fn injection_before_midnight_has_only_start_time() {
    let (dir, t) = study(
        "midnight",
        &PhantomOptions {
            injection_before_midnight: true,
            ..Default::default()
        },
    );
    assert_eq!(t.suv.injection_datetime, "2026-11-19T23:30:00");
    assert_eq!(t.suv.series_datetime, "2026-11-20T00:40:00");
    assert_eq!(t.suv.decay_time_s, 70.0 * 60.0);
    let o = open(&files(&dir.join("PET"))[0]);
    let rp = o
        .element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .unwrap();
    let rp = &rp.items().unwrap()[0];
    assert!(rp
        .element_opt(tags::RADIOPHARMACEUTICAL_START_DATE_TIME)
        .unwrap()
        .is_none());
    let start = rp
        .element(tags::RADIOPHARMACEUTICAL_START_TIME)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let series = s(&o, tags::SERIES_TIME).unwrap();
    assert_eq!(start.trim(), "233000.000000");
    assert!(
        start.as_str() > series.as_str(),
        "start {start} must look later than series {series}"
    );
    assert_eq!(s(&o, tags::SERIES_DATE).unwrap(), "20261120");
}

#[test]
fn dropping_a_ct_slice_leaves_a_gap() {
    let (dir, t) = study(
        "drop",
        &PhantomOptions {
            drop_ct_slice: Some(40),
            ..Default::default()
        },
    );
    assert_eq!(t.ct.files, 99);
    assert_eq!(t.ct.dropped_slice_index, Some(40));
    let ct = read_series(&dir.join("CT"));
    assert_eq!(ct.len(), 99);
    let missing_z = t.ct.first_position_lps[2] + 40.0 * t.ct.slice_step_lps[2];
    assert!(ct
        .iter()
        .all(|(_, s)| (s.position[2] - missing_z).abs() > 1.0));
    assert!(uptake_phantom::write_study(
        &out_dir("drop-bad"),
        &PhantomOptions {
            drop_ct_slice: Some(100),
            ..Default::default()
        }
    )
    .is_err());
}

#[test]
fn implicit_vr_is_written_and_readable() {
    let (dir, t) = study(
        "implicit",
        &PhantomOptions {
            implicit_vr: true,
            ..Default::default()
        },
    );
    let (_, base) = default_study();
    assert_eq!(counts(&t), counts(base));
    for sub in ["CT", "PET"] {
        let o = open(&files(&dir.join(sub))[3]);
        assert_eq!(
            o.meta().transfer_syntax().trim_end_matches('\0'),
            "1.2.840.10008.1.2"
        );
        assert!(s(&o, tags::PATIENT_ID).is_some());
    }
    let bytes = std::fs::read(files(&dir.join("CT"))[0].clone()).unwrap();
    // After the meta group, no explicit VR: (0008,0005) is followed by a 4-byte length.
    let pos = bytes
        .windows(4)
        .position(|w| w == [0x08, 0x00, 0x05, 0x00])
        .unwrap();
    assert_ne!(&bytes[pos + 4..pos + 6], b"CS");
}

#[test]
fn different_options_never_share_uids() {
    let (_, base) = default_study();
    let (_, t) = study(
        "uid-ffs",
        &PhantomOptions {
            feet_first: true,
            ..Default::default()
        },
    );
    assert_ne!(t.study.study_instance_uid, base.study.study_instance_uid);
    assert_ne!(t.ct.series_instance_uid, base.ct.series_instance_uid);
    assert_eq!(t.patient.nhs_number, base.patient.nhs_number);
}
