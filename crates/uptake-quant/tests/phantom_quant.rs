//! Quantification of generated phantoms against their exact truth, for the plain study and
//! every quirk the generator imitates.
//!
//! For each study: the SUVbw factor from the DICOM headers equals the generator's (or the
//! Philips factor); for every lesion, seeded a few mm off its centre, SUVmax and SUVmean match
//! the lesion SUV (0.1 %), the 41 %, 50 %, 2.5 SUV and PERCIST regions hold exactly the
//! truth's voxels, MTV equals `mtv_ml_41`, TLG = MTV × SUVmean ≈ `tlg_41`, and SUVpeak equals
//! the lesion SUV where the truth defines it; the liver reference has the liver SUV and ~0 SD;
//! the whole-series SUVmax is the hottest lesion.

mod common;

use common::{generate, rel, suv_volume};
use uptake_phantom::{PhantomOptions, Truth};
use uptake_quant::lesion::quantify_lesion;
use uptake_quant::reference::liver_reference;
use uptake_quant::stats::series_max;
use uptake_quant::suv::{InjectionTimeSource, SuvOverrides, SuvType, UnitHandling};
use uptake_quant::{
    quantify_study, study_suv_factor, QuantifyRequest, SegmentOptions, SuvVolume, Threshold,
};

const SEED_OFFSET: [f64; 3] = [2.0, -1.5, 1.0];

fn seed(centre: [f64; 3]) -> [f64; 3] {
    [
        centre[0] + SEED_OFFSET[0],
        centre[1] + SEED_OFFSET[1],
        centre[2] + SEED_OFFSET[2],
    ]
}

fn check_factor(study: &uptake_dicom::LoadedStudy, truth: &Truth, vol: &SuvVolume) {
    let f = study_suv_factor(study, SuvType::Bw, &SuvOverrides::default()).expect("factor");
    let nk = vol.geometry.dims[2];
    match &truth.suv.philips {
        None => {
            let v = f.series_factor().expect("one factor per series");
            assert!(
                rel(v, truth.suv.suvbw_factor) < 1e-6,
                "factor {v} vs truth {}",
                truth.suv.suvbw_factor
            );
            assert_eq!(f.provenance.branches.units, UnitHandling::Bqml);
        }
        Some(p) => {
            assert_eq!(
                f.provenance.branches.units,
                UnitHandling::CntsPhilipsSuvScaleFactor
            );
            for k in 0..nk {
                let v = f.factor_for_slice(k).expect("factor per slot");
                assert!(rel(v, p.suv_scale_factor) < 1e-6, "slice {k}: {v}");
            }
        }
    }
    if truth.options.injection_before_midnight {
        assert_eq!(
            f.provenance.branches.injection_time_source,
            InjectionTimeSource::StartTimeRolledBackOneDay
        );
        let t = f.provenance.decay_time_s.expect("decay time");
        assert!((t - truth.suv.decay_time_s).abs() < 1e-6, "{t}");
    }
}

