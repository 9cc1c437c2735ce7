//! Unit tests for each branch and each refusal of the SUV engine.

use uptake_quant::suv::dicom_time::DicomDateTime;
use uptake_quant::suv::formulas::{
    bsa_dubois_m2, decay_weighted_mean_time, lbm_james_kg, lbm_janmahasatian_kg,
};
use uptake_quant::suv::{
    compute_suv_factor, DecayHandling, InjectionTimeSource, InputSource, RadionuclideCode,
    ScanTimeRule, SeriesConflict, Sex, SliceInputs, SuvFactor, SuvInputs, SuvOverrides, SuvRefusal,
    SuvType, UnitHandling, WarningCode,
};

const LN2: f64 = std::f64::consts::LN_2;
const F18: f64 = 6586.2;

fn slice(date: &str, time: &str) -> SliceInputs {
    SliceInputs {
        acquisition_date: Some(date.into()),
        acquisition_time: Some(time.into()),
        ..Default::default()
    }
}

/// 70 kg, 1.75 m, male adult; 370 MBq F-18 at 09:00; BQML START series at 10:00.
fn base() -> SuvInputs {
    SuvInputs {
        manufacturer: Some("TestVendor".into()),
        units: Some("BQML".into()),
        decay_correction: Some("START".into()),
        corrected_image: Some(vec!["ATTN".into(), "DECY".into(), "SCAT".into()]),
        series_date: Some("20261128".into()),
        series_time: Some("100000".into()),
        study_date: Some("20261128".into()),
        radiopharmaceutical_start_date_time: Some("20261128090000".into()),
        radiopharmaceutical_start_time: Some("090000".into()),
        radionuclide_total_dose: Some(370e6),
        radionuclide_half_life: Some(F18),
        patient_weight_kg: Some(70.0),
        patient_size_m: Some(1.75),
        patient_sex: Some("M".into()),
        patient_age: Some("045Y".into()),
        slices: vec![slice("20261128", "100000"), slice("20261128", "100300")],
        ..Default::default()
    }
}

fn decayed(dose: f64, t: f64, hl: f64) -> f64 {
    dose * (-LN2 * t / hl).exp()
}

fn ok(inputs: &SuvInputs, t: SuvType) -> SuvFactor {
    ok_with(inputs, t, &SuvOverrides::default())
}

