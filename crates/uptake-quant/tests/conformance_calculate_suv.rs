//! Conformance against the 33 cases copied from `@cornerstonejs/calculate-suv`
//! (`shared/reference/suv-cases-calculate-suv.json`).
//!
//! Tolerance: relative 1e-6 on every factor (the file states an absolute 1e-6, which is
//! 0.25 % of a typical SUVbw factor of 4e-4 — too loose for us). Body-size formulas: 1e-9.
//!
//! Deliberate exceptions, each asserted explicitly (see `shared/reference/README.md`):
//! 1. James LBM male coefficient 128, not calculate-suv's 120: `csuv_lbm_james_M_75kg_185cm`
//!    and the `suvlbm` value of `csuv_unit_bw_bsa_lbm_janma`. The expected value is computed
//!    here with 128 and asserted to differ from the file's.
//! 2. Doses in MBq: the synthetic cases record RadionuclideTotalDose = 100 "Bq", which is
//!    physically implausible; the engine reads it as 100 MBq and warns (README: "recognise
//!    it, convert it and warn; never use it blindly"). Dose-dependent expected factors of
//!    `csuv_unit_CNTS_ActivityConcentrationScaleFactor_only` and `csuv_unit_bw_bsa_lbm_janma`
//!    are therefore × 1e-6, with the warning asserted.
//! 3. DecayCorrection and midnight: no case in the file exercises them (every decaying
//!    case is START; every ADMIN case has zero uptake). Two derived cases below show where
//!    calculate-suv is wrong: `csuv_sample_SIEMENS` with DecayCorrection ADMIN (no decay),
//!    and `csuv_sample_RADIOPHARM_DATETIME_UNDEFINED` moved to an injection before midnight.
//! 4. `csuv_scan_err_unparseable_acq`: AcquisitionDate 30001127 is refused because year 3000
//!    is implausible (calculate-suv: "could not be parsed").

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uptake_quant::suv::dicom_time::DicomDateTime;
use uptake_quant::suv::formulas::{lbm_james_kg, JAMES_MALE_COEFFICIENT};
use uptake_quant::suv::{
    compute_suv_factor, merge_series_values, DecayHandling, InjectionTimeSource, Sex, SliceInputs,
    SuvFactor, SuvInputs, SuvOverrides, SuvRefusal, SuvType, WarningCode,
};

const REL_TOL: f64 = 1e-6;
const FORMULA_TOL: f64 = 1e-9;

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/suv-cases-calculate-suv.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON")
}

fn s(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(x) => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn f(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(x) => x.trim().parse().ok(),
        _ => None,
    }
}

/// Maps one case (inputs + instances, as calculate-suv receives them) to `SuvInputs`.
fn map_case(inputs: &Map<String, Value>, instances: &[Map<String, Value>]) -> SuvInputs {
    let inst: Vec<&Map<String, Value>> = if instances.is_empty() {
        vec![inputs]
    } else {
        instances.iter().collect()
    };
    let mut conflicts = Vec::new();
    macro_rules! series_s {
        ($k:expr) => {
            merge_series_values($k, inst.iter().map(|i| s(i.get($k))), &mut conflicts)
        };
    }
    macro_rules! series_f {
        ($k:expr) => {
            merge_series_values(
                $k,
                inst.iter().map(|i| f(i.get($k)).map(f64::to_bits)),
                &mut conflicts,
            )
            .map(f64::from_bits)
        };
    }
    let corrected = merge_series_values(
        "CorrectedImage",
        inst.iter().map(|i| {
            i.get("CorrectedImage").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect::<Vec<_>>()
            })
        }),
        &mut conflicts,
    );
    let slices = inst
        .iter()
        .map(|i| {
            let p = i.get("PhilipsPETPrivateGroup").and_then(Value::as_object);
            SliceInputs {
                acquisition_date: s(i.get("AcquisitionDate")),
                acquisition_time: s(i.get("AcquisitionTime")),
                acquisition_date_time: None,
                frame_reference_time_ms: f(i.get("FrameReferenceTime")),
                actual_frame_duration_ms: f(i.get("ActualFrameDuration")),
                philips_suv_scale_factor: p.and_then(|p| s(p.get("SUVScaleFactor"))),
                philips_activity_concentration_scale_factor: p
                    .and_then(|p| s(p.get("ActivityConcentrationScaleFactor"))),
            }
        })
        .collect();
    SuvInputs {
        manufacturer: series_s!("Manufacturer"),
        units: series_s!("Units"),
        decay_correction: series_s!("DecayCorrection"),
        corrected_image: corrected,
        series_date: series_s!("SeriesDate"),
        series_time: series_s!("SeriesTime"),
        study_date: None,
        timezone_offset_from_utc: None,
        radiopharmaceutical_start_date_time: series_s!("RadiopharmaceuticalStartDateTime"),
        radiopharmaceutical_start_time: series_s!("RadiopharmaceuticalStartTime"),
        radionuclide_total_dose: series_f!("RadionuclideTotalDose"),
        radionuclide_half_life: series_f!("RadionuclideHalfLife"),
        radionuclide_code: None,
        radionuclide_name: None,
        patient_weight_kg: series_f!("PatientWeight"),
        patient_size_m: series_f!("PatientSize"),
        patient_sex: series_s!("PatientSex"),
        patient_age: None,
        patient_birth_date: None,
        ge_private_scan_date_time: series_s!("GEPrivatePostInjectionDateTime"),
        slices,
        series_conflicts: conflicts,
    }
}