fn check_lesions(vol: &SuvVolume, truth: &Truth) {
    let liver = truth.liver_reference.centre_lps;
    let reference = liver_reference(vol, liver).expect("liver reference");
    assert!(
        rel(reference.mean, truth.liver_suv) < 1e-3,
        "liver mean {}",
        reference.mean
    );
    assert!(
        reference.sd < 1e-3 * truth.liver_suv,
        "liver SD {}",
        reference.sd
    );
    let percist = reference.percist_threshold;
    for l in &truth.lesions {
        let s = seed(l.centre_lps);
        let rules = [
            (Threshold::FractionOfMax(0.41), 0.41 * l.suv),
            (Threshold::FractionOfMax(0.50), 0.50 * l.suv),
            (Threshold::Absolute(2.5), 2.5),
            (Threshold::Percist { liver }, percist),
        ];
        for (rule, cut) in rules {
            // The phantom is designed so that hosts are below and lesions above every cut.
            assert!(l.host_suv < cut && l.suv > cut, "{}: {rule:?}", l.name);
            let opts = SegmentOptions {
                threshold: rule,
                ..Default::default()
            };
            let q = quantify_lesion(vol, s, &opts).unwrap_or_else(|e| panic!("{}: {e}", l.name));
            let ctx = format!("{} {rule:?}", l.name);
            assert_eq!(q.voxels as u64, l.pet_voxels, "{ctx}: voxel count");
            assert_eq!(q.mask.len(), q.voxels, "{ctx}");
            assert!(rel(q.suvmax, l.suv) < 1e-3, "{ctx}: SUVmax {}", q.suvmax);
            assert!(rel(q.suvmean, l.suv) < 1e-3, "{ctx}: SUVmean {}", q.suvmean);
            assert!(rel(q.mtv_ml, l.mtv_ml_41) < 1e-9, "{ctx}: MTV {}", q.mtv_ml);
            assert!(rel(q.tlg, q.mtv_ml * q.suvmean) < 1e-12, "{ctx}");
            assert!(rel(q.tlg, l.tlg_41) < 1e-3, "{ctx}: TLG {}", q.tlg);
            assert!(q.suvpeak <= q.suvmax * (1.0 + 1e-6), "{ctx}");
            if let Some(peak) = l.suvpeak {
                assert!(l.diameter_mm >= 20.0);
                assert!(rel(q.suvpeak, peak) < 1e-3, "{ctx}: SUVpeak {}", q.suvpeak);
            }
            // Every voxel lies inside the true sphere, and the max lies in the lesion.
            let r = l.diameter_mm / 2.0;
            for &v in &q.mask {
                let p = vol.voxel_centre(v);
                let d2: f64 = (0..3).map(|a| (p[a] - l.centre_lps[a]).powi(2)).sum();
                assert!(d2 <= r * r + 1e-6, "{ctx}: voxel {v:?} outside the lesion");
            }
            for a in 0..3 {
                assert!(q.bbox_lps[0][a] >= l.centre_lps[a] - r - 1e-6, "{ctx}");
                assert!(q.bbox_lps[1][a] <= l.centre_lps[a] + r + 1e-6, "{ctx}");
            }
            assert!(
                rel(q.threshold.suv, cut) < 1e-3,
                "{ctx}: cut {}",
                q.threshold.suv
            );
        }
    }
    let hottest = truth
        .lesions
        .iter()
        .max_by(|a, b| a.suv.total_cmp(&b.suv))
        .expect("lesions");
    let m = series_max(vol).expect("series max");
    assert!(rel(m.suvmax, hottest.suv) < 1e-3, "series max {}", m.suvmax);
    let d2: f64 = (0..3)
        .map(|a| (m.at[a] - hottest.centre_lps[a]).powi(2))
        .sum();
    assert!(d2.sqrt() <= hottest.diameter_mm / 2.0 + 1e-6);
}

fn run(opts: PhantomOptions) {
    let g = generate(&opts);
    let vol = suv_volume(&g.study);
    if opts.oblique_deg.is_some() {
        // The PET grid really is oblique: i is not along x.
        assert!(
            vol.geometry.axes[0][1].abs() > 0.1,
            "{:?}",
            vol.geometry.axes
        );
    }
    if opts.feet_first {
        assert!(vol.geometry.axes[2][2] < 0.0, "{:?}", vol.geometry.axes);
    }
    check_factor(&g.study, &g.truth, &vol);
    check_lesions(&vol, &g.truth);
    // The convenience API gives the same numbers and the CLI keys.
    let l = &g.truth.lesions[0];
    let report =
        quantify_study(&g.study, &QuantifyRequest::at(seed(l.centre_lps))).expect("quantify_study");
    assert_eq!(report.lesion.voxels as u64, l.pet_voxels);
    let json = serde_json::to_value(&report).expect("json");
    for key in [
        "suv_type",
        "suvmax",
        "suvmax_at",
        "suvmean",
        "suvpeak",
        "sd",
        "voxels",
        "mtv_ml",
        "tlg",
        "suv_factor",
    ] {
        assert!(json.get(key).is_some(), "missing key {key}: {json}");
    }
    assert_eq!(json["suv_type"], "bw");
    assert!(json.get("mask").is_none());
}

#[test]
fn default_study() {
    run(PhantomOptions::default());
}

#[test]
fn philips_cnts() {
    run(PhantomOptions {
        philips_cnts: true,
        ..Default::default()
    });
}

#[test]
fn injection_before_midnight() {
    run(PhantomOptions {
        injection_before_midnight: true,
        ..Default::default()
    });
}

#[test]
fn feet_first() {
    run(PhantomOptions {
        feet_first: true,
        ..Default::default()
    });
}

#[test]
fn shuffled_files() {
    run(PhantomOptions {
        shuffle_files: true,
        reverse_instance_numbers: true,
        ..Default::default()
    });
}

#[test]
fn oblique() {
    run(PhantomOptions {
        oblique_deg: Some(25.0),
        ..Default::default()
    });
}

#[test]
fn ct_gantry_tilt() {
    run(PhantomOptions {
        ct_gantry_tilt_deg: Some(15.0),
        ..Default::default()
    });
}

#[test]
fn implicit_vr() {
    run(PhantomOptions {
        implicit_vr: true,
        ..Default::default()
    });
}

#[test]
fn enhanced_multiframe() {
    run(PhantomOptions {
        enhanced: true,
        ..Default::default()
    });
}

#[test]
fn oblique_feet_first_philips() {
    run(PhantomOptions {
        oblique_deg: Some(-17.0),
        feet_first: true,
        philips_cnts: true,
        ..Default::default()
    });
}