fn ok_with(inputs: &SuvInputs, t: SuvType, o: &SuvOverrides) -> SuvFactor {
    compute_suv_factor(inputs, t, o).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn refuse(inputs: &SuvInputs, t: SuvType) -> SuvRefusal {
    refuse_with(inputs, t, &SuvOverrides::default())
}

fn refuse_with(inputs: &SuvInputs, t: SuvType, o: &SuvOverrides) -> SuvRefusal {
    match compute_suv_factor(inputs, t, o) {
        Ok(f) => panic!("expected a refusal, got {:?}", f.values),
        Err(e) => e,
    }
}

fn close(got: f64, want: f64, tol: f64) {
    assert!(
        ((got - want) / want).abs() <= tol,
        "got {got:e}, want {want:e}"
    );
}

fn one(f: &SuvFactor) -> f64 {
    f.series_factor().expect("series factor")
}

// ---------- decay correction ----------

#[test]
fn start_decays_dose_to_series_time() {
    let f = ok(&base(), SuvType::Bw);
    close(one(&f), 70_000.0 / decayed(370e6, 3600.0, F18), 1e-14);
    let p = &f.provenance;
    assert_eq!(p.branches.scan_time_rule, ScanTimeRule::SeriesDateTime);
    assert_eq!(
        p.branches.injection_time_source,
        InjectionTimeSource::StartDateTime
    );
    assert_eq!(
        p.branches.decay_correction,
        DecayHandling::DecayDoseToScanStart
    );
    assert_eq!(p.branches.units, UnitHandling::Bqml);
    assert_eq!(p.decay_time_s, Some(3600.0));
    close(
        p.decay_factor.unwrap_or(0.0),
        0.5f64.powf(3600.0 / F18),
        1e-15,
    );
    assert_eq!(f.factor_for_slice(1), Some(one(&f)));
    assert_eq!(
        f.factor_for_slice(999),
        Some(one(&f)),
        "series factor applies to any slice"
    );
    assert_eq!(f.result_units, "g/ml");
    assert_eq!(f.pixel_units, "BQML");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn admin_does_not_decay() {
    let mut i = base();
    i.decay_correction = Some("ADMIN".into());
    let admin = ok(&i, SuvType::Bw);
    let start = ok(&base(), SuvType::Bw);
    assert_eq!(one(&admin), 70_000.0 / 370e6);
    assert_eq!(admin.provenance.decay_factor, Some(1.0));
    assert_eq!(
        admin.provenance.decay_time_s,
        Some(3600.0),
        "uptake still recorded"
    );
    assert_eq!(
        admin.provenance.branches.decay_correction,
        DecayHandling::NoDecayAdmin
    );
    close(one(&start) / one(&admin), 2f64.powf(3600.0 / F18), 1e-14);
}

#[test]
fn none_decays_each_slice_to_its_own_time() {
    let mut i = base();
    i.decay_correction = Some("NONE".into());
    i.corrected_image = Some(vec!["ATTN".into(), "SCAT".into()]);
    i.slices = vec![slice("20261128", "100000"), slice("20261128", "102000")];
    for s in &mut i.slices {
        s.actual_frame_duration_ms = Some(180_000.0);
    }
    let f = ok(&i, SuvType::Bw);
    assert!(f.is_per_slice());
    let tavg = decay_weighted_mean_time(180.0, F18);
    // T/2 − λT²/24 to second order: 90 − 0.142 s.
    close(tavg, 89.858, 1e-5);
    for (k, t0) in [(0usize, 3600.0), (1, 4800.0)] {
        let want = 70_000.0 / decayed(370e6, t0 + tavg, F18);
        close(f.factor_for_slice(k).unwrap_or(0.0), want, 1e-12);
        close(
            f.provenance.per_slice_decay[k].decay_time_s,
            t0 + tavg,
            1e-12,
        );
    }
    assert_eq!(f.factor_for_slice(2), None);
    assert_eq!(
        f.provenance.branches.decay_correction,
        DecayHandling::PerSliceDecay
    );
    assert_eq!(
        f.provenance.branches.scan_time_rule,
        ScanTimeRule::PerSliceAcquisition
    );
    assert_eq!(f.provenance.decay_factor, None);

    // Without frame durations: decay to the frame start, with a warning.
    for s in &mut i.slices {
        s.actual_frame_duration_ms = None;
    }
    let g = ok(&i, SuvType::Bw);
    close(
        g.factor_for_slice(0).unwrap_or(0.0),
        70_000.0 / decayed(370e6, 3600.0, F18),
        1e-12,
    );
    assert!(g.provenance.has_warning(WarningCode::NoFrameDuration));

    // A slice without a time refuses.
    i.slices[1].acquisition_time = None;
    assert_eq!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::MissingSliceTime { slice: 1 }
    );
    i.slices.clear();
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::NoSlices);
}

#[test]
fn none_with_decy_is_contradictory() {
    let mut i = base();
    i.decay_correction = Some("NONE".into());
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::ContradictoryDecayCorrection { .. }
    ));
}

#[test]
fn decay_correction_missing_or_unknown_refuses() {
    let mut i = base();
    i.decay_correction = None;
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::MissingDecayCorrection);
    i.decay_correction = Some("FOO".into());
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::UnsupportedDecayCorrection { .. }
    ));
}

// ---------- scan time ----------

#[test]
fn series_time_after_acquisition_uses_earliest_acquisition() {
    let mut i = base();
    i.series_time = Some("113000".into()); // reset by post-processing
    let f = ok(&i, SuvType::Bw);
    assert_eq!(
        f.provenance.branches.scan_time_rule,
        ScanTimeRule::EarliestAcquisition
    );
    assert!(f
        .provenance
        .has_warning(WarningCode::SeriesTimeAfterAcquisition));
    close(one(&f), one(&ok(&base(), SuvType::Bw)), 1e-14);
}