/// Fills attributes a partial case (formula, scan-time or start-time case) does not give,
/// so that the whole engine runs; the case's own values always win.
fn complete(case_inputs: &Map<String, Value>, with_start_dt: bool) -> Map<String, Value> {
    let date = s(case_inputs.get("SeriesDate")).unwrap_or_else(|| "20201127".into());
    let mut t: Map<String, Value> = serde_json::from_value(serde_json::json!({
        "Units": "BQML",
        "DecayCorrection": "START",
        "CorrectedImage": ["ATTN", "DECY"],
        "RadionuclideTotalDose": 3.7e8,
        "RadionuclideHalfLife": 6586.2,
        "PatientWeight": 70,
        "SeriesDate": date,
        "SeriesTime": "100000",
        "AcquisitionDate": date,
        "AcquisitionTime": "100000",
    }))
    .expect("template");
    if with_start_dt {
        t.insert(
            "RadiopharmaceuticalStartDateTime".into(),
            Value::String(format!("{date}060000")),
        );
    }
    let mut out = case_inputs.clone();
    for (k, v) in t {
        out.entry(k).or_insert(v);
    }
    out
}

fn complete_instances(
    c: &Value,
    with_start_dt: bool,
) -> (Map<String, Value>, Vec<Map<String, Value>>) {
    let inputs = complete(obj(&c["inputs"]), with_start_dt);
    let instances = c
        .get("instances")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|i| complete(obj(i), with_start_dt)).collect())
        .unwrap_or_default();
    (inputs, instances)
}

fn obj(v: &Value) -> &Map<String, Value> {
    v.as_object().expect("object")
}

fn instances_of(c: &Value) -> Vec<Map<String, Value>> {
    c.get("instances")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|i| obj(i).clone()).collect())
        .unwrap_or_default()
}

fn assert_rel(id: &str, what: &str, got: f64, want: f64, tol: f64) {
    let rel = ((got - want) / want).abs();
    assert!(
        rel <= tol,
        "{id}: {what} = {got:e}, expected {want:e} (relative error {rel:e} > {tol:e})"
    );
}

fn series(id: &str, r: &Result<SuvFactor, SuvRefusal>) -> f64 {
    match r {
        Ok(f) => f
            .series_factor()
            .unwrap_or_else(|| panic!("{id}: expected one series factor, got {:?}", f.values)),
        Err(e) => panic!("{id}: refused: {e}"),
    }
}

fn dt(iso_or_dt: &str) -> DicomDateTime {
    let compact: String = iso_or_dt
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | 'T' | 'Z'))
        .collect();
    DicomDateTime::parse_dt(&compact).expect("expected date-time parses")
}

fn none() -> SuvOverrides {
    SuvOverrides::default()
}

fn check_real_header(c: &Value, id: &str) {
    let inputs = map_case(obj(&c["inputs"]), &instances_of(c));
    let want = c["expected"]["suvbw_factor"]
        .as_f64()
        .expect("suvbw_factor");
    let r = compute_suv_factor(&inputs, SuvType::Bw, &none());
    assert_rel(id, "SUVbw factor", series(id, &r), want, REL_TOL);
}

