//! The DICOM JSON model (PS3.18 Annex F) parsed into typed values, and the study, series and
//! instance summaries read from QIDO-RS answers.

use crate::error::JsonError;
use crate::tags;
use base64::Engine;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Deepest sequence nesting accepted (guards the recursion against hostile input).
pub const MAX_DEPTH: usize = 32;

/// A person name with its three component groups (PS3.18 F.2.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonName {
    /// Alphabetic representation, e.g. `DOE^JANE`.
    pub alphabetic: Option<String>,
    /// Ideographic representation.
    pub ideographic: Option<String>,
    /// Phonetic representation.
    pub phonetic: Option<String>,
}

impl PersonName {
    /// The alphabetic group, else the ideographic, else the phonetic one.
    pub fn display(&self) -> Option<&str> {
        self.alphabetic
            .as_deref()
            .or(self.ideographic.as_deref())
            .or(self.phonetic.as_deref())
    }
}

/// The value of one attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Present without value (`{"vr":"LO"}`).
    Empty,
    /// String values (text, dates, times, UIDs, codes); `None` for a JSON `null` entry.
    Strings(Vec<Option<String>>),
    /// Numeric values (DS and IS given as JSON numbers or as strings, binary numbers, AT as
    /// its 32-bit value); `None` for a JSON `null` entry.
    Numbers(Vec<Option<f64>>),
    /// Person names.
    PersonNames(Vec<PersonName>),
    /// Sequence items.
    Items(Vec<Dataset>),
    /// The value is retrievable from this URI.
    BulkDataUri(String),
    /// The value, decoded from base64.
    InlineBinary(Vec<u8>),
}

/// One attribute: its VR and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Value representation, two upper-case letters.
    pub vr: String,
    /// The value.
    pub value: Value,
}

/// A data set: attributes keyed by tag (`0xGGGGEEEE`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The attributes.
    pub attributes: BTreeMap<u32, Attribute>,
}

/// A DICOM date (DA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DicomDate {
    /// Year.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
}

/// A DICOM time (TM); missing components are zero.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct DicomTime {
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Seconds including the fraction, 0 ≤ s < 61.
    pub second: f64,
}

/// A DICOM date-time (DT); the UTC offset in minutes when given.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct DicomDateTime {
    /// The date.
    pub date: DicomDate,
    /// The time (zero when only a date is given).
    pub time: DicomTime,
    /// Offset from UTC in minutes.
    pub utc_offset_minutes: Option<i16>,
}

fn digits(s: &str, range: std::ops::Range<usize>) -> Option<u32> {
    let part = s.get(range)?;
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

/// Parses a DA value `YYYYMMDD` (also the old `YYYY.MM.DD` form).
pub fn parse_date(s: &str) -> Option<DicomDate> {
    let s: String = s.trim().chars().filter(|c| *c != '.').collect();
    if s.len() != 8 {
        return None;
    }
    let (year, month, day) = (digits(&s, 0..4)?, digits(&s, 4..6)?, digits(&s, 6..8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(DicomDate {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    })
}

/// Parses a TM value `HH[MM[SS[.FFFFFF]]]` (also the old `HH:MM:SS` form).
pub fn parse_time(s: &str) -> Option<DicomTime> {
    let s: String = s.trim().chars().filter(|c| *c != ':').collect();
    let (main, frac) = match s.find('.') {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s.as_str(), None),
    };
    if main.len() < 2 || main.len() % 2 != 0 || main.len() > 6 {
        return None;
    }
    let hour = digits(main, 0..2)?;
    let minute = if main.len() >= 4 {
        digits(main, 2..4)?
    } else {
        0
    };
    let whole = if main.len() >= 6 {
        digits(main, 4..6)?
    } else {
        0
    };
    let fraction = match frac {
        Some(f) if f.len() > 1 => f.parse::<f64>().ok()?,
        _ => 0.0,
    };
    if hour > 23 || minute > 59 || whole > 60 {
        return None;
    }
    Some(DicomTime {
        hour: hour as u8,
        minute: minute as u8,
        second: whole as f64 + fraction,
    })
}

/// Parses a DT value `YYYYMMDD[HHMMSS[.F]][±HHMM]`.
pub fn parse_datetime(s: &str) -> Option<DicomDateTime> {
    let s = s.trim();
    let (body, offset) = match s.rfind(['+', '-']) {
        Some(i) if i >= 8 => {
            let o = &s[i + 1..];
            let sign = if s.as_bytes()[i] == b'-' { -1 } else { 1 };
            let h = digits(o, 0..2)? as i16;
            let m = digits(o, 2..4)? as i16;
            (&s[..i], Some(sign * (h * 60 + m)))
        }
        _ => (s, None),
    };
    let date = parse_date(body.get(0..8)?)?;
    let time = if body.len() > 8 {
        parse_time(&body[8..])?
    } else {
        DicomTime {
            hour: 0,
            minute: 0,
            second: 0.0,
        }
    };
    Some(DicomDateTime {
        date,
        time,
        utc_offset_minutes: offset,
    })
}

fn is_numeric_vr(vr: &str) -> bool {
    matches!(
        vr,
        "DS" | "IS" | "FL" | "FD" | "SL" | "SS" | "UL" | "US" | "SV" | "UV" | "AT"
    )
}

fn bad(tag: u32, reason: impl Into<String>) -> JsonError {
    JsonError::BadValue {
        tag: tags::key(tag),
        reason: reason.into(),
    }
}

fn parse_number(tag: u32, vr: &str, v: &Json) -> Result<Option<f64>, JsonError> {
    match v {
        Json::Null => Ok(None),
        Json::Number(n) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| bad(tag, "number out of range")),
        Json::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if vr == "AT" {
                return u32::from_str_radix(t, 16)
                    .map(|x| Some(x as f64))
                    .map_err(|_| bad(tag, "AT value is not 8 hex digits"));
            }
            t.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| bad(tag, format!("{vr} value {t:?} is not a number")))
        }
        _ => Err(bad(tag, "expected a number or a string")),
    }
}