#[test]
fn ge_private_scan_time_is_used_when_series_time_is_late() {
    let mut i = base();
    i.series_time = Some("113000".into());
    i.ge_private_scan_date_time = Some("20261128095500.00 ".into());
    let f = ok(&i, SuvType::Bw);
    assert_eq!(
        f.provenance.branches.scan_time_rule,
        ScanTimeRule::GePrivateScanDateTime
    );
    assert_eq!(f.provenance.decay_time_s, Some(3300.0));
    close(one(&f), 70_000.0 / decayed(370e6, 3300.0, F18), 1e-14);
    // Garbage in the private tag: warned and not used.
    i.ge_private_scan_date_time = Some("not a date".into());
    let g = ok(&i, SuvType::Bw);
    assert!(g.provenance.has_warning(WarningCode::GePrivateTimeUnusable));
    assert_eq!(
        g.provenance.branches.scan_time_rule,
        ScanTimeRule::EarliestAcquisition
    );
}

#[test]
fn siemens_frame_reference_time_option() {
    let mut i = base();
    i.manufacturer = Some("SIEMENS".into());
    i.series_time = Some("113000".into());
    // Two beds, each 120 s; FrameReferenceTime = offset from the series start + Tavg.
    let tavg = decay_weighted_mean_time(120.0, F18);
    for (s, off) in i.slices.iter_mut().zip([0.0, 180.0]) {
        s.actual_frame_duration_ms = Some(120_000.0);
        s.frame_reference_time_ms = Some((off + tavg) * 1000.0);
    }
    let f = ok(&i, SuvType::Bw);
    assert_eq!(
        f.provenance.branches.scan_time_rule,
        ScanTimeRule::SiemensFrameReferenceTime
    );
    let want = 70_000.0 / decayed(370e6, 3600.0, F18);
    for k in 0..2 {
        close(f.factor_for_slice(k).unwrap_or(0.0), want, 1e-9);
    }
    assert!(!f
        .provenance
        .has_warning(WarningCode::PerSliceScanTimesDiffer));
    // Not Siemens: option A.
    i.manufacturer = Some("GE MEDICAL SYSTEMS".into());
    assert_eq!(
        ok(&i, SuvType::Bw).provenance.branches.scan_time_rule,
        ScanTimeRule::EarliestAcquisition
    );
}

#[test]
fn missing_series_time_refuses() {
    let mut i = base();
    i.series_time = None;
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::NoScanTime { .. }
    ));
}

#[test]
fn garbage_times_refuse_with_attribute() {
    let mut i = base();
    i.slices[1].acquisition_time = Some("10:3x".into());
    match refuse(&i, SuvType::Bw) {
        SuvRefusal::UnreadableDateTime { attribute, .. } => {
            assert_eq!(attribute, "AcquisitionTime (slice 1)")
        }
        e => panic!("{e:?}"),
    }
    let mut i = base();
    i.radiopharmaceutical_start_date_time = Some("2026112809".into());
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::UnreadableDateTime { .. }
    ));
}

// ---------- injection time ----------

#[test]
fn start_time_only_on_series_date() {
    let mut i = base();
    i.radiopharmaceutical_start_date_time = None;
    let f = ok(&i, SuvType::Bw);
    assert_eq!(
        f.provenance.branches.injection_time_source,
        InjectionTimeSource::SeriesDatePlusStartTime
    );
    close(one(&f), one(&ok(&base(), SuvType::Bw)), 1e-15);
}

#[test]
fn midnight_roll_back() {
    let mut i = base();
    i.radiopharmaceutical_start_date_time = None;
    i.radiopharmaceutical_start_time = Some("233000".into());
    i.series_date = Some("20261129".into());
    i.series_time = Some("003000".into());
    i.slices = vec![slice("20261129", "003000")];
    let f = ok(&i, SuvType::Bw);
    assert_eq!(
        f.provenance.branches.injection_time_source,
        InjectionTimeSource::StartTimeRolledBackOneDay
    );
    assert!(f
        .provenance
        .has_warning(WarningCode::InjectionBeforeMidnight));
    assert_eq!(f.provenance.decay_time_s, Some(3600.0));
    assert_eq!(
        f.provenance.injection_date_time,
        DicomDateTime::parse_dt("20261128233000").ok()
    );
}