fn check_synthetic(c: &Value, id: &str) {
    let inputs = map_case(obj(&c["inputs"]), &instances_of(c));
    let want = &c["expected"]["result"][0];
    let dose_dependent = !matches!(id, "csuv_unit_GML" | "csuv_unit_CNTS_with_SUVScaleFactor");
    // Exception 2: 100 "Bq" is read as 100 MBq.
    let mbq = if dose_dependent { 1e-6 } else { 1.0 };
    let bw = compute_suv_factor(&inputs, SuvType::Bw, &none());
    let got = series(id, &bw);
    assert_rel(
        id,
        "suvbw",
        got,
        want["suvbw"].as_f64().expect("suvbw") * mbq,
        REL_TOL,
    );
    if let Ok(fac) = &bw {
        assert_eq!(
            fac.provenance.has_warning(WarningCode::DoseInMegabecquerel),
            dose_dependent,
            "{id}: MBq warning"
        );
    }
    if let Some(bsa) = want.get("suvbsa").and_then(Value::as_f64) {
        let r = compute_suv_factor(&inputs, SuvType::Bsa, &none());
        assert_rel(id, "suvbsa", series(id, &r), bsa * mbq, REL_TOL);
    }
    if let Some(janma) = want.get("suvlbmJanma").and_then(Value::as_f64) {
        let r = compute_suv_factor(&inputs, SuvType::LbmJanmahasatian, &none());
        assert_rel(id, "suvlbmJanma", series(id, &r), janma * mbq, REL_TOL);
    }
    if let Some(james120) = want.get("suvlbm").and_then(Value::as_f64) {
        // Exception 1: James 128. 75 kg, 1.85 m, male; dose 100 MBq, no decay (ADMIN).
        let james128 = 1.10 * 75.0 - JAMES_MALE_COEFFICIENT * (75.0f64 / 185.0).powi(2);
        let want128 = james128 * 1000.0 / 100e6;
        let r = compute_suv_factor(&inputs, SuvType::LbmJames, &none());
        let got = series(id, &r);
        assert_rel(id, "suvlbm (James 128)", got, want128, REL_TOL);
        let file = james120 * mbq;
        assert!(
            ((got - file) / file).abs() > 0.02,
            "{id}: James 128 must differ from calculate-suv's 120 value ({got:e} vs {file:e})"
        );
    }
}

fn check_body_size(c: &Value, id: &str) {
    let mut base = complete(obj(&c["inputs"]), true);
    base.insert("DecayCorrection".into(), "ADMIN".into());
    base.insert("RadionuclideTotalDose".into(), 1e9.into());
    let inputs = map_case(&base, &[]);
    let dose = 1e9;
    let exp = &c["expected"];
    let sex = s(c["inputs"].get("PatientSex"));
    if let Some(err) = exp.get("error") {
        assert!(err.as_str().is_some_and(|e| e.contains("PatientSex")));
        for t in [SuvType::LbmJanmahasatian, SuvType::LbmJames, SuvType::Ibw] {
            let r = compute_suv_factor(&inputs, t, &none());
            assert!(
                matches!(r, Err(SuvRefusal::SexRequired { ref found, .. }) if found == "'T'"),
                "{id}: {t:?} must refuse for sex T, got {r:?}"
            );
        }
        // Unlike calculate-suv, SUVbw and SUVbsa still work.
        series(id, &compute_suv_factor(&inputs, SuvType::Bw, &none()));
        series(id, &compute_suv_factor(&inputs, SuvType::Bsa, &none()));
        return;
    }
    if let Some(bsa) = exp.get("bsa_cm2").and_then(Value::as_f64) {
        let r = compute_suv_factor(&inputs, SuvType::Bsa, &none());
        assert_rel(id, "BSA cm2", series(id, &r) * dose, bsa, FORMULA_TOL);
        return;
    }
    let lbm_g = exp["lbm_g"].as_f64().expect("lbm_g");
    if id.starts_with("csuv_lbm_janma") {
        let r = compute_suv_factor(&inputs, SuvType::LbmJanmahasatian, &none());
        assert_rel(
            id,
            "Janmahasatian LBM g",
            series(id, &r) * dose,
            lbm_g,
            FORMULA_TOL,
        );
    } else if id.starts_with("csuv_lbm_james") {
        let r = compute_suv_factor(&inputs, SuvType::LbmJames, &none());
        let got = series(id, &r) * dose;
        let s = if sex.as_deref() == Some("M") {
            Sex::Male
        } else {
            Sex::Female
        };
        let want = lbm_james_kg(75.0, 1.85, s) * 1000.0;
        assert_rel(id, "James LBM g (own formula)", got, want, FORMULA_TOL);
        if s == Sex::Male {
            // Exception 1: 128 differs from the file's 120 by about 2 %.
            let by_hand = (1.10 * 75.0 - 128.0 * (75.0f64 / 185.0).powi(2)) * 1000.0;
            assert_rel(id, "James 128 by hand", got, by_hand, FORMULA_TOL);
            assert!(
                ((got - lbm_g) / lbm_g).abs() > 0.015,
                "{id}: must differ from 120"
            );
        } else {
            assert_rel(
                id,
                "James LBM g (female, same as file)",
                got,
                lbm_g,
                FORMULA_TOL,
            );
        }
    } else {
        panic!("{id}: unknown body-size case");
    }
}

