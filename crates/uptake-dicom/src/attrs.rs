//! Small, tolerant readers of attribute values from a dicom-rs object.
//!
//! DICOM text values carry padding (trailing spaces, NULs) and multi-valued strings are joined with
//! backslashes. These helpers return `None` for absent or empty values and never panic.

use dicom_core::{PrimitiveValue, Tag};
use dicom_object::InMemDicomObject;

/// The object type every reader here works on.
pub type Object = InMemDicomObject;

/// Trims DICOM padding from a text value.
pub fn trim_value(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

/// The value as one trimmed string (multiple values joined by `\`), `None` if absent or empty.
pub fn string(obj: &Object, tag: Tag) -> Option<String> {
    let elem = obj.get(tag)?;
    let text = match elem.value().primitive() {
        // Private or unknown attributes read as UN: their bytes are the text.
        Some(PrimitiveValue::U8(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        _ => elem.to_str().ok()?.into_owned(),
    };
    let trimmed = trim_value(&text);
    if trimmed.is_empty() {
        None
    } else {
        Some(trimmed.to_string())
    }
}

/// The values of a multi-valued text attribute, each trimmed; empty if absent.
pub fn strings(obj: &Object, tag: Tag) -> Vec<String> {
    match string(obj, tag) {
        Some(s) => s.split('\\').map(|v| trim_value(v).to_string()).collect(),
        None => Vec::new(),
    }
}

/// Parses a DS/IS-style decimal string, tolerating padding.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let t = trim_value(s);
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// All numeric values of an attribute (DS, IS, FD, FL, US, SS…); `None` if absent, empty or not numeric.
pub fn numbers(obj: &Object, tag: Tag) -> Option<Vec<f64>> {
    let elem = obj.get(tag)?;
    let is_bytes = matches!(elem.value().primitive(), Some(PrimitiveValue::U8(_)));
    if is_bytes {
        let text = string(obj, tag)?;
        let parsed: Option<Vec<f64>> = text.split('\\').map(parse_decimal).collect();
        return parsed.filter(|v| !v.is_empty());
    }
    if let Ok(values) = elem.value().to_multi_float64() {
        if !values.is_empty() && values.iter().all(|v| v.is_finite()) {
            return Some(values);
        }
    }
    let text = elem.to_str().ok()?;
    let parsed: Option<Vec<f64>> = text.split('\\').map(parse_decimal).collect();
    parsed.filter(|v| !v.is_empty())
}

/// The first numeric value of an attribute.
pub fn number(obj: &Object, tag: Tag) -> Option<f64> {
    numbers(obj, tag).and_then(|v| v.first().copied())
}

/// An unsigned 16-bit value (US), also accepted from text.
pub fn uint(obj: &Object, tag: Tag) -> Option<u32> {
    let elem = obj.get(tag)?;
    if let Ok(v) = elem.value().to_int::<u32>() {
        return Some(v);
    }
    number(obj, tag)
        .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v <= u32::MAX as f64)
        .map(|v| v as u32)
}

/// The items of a sequence attribute; empty if absent or not a sequence.
pub fn items(obj: &Object, tag: Tag) -> &[Object] {
    obj.get(tag).and_then(|e| e.items()).unwrap_or(&[])
}

/// The first item of a sequence attribute.
pub fn first_item(obj: &Object, tag: Tag) -> Option<&Object> {
    items(obj, tag).first()
}

/// Exactly `N` numbers, or `None`.
pub fn fixed<const N: usize>(obj: &Object, tag: Tag) -> Option<[f64; N]> {
    let v = numbers(obj, tag)?;
    v.try_into().ok()
}
