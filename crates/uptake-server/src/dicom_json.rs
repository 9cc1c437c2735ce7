//! A DICOM JSON (PS3.18 Annex F) encoder for dicom-rs in-memory objects, used by the embedded
//! DICOMweb server for QIDO-RS results and WADO-RS metadata.

use base64::Engine;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_object::InMemDicomObject;
use serde_json::{json, Map, Value as Json};

/// Maximum nesting of sequences encoded (deeper items are left out).
const MAX_DEPTH: usize = 32;

/// Formats a tag as a DICOM JSON key.
pub fn key(tag: Tag) -> String {
    format!("{:04X}{:04X}", tag.group(), tag.element())
}

fn person_name(s: &str) -> Json {
    let mut groups = s.splitn(3, '=');
    let mut o = Map::new();
    for name in ["Alphabetic", "Ideographic", "Phonetic"] {
        if let Some(g) = groups.next() {
            let g = g.trim_end_matches([' ', '\0']);
            if !g.is_empty() {
                o.insert(name.into(), Json::String(g.to_string()));
            }
        }
    }
    Json::Object(o)
}

fn strings(p: &PrimitiveValue) -> Vec<String> {
    p.to_multi_str()
        .iter()
        .map(|s| s.trim_end_matches([' ', '\0']).trim_start().to_string())
        .collect()
}

fn number(x: f64) -> Json {
    serde_json::Number::from_f64(x)
        .map(Json::Number)
        .unwrap_or(Json::Null)
}

/// The JSON `Value` array (or InlineBinary) of a primitive value; `None` when empty.
fn primitive(vr: VR, p: &PrimitiveValue) -> Option<(&'static str, Json)> {
    if p.multiplicity() == 0 || matches!(p, PrimitiveValue::Empty) {
        return None;
    }
    let values: Vec<Json> = match vr {
        VR::OB | VR::OW | VR::OF | VR::OD | VR::OL | VR::OV | VR::UN => {
            let bytes = p.to_bytes();
            let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            return Some(("InlineBinary", Json::String(b64)));
        }
        VR::PN => strings(p).iter().map(|s| person_name(s)).collect(),
        VR::FL | VR::FD => p.to_multi_float64().ok()?.into_iter().map(number).collect(),
        VR::SS | VR::US | VR::SL | VR::UL | VR::SV => p
            .to_multi_int::<i64>()
            .ok()?
            .into_iter()
            .map(|x| json!(x))
            .collect(),
        VR::UV => p
            .to_multi_int::<u64>()
            .ok()?
            .into_iter()
            .map(|x| json!(x))
            .collect(),
        VR::IS => strings(p)
            .iter()
            .map(|s| s.parse::<i64>().map(|x| json!(x)).unwrap_or(Json::Null))
            .collect(),
        VR::DS => strings(p)
            .iter()
            .map(|s| s.parse::<f64>().map(number).unwrap_or(Json::Null))
            .collect(),
        VR::AT => match p {
            PrimitiveValue::Tags(t) => t.iter().map(|t| Json::String(key(*t))).collect(),
            _ => return None,
        },
        _ => strings(p)
            .into_iter()
            .map(|s| {
                if s.is_empty() {
                    Json::Null
                } else {
                    Json::String(s)
                }
            })
            .collect(),
    };
    Some(("Value", Json::Array(values)))
}

/// Encodes the attributes of `obj` for which `keep(tag)` holds. Pixel data (and any
/// encapsulated value) is given as `BulkDataURI` from `bulk_uri(tag)`, or left out when that
/// returns `None`.
pub fn encode(
    obj: &InMemDicomObject,
    keep: &dyn Fn(Tag) -> bool,
    bulk_uri: &dyn Fn(Tag) -> Option<String>,
) -> Map<String, Json> {
    encode_depth(obj, keep, bulk_uri, 0)
}

