//! Typed errors, refusals that propagate, missing slices, bounds and point probes, on the
//! default phantom.

mod common;

use common::{generate, load_pet, rel, suv_volume};
use std::path::Path;
use uptake_dicom::LoadedStudy;
use uptake_phantom::PhantomOptions;
use uptake_quant::lesion::quantify_lesion;
use uptake_quant::stats::{box_stats, sphere_stats};
use uptake_quant::suv::{SuvOverrides, SuvRefusal, SuvType};
use uptake_quant::{
    quantify_study, study_suv_factor, suv_at_point, Bound, QuantError, QuantifyRequest,
    SegmentOptions, SuvVolume, Threshold,
};

/// Reloads the study and edits the PET header of every instance in memory.
fn edit_pet(dir: &Path, f: impl Fn(usize, &mut uptake_dicom::PetHeader)) -> LoadedStudy {
    let mut study = load_pet(dir);
    for (n, inst) in study.instances.iter_mut().enumerate() {
        if let Some(p) = inst.header.pet.as_mut() {
            f(n, p);
        }
    }
    study
}

#[test]
fn errors_refusals_bounds_and_missing_slices() {
    let g = generate(&PhantomOptions::default());
    let vol = suv_volume(&g.study);
    let opts = SegmentOptions::default();

    // A seed in air: clear, typed error.
    let air = [-200.0, -200.0, 0.0];
    match quantify_lesion(&vol, air, &opts) {
        Err(QuantError::NoUptakeNearSeed { seed, radius_mm }) => {
            assert_eq!(seed, air);
            assert_eq!(radius_mm, 15.0);
        }
        other => panic!("expected NoUptakeNearSeed, got {other:?}"),
    }
    // A seed outside the volume.
    match quantify_lesion(&vol, [0.0, 0.0, 1000.0], &opts) {
        Err(e @ QuantError::OutsideVolume { what: "seed", .. }) => {
            assert!(e.to_string().contains("outside the PET volume"), "{e}");
        }
        other => panic!("expected OutsideVolume, got {other:?}"),
    }
    // Invalid requests.
    let bad = SegmentOptions {
        threshold: Threshold::FractionOfMax(1.5),
        ..Default::default()
    };
    let lesion = &g.truth.lesions[0];
    assert!(matches!(
        quantify_lesion(&vol, lesion.centre_lps, &bad),
        Err(QuantError::InvalidRequest(_))
    ));
    // An absolute threshold above the lesion maximum.
    let high = SegmentOptions {
        threshold: Threshold::Absolute(lesion.suv * 2.0),
        ..Default::default()
    };
    assert!(matches!(
        quantify_lesion(&vol, lesion.centre_lps, &high),
        Err(QuantError::BelowThreshold { .. })
    ));

    // Refusal propagates: CorrectedImage without ATTN.
    let no_attn = edit_pet(g.dir.path(), |_, p| p.corrected_image = vec!["DECY".into()]);
    match SuvVolume::from_study(&no_attn, SuvType::Bw, &SuvOverrides::default()) {
        Err(QuantError::SuvRefused(SuvRefusal::NotCorrected { .. })) => {}
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    assert!(matches!(
        quantify_study(&no_attn, &QuantifyRequest::at(lesion.centre_lps)),
        Err(QuantError::SuvRefused(_))
    ));
    assert!(matches!(
        suv_at_point(&no_attn, lesion.centre_lps, SuvType::Bw),
        Err(QuantError::SuvRefused(_))
    ));
    // Instances that disagree on a series-level value: refused as inconsistent.
    let mixed = edit_pet(g.dir.path(), |n, p| {
        if n == 3 {
            p.radiopharmaceutical.half_life_s = Some(6000.0);
        }
    });
    match study_suv_factor(&mixed, SuvType::Bw, &SuvOverrides::default()) {
        Err(QuantError::SuvRefused(SuvRefusal::InconsistentSeries { attribute, .. })) => {
            assert_eq!(attribute, "RadionuclideHalfLife");
        }
        other => panic!("expected InconsistentSeries, got {other:?}"),
    }
    // SUVlbm needs the height, which the phantom records: not refused, different factor.
    let lbm = study_suv_factor(&g.study, SuvType::LbmJames, &SuvOverrides::default())
        .expect("SUVlbm factor");
    assert!(lbm.series_factor().expect("series") < g.truth.suv.suvbw_factor);

    // A bound: the lesion cut by a box through its centre keeps exactly the voxels inside.
    let full = quantify_lesion(&vol, lesion.centre_lps, &opts).expect("full");
    let c = lesion.centre_lps;
    let bound = Bound::Box {
        min: [c[0] - 50.0, c[1] - 50.0, c[2] - 50.0],
        max: [c[0] + 50.0, c[1] + 50.0, c[2] + 0.5],
    };
    let cut = quantify_lesion(
        &vol,
        c,
        &SegmentOptions {
            bound: Some(bound),
            ..Default::default()
        },
    )
    .expect("bounded");
    let expected: Vec<_> = full
        .mask
        .iter()
        .copied()
        .filter(|&v| bound.contains(vol.voxel_centre(v)))
        .collect();
    assert_eq!(cut.mask, expected);
    assert!(cut.voxels < full.voxels && cut.voxels > 0);
    // A sphere bound around the whole lesion changes nothing.
    let around = quantify_lesion(
        &vol,
        c,
        &SegmentOptions {
            bound: Some(Bound::Sphere {
                centre: c,
                radius_mm: lesion.diameter_mm,
            }),
            ..Default::default()
        },
    )
    .expect("sphere bound");
    assert_eq!(around.mask, full.mask);

    // Sphere and box VOIs: the lesion sphere itself has the truth voxel count.
    let s = sphere_stats(&vol, c, lesion.diameter_mm / 2.0).expect("sphere VOI");
    assert_eq!(s.voxels as u64, lesion.pet_voxels);
    assert!(rel(s.mean, lesion.suv) < 1e-3 && rel(s.max, lesion.suv) < 1e-3);
    assert!(s.sd < 1e-3 * lesion.suv);
    assert!(rel(s.volume_ml, lesion.mtv_ml_41) < 1e-9);
    let b = box_stats(
        &vol,
        [c[0] - 3.0, c[1] - 3.0, c[2] - 3.0],
        [c[0] + 3.0, c[1] + 3.0, c[2] + 3.0],
    )
    .expect("box VOI");
    assert!(b.voxels >= 1 && rel(b.mean, lesion.suv) < 1e-3);
    assert!(matches!(
        sphere_stats(&vol, [0.0, 0.0, 5000.0], 10.0),
        Err(QuantError::EmptyRegion { .. })
    ));

    // Point probe: the liver reference centre reads the liver SUV, nearest and trilinear.
    let p = suv_at_point(&g.study, g.truth.liver_reference.centre_lps, SuvType::Bw).expect("point");
    assert!(rel(p.value.nearest, g.truth.liver_suv) < 1e-3);
    assert!(rel(p.value.trilinear.expect("trilinear"), g.truth.liver_suv) < 1e-3);
    assert!(
        rel(
            p.suv_factor.value.expect("series factor"),
            g.truth.suv.suvbw_factor
        ) < 1e-6
    );
    assert!(matches!(
        vol.point([0.0, 0.0, 5000.0]),
        Err(QuantError::OutsideVolume { .. })
    ));

    // A missing slice: drop the PET slice holding the top cap of the lesion.
    let top_k = full.mask.iter().map(|v| v[2]).max().expect("voxels");
    let cap = full.mask.iter().filter(|v| v[2] == top_k).count();
    let plan = g.study.pet_plan().expect("plan");
    let drop = plan.slots[top_k].expect("slot").instance;
    let mut instances = load_pet(g.dir.path()).instances;
    instances.remove(drop);
    let holed = LoadedStudy::from_instances(instances);
    let hvol = suv_volume(&holed);
    assert_eq!(
        hvol.geometry.dims, vol.geometry.dims,
        "the gap keeps its slot"
    );
    assert!(!hvol.present[top_k]);
    let gap: Vec<f32> = hvol.slice_values(top_k).collect();
    assert_eq!(gap.len(), hvol.geometry.dims[0] * hvol.geometry.dims[1]);
    assert!(gap.iter().all(|v| v.is_nan()));
    let q = quantify_lesion(&hvol, c, &opts).expect("lesion beside a gap");
    assert_eq!(q.voxels, full.voxels - cap);
    assert!(q.mask.iter().all(|v| v[2] != top_k));
    assert!(rel(q.suvmean, lesion.suv) < 1e-3 && q.suvmean.is_finite());
    let on_gap = hvol.voxel_centre([full.mask[0][0], full.mask[0][1], top_k]);
    assert!(matches!(
        quantify_lesion(&hvol, on_gap, &opts),
        Err(QuantError::OnMissingSlice { .. })
    ));
    let m = uptake_quant::stats::series_max(&hvol).expect("max");
    assert!(m.suvmax.is_finite());
}
