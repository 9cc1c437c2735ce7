//! QIDO-RS over the index: matching of the common query keys and the result attributes.

use super::index::{text, Index, InstanceEntry, StudyEntry};
use crate::dicom_json;
use dicom_core::dictionary::DataDictionary;
use dicom_core::Tag;
use dicom_dictionary_std::{tags, StandardDataDictionary};
use serde_json::{json, Map, Value as Json};
use std::collections::HashSet;

/// Study-level attributes always returned.
const STUDY_TAGS: [Tag; 11] = [
    tags::SPECIFIC_CHARACTER_SET,
    tags::STUDY_DATE,
    tags::STUDY_TIME,
    tags::ACCESSION_NUMBER,
    tags::REFERRING_PHYSICIAN_NAME,
    tags::PATIENT_NAME,
    tags::PATIENT_ID,
    tags::PATIENT_BIRTH_DATE,
    tags::PATIENT_SEX,
    tags::STUDY_INSTANCE_UID,
    tags::STUDY_ID,
];
/// Series-level attributes always returned.
const SERIES_TAGS: [Tag; 7] = [
    tags::SPECIFIC_CHARACTER_SET,
    tags::MODALITY,
    tags::SERIES_DESCRIPTION,
    tags::SERIES_INSTANCE_UID,
    tags::SERIES_NUMBER,
    tags::STUDY_INSTANCE_UID,
    tags::FRAME_OF_REFERENCE_UID,
];
/// Instance-level attributes always returned.
const INSTANCE_TAGS: [Tag; 9] = [
    tags::SPECIFIC_CHARACTER_SET,
    tags::SOP_CLASS_UID,
    tags::SOP_INSTANCE_UID,
    tags::INSTANCE_NUMBER,
    tags::ROWS,
    tags::COLUMNS,
    tags::NUMBER_OF_FRAMES,
    tags::SERIES_INSTANCE_UID,
    tags::STUDY_INSTANCE_UID,
];

/// Parsed QIDO query parameters.
#[derive(Debug, Default)]
pub struct Query {
    matches: Vec<(Tag, String)>,
    include: HashSet<Tag>,
    include_all: bool,
    limit: Option<usize>,
    offset: usize,
}

impl Query {
    /// Reads the query pairs (keywords or tags as keys; unknown keys are ignored).
    pub fn parse(pairs: &[(String, String)]) -> Query {
        let mut q = Query::default();
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => q.limit = v.parse().ok(),
                "offset" => q.offset = v.parse().unwrap_or(0),
                "fuzzymatching" => {}
                "includefield" => {
                    for f in v.split(',') {
                        if f == "all" {
                            q.include_all = true;
                        } else if let Some(t) = StandardDataDictionary.parse_tag(f.trim()) {
                            q.include.insert(t);
                        }
                    }
                }
                key => {
                    if let Some(t) = StandardDataDictionary.parse_tag(key) {
                        if !v.is_empty() {
                            q.matches.push((t, v.clone()));
                        }
                    }
                }
            }
        }
        q
    }

    fn page<T>(&self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .skip(self.offset)
            .take(self.limit.unwrap_or(usize::MAX))
            .collect()
    }
}

