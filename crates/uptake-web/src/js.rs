//! Conversion of the Rust summaries to plain JavaScript objects (camelCase keys).

use crate::{DecodeSummary, StudySummary};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

fn opt_str(value: &Option<String>) -> JsValue {
    value.as_deref().map_or(JsValue::NULL, JsValue::from_str)
}

fn numbers<T: Copy + Into<f64>>(values: &[T]) -> Array {
    values
        .iter()
        .map(|&v| JsValue::from_f64(v.into()))
        .collect()
}

/// `{rows, columns, frames, transferSyntax, modality, min, max, checksum}`.
pub fn decode_summary(s: &DecodeSummary) -> JsValue {
    let o = Object::new();
    set(&o, "rows", s.rows);
    set(&o, "columns", s.columns);
    set(&o, "frames", s.frames as u32);
    set(&o, "transferSyntax", s.transfer_syntax.as_str());
    set(&o, "modality", s.modality.as_str());
    set(&o, "min", s.min);
    set(&o, "max", s.max);
    set(&o, "checksum", s.checksum);
    o.into()
}

/// `{series: [{seriesUid, modality, description, dims, spacing, problems}], pet, ct,
/// studyUid, studyDate, banner,
/// patient: {name, id, nhsNumber, nhsNumberValid, birthDate, sex}, errors}`.
pub fn study_summary(s: &StudySummary) -> JsValue {
    let series: Array = s
        .series
        .iter()
        .map(|p| {
            let o = Object::new();
            set(&o, "seriesUid", p.series_uid.as_str());
            set(&o, "modality", p.modality.as_str());
            set(&o, "description", opt_str(&p.description));
            let dims: Vec<f64> = p.dims.iter().map(|&d| d as f64).collect();
            set(&o, "dims", numbers(&dims));
            set(&o, "spacing", numbers(&p.spacing));
            set(&o, "problems", p.problems as u32);
            JsValue::from(o)
        })
        .collect();
    let patient = Object::new();
    set(&patient, "name", opt_str(&s.patient_name));
    set(&patient, "id", opt_str(&s.patient_id));
    set(&patient, "nhsNumber", opt_str(&s.nhs_number));
    set(
        &patient,
        "nhsNumberValid",
        s.nhs_number_valid.map_or(JsValue::NULL, JsValue::from_bool),
    );
    set(&patient, "birthDate", opt_str(&s.birth_date));
    set(&patient, "sex", opt_str(&s.sex));
    let errors: Array = s.errors.iter().map(|e| JsValue::from_str(e)).collect();
    let o = Object::new();
    set(&o, "series", series);
    set(&o, "pet", opt_str(&s.pet));
    set(&o, "ct", opt_str(&s.ct));
    set(&o, "patient", patient);
    set(&o, "studyUid", opt_str(&s.study_uid));
    set(&o, "studyDate", opt_str(&s.study_date));
    set(&o, "banner", s.banner.as_str());
    set(&o, "errors", errors);
    o.into()
}
