//! QIDO-RS search URLs (PS3.18 §10.6), relative to a DICOMweb base URL.

use crate::error::DicomWebError;
use crate::url::{check_uid, encode_query_value, join};

/// An inclusive StudyDate range; either end may be open. Dates are `YYYYMMDD`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DateRange {
    /// First date, inclusive.
    pub from: Option<String>,
    /// Last date, inclusive.
    pub to: Option<String>,
}

impl DateRange {
    /// The QIDO matching value (`from-to`, `from-`, `-to`, or one date).
    pub fn to_query(&self) -> String {
        match (&self.from, &self.to) {
            (Some(a), Some(b)) if a == b => a.clone(),
            (a, b) => format!(
                "{}-{}",
                a.as_deref().unwrap_or(""),
                b.as_deref().unwrap_or("")
            ),
        }
    }
}

/// A studies search. Empty fields do not constrain the search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StudyQuery {
    /// PatientID; in NHS use usually the NHS Number (10 digits).
    pub patient_id: Option<String>,
    /// PatientName, DICOM wildcards `*` and `?` allowed (e.g. `SMITH^J*`).
    pub patient_name: Option<String>,
    /// StudyDate range.
    pub study_date: Option<DateRange>,
    /// AccessionNumber.
    pub accession_number: Option<String>,
    /// ModalitiesInStudy; several values match studies having any of them.
    pub modalities_in_study: Vec<String>,
    /// StudyInstanceUID.
    pub study_uid: Option<String>,
    /// Extra attributes to return (`includefield`), by keyword or tag.
    pub include_fields: Vec<String>,
    /// Maximum number of results.
    pub limit: Option<u32>,
    /// Results to skip (paging).
    pub offset: Option<u32>,
    /// Ask for fuzzy person name matching.
    pub fuzzy_matching: bool,
}

/// Attributes every studies search asks for, so summaries are complete on any server.
pub const STUDY_FIELDS: [&str; 4] = [
    "ModalitiesInStudy",
    "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances",
    "StudyDescription",
];

/// Attributes every series search asks for.
pub const SERIES_FIELDS: [&str; 3] = [
    "SeriesDescription",
    "NumberOfSeriesRelatedInstances",
    "StudyInstanceUID",
];

fn push(params: &mut Vec<String>, key: &str, value: &str) {
    params.push(format!("{key}={}", encode_query_value(value)));
}

fn with_query(url: String, params: &[String]) -> String {
    if params.is_empty() {
        url
    } else {
        format!("{url}?{}", params.join("&"))
    }
}

impl StudyQuery {
    /// A search by PatientID (e.g. the NHS Number, spaces removed).
    pub fn by_patient_id(id: &str) -> Self {
        StudyQuery {
            patient_id: Some(id.chars().filter(|c| !c.is_whitespace()).collect()),
            ..Default::default()
        }
    }

    /// The search URL under `base` (e.g. `http://host/dicom-web`).
    pub fn url(&self, base: &str) -> Result<String, DicomWebError> {
        let mut p = Vec::new();
        if let Some(v) = &self.patient_id {
            push(&mut p, "PatientID", v);
        }
        if let Some(v) = &self.patient_name {
            push(&mut p, "PatientName", v);
        }
        if let Some(r) = &self.study_date {
            push(&mut p, "StudyDate", &r.to_query());
        }
        if let Some(v) = &self.accession_number {
            push(&mut p, "AccessionNumber", v);
        }
        if !self.modalities_in_study.is_empty() {
            push(
                &mut p,
                "ModalitiesInStudy",
                &self.modalities_in_study.join("\\"),
            );
        }
        if let Some(v) = &self.study_uid {
            push(&mut p, "StudyInstanceUID", check_uid(v)?);
        }
        for f in STUDY_FIELDS
            .iter()
            .copied()
            .chain(self.include_fields.iter().map(String::as_str))
        {
            push(&mut p, "includefield", f);
        }
        if self.fuzzy_matching {
            p.push("fuzzymatching=true".into());
        }
        if let Some(l) = self.limit {
            p.push(format!("limit={l}"));
        }
        if let Some(o) = self.offset {
            p.push(format!("offset={o}"));
        }
        Ok(with_query(join(base, "studies"), &p))
    }
}

/// The URL listing the series of a study, optionally of one modality.
pub fn series_url(
    base: &str,
    study_uid: &str,
    modality: Option<&str>,
) -> Result<String, DicomWebError> {
    let mut p = Vec::new();
    if let Some(m) = modality {
        push(&mut p, "Modality", m);
    }
    for f in SERIES_FIELDS {
        push(&mut p, "includefield", f);
    }
    Ok(with_query(
        join(base, &format!("studies/{}/series", check_uid(study_uid)?)),
        &p,
    ))
}

/// The URL listing the instances of a series.
pub fn instances_url(
    base: &str,
    study_uid: &str,
    series_uid: &str,
) -> Result<String, DicomWebError> {
    let p = vec!["includefield=NumberOfFrames".to_string()];
    Ok(with_query(
        join(
            base,
            &format!(
                "studies/{}/series/{}/instances",
                check_uid(study_uid)?,
                check_uid(series_uid)?
            ),
        ),
        &p,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_query_url() {
        let q = StudyQuery {
            patient_name: Some("SMITH^J*".into()),
            study_date: Some(DateRange {
                from: Some("20260101".into()),
                to: None,
            }),
            accession_number: Some("ACC 1".into()),
            modalities_in_study: vec!["PT".into(), "CT".into()],
            limit: Some(10),
            ..Default::default()
        };
        let u = q.url("http://h/dicom-web/").unwrap();
        assert!(u.starts_with("http://h/dicom-web/studies?PatientName=SMITH%5EJ*&StudyDate=20260101-&AccessionNumber=ACC%201&ModalitiesInStudy=PT%5CCT&includefield=ModalitiesInStudy"), "{u}");
        assert!(u.ends_with("&limit=10"));
        let nhs = StudyQuery::by_patient_id("943 476 5919")
            .url("http://h")
            .unwrap();
        assert!(nhs.starts_with("http://h/studies?PatientID=9434765919&"));
    }

    #[test]
    fn date_range_forms() {
        let r = |a: Option<&str>, b: Option<&str>| {
            DateRange {
                from: a.map(Into::into),
                to: b.map(Into::into),
            }
            .to_query()
        };
        assert_eq!(r(Some("20260101"), Some("20261231")), "20260101-20261231");
        assert_eq!(r(None, Some("20261231")), "-20261231");
        assert_eq!(r(Some("20260505"), Some("20260505")), "20260505");
    }

    #[test]
    fn series_and_instances() {
        assert_eq!(
            series_url("http://h/dw", "1.2.3", Some("PT")).unwrap(),
            "http://h/dw/studies/1.2.3/series?Modality=PT&includefield=SeriesDescription&includefield=NumberOfSeriesRelatedInstances&includefield=StudyInstanceUID"
        );
        assert!(instances_url("http://h/dw", "1.2", "1.3")
            .unwrap()
            .starts_with("http://h/dw/studies/1.2/series/1.3/instances?"));
        assert!(series_url("http://h", "../etc", None).is_err());
    }
}