fn check_scan_time(c: &Value, id: &str) {
    let (inputs, instances) = complete_instances(c, true);
    let suv = map_case(&inputs, &instances);
    let want = dt(c["expected"]["scan_datetime_all_instances"]
        .as_str()
        .expect("expected"));
    let r = compute_suv_factor(&suv, SuvType::Bw, &none());
    let got = match &r {
        Ok(f) => f.provenance.scan_date_time,
        Err(e) => panic!("{id}: refused: {e}"),
    };
    assert_eq!(got, Some(want), "{id}: scan date-time");
}

fn check_start_time(c: &Value, id: &str) {
    let (inputs, instances) = complete_instances(c, false);
    let suv = map_case(&inputs, &instances);
    let want = dt(c["expected"]["start_datetime_iso"]
        .as_str()
        .expect("expected"));
    let r = compute_suv_factor(&suv, SuvType::Bw, &none());
    match &r {
        Ok(f) => assert_eq!(f.provenance.injection_date_time, Some(want), "{id}"),
        Err(e) => panic!("{id}: refused: {e}"),
    }
}

fn check_error(c: &Value, id: &str) {
    // Scan-time and start-time error cases give only the attributes they test.
    let partial = c["inputs"].get("Units").is_none();
    let suv = if partial {
        let (inputs, instances) = complete_instances(c, id != "csuv_start_err_no_start_time");
        map_case(&inputs, &instances)
    } else {
        map_case(obj(&c["inputs"]), &instances_of(c))
    };
    let r = compute_suv_factor(&suv, SuvType::Bw, &none());
    let ok = match (id, &r) {
        ("csuv_err_CorrectedImage_missing_ATTN_DECY", Err(SuvRefusal::NotCorrected { .. })) => true,
        ("csuv_err_invalid_Units", Err(SuvRefusal::UnsupportedUnits { units })) => units == "Blah",
        ("csuv_err_negative_decay_time", Err(SuvRefusal::NegativeDecayTime { seconds, .. })) => {
            *seconds == -7200.0
        }
        ("csuv_err_PatientWeight_zero", Err(SuvRefusal::MissingWeight)) => true,
        (
            "csuv_err_CNTS_invalid_philips_group",
            Err(SuvRefusal::CntsWithoutPhilipsFactors { .. }),
        ) => true,
        (
            "csuv_err_series_level_mismatch",
            Err(SuvRefusal::InconsistentSeries { attribute, .. }),
        ) => attribute == "RadionuclideHalfLife",
        // Exception 4: year 3000 is refused as implausible.
        (
            "csuv_scan_err_unparseable_acq",
            Err(SuvRefusal::UnreadableDateTime { attribute, .. }),
        ) => attribute.starts_with("AcquisitionDate"),
        ("csuv_start_err_no_start_time", Err(SuvRefusal::NoInjectionTime)) => true,
        _ => false,
    };
    assert!(ok, "{id}: wrong outcome {r:?}");
    if let Err(e) = &r {
        // Every refusal is a sentence.
        let msg = e.to_string();
        assert!(
            msg.ends_with('.') && msg.len() > 30,
            "{id}: message {msg:?}"
        );
    }
}