#[test]
fn over_24h_without_start_date_time_refuses_but_with_it_is_allowed() {
    // Zr-89 scan 3 days after injection.
    let mut i = base();
    i.radionuclide_half_life = Some(282_276.0);
    i.radionuclide_code = Some(RadionuclideCode {
        code_meaning: Some("^89^Zirconium".into()),
        ..Default::default()
    });
    i.radionuclide_total_dose = Some(74e6);
    i.series_date = Some("20261201".into());
    i.series_time = Some("090000".into());
    i.slices = vec![slice("20261201", "090000")];
    let f = ok(&i, SuvType::Bw);
    let t = 3.0 * 86_400.0 - 0.0;
    close(one(&f), 70_000.0 / decayed(74e6, t, 282_276.0), 1e-12);
    assert!(!f.provenance.has_warning(WarningCode::HalfLifeMismatch));

    // Only a start time and a scan 26 h after the series date's injection time.
    let mut j = base();
    j.radiopharmaceutical_start_date_time = None;
    j.series_time = Some("120000".into());
    j.slices = vec![slice("20261128", "110000")];
    j.ge_private_scan_date_time = Some("20261129110000".into());
    match refuse(&j, SuvType::Bw) {
        SuvRefusal::AmbiguousInjectionDay { hours } => close(hours, 26.0, 1e-12),
        e => panic!("{e:?}"),
    }
}

#[test]
fn no_injection_time_refuses() {
    let mut i = base();
    i.radiopharmaceutical_start_date_time = None;
    i.radiopharmaceutical_start_time = Some("  ".into());
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::NoInjectionTime);
}

#[test]
fn negative_decay_time_refuses() {
    let mut i = base();
    i.radiopharmaceutical_start_date_time = Some("20261128103000".into());
    match refuse(&i, SuvType::Bw) {
        SuvRefusal::NegativeDecayTime { seconds, .. } => assert_eq!(seconds, -1800.0),
        e => panic!("{e:?}"),
    }
    // Also under ADMIN: an injection after the scan is a contradiction.
    i.decay_correction = Some("ADMIN".into());
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::NegativeDecayTime { .. }
    ));
}

#[test]
fn utc_offsets_are_honoured() {
    let mut i = base();
    // Injection written in UTC (08:00Z) for a scan at 10:00 local, +01:00.
    i.radiopharmaceutical_start_date_time = Some("20261128080000+0000".into());
    i.timezone_offset_from_utc = Some("+0100".into());
    let f = ok(&i, SuvType::Bw);
    assert_eq!(f.provenance.decay_time_s, Some(3600.0));
    // Zone inferred from an acquisition date-time offset.
    let mut j = base();
    j.radiopharmaceutical_start_date_time = Some("20261128080000+0000".into());
    j.slices[0].acquisition_date_time = Some("20261128100000+0100".into());
    let g = ok(&j, SuvType::Bw);
    assert_eq!(g.provenance.decay_time_s, Some(3600.0));
    assert!(g.provenance.has_warning(WarningCode::TimeZoneInferred));
}

// ---------- dose and half-life ----------

#[test]
fn dose_in_mbq_is_recognised_converted_and_warned() {
    let mut i = base();
    i.radionuclide_total_dose = Some(370.0);
    let f = ok(&i, SuvType::Bw);
    close(one(&f), one(&ok(&base(), SuvType::Bw)), 1e-15);
    assert!(f.provenance.has_warning(WarningCode::DoseInMegabecquerel));
    assert_eq!(f.provenance.dose_bq, Some(370e6));
    assert!(f.provenance.input("dose_as_found").is_some());
    // Neither plausible Bq nor plausible MBq.
    i.radionuclide_total_dose = Some(50_000.0);
    assert_eq!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::ImplausibleDose { value: 50_000.0 }
    );
    i.radionuclide_total_dose = Some(0.5);
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::ImplausibleDose { .. }
    ));
    // User overrides are never reinterpreted.
    let o = SuvOverrides {
        dose_bq: Some(370.0),
        ..Default::default()
    };
    assert!(matches!(
        refuse_with(&base(), SuvType::Bw, &o),
        SuvRefusal::ImplausibleDose { .. }
    ));
}

#[test]
fn dose_refusals() {
    let mut i = base();
    i.radionuclide_total_dose = None;
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::MissingDose);
    i.radionuclide_total_dose = Some(0.0);
    assert_eq!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::NonPositiveDose { value: 0.0 }
    );
    i.radionuclide_total_dose = Some(-5e8);
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::NonPositiveDose { .. }
    ));
}

#[test]
fn half_life_refusals() {
    let mut i = base();
    i.radionuclide_half_life = None;
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::MissingHalfLife);
    i.radionuclide_half_life = Some(0.0);
    assert_eq!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::InvalidHalfLife { value: 0.0 }
    );
}

