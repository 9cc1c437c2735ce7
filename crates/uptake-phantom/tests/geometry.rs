//! Oblique and tilted grids: genuinely non-axial geometry with exact truth.

mod common;

use common::*;
use dicom_dictionary_std::tags;
use uptake_phantom::grid::{cross, dot};
use uptake_phantom::PhantomOptions;

fn check_recount(dir: &std::path::Path, t: &uptake_phantom::Truth) {
    let pet = recount(dir, true, t);
    let ct = recount(dir, false, t);
    for (n, l) in t.lesions.iter().enumerate() {
        assert_eq!(l.pet_voxels, pet[n], "{} PET", l.name);
        assert_eq!(l.ct_voxels, ct[n], "{} CT", l.name);
    }
}

#[test]
fn oblique_grids_are_rotated_and_truth_is_exact() {
    let (dir, t) = study(
        "oblique",
        &PhantomOptions {
            oblique_deg: Some(20.0),
            ..Default::default()
        },
    );
    check_recount(&dir, &t);
    for series in [&t.ct, &t.pet] {
        let o = series.orientation;
        let row = [o[0], o[1], o[2]];
        let col = [o[3], o[4], o[5]];
        // Rotated about z (row leaves the x axis) and about x (column leaves the xy plane).
        assert!(row[1].abs() > 0.3, "{row:?}");
        assert!(col[2].abs() > 0.1, "{col:?}");
        assert!((dot(row, row) - 1.0).abs() < 1e-12 && dot(row, col).abs() < 1e-12);
        // Slices stack along the plane normal (no shear).
        let n = cross(row, col);
        let step = series.slice_step_lps;
        let along = dot(step, n);
        assert!((along - series.slice_spacing_mm).abs() < 1e-9);
    }
    let (_, base) = default_study();
    // Same model: volumes agree with the axial study within voxelisation error.
    for (a, b) in t.lesions.iter().zip(&base.lesions) {
        assert_eq!(a.centre_lps, b.centre_lps);
        if a.diameter_mm >= 20.0 {
            assert!((a.mtv_ml_41 / b.mtv_ml_41 - 1.0).abs() < 0.25, "{}", a.name);
        }
    }
}

#[test]
fn gantry_tilt_shears_the_ct_only() {
    let (dir, t) = study(
        "tilt",
        &PhantomOptions {
            ct_gantry_tilt_deg: Some(15.0),
            ..Default::default()
        },
    );
    check_recount(&dir, &t);
    assert_eq!(t.ct.gantry_tilt_deg, Some(15.0));
    let (_, base) = default_study();
    assert_eq!(t.pet.orientation, base.pet.orientation);
    let mut ct = read_series(&dir.join("CT"));
    ct.sort_by_key(|(_, s)| s.instance);
    let o = ct[0].1.orientation;
    let expect_col = [0.0, 15f64.to_radians().cos(), 15f64.to_radians().sin()];
    for a in 0..3 {
        assert!((o[3 + a] - expect_col[a]).abs() < 1e-12);
    }
    // Positions step purely along z, which is not the plane normal: a sheared volume.
    for w in ct.windows(2) {
        let d = [0, 1, 2].map(|a| w[1].1.position[a] - w[0].1.position[a]);
        assert!(
            d[0].abs() < 1e-9 && d[1].abs() < 1e-9 && (d[2] - 3.0).abs() < 1e-9,
            "{d:?}"
        );
    }
    let f = open(&ct[0].0);
    assert_eq!(f1(&f, tags::GANTRY_DETECTOR_TILT), 15.0);
    // Voxel volume uses the distance between planes.
    let want = 3.5 * 3.5 * 3.0 * 15f64.to_radians().cos() / 1000.0;
    assert!((t.ct.voxel_volume_ml - want).abs() < 1e-12);
}

#[test]
fn invalid_angles_are_refused() {
    for o in [
        PhantomOptions {
            oblique_deg: Some(80.0),
            ..Default::default()
        },
        PhantomOptions {
            ct_gantry_tilt_deg: Some(f64::NAN),
            ..Default::default()
        },
    ] {
        let e = uptake_phantom::write_study(&out_dir("bad-angle"), &o).unwrap_err();
        assert!(
            matches!(e, uptake_phantom::PhantomError::InvalidOption(_)),
            "{e}"
        );
    }
}
