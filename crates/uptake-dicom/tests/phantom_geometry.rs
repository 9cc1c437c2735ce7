//! Geometry on generated phantoms: every voxel of the assembled CT and PET volumes, mapped to
//! patient space through the volume's own affine, must hold the phantom's value at that point;
//! every lesion centre must be found at its truth position within half a voxel, on the right side.

mod common;

use uptake_dicom::{SliceProblem, Volume};
use uptake_phantom::{Phantom, PhantomOptions, Tissue, Truth};

/// A point so close to a tissue boundary that float rounding may put it on either side.
fn ambiguous(model: &Phantom, p: [f64; 3]) -> bool {
    let t = model.tissue_at(p);
    let e = 1e-6;
    [
        [e, 0.0, 0.0],
        [-e, 0.0, 0.0],
        [0.0, e, 0.0],
        [0.0, -e, 0.0],
        [0.0, 0.0, e],
        [0.0, 0.0, -e],
    ]
    .iter()
    .any(|d| model.tissue_at([p[0] + d[0], p[1] + d[1], p[2] + d[2]]) != t)
}

fn suv_per_unit(truth: &Truth) -> f64 {
    match &truth.suv.philips {
        Some(ph) => ph.suv_scale_factor,
        None => truth.suv.suvbw_factor,
    }
}