#[test]
fn non_f18_half_lives() {
    for (name, hl, t) in [
        ("^68^Gallium", 4062.6, 3600.0),
        ("^64^Copper", 45_721.0, 3600.0),
        ("^89^Zirconium", 282_276.0, 3600.0),
    ] {
        let mut i = base();
        i.radionuclide_half_life = Some(hl);
        i.radionuclide_code = Some(RadionuclideCode {
            code_meaning: Some(name.into()),
            ..Default::default()
        });
        let f = ok(&i, SuvType::Bw);
        close(one(&f), 70_000.0 / decayed(370e6, t, hl), 1e-14);
        assert!(
            !f.provenance.has_warning(WarningCode::HalfLifeMismatch),
            "{name}"
        );
    }
    // Ga-68 decays much faster than F-18 over the same hour.
    let mut ga = base();
    ga.radionuclide_half_life = Some(4062.6);
    close(
        one(&ok(&ga, SuvType::Bw)) / one(&ok(&base(), SuvType::Bw)),
        2f64.powf(3600.0 / 4062.6 - 3600.0 / F18),
        1e-13,
    );
    // Cu-64 named but the F-18 half-life written: warn, use the header value.
    let mut cu = base();
    cu.radionuclide_name = Some("Cu-64".into());
    let f = ok(&cu, SuvType::Bw);
    assert!(f.provenance.has_warning(WarningCode::HalfLifeMismatch));
    close(one(&f), one(&ok(&base(), SuvType::Bw)), 1e-15);
}

// ---------- units ----------

fn philips_cnts() -> SuvInputs {
    let mut i = base();
    i.units = Some("CNTS".into());
    i.manufacturer = Some("Philips Medical Systems".into());
    for s in &mut i.slices {
        s.philips_suv_scale_factor = Some("0.000551 ".into());
        s.philips_activity_concentration_scale_factor = Some("1.602563 ".into());
    }
    i
}

#[test]
fn cnts_prefers_suv_scale_factor_and_parses_ds_padding() {
    let i = philips_cnts();
    let f = ok(&i, SuvType::Bw);
    assert_eq!(one(&f), 0.000551);
    assert_eq!(
        f.provenance.branches.units,
        UnitHandling::CntsPhilipsSuvScaleFactor
    );
    // Other types convert by LBM / W (header weight).
    let l = ok(&i, SuvType::LbmJanmahasatian);
    close(
        one(&l),
        0.000551 * lbm_janmahasatian_kg(70.0, 1.75, Sex::Male) / 70.0,
        1e-14,
    );
}

#[test]
fn cnts_activity_concentration_factor_route() {
    let mut i = philips_cnts();
    for s in &mut i.slices {
        s.philips_suv_scale_factor = Some("0".into());
    }
    let f = ok(&i, SuvType::Bw);
    assert_eq!(
        f.provenance.branches.units,
        UnitHandling::CntsPhilipsActivityConcentrationFactor
    );
    close(one(&f), 1.602563 * one(&ok(&base(), SuvType::Bw)), 1e-14);
    // Per-slice factors differ: per-slice SUV factors.
    i.slices[1].philips_activity_concentration_scale_factor = Some("1.7".into());
    let g = ok(&i, SuvType::Bw);
    assert!(g.is_per_slice());
    close(
        g.factor_for_slice(1).unwrap_or(0.0),
        1.7 * one(&ok(&base(), SuvType::Bw)),
        1e-14,
    );
}

#[test]
fn cnts_without_factors_refuses() {
    let mut i = philips_cnts();
    for s in &mut i.slices {
        s.philips_suv_scale_factor = None;
        s.philips_activity_concentration_scale_factor = Some("0".into());
    }
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::CntsWithoutPhilipsFactors { .. }
    ));
    i.slices[0].philips_suv_scale_factor = Some("abc".into());
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::UnreadableNumber { .. }
    ));
}

