//! Lesion segmentation + SUVpeak + statistics from a seed:
//! - `small_phantom`: the default generated phantom (96×96×76 PET), the 28 mm lesion;
//! - `clinical_grid`: a 192×192×400 PET grid with the clinical phantom's spacing
//!   (700/192 mm pixels, 2.6 mm slices) holding a 30 mm lesion (built in memory, so the
//!   benchmark does not write 240 MB of DICOM).
//!
//! Also `series_max` on the clinical grid (a whole-volume scan).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ndarray::Array3;
use uptake_dicom::Geometry;
use uptake_phantom::{write_study, PhantomOptions};
use uptake_quant::lesion::quantify_lesion;
use uptake_quant::stats::series_max;
use uptake_quant::suv::{compute_suv_factor, SliceInputs, SuvInputs, SuvOverrides, SuvType};
use uptake_quant::{SegmentOptions, SuvVolume};

fn clinical_volume() -> (SuvVolume, [f64; 3]) {
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
    let factor =
        compute_suv_factor(&inputs, SuvType::Bw, &SuvOverrides::default()).expect("factor");
    let px = 700.0 / 192.0;
    let g = Geometry {
        origin: [-350.0 + px / 2.0, -350.0 + px / 2.0, -520.0],
        spacing: [px, px, 2.6],
        axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        dims: [192, 192, 400],
    };
    let centre = [-60.4, -14.8, -110.3];
    let r2 = 15.0f64 * 15.0;
    let values = Array3::from_shape_fn((400, 192, 192), |(k, j, i)| {
        let p = [
            g.origin[0] + i as f64 * px,
            g.origin[1] + j as f64 * px,
            g.origin[2] + k as f64 * 2.6,
        ];
        let d2: f64 = (0..3).map(|a| (p[a] - centre[a]).powi(2)).sum();
        if d2 <= r2 {
            10.0f32
        } else {
            1.0
        }
    });
    let vol = SuvVolume::from_parts("bench".into(), g, values, factor).expect("volume");
    (vol, [centre[0] + 2.0, centre[1] - 1.5, centre[2] + 1.0])
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let truth = write_study(dir.path(), &PhantomOptions::default()).expect("phantom");
    let study = uptake_dicom::load_paths(&[dir.path().join("PET")]);
    let small =
        SuvVolume::from_study(&study, SuvType::Bw, &SuvOverrides::default()).expect("SUV volume");
    let lesion = truth
        .lesions
        .iter()
        .max_by(|a, b| a.diameter_mm.total_cmp(&b.diameter_mm))
        .expect("lesions");
    let seed = lesion.centre_lps;
    let opts = SegmentOptions::default();
    c.bench_function("lesion/small_phantom_28mm", |b| {
        b.iter(|| quantify_lesion(black_box(&small), black_box(seed), &opts).expect("lesion"))
    });

    let (clinical, seed) = clinical_volume();
    c.bench_function("lesion/clinical_grid_30mm", |b| {
        b.iter(|| quantify_lesion(black_box(&clinical), black_box(seed), &opts).expect("lesion"))
    });
    c.bench_function("series_max/clinical_grid", |b| {
        b.iter(|| series_max(black_box(&clinical)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