fn parse_person_name(tag: u32, v: &Json) -> Result<PersonName, JsonError> {
    let text = |o: &serde_json::Map<String, Json>, k: &str| -> Result<Option<String>, JsonError> {
        match o.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(tag, format!("PN component {k} is not a string"))),
        }
    };
    match v {
        Json::Null => Ok(PersonName::default()),
        // Tolerated: some servers write PN values as plain strings.
        Json::String(s) => Ok(PersonName {
            alphabetic: Some(s.clone()),
            ..Default::default()
        }),
        Json::Object(o) => Ok(PersonName {
            alphabetic: text(o, "Alphabetic")?,
            ideographic: text(o, "Ideographic")?,
            phonetic: text(o, "Phonetic")?,
        }),
        _ => Err(bad(tag, "PN value is not an object")),
    }
}

fn parse_attribute(tag: u32, v: &Json, depth: usize) -> Result<Attribute, JsonError> {
    let obj = v.as_object().ok_or_else(|| bad(tag, "not an object"))?;
    let vr = match obj.get("vr") {
        Some(Json::String(s)) if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) => {
            s.clone()
        }
        _ => return Err(JsonError::BadVr(tags::key(tag))),
    };
    let value = if let Some(uri) = obj.get("BulkDataURI") {
        Value::BulkDataUri(
            uri.as_str()
                .ok_or_else(|| bad(tag, "BulkDataURI is not a string"))?
                .to_string(),
        )
    } else if let Some(b64) = obj.get("InlineBinary") {
        let s = b64
            .as_str()
            .ok_or_else(|| bad(tag, "InlineBinary is not a string"))?;
        let clean: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        Value::InlineBinary(
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|e| bad(tag, format!("InlineBinary: {e}")))?,
        )
    } else if let Some(values) = obj.get("Value") {
        let arr = values
            .as_array()
            .ok_or_else(|| bad(tag, "Value is not an array"))?;
        if vr == "SQ" {
            if depth >= MAX_DEPTH {
                return Err(JsonError::TooDeep(MAX_DEPTH));
            }
            Value::Items(
                arr.iter()
                    .map(|item| parse_dataset(item, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        } else if vr == "PN" {
            Value::PersonNames(
                arr.iter()
                    .map(|x| parse_person_name(tag, x))
                    .collect::<Result<_, _>>()?,
            )
        } else if is_numeric_vr(&vr) {
            Value::Numbers(
                arr.iter()
                    .map(|x| parse_number(tag, &vr, x))
                    .collect::<Result<_, _>>()?,
            )
        } else {
            Value::Strings(
                arr.iter()
                    .map(|x| match x {
                        Json::Null => Ok(None),
                        Json::String(s) => Ok(Some(s.clone())),
                        // Tolerated: numbers in string VRs.
                        Json::Number(n) => Ok(Some(n.to_string())),
                        _ => Err(bad(tag, "expected a string")),
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
    } else {
        Value::Empty
    };
    Ok(Attribute { vr, value })
}

fn parse_tag(key: &str) -> Result<u32, JsonError> {
    if key.len() == 8 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(key, 16).map_err(|_| JsonError::BadTag(key.to_string()))
    } else {
        Err(JsonError::BadTag(key.chars().take(40).collect()))
    }
}

/// Parses one data set object.
pub fn parse_dataset(v: &Json, depth: usize) -> Result<Dataset, JsonError> {
    let obj = v.as_object().ok_or(JsonError::NotAnArray)?;
    let mut attributes = BTreeMap::new();
    for (k, a) in obj {
        let tag = parse_tag(k)?;
        attributes.insert(tag, parse_attribute(tag, a, depth)?);
    }
    Ok(Dataset { attributes })
}

/// Parses a QIDO-RS or WADO-RS metadata body: an array of data sets (a single object and an
/// empty body are accepted as one and zero data sets).
pub fn parse_datasets(body: &[u8]) -> Result<Vec<Dataset>, JsonError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Vec::new());
    }
    let v: Json = serde_json::from_slice(body).map_err(|e| JsonError::Syntax(e.to_string()))?;
    match &v {
        Json::Array(items) => items.iter().map(|i| parse_dataset(i, 0)).collect(),
        Json::Object(_) => Ok(vec![parse_dataset(&v, 0)?]),
        _ => Err(JsonError::NotAnArray),
    }
}

impl Dataset {
    /// The attribute with `tag`.
    pub fn get(&self, tag: u32) -> Option<&Attribute> {
        self.attributes.get(&tag)
    }

    /// All string values of `tag` (empty when absent or not a string VR).
    pub fn strings(&self, tag: u32) -> Vec<&str> {
        match self.get(tag).map(|a| &a.value) {
            Some(Value::Strings(v)) => v.iter().flatten().map(|s| s.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The first string value of `tag`, trimmed, if non-empty. Person names give their
    /// alphabetic group and numbers their decimal form.
    pub fn string(&self, tag: u32) -> Option<String> {
        match &self.get(tag)?.value {
            Value::Strings(v) => v
                .iter()
                .flatten()
                .next()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            Value::PersonNames(v) => v.first()?.display().map(str::to_string),
            Value::Numbers(v) => v.iter().flatten().next().map(|x| x.to_string()),
            _ => None,
        }
    }

    /// All numeric values of `tag` (DS/IS as numbers or strings; numeric strings in other VRs).
    pub fn numbers(&self, tag: u32) -> Vec<f64> {
        match self.get(tag).map(|a| &a.value) {
            Some(Value::Numbers(v)) => v.iter().flatten().copied().collect(),
            Some(Value::Strings(v)) => v
                .iter()
                .flatten()
                .filter_map(|s| s.trim().parse().ok())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The first numeric value of `tag`.
    pub fn number(&self, tag: u32) -> Option<f64> {
        self.numbers(tag).first().copied()
    }

    /// The first value of `tag` as a non-negative integer.
    pub fn uint(&self, tag: u32) -> Option<u64> {
        self.number(tag)
            .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 1.8e19)
            .map(|x| x as u64)
    }

    /// The first person name of `tag`.
    pub fn person_name(&self, tag: u32) -> Option<&PersonName> {
        match &self.get(tag)?.value {
            Value::PersonNames(v) => v.first(),
            _ => None,
        }
    }

    /// The items of sequence `tag` (empty when absent).
    pub fn items(&self, tag: u32) -> &[Dataset] {
        match self.get(tag).map(|a| &a.value) {
            Some(Value::Items(v)) => v,
            _ => &[],
        }
    }

    /// The BulkDataURI of `tag`.
    pub fn bulk_data_uri(&self, tag: u32) -> Option<&str> {
        match &self.get(tag)?.value {
            Value::BulkDataUri(u) => Some(u),
            _ => None,
        }
    }

    /// The decoded InlineBinary of `tag`.
    pub fn inline_binary(&self, tag: u32) -> Option<&[u8]> {
        match &self.get(tag)?.value {
            Value::InlineBinary(b) => Some(b),
            _ => None,
        }
    }

    /// `tag` as a date (DA).
    pub fn date(&self, tag: u32) -> Option<DicomDate> {
        parse_date(&self.string(tag)?)
    }

    /// `tag` as a time (TM).
    pub fn time(&self, tag: u32) -> Option<DicomTime> {
        parse_time(&self.string(tag)?)
    }

    /// `tag` as a date-time (DT).
    pub fn datetime(&self, tag: u32) -> Option<DicomDateTime> {
        parse_datetime(&self.string(tag)?)
    }
}

/// A study as listed by QIDO-RS.
#[derive(Debug, Clone, PartialEq)]
pub struct StudySummary {
    /// StudyInstanceUID.
    pub study_uid: String,
    /// PatientID (in NHS use, often the NHS Number).
    pub patient_id: Option<String>,
    /// PatientName.
    pub patient_name: Option<PersonName>,
    /// StudyDate.
    pub study_date: Option<DicomDate>,
    /// StudyTime.
    pub study_time: Option<DicomTime>,
    /// AccessionNumber.
    pub accession_number: Option<String>,
    /// StudyDescription.
    pub description: Option<String>,
    /// ModalitiesInStudy.
    pub modalities: Vec<String>,
    /// NumberOfStudyRelatedSeries.
    pub series_count: Option<u64>,
    /// NumberOfStudyRelatedInstances.
    pub instance_count: Option<u64>,
}

/// A series as listed by QIDO-RS.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSummary {
    /// StudyInstanceUID (when the server includes it).
    pub study_uid: Option<String>,
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// Modality.
    pub modality: Option<String>,
    /// SeriesDescription.
    pub description: Option<String>,
    /// SeriesNumber.
    pub number: Option<i64>,
    /// NumberOfSeriesRelatedInstances.
    pub instance_count: Option<u64>,
}

/// An instance as listed by QIDO-RS.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSummary {
    /// SeriesInstanceUID (when the server includes it).
    pub series_uid: Option<String>,
    /// SOPInstanceUID.
    pub sop_instance_uid: String,
    /// SOPClassUID.
    pub sop_class_uid: Option<String>,
    /// InstanceNumber.
    pub instance_number: Option<i64>,
    /// NumberOfFrames.
    pub frames: Option<u64>,
}

fn required(ds: &Dataset, tag: u32) -> Result<String, JsonError> {
    ds.string(tag)
        .ok_or_else(|| bad(tag, "required attribute missing"))
}

impl StudySummary {
    /// Reads a study result; fails without StudyInstanceUID.
    pub fn from_dataset(ds: &Dataset) -> Result<Self, JsonError> {
        Ok(StudySummary {
            study_uid: required(ds, tags::STUDY_INSTANCE_UID)?,
            patient_id: ds.string(tags::PATIENT_ID),
            patient_name: ds.person_name(tags::PATIENT_NAME).cloned(),
            study_date: ds.date(tags::STUDY_DATE),
            study_time: ds.time(tags::STUDY_TIME),
            accession_number: ds.string(tags::ACCESSION_NUMBER),
            description: ds.string(tags::STUDY_DESCRIPTION),
            modalities: ds
                .strings(tags::MODALITIES_IN_STUDY)
                .into_iter()
                .map(str::to_string)
                .collect(),
            series_count: ds.uint(tags::NUMBER_OF_STUDY_RELATED_SERIES),
            instance_count: ds.uint(tags::NUMBER_OF_STUDY_RELATED_INSTANCES),
        })
    }
}

impl SeriesSummary {
    /// Reads a series result; fails without SeriesInstanceUID.
    pub fn from_dataset(ds: &Dataset) -> Result<Self, JsonError> {
        Ok(SeriesSummary {
            study_uid: ds.string(tags::STUDY_INSTANCE_UID),
            series_uid: required(ds, tags::SERIES_INSTANCE_UID)?,
            modality: ds.string(tags::MODALITY),
            description: ds.string(tags::SERIES_DESCRIPTION),
            number: ds.number(tags::SERIES_NUMBER).map(|x| x as i64),
            instance_count: ds.uint(tags::NUMBER_OF_SERIES_RELATED_INSTANCES),
        })
    }
}

impl InstanceSummary {
    /// Reads an instance result; fails without SOPInstanceUID.
    pub fn from_dataset(ds: &Dataset) -> Result<Self, JsonError> {
        Ok(InstanceSummary {
            series_uid: ds.string(tags::SERIES_INSTANCE_UID),
            sop_instance_uid: required(ds, tags::SOP_INSTANCE_UID)?,
            sop_class_uid: ds.string(tags::SOP_CLASS_UID),
            instance_number: ds.number(tags::INSTANCE_NUMBER).map(|x| x as i64),
            frames: ds.uint(tags::NUMBER_OF_FRAMES),
        })
    }
}