#[test]
fn cnts_overrides() {
    // Weight override with only the SUV scale factor: scaled by the weight ratio.
    let mut i = philips_cnts();
    for s in &mut i.slices {
        s.philips_activity_concentration_scale_factor = None;
    }
    let w = SuvOverrides {
        weight_kg: Some(80.0),
        ..Default::default()
    };
    close(
        one(&ok_with(&i, SuvType::Bw, &w)),
        0.000551 * 80.0 / 70.0,
        1e-14,
    );
    // Dose override: the SUV scale factor cannot be corrected.
    let d = SuvOverrides {
        dose_bq: Some(400e6),
        ..Default::default()
    };
    assert!(matches!(
        refuse_with(&i, SuvType::Bw, &d),
        SuvRefusal::OverrideNotApplicable { .. }
    ));
    // With the activity concentration factor available, it is used instead.
    let f = ok_with(&philips_cnts(), SuvType::Bw, &d);
    assert!(f
        .provenance
        .has_warning(WarningCode::PhilipsSuvScaleFactorBypassed));
    close(
        one(&f),
        1.602563 * 70_000.0 / decayed(400e6, 3600.0, F18),
        1e-14,
    );
}

#[test]
fn bqml_ignores_philips_factors() {
    let mut i = philips_cnts();
    i.units = Some("BQML".into());
    let f = ok(&i, SuvType::Bw);
    assert_eq!(one(&f), one(&ok(&base(), SuvType::Bw)));
    assert!(f.provenance.has_warning(WarningCode::PhilipsFactorsIgnored));
}

#[test]
fn gml_is_already_suvbw() {
    let mut i = base();
    i.units = Some("GML".into());
    i.patient_weight_kg = None;
    i.radionuclide_total_dose = None;
    let f = ok(&i, SuvType::Bw);
    assert_eq!(one(&f), 1.0);
    assert_eq!(
        f.provenance.branches.scan_time_rule,
        ScanTimeRule::NotNeeded
    );
    // LBM needs the weight the scanner used.
    assert_eq!(refuse(&i, SuvType::LbmJames), SuvRefusal::MissingWeight);
    i.patient_weight_kg = Some(70.0);
    let l = ok(&i, SuvType::LbmJames);
    close(one(&l), lbm_james_kg(70.0, 1.75, Sex::Male) / 70.0, 1e-14);
    assert!(l
        .provenance
        .has_warning(WarningCode::PrecomputedSuvConversion));
    let o = SuvOverrides {
        injection_date_time: DicomDateTime::parse_dt("20261128091500").ok(),
        ..Default::default()
    };
    assert!(matches!(
        refuse_with(&i, SuvType::Bw, &o),
        SuvRefusal::OverrideNotApplicable { .. }
    ));
}

#[test]
fn cm2ml_is_already_suvbsa() {
    let mut i = base();
    i.units = Some("CM2ML".into());
    let f = ok(&i, SuvType::Bsa);
    assert_eq!(one(&f), 1.0);
    assert_eq!(f.result_units, "cm2/ml");
    let bw = ok(&i, SuvType::Bw);
    close(
        one(&bw),
        70_000.0 / (bsa_dubois_m2(70.0, 1.75) * 1e4),
        1e-14,
    );
}

#[test]
fn units_refusals() {
    let mut i = base();
    i.units = Some("PROPCNTS".into());
    assert_eq!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::UnsupportedUnits {
            units: "PROPCNTS".into()
        }
    );
    i.units = None;
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::MissingUnits);
    i.units = Some(" ".into());
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::MissingUnits);
}

#[test]
fn non_attenuation_corrected_never_becomes_suv() {
    let mut i = base();
    i.corrected_image = Some(vec!["DECY".into(), "SCAT".into()]);
    match refuse(&i, SuvType::Bw) {
        SuvRefusal::NotCorrected { missing, .. } => assert!(missing.contains("ATTN")),
        e => panic!("{e:?}"),
    }
    i.corrected_image = Some(vec!["ATTN ".into()]);
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::NotCorrected { .. }
    ));
    i.corrected_image = None;
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::NotCorrected { .. }
    ));
}

// ---------- body size ----------

