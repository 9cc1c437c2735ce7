//! Synthetic SUV volumes with hand-known answers: sheared grids get true spheres, SUVpeak is
//! searched over the whole lesion, the fraction threshold follows the region's own maximum,
//! SD is the sample SD, and SUV read from stored values equals a conversion done once, bit for
//! bit.

use ndarray::Array3;
use uptake_dicom::volume::SliceSource;
use uptake_dicom::{Geometry, ScaledVolume, SliceScale, Volume, Voxels};
use uptake_quant::lesion::quantify_lesion;
use uptake_quant::peak::{SphereKernel, SUVPEAK_RADIUS_MM};
use uptake_quant::stats::box_stats;
use uptake_quant::suv::{
    compute_suv_factor, SliceInputs, SuvFactor, SuvFactorValues, SuvInputs, SuvOverrides, SuvType,
};
use uptake_quant::{SegmentOptions, SuvVolume, Threshold};

fn factor() -> SuvFactor {
    let inputs = SuvInputs {
        units: Some("BQML".into()),
        decay_correction: Some("START".into()),
        corrected_image: Some(vec!["ATTN".into(), "DECY".into()]),
        series_date: Some("20261128".into()),
        series_time: Some("100000".into()),
        radiopharmaceutical_start_date_time: Some("20261128090000".into()),
        radionuclide_total_dose: Some(370e6),
        radionuclide_half_life: Some(6586.2),
        patient_weight_kg: Some(70.0),
        slices: vec![SliceInputs::default()],
        ..Default::default()
    };
    compute_suv_factor(&inputs, SuvType::Bw, &SuvOverrides::default()).expect("factor")
}

fn sheared() -> Geometry {
    let t = 20f64.to_radians();
    let r = 30f64.to_radians();
    Geometry {
        origin: [-40.0, -35.0, -30.0],
        spacing: [2.0, 2.5, 3.0],
        // Rows rotated about z, columns tilted: an oblique, sheared grid.
        axes: [
            [r.cos(), r.sin(), 0.0],
            [-r.sin() * t.cos(), r.cos() * t.cos(), -t.sin()],
            [0.0, 0.0, 1.0],
        ],
        dims: [40, 36, 30],
    }
}

fn volume(g: Geometry, f: impl Fn([f64; 3]) -> f32) -> SuvVolume {
    let [ni, nj, nk] = g.dims;
    let proto =
        SuvVolume::from_parts("x".into(), g, Array3::zeros((nk, nj, ni)), factor()).expect("proto");
    let values = Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| f(proto.voxel_centre([i, j, k])));
    SuvVolume::from_parts("x".into(), g, values, factor()).expect("volume")
}

fn d2(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|x| (a[x] - b[x]).powi(2)).sum()
}

#[test]
fn sheared_sphere_is_true_sphere() {
    let g = sheared();
    let c = [1.3, -2.1, 0.7];
    let r = 11.0;
    let vol = volume(g, |p| if d2(p, c) <= r * r { 9.0 } else { 1.0 });
    // Kernel offsets = brute-force count around an interior voxel.
    let k = SphereKernel::new(vol.affine(), SUVPEAK_RADIUS_MM);
    let centre = [20, 18, 15];
    let pc = vol.voxel_centre(centre);
    let mut brute = 0;
    for kk in 0..30 {
        for j in 0..36 {
            for i in 0..40 {
                if d2(vol.voxel_centre([i, j, kk]), pc) <= SUVPEAK_RADIUS_MM.powi(2) {
                    brute += 1;
                }
            }
        }
    }
    assert_eq!(k.offsets.len(), brute);
    // Segmentation: exactly the voxels whose centre is in the sphere; MTV from the determinant.
    let expected = vol.values().filter(|v| *v == 9.0).count();
    let q = quantify_lesion(
        &vol,
        [c[0] + 3.0, c[1], c[2] - 2.0],
        &SegmentOptions::default(),
    )
    .expect("lesion");
    assert_eq!(q.voxels, expected);
    let det_ml = 2.0 * 2.5 * 3.0 * 20f64.to_radians().cos() / 1000.0;
    assert!((q.voxel_volume_ml - det_ml).abs() < 1e-12);
    assert!((q.mtv_ml - expected as f64 * det_ml).abs() < 1e-9);
    assert_eq!(q.suvmax, 9.0);
    assert_eq!(q.suvmean, 9.0);
    assert_eq!(q.sd, 0.0);
    assert_eq!(q.suvpeak, 9.0);
}