/// Checks every voxel against the model; returns the number of voxels compared. `tol` is the
/// allowed absolute difference for slice `k` (half a quantisation step of that slice for PET).
fn check_every_voxel(
    vol: &Volume,
    model: &Phantom,
    to_model: impl Fn(f64) -> f64,
    expected: impl Fn([f64; 3]) -> f64,
    tol: impl Fn(usize) -> f64,
) -> usize {
    let [ni, nj, nk] = vol.geometry.dims;
    let mut compared = 0;
    let mut bad = Vec::new();
    for k in 0..nk {
        if vol.slices[k].is_none() {
            continue;
        }
        let tol_k = tol(k);
        for j in 0..nj {
            for i in 0..ni {
                let p = vol
                    .geometry
                    .index_to_patient([i as f64, j as f64, k as f64]);
                let got = to_model(vol.value([i, j, k]).expect("in range"));
                let want = expected(p);
                // f32 storage adds up to ~6e-8 relative error on top of the quantisation step.
                if (got - want).abs() > tol_k + 2e-7 * want.abs() && !ambiguous(model, p) {
                    bad.push(([i, j, k], p, got, want));
                }
                compared += 1;
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {compared} voxels differ from the model, first: {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    compared
}

/// Centroid (patient mm) of the voxels whose value satisfies `inside`.
fn centroid(
    vol: &Volume,
    inside: impl Fn(f64) -> bool,
    near: [f64; 3],
    radius: f64,
) -> Option<[f64; 3]> {
    let [ni, nj, nk] = vol.geometry.dims;
    let mut sum = [0.0; 3];
    let mut n = 0usize;
    for k in 0..nk {
        for j in 0..nj {
            for i in 0..ni {
                let Some(v) = vol.value([i, j, k]) else {
                    continue;
                };
                if !inside(v) {
                    continue;
                }
                let p = vol
                    .geometry
                    .index_to_patient([i as f64, j as f64, k as f64]);
                let d = ((p[0] - near[0]).powi(2)
                    + (p[1] - near[1]).powi(2)
                    + (p[2] - near[2]).powi(2))
                .sqrt();
                if d <= radius {
                    for a in 0..3 {
                        sum[a] += p[a];
                    }
                    n += 1;
                }
            }
        }
    }
    (n > 0).then(|| sum.map(|s| s / n as f64))
}

fn check_study(opts: PhantomOptions) -> (Volume, Volume, Truth) {
    let (dir, truth) = common::phantom(&opts);
    let study = common::load_clean(dir.path());
    let (ct, pet) = common::volumes(&study);
    let model = Phantom::standard();
    let per_unit = suv_per_unit(&truth);
    // Stored integers × per-slice slope: the value is exact to half a step of that slice's slope.
    let pet_tol = |k: usize| {
        pet.slices[k]
            .as_ref()
            .map_or(0.0, |s| 0.5 * s.rescale_slope * per_unit * (1.0 + 1e-6))
    };
    let n_pet = check_every_voxel(&pet, &model, |v| v * per_unit, |p| model.suv_at(p), pet_tol);
    let n_ct = check_every_voxel(&ct, &model, |v| v, |p| model.hu_at(p) as f64, |_| 0.0);
    assert!(
        n_pet > 100_000 && n_ct > 1_000_000,
        "compared {n_pet} PET and {n_ct} CT voxels"
    );
    // Lesion centres within half a voxel of the truth, on the correct side of the patient.
    for lesion in &truth.lesions {
        let c = lesion.centre_lps;
        let r = lesion.diameter_mm / 2.0 + 1.0;
        let pet_c = centroid(
            &pet,
            |v| ((v * per_unit) - lesion.suv).abs() < 1e-3 * lesion.suv,
            c,
            r,
        )
        .unwrap_or_else(|| panic!("lesion {} not found in PET", lesion.name));
        let ct_c = centroid(&ct, |v| v == lesion.ct_hu as f64, c, r)
            .unwrap_or_else(|| panic!("lesion {} not found in CT", lesion.name));
        for (what, found, vol) in [("PET", pet_c, &pet), ("CT", ct_c, &ct)] {
            let half = vol.geometry.spacing.iter().cloned().fold(0.0, f64::max) / 2.0;
            let dist =
                ((found[0] - c[0]).powi(2) + (found[1] - c[1]).powi(2) + (found[2] - c[2]).powi(2))
                    .sqrt();
            assert!(
                dist <= half,
                "{what} lesion {} at {found:?}, truth {c:?} ({dist:.3} mm > {half:.3})",
                lesion.name
            );
            assert_eq!(
                found[0] > 0.0,
                lesion.side == "left",
                "{what} lesion {} on the wrong side",
                lesion.name
            );
        }
    }
    assert!(
        truth.lesions.iter().any(|l| l.side == "left")
            && truth.lesions.iter().any(|l| l.side == "right")
    );
    assert_eq!(model.tissue_at(truth.liver_centre_lps), Tissue::Liver);
    (ct, pet, truth)
}

#[test]
fn head_first_supine() {
    let (ct, pet, _) = check_study(PhantomOptions::default());
    assert!(
        ct.problems.is_empty() && pet.problems.is_empty(),
        "{:?} {:?}",
        ct.problems,
        pet.problems
    );
    assert!(
        matches!(ct.voxels, uptake_dicom::Voxels::I16(_)),
        "CT kept as exact i16 HU"
    );
    assert_eq!(ct.units, "HU");
    assert_eq!(pet.units, "BQML");
    assert_eq!(ct.geometry.axis_labels(), ["L", "P", "H"]);
}

#[test]
fn feet_first_supine() {
    let (ct, _, _) = check_study(PhantomOptions {
        feet_first: true,
        ..Default::default()
    });
    assert_eq!(
        ct.geometry.axis_labels()[0],
        "R",
        "FFS rows run to the patient's right"
    );
}

#[test]
fn shuffled_files_and_reversed_instance_numbers() {
    check_study(PhantomOptions {
        shuffle_files: true,
        ..Default::default()
    });
    check_study(PhantomOptions {
        reverse_instance_numbers: true,
        ..Default::default()
    });
}

#[test]
fn oblique_grids() {
    let (ct, pet, _) = check_study(PhantomOptions {
        oblique_deg: Some(20.0),
        ..Default::default()
    });
    assert!(
        ct.geometry.axes[0][1].abs() > 0.3 && pet.geometry.axes[2][1].abs() > 0.05,
        "grids really are oblique"
    );
}

#[test]
fn gantry_tilted_ct_keeps_sheared_geometry() {
    let (ct, pet, _) = check_study(PhantomOptions {
        ct_gantry_tilt_deg: Some(15.0),
        ..Default::default()
    });
    let sheared = ct.problems.iter().find_map(|p| match p {
        SliceProblem::Sheared { angle_deg, .. } => Some(*angle_deg),
        _ => None,
    });
    assert!(
        sheared.is_some_and(|a| (a - 15.0).abs() < 0.01),
        "{:?}",
        ct.problems
    );
    assert!(pet.problems.is_empty());
}

#[test]
fn philips_cnts_and_midnight_headers_assemble() {
    let (_, pet, _) = check_study(PhantomOptions {
        philips_cnts: true,
        ..Default::default()
    });
    assert_eq!(pet.units, "CNTS");
    check_study(PhantomOptions {
        injection_before_midnight: true,
        ..Default::default()
    });
}

#[test]
fn implicit_vr_and_enhanced_multiframe() {
    check_study(PhantomOptions {
        implicit_vr: true,
        ..Default::default()
    });
    let (ct, pet, _) = check_study(PhantomOptions {
        enhanced: true,
        ..Default::default()
    });
    assert_eq!(
        ct.slices
            .iter()
            .flatten()
            .map(|s| &s.source_name)
            .collect::<std::collections::HashSet<_>>()
            .len(),
        1
    );
    assert!(pet
        .slices
        .iter()
        .flatten()
        .map(|s| s.rescale_slope)
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w[0] != w[1]));
}

#[test]
fn missing_ct_slice_is_reported_and_left_empty() {
    let (dir, _) = common::phantom(&PhantomOptions {
        drop_ct_slice: Some(40),
        ..Default::default()
    });
    let study = common::load_clean(dir.path());
    let (ct, _) = common::volumes(&study);
    assert_eq!(ct.geometry.dims[2], 100, "the gap keeps its slot");
    assert!(ct.slices[40].is_none());
    assert!(
        ct.problems.iter().any(|p| matches!(
            p,
            SliceProblem::MissingSlices {
                first_missing_slot: 40,
                count: 1,
                ..
            }
        )),
        "{:?}",
        ct.problems
    );
    let p = ct.geometry.index_to_patient([64.0, 64.0, 40.0]);
    assert!(
        ct.sample(p).is_none(),
        "no value is invented for a missing slice"
    );
}