/// DICOM wildcard match (`*`, `?`), case-insensitive.
fn wildcard(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn value_matches(tag: Tag, pattern: &str, value: Option<&str>) -> bool {
    let value = value.unwrap_or("");
    if tag == tags::STUDY_DATE || tag == tags::PATIENT_BIRTH_DATE || tag == tags::SERIES_DATE {
        if let Some((a, b)) = pattern.split_once('-') {
            return !value.is_empty()
                && (a.is_empty() || value >= a)
                && (b.is_empty() || value <= b);
        }
    }
    if tag == tags::STUDY_INSTANCE_UID
        || tag == tags::SERIES_INSTANCE_UID
        || tag == tags::SOP_INSTANCE_UID
    {
        return pattern.split([',', '\\']).any(|u| u.trim() == value);
    }
    if tag == tags::MODALITIES_IN_STUDY {
        return false; // handled at study level
    }
    pattern.split('\\').any(|p| wildcard(p, value))
}

fn obj_matches(q: &Query, inst: &InstanceEntry, skip: &[Tag]) -> bool {
    q.matches
        .iter()
        .filter(|(t, _)| !skip.contains(t))
        .all(|(t, p)| {
            if *t == tags::MODALITIES_IN_STUDY {
                return true;
            }
            value_matches(*t, p, text(&inst.header, *t).as_deref())
        })
}

fn encode(inst: &InstanceEntry, level_tags: &[Tag], q: &Query) -> Map<String, Json> {
    let keep = |t: Tag| {
        level_tags.contains(&t)
            || q.include.contains(&t)
            || (q.include_all && t != tags::PIXEL_DATA)
            || q.matches.iter().any(|(m, _)| *m == t)
    };
    dicom_json::encode(&inst.header, &keep, &|_| None)
}

fn count(n: usize) -> Json {
    json!({"vr": "IS", "Value": [n]})
}

/// Studies matching the query.
pub fn studies(index: &Index, q: &Query) -> Vec<Json> {
    let mut out = Vec::new();
    for st in index.studies.values() {
        let Some(first) = st.first() else { continue };
        if !study_matches(q, st, first) {
            continue;
        }
        let mut o = encode(first, &STUDY_TAGS, q);
        // Series-level keys are not study attributes.
        o.remove(&dicom_json::key(tags::SERIES_INSTANCE_UID));
        o.remove(&dicom_json::key(tags::MODALITY));
        o.insert(
            dicom_json::key(tags::MODALITIES_IN_STUDY),
            json!({"vr": "CS", "Value": st.modalities()}),
        );
        o.insert(
            dicom_json::key(tags::NUMBER_OF_STUDY_RELATED_SERIES),
            count(st.series.len()),
        );
        o.insert(
            dicom_json::key(tags::NUMBER_OF_STUDY_RELATED_INSTANCES),
            count(st.instance_count()),
        );
        out.push(Json::Object(o));
    }
    q.page(out)
}

fn study_matches(q: &Query, st: &StudyEntry, first: &InstanceEntry) -> bool {
    let modalities = st.modalities();
    let modality_ok = q
        .matches
        .iter()
        .filter(|(t, _)| *t == tags::MODALITIES_IN_STUDY)
        .all(|(_, p)| {
            p.split(['\\', ','])
                .any(|m| modalities.iter().any(|x| x.eq_ignore_ascii_case(m.trim())))
        });
    modality_ok && obj_matches(q, first, &[])
}

/// Series of study `study` matching the query (`None` if the study is unknown).
pub fn series(index: &Index, study: &str, q: &Query) -> Option<Vec<Json>> {
    let st = index.studies.get(study)?;
    let mut out = Vec::new();
    for se in st.series.values() {
        let Some(first) = se.instances.first() else {
            continue;
        };
        if !obj_matches(q, first, &[]) {
            continue;
        }
        let mut o = encode(first, &SERIES_TAGS, q);
        o.insert(
            dicom_json::key(tags::NUMBER_OF_SERIES_RELATED_INSTANCES),
            count(se.instances.len()),
        );
        out.push(Json::Object(o));
    }
    Some(q.page(out))
}

/// Instances of a series matching the query (`None` if the series is unknown).
pub fn instances(index: &Index, study: &str, series: &str, q: &Query) -> Option<Vec<Json>> {
    let se = index.series(study, series)?;
    let out = se
        .instances
        .iter()
        .filter(|i| obj_matches(q, i, &[]))
        .map(|i| Json::Object(encode(i, &INSTANCE_TAGS, q)))
        .collect();
    Some(q.page(out))
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards() {
        assert!(wildcard("PHANTOM*", "phantom^uptake"));
        assert!(wildcard("*^UP?AKE", "PHANTOM^UPTAKE"));
        assert!(!wildcard("X*", "PHANTOM"));
        assert!(wildcard("*", ""));
    }
}
