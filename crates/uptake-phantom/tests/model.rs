//! The analytic model keeps the promises the truth relies on.

use uptake_phantom::grid::{grids, Grid};
use uptake_phantom::{Phantom, PhantomOptions, Size, Tissue};

/// Points on a sphere (a fine latitude/longitude net).
fn sphere_points(c: [f64; 3], r: f64) -> Vec<[f64; 3]> {
    let mut v = Vec::new();
    for a in 0..=36 {
        let th = std::f64::consts::PI * a as f64 / 36.0;
        for b in 0..72 {
            let ph = 2.0 * std::f64::consts::PI * b as f64 / 72.0;
            v.push([
                c[0] + r * th.sin() * ph.cos(),
                c[1] + r * th.sin() * ph.sin(),
                c[2] + r * th.cos(),
            ]);
        }
    }
    v
}

#[test]
fn each_lesion_sits_inside_its_host_with_a_margin() {
    let ph = Phantom::standard();
    for l in &ph.lesions {
        assert_eq!(ph.background_tissue_at(l.centre_lps), l.host, "{}", l.name);
        // Every shell from the centre to r + 8 mm is host tissue (ignoring lesions).
        for step in 0..=20 {
            let r = (l.radius_mm() + 8.0) * step as f64 / 20.0;
            for p in sphere_points(l.centre_lps, r) {
                assert_eq!(ph.background_tissue_at(p), l.host, "{} at r={r}", l.name);
            }
        }
    }
}

#[test]
fn lesions_are_well_separated_and_uptake_is_thresholdable() {
    let ph = Phantom::standard();
    let ls = &ph.lesions;
    for (i, a) in ls.iter().enumerate() {
        let host = ph.values_of(a.host).suv;
        assert!(host < 0.41 * a.suv, "{}", a.name);
        assert!(a.suv > 2.5);
        for b in &ls[i + 1..] {
            let d: f64 = (0..3)
                .map(|k| (a.centre_lps[k] - b.centre_lps[k]).powi(2))
                .sum::<f64>()
                .sqrt();
            // More than 3 PET voxels (4.5 mm) between surfaces.
            assert!(
                d - a.radius_mm() - b.radius_mm() > 3.0 * 4.5,
                "{} {}",
                a.name,
                b.name
            );
        }
    }
    // Background never reaches the absolute 2.5 threshold.
    for (_, v) in ph.tissue_table() {
        assert!(v.suv < 2.5);
    }
}

#[test]
fn liver_reference_sphere_is_lesion_free_liver() {
    let ph = Phantom::standard();
    for step in 0..=10 {
        let r = (ph.liver_reference_radius_mm + 3.0) * step as f64 / 10.0;
        for p in sphere_points(ph.liver_reference_centre, r) {
            assert_eq!(ph.tissue_at(p), Tissue::Liver);
        }
    }
    assert!(ph.liver.centre[0] < 0.0, "liver on the patient's right");
}

fn lesion_voxels(ph: &Phantom, g: &Grid, l: usize) -> Vec<[i64; 3]> {
    let mut v = Vec::new();
    for k in 0..g.slices {
        for j in 0..g.rows {
            for i in 0..g.columns {
                if ph.tissue_at(g.voxel_centre(i, j, k)) == Tissue::Lesion(l) {
                    v.push([i as i64, j as i64, k as i64]);
                }
            }
        }
    }
    v
}

/// Lesion voxel sets are 6-connected, and no voxel centre lies within 1 µm of a lesion
/// surface (so independent readers computing centres slightly differently agree).
#[test]
fn lesion_voxel_sets_are_connected_and_unambiguous() {
    let ph = Phantom::standard();
    for opts in [
        PhantomOptions::default(),
        PhantomOptions {
            feet_first: true,
            ..Default::default()
        },
    ] {
        let (ct, pet) = grids(&opts);
        for g in [&ct, &pet] {
            for k in 0..g.slices {
                for j in 0..g.rows {
                    for i in 0..g.columns {
                        let p = g.voxel_centre(i, j, k);
                        for l in &ph.lesions {
                            let d: f64 = (0..3)
                                .map(|a| (p[a] - l.centre_lps[a]).powi(2))
                                .sum::<f64>()
                                .sqrt();
                            assert!((d - l.radius_mm()).abs() > 1e-3, "{} near surface", l.name);
                        }
                    }
                }
            }
        }
        for n in 0..ph.lesions.len() {
            let vox = lesion_voxels(&ph, &pet, n);
            let set: std::collections::HashSet<[i64; 3]> = vox.iter().copied().collect();
            let mut seen = std::collections::HashSet::new();
            let mut stack = vec![vox[0]];
            while let Some(v) = stack.pop() {
                if !seen.insert(v) {
                    continue;
                }
                for d in [
                    [1, 0, 0],
                    [-1, 0, 0],
                    [0, 1, 0],
                    [0, -1, 0],
                    [0, 0, 1],
                    [0, 0, -1],
                ] {
                    let w = [v[0] + d[0], v[1] + d[1], v[2] + d[2]];
                    if set.contains(&w) {
                        stack.push(w);
                    }
                }
            }
            assert_eq!(seen.len(), set.len(), "lesion {n} not 6-connected");
        }
    }
}

#[test]
fn clinical_grids_cover_every_lesion() {
    let ph = Phantom::standard();
    let (ct, pet) = grids(&PhantomOptions {
        size: Size::Clinical,
        ..Default::default()
    });
    for g in [&ct, &pet] {
        let z0 = g.positions[0][2];
        let z1 = g.positions[g.slices - 1][2];
        for l in &ph.lesions {
            assert!(l.centre_lps[2] - l.radius_mm() > z0.min(z1) + 10.0);
            assert!(l.centre_lps[2] + l.radius_mm() < z0.max(z1) - 10.0);
        }
    }
}