#[test]
fn suvpeak_is_searched_over_the_lesion_not_only_at_the_max() {
    let g = Geometry {
        origin: [0.0, 0.0, 0.0],
        spacing: [2.0, 2.0, 2.0],
        axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        dims: [40, 40, 40],
    };
    let c = [40.0, 40.0, 40.0];
    // A plateau of 5 in a 12 mm sphere, and one hot voxel of 9 touching the plateau's edge
    // in cold background (0.1).
    let hot = [40.0, 40.0, 54.0];
    let vol = volume(g, |p| {
        if d2(p, hot) < 1e-9 {
            9.0
        } else if d2(p, c) <= 144.0 {
            5.0
        } else {
            0.1
        }
    });
    let q = quantify_lesion(
        &vol,
        c,
        &SegmentOptions {
            threshold: Threshold::Absolute(2.5),
            ..Default::default()
        },
    )
    .expect("lesion");
    assert_eq!(q.suvmax, 9.0);
    assert_eq!(q.suvmax_at, hot);
    assert!((q.suvpeak - 5.0).abs() < 1e-6, "SUVpeak {}", q.suvpeak);
    assert!(d2(q.suvpeak_at, c) <= 36.0, "SUVpeak at {:?}", q.suvpeak_at);
    // Centred on the max the sphere would include cold background: lower.
    let k = SphereKernel::suvpeak(&vol);
    let (at_max, _) = k.mean_at(&vol, [20, 20, 27]).expect("mean");
    assert!(at_max < q.suvpeak);
}

#[test]
fn fraction_threshold_follows_the_region_maximum() {
    let g = Geometry {
        origin: [0.0, 0.0, 0.0],
        spacing: [1.0, 1.0, 1.0],
        axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        dims: [80, 9, 9],
    };
    // A rod along x whose SUV rises from 5 to 20; the seed at the cool end with a 3 mm search
    // finds a local maximum of ~5.6; the region runs up the rod to 20, and the threshold is
    // re-derived from 20 (8.2), cutting the cool end off.
    let vol = volume(g, |p| {
        if (p[1] - 4.0).abs() <= 1.0 && (p[2] - 4.0).abs() <= 1.0 && p[0] >= 5.0 && p[0] <= 65.0 {
            (5.0 + 15.0 * (p[0] - 5.0) / 60.0) as f32
        } else {
            0.0
        }
    });
    let q = quantify_lesion(
        &vol,
        [6.0, 4.0, 4.0],
        &SegmentOptions {
            threshold: Threshold::FractionOfMax(0.41),
            search_radius_mm: 3.0,
            bound: None,
        },
    )
    .expect("rod");
    assert_eq!(q.suvmax, 20.0);
    assert!((q.threshold.suv - 0.41 * 20.0).abs() < 1e-9);
    let cut = q.threshold.suv;
    let expected = vol.values().filter(|v| *v as f64 >= cut).count();
    assert_eq!(q.voxels, expected);
}