fn encode_depth(
    obj: &InMemDicomObject,
    keep: &dyn Fn(Tag) -> bool,
    bulk_uri: &dyn Fn(Tag) -> Option<String>,
    depth: usize,
) -> Map<String, Json> {
    let mut out = Map::new();
    for elem in obj {
        let tag = elem.header().tag;
        if depth == 0 && !keep(tag) {
            continue;
        }
        // Group lengths are not part of the JSON model.
        if tag.element() == 0 {
            continue;
        }
        let vr = elem.vr();
        let mut attr = Map::new();
        attr.insert("vr".into(), Json::String(vr.to_string().to_string()));
        let is_pixel = tag == dicom_dictionary_std::tags::PIXEL_DATA;
        match elem.value() {
            Value::Sequence(seq) => {
                if depth < MAX_DEPTH {
                    let items: Vec<Json> = seq
                        .items()
                        .iter()
                        .map(|i| Json::Object(encode_depth(i, keep, bulk_uri, depth + 1)))
                        .collect();
                    attr.insert("Value".into(), Json::Array(items));
                }
            }
            Value::PixelSequence(_) => match bulk_uri(tag) {
                Some(u) => {
                    attr.insert("BulkDataURI".into(), Json::String(u));
                }
                None => continue,
            },
            Value::Primitive(_) if is_pixel => match bulk_uri(tag) {
                Some(u) => {
                    attr.insert("BulkDataURI".into(), Json::String(u));
                }
                None => continue,
            },
            Value::Primitive(p) => {
                if let Some((k, v)) = primitive(vr, p) {
                    attr.insert(k.into(), v);
                }
            }
        }
        out.insert(key(tag), Json::Object(attr));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{dicom_value, DataElement};
    use dicom_dictionary_std::tags;
    use uptake_dicomweb::json::parse_datasets;

    #[test]
    fn round_trips_through_the_client_model() {
        let mut o = InMemDicomObject::new_empty();
        o.put(DataElement::new(
            tags::PATIENT_NAME,
            VR::PN,
            "DOE^JANE=ドウ^ジェーン ",
        ));
        o.put(DataElement::new(tags::SLICE_THICKNESS, VR::DS, "3.27 "));
        o.put(DataElement::new(tags::INSTANCE_NUMBER, VR::IS, "12"));
        o.put(DataElement::new(
            tags::ROWS,
            VR::US,
            dicom_value!(U16, [128]),
        ));
        o.put(DataElement::new(
            tags::IMAGE_TYPE,
            VR::CS,
            dicom_value!(Strs, ["ORIGINAL", "PRIMARY"]),
        ));
        o.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            dicom_value!(U8, [1, 2, 3, 4]),
        ));
        o.put(DataElement::new(
            Tag(0x0009, 0x1010),
            VR::OB,
            dicom_value!(U8, [0, 1, 2, 255]),
        ));
        let json = encode(&o, &|_| true, &|_| Some("/bulk/7FE00010".into()));
        let text = serde_json::to_vec(&vec![Json::Object(json)]).unwrap();
        let ds = &parse_datasets(&text).unwrap()[0];
        let pn = ds.person_name(0x0010_0010).unwrap();
        assert_eq!(pn.alphabetic.as_deref(), Some("DOE^JANE"));
        assert_eq!(pn.ideographic.as_deref(), Some("ドウ^ジェーン"));
        assert_eq!(ds.number(0x0018_0050), Some(3.27));
        assert_eq!(ds.number(0x0020_0013), Some(12.0));
        assert_eq!(ds.uint(0x0028_0010), Some(128));
        assert_eq!(ds.strings(0x0008_0008), vec!["ORIGINAL", "PRIMARY"]);
        assert_eq!(ds.bulk_data_uri(0x7FE0_0010), Some("/bulk/7FE00010"));
        assert_eq!(ds.inline_binary(0x0009_1010), Some(&[0u8, 1, 2, 255][..]));
    }
}