#[test]
fn body_size_types() {
    let i = base();
    let bw = one(&ok(&i, SuvType::Bw));
    let janma = one(&ok(&i, SuvType::LbmJanmahasatian));
    close(
        janma / bw,
        lbm_janmahasatian_kg(70.0, 1.75, Sex::Male) / 70.0,
        1e-14,
    );
    let james = one(&ok(&i, SuvType::LbmJames));
    close(
        james / bw,
        (1.10 * 70.0 - 128.0 * (70.0f64 / 175.0).powi(2)) / 70.0,
        1e-14,
    );
    let bsa = ok(&i, SuvType::Bsa);
    close(
        one(&bsa) / bw,
        0.007184 * 70f64.powf(0.425) * 175f64.powf(0.725) * 1e4 / 70_000.0,
        1e-14,
    );
    assert_eq!(bsa.result_units, "cm2/ml");
    // IBW 48 + 1.06·23 = 72.38 kg is capped at the actual 70 kg.
    assert_eq!(one(&ok(&i, SuvType::Ibw)), bw);
    let heavy = SuvOverrides {
        weight_kg: Some(90.0),
        ..Default::default()
    };
    let ibw = one(&ok_with(&i, SuvType::Ibw, &heavy));
    let bw90 = one(&ok_with(&i, SuvType::Bw, &heavy));
    close(ibw / bw90, (48.0 + 1.06 * 23.0) / 90.0, 1e-14);
}

#[test]
fn sex_and_height_refusals_do_not_block_suvbw() {
    let mut i = base();
    i.patient_sex = Some("O".into());
    for t in [SuvType::LbmJanmahasatian, SuvType::LbmJames, SuvType::Ibw] {
        assert!(
            matches!(refuse(&i, t), SuvRefusal::SexRequired { .. }),
            "{t:?}"
        );
    }
    ok(&i, SuvType::Bw);
    ok(&i, SuvType::Bsa);
    i.patient_sex = None;
    match refuse(&i, SuvType::LbmJames) {
        SuvRefusal::SexRequired { found, .. } => assert_eq!(found, "missing"),
        e => panic!("{e:?}"),
    }
    let mut j = base();
    j.patient_size_m = None;
    for t in [
        SuvType::LbmJanmahasatian,
        SuvType::LbmJames,
        SuvType::Bsa,
        SuvType::Ibw,
    ] {
        assert_eq!(refuse(&j, t), SuvRefusal::MissingHeight { suv_type: t });
    }
    ok(&j, SuvType::Bw);
    j.patient_size_m = Some(175.0); // centimetres in a metres field
    assert!(matches!(
        refuse(&j, SuvType::Bsa),
        SuvRefusal::ImplausibleHeight { .. }
    ));
}

#[test]
fn weight_refusals() {
    let mut i = base();
    i.patient_weight_kg = None;
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::MissingWeight);
    i.patient_weight_kg = Some(0.0);
    assert_eq!(refuse(&i, SuvType::Bw), SuvRefusal::MissingWeight);
    i.patient_weight_kg = Some(70_000.0); // grams
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::ImplausibleWeight { .. }
    ));
}

#[test]
fn james_out_of_range_refuses_and_warns_near_maximum() {
    let mut i = base();
    i.patient_weight_kg = Some(250.0);
    i.patient_size_m = Some(1.50);
    assert!(matches!(
        refuse(&i, SuvType::LbmJames),
        SuvRefusal::BodySizeOutOfRange { .. }
    ));
    i.patient_weight_kg = Some(140.0);
    let f = ok(&i, SuvType::LbmJames);
    assert!(f
        .provenance
        .has_warning(WarningCode::JamesFormulaBeyondMaximum));
}

#[test]
fn paediatric_warning_for_adult_formulas() {
    let mut i = base();
    i.patient_age = Some("010Y".into());
    i.patient_weight_kg = Some(32.0);
    i.patient_size_m = Some(1.38);
    assert!(!ok(&i, SuvType::Bw)
        .provenance
        .has_warning(WarningCode::PaediatricAdultFormula));
    for t in [
        SuvType::LbmJanmahasatian,
        SuvType::LbmJames,
        SuvType::Bsa,
        SuvType::Ibw,
    ] {
        assert!(
            ok(&i, t)
                .provenance
                .has_warning(WarningCode::PaediatricAdultFormula),
            "{t:?}"
        );
    }
    // From the birth date: 17 the day before the 18th birthday.
    i.patient_age = None;
    i.patient_birth_date = Some("20081129".into());
    assert!(ok(&i, SuvType::Bsa)
        .provenance
        .has_warning(WarningCode::PaediatricAdultFormula));
    i.patient_birth_date = Some("20081128".into());
    assert!(!ok(&i, SuvType::Bsa)
        .provenance
        .has_warning(WarningCode::PaediatricAdultFormula));
    i.patient_birth_date = None;
    assert!(ok(&i, SuvType::Bsa)
        .provenance
        .has_warning(WarningCode::AgeUnknown));
}