#[test]
fn sd_is_the_sample_sd() {
    let g = Geometry {
        origin: [0.0, 0.0, 0.0],
        spacing: [1.0, 1.0, 1.0],
        axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        dims: [4, 1, 1],
    };
    let vol = volume(g, |p| [1.0, 2.0, 3.0, 6.0][p[0] as usize]);
    let s = box_stats(&vol, [-0.5, -0.5, -0.5], [3.5, 0.5, 0.5]).expect("box");
    assert_eq!(s.voxels, 4);
    assert_eq!(s.mean, 3.0);
    // Σ(x − 3)² = 4 + 1 + 0 + 9 = 14; sample SD = √(14 / 3).
    assert!((s.sd - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
    assert_eq!((s.min, s.max), (1.0, 6.0));
}

/// A stored PET volume (BQML) of `dims` with `voxels`, slot `missing` without a slice.
fn stored(dims: [usize; 3], voxels: Voxels, missing: usize) -> Volume {
    Volume {
        study_uid: "1.2.3".into(),
        series_uid: "4.5.6".into(),
        modality: "PT".into(),
        units: "BQML".into(),
        geometry: Geometry {
            origin: [0.0; 3],
            spacing: [2.0, 2.0, 3.0],
            axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            dims,
        },
        voxels,
        slices: (0..dims[2])
            .map(|k| {
                (k != missing).then(|| SliceSource {
                    source_name: format!("slice{k}"),
                    frame: 0,
                    sop_instance_uid: format!("1.2.{k}"),
                    rescale_slope: 1.0,
                    rescale_intercept: 0.0,
                })
            })
            .collect(),
        problems: Vec::new(),
    }
}

#[test]
fn suv_on_access_is_the_conversion_done_once_bit_for_bit() {
    let dims = [7, 5, 6];
    let [ni, nj, nk] = dims;
    // Factors chosen so that f64 products round differently from f32 ones; slot 4 is NaN and
    // slot 5 infinite (both read as missing), slot 2 has no slice.
    let per_slice: Vec<f64> = (0..nk)
        .map(|k| match k {
            4 => f64::NAN,
            5 => f64::INFINITY,
            _ => 2.718_281_828e-4 * (1.0 + 0.137 * k as f64),
        })
        .collect();
    let mut f = factor();
    f.values = SuvFactorValues::PerSlice(per_slice.clone());
    let missing = 2;
    let raw_f32 = Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
        (1234.567 + 97.31 * i as f64 + 13.7 * j as f64 - 3.3 * k as f64).sqrt() as f32 * 101.3
    });
    let raw_i16 = Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
        (i as i16 * 911 - j as i16 * 177 + k as i16 * 3001).wrapping_mul(7)
    });
    // 16-bit stored values with a rescale per slice (how a streamed PET is kept), signed on
    // even slices, unsigned on odd ones.
    let scales: Vec<SliceScale> = (0..nk)
        .map(|k| SliceScale {
            slope: 0.317_1 * (k + 1) as f64,
            intercept: if k % 2 == 1 { 0.5 } else { 0.0 },
            signed: k % 2 == 0,
        })
        .collect();
    let raw_bits: Vec<u16> = raw_i16.iter().map(|&v| v as u16).collect();
    let scaled_values: Vec<f64> = raw_bits
        .iter()
        .enumerate()
        .map(|(n, &b)| {
            let sc = scales[n / (ni * nj)];
            let stored = if sc.signed { b as i16 as f64 } else { b as f64 };
            (stored * sc.slope + sc.intercept) as f32 as f64
        })
        .collect();
    let scaled = ScaledVolume::new((nk, nj, ni), raw_bits, scales).expect("scaled");
    for voxels in [
        Voxels::F32(raw_f32),
        Voxels::I16(raw_i16),
        Voxels::Scaled(scaled),
    ] {
        let stored_values: Vec<f64> = match &voxels {
            Voxels::F32(a) => a.iter().map(|&v| v as f64).collect(),
            Voxels::I16(a) => a.iter().map(|&v| v as f64).collect(),
            Voxels::Scaled(_) => scaled_values.clone(),
            Voxels::Packed(p) => p.to_array().iter().map(|&v| v as f64).collect(),
        };
        let raw = stored(dims, voxels, missing);
        let vol = SuvVolume::new(raw, f.clone()).expect("volume");
        // Today's arithmetic, written out independently: f32 of (stored as f64 × factor),
        // NaN on a missing slice or a non-finite factor.
        let want: Vec<f32> = stored_values
            .iter()
            .enumerate()
            .map(|(n, &v)| {
                let k = n / (ni * nj);
                let fk = per_slice[k];
                if k == missing || !fk.is_finite() {
                    f32::NAN
                } else {
                    (v * fk) as f32
                }
            })
            .collect();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let all: Vec<f32> = vol.values().collect();
        assert_eq!(bits(&all), bits(&want), "values()");
        for k in 0..nk {
            let s: Vec<f32> = vol.slice_values(k).collect();
            assert_eq!(
                bits(&s),
                bits(&want[k * ni * nj..(k + 1) * ni * nj]),
                "slice {k}"
            );
        }
        assert_eq!(vol.slice_values(nk).count(), 0, "past the last slice");
        for r in [3..4, 30..101, 0..ni * nj * nk, 100..10_000] {
            let got: Vec<f32> = vol.values_in(r.clone()).collect();
            let end = r.end.min(want.len());
            assert_eq!(bits(&got), bits(&want[r.start..end]), "range {r:?}");
        }
        for k in 0..nk {
            for j in 0..nj {
                for i in 0..ni {
                    let w = want[(k * nj + j) * ni + i];
                    match vol.get([i, j, k]) {
                        Some(x) => assert_eq!(x.to_bits(), w.to_bits(), "[{i}, {j}, {k}]"),
                        None => assert!(w.is_nan(), "[{i}, {j}, {k}] reads None, want {w}"),
                    }
                }
            }
        }
        assert_eq!(vol.get([ni, 0, 0]), None);
        assert_eq!(
            vol.present,
            (0..nk).map(|k| k != missing).collect::<Vec<_>>()
        );
        // The stored values come back untouched.
        let back: Vec<f64> = match &vol.into_raw().voxels {
            Voxels::F32(a) => a.iter().map(|&v| v as f64).collect(),
            Voxels::I16(a) => a.iter().map(|&v| v as f64).collect(),
            Voxels::Packed(p) => p.to_array().iter().map(|&v| v as f64).collect(),
            Voxels::Scaled(s) => s.to_array().iter().map(|&v| v as f64).collect(),
        };
        assert_eq!(back, stored_values);
    }
}

#[test]
fn a_refused_factor_hands_the_volume_back() {
    let raw = stored([2, 2, 2], Voxels::I16(Array3::from_elem((2, 2, 2), 5)), 9);
    let mut f = factor();
    f.pixel_units = "CNTS".into();
    let e = SuvVolume::try_new(raw, f).expect_err("units differ");
    assert!(e.error.to_string().contains("CNTS"), "{}", e.error);
    assert_eq!(e.volume.series_uid, "4.5.6");
    assert!(matches!(&e.volume.voxels, Voxels::I16(a) if a.iter().all(|&v| v == 5)));
}

#[test]
fn from_parts_reads_back_what_it_was_given() {
    let g = sheared();
    let [ni, nj, nk] = g.dims;
    let mut values = Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
        (i as f32 * 0.37 + j as f32 * 1.91) / (1.0 + k as f32 * 0.113)
    });
    values.index_axis_mut(ndarray::Axis(0), 3).fill(f32::NAN);
    let want: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
    let vol = SuvVolume::from_parts("x".into(), g, values, factor()).expect("volume");
    assert_eq!(vol.values().map(f32::to_bits).collect::<Vec<_>>(), want);
    assert!(!vol.present[3] && vol.present[2]);
    assert_eq!(vol.get([1, 1, 3]), None);
}