#[test]
fn all_calculate_suv_cases() {
    let doc = load();
    let cases = doc["cases"].as_array().expect("cases");
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for c in cases {
        let id = c["id"].as_str().expect("id");
        let kind = c["kind"].as_str().expect("kind");
        match kind {
            "suv_scale_factors_real_header" => check_real_header(c, id),
            "suv_scale_factors_synthetic" => check_synthetic(c, id),
            "error_case" => check_error(c, id),
            "body_size_formula" => check_body_size(c, id),
            "scan_time_selection" => check_scan_time(c, id),
            "start_time_selection" => check_start_time(c, id),
            other => panic!("{id}: unknown kind {other}"),
        }
        *by_kind.entry(kind.to_string()).or_default() += 1;
    }
    let total: usize = by_kind.values().sum();
    assert_eq!(total, 33, "every case visited: {by_kind:?}");
    let expect = [
        ("body_size_formula", 6),
        ("error_case", 8),
        ("scan_time_selection", 5),
        ("start_time_selection", 2),
        ("suv_scale_factors_real_header", 8),
        ("suv_scale_factors_synthetic", 4),
    ];
    for (k, n) in expect {
        assert_eq!(by_kind.get(k).copied(), Some(n), "{k}");
    }
}

fn case<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["cases"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("case {id}"))
}

/// Exception 3a: `csuv_sample_SIEMENS` with DecayCorrection ADMIN. The images are
/// decay-corrected to the injection, so the dose is not decayed: factor = W·1000/D.
/// calculate-suv ignores DecayCorrection and returns the START value, 2^(t/T½) = 2.38 times
/// higher after 2 h 18 min of uptake.
#[test]
fn derived_siemens_admin_is_not_decayed() {
    let doc = load();
    let c = case(&doc, "csuv_sample_SIEMENS");
    let mut inst = instances_of(c);
    for i in &mut inst {
        i.insert("DecayCorrection".into(), "ADMIN".into());
    }
    let inputs = map_case(obj(&c["inputs"]), &inst);
    let r = compute_suv_factor(&inputs, SuvType::Bw, &none());
    let got = series("SIEMENS/ADMIN", &r);
    assert_rel("SIEMENS/ADMIN", "factor", got, 67_000.0 / 374e6, 1e-12);
    let file = c["expected"]["suvbw_factor"].as_f64().unwrap_or(f64::NAN);
    assert!(
        file / got > 2.3,
        "calculate-suv's START value differs: {file} vs {got}"
    );
    if let Ok(f) = r {
        assert_eq!(
            f.provenance.branches.decay_correction,
            DecayHandling::NoDecayAdmin
        );
        assert_eq!(f.provenance.decay_factor, Some(1.0));
    }
}

/// Exception 3b: `csuv_sample_RADIOPHARM_DATETIME_UNDEFINED` (StartTime only) moved so that
/// the injection is at 23:30 and the series starts at 00:35:31.843 the next day.
/// calculate-suv throws "Decay time cannot be less than zero"; the injection was the
/// evening before.
#[test]
fn derived_midnight_roll_back() {
    let doc = load();
    let c = case(&doc, "csuv_sample_RADIOPHARM_DATETIME_UNDEFINED");
    let mut inst = instances_of(c);
    for i in &mut inst {
        i.insert("SeriesDate".into(), "20201218".into());
        i.insert("SeriesTime".into(), "003531.843000".into());
        i.insert("AcquisitionDate".into(), "20201218".into());
        i.insert("AcquisitionTime".into(), "005655.687000".into());
        i.insert(
            "RadiopharmaceuticalStartTime".into(),
            "233000.000000".into(),
        );
    }
    let inputs = map_case(obj(&c["inputs"]), &inst);
    let r = compute_suv_factor(&inputs, SuvType::Bw, &none());
    let got = series("midnight", &r);
    // 23:30:00 on the 17th -> 00:35:31.843 on the 18th (SeriesTime before the acquisition).
    let t = 3931.843;
    let want = 102_000.0 / (412e6 * (-(std::f64::consts::LN_2) * t / 6586.2).exp());
    assert_rel("midnight", "factor", got, want, 1e-12);
    if let Ok(f) = r {
        assert_eq!(
            f.provenance.branches.injection_time_source,
            InjectionTimeSource::StartTimeRolledBackOneDay
        );
        assert!(f
            .provenance
            .has_warning(WarningCode::InjectionBeforeMidnight));
        assert_eq!(f.provenance.injection_date_time, Some(dt("20201217233000")));
    }
}