// ---------- overrides ----------

#[test]
fn overrides_change_the_factor_and_are_recorded() {
    let i = base();
    let b = one(&ok(&i, SuvType::Bw));
    let w = SuvOverrides {
        weight_kg: Some(84.0),
        ..Default::default()
    };
    let f = ok_with(&i, SuvType::Bw, &w);
    close(one(&f), b * 84.0 / 70.0, 1e-14);
    assert_eq!(
        f.provenance.input("patient_weight_kg").map(|x| &x.source),
        Some(&InputSource::Override)
    );
    assert!(f.provenance.has_warning(WarningCode::OverrideApplied));

    let d = SuvOverrides {
        dose_bq: Some(185e6),
        ..Default::default()
    };
    close(one(&ok_with(&i, SuvType::Bw, &d)), b * 2.0, 1e-14);

    let t = SuvOverrides {
        injection_date_time: DicomDateTime::parse_dt("20261128083000").ok(),
        ..Default::default()
    };
    let ft = ok_with(&i, SuvType::Bw, &t);
    assert_eq!(
        ft.provenance.branches.injection_time_source,
        InjectionTimeSource::Override
    );
    close(one(&ft), 70_000.0 / decayed(370e6, 5400.0, F18), 1e-14);

    let mut nosex = base();
    nosex.patient_sex = None;
    let s = SuvOverrides {
        sex: Some(Sex::Female),
        height_m: Some(1.60),
        ..Default::default()
    };
    let fs = ok_with(&nosex, SuvType::LbmJanmahasatian, &s);
    close(
        one(&fs) / b,
        lbm_janmahasatian_kg(70.0, 1.60, Sex::Female) / 70.0,
        1e-14,
    );
}

// ---------- series consistency and serialisation ----------

#[test]
fn inconsistent_series_refuses() {
    let mut i = base();
    i.series_conflicts.push(SeriesConflict {
        attribute: "RadionuclideTotalDose".into(),
        values: vec!["370000000".into(), "380000000".into()],
    });
    assert!(matches!(
        refuse(&i, SuvType::Bw),
        SuvRefusal::InconsistentSeries { .. }
    ));
}

#[test]
fn json_is_snake_case_and_refusals_carry_sentences() {
    let f = ok(&base(), SuvType::LbmJanmahasatian);
    let v = serde_json::to_value(&f).expect("serialise");
    assert_eq!(v["suv_type"], "lbm_janmahasatian");
    assert_eq!(v["values"]["kind"], "series");
    assert_eq!(
        v["provenance"]["branches"]["scan_time_rule"],
        "series_date_time"
    );
    assert_eq!(
        v["provenance"]["branches"]["decay_correction"],
        "decay_dose_to_scan_start"
    );
    assert_eq!(
        v["provenance"]["injection_date_time"],
        "2026-11-28T09:00:00.000000"
    );
    assert_eq!(v["provenance"]["inputs"][0]["source"]["kind"], "header");
    let r = refuse(&SuvInputs::default(), SuvType::Bw);
    let j = serde_json::to_value(&r).expect("serialise");
    assert_eq!(j["code"], "missing_units");
    assert!(j["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("SUV cannot be calculated")));
    // Overrides round-trip through JSON (the browser sends them).
    let o = SuvOverrides {
        injection_date_time: DicomDateTime::parse_dt("20261128083000+0100").ok(),
        ..Default::default()
    };
    let text = serde_json::to_string(&o).expect("serialise");
    let back: SuvOverrides = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back, o);
}

#[test]
fn every_refusal_is_a_sentence() {
    let samples = [
        SuvRefusal::MissingUnits,
        SuvRefusal::MissingWeight,
        SuvRefusal::NoInjectionTime,
        SuvRefusal::MissingDose,
        SuvRefusal::AmbiguousInjectionDay { hours: 26.0 },
        SuvRefusal::SexRequired {
            suv_type: SuvType::LbmJames,
            found: "'O'".into(),
        },
    ];
    for r in samples {
        let m = r.to_string();
        assert!(m.ends_with('.'), "{m}");
        assert!(!r.code().is_empty());
    }
}
