//! Which series to fetch for a PET-CT study, and in which order.
//!
//! The PET is the attenuation-corrected emission series: not the non-attenuation-corrected
//! (NAC) reconstruction, not a MIP, screen capture or secondary capture. The CT is the one
//! sharing the PET's FrameOfReferenceUID (the CT used for attenuation correction and fusion).
//! Instances are ordered centre-first (the middle slice of each volume first, then outwards,
//! PET and CT interleaved) so a first fused image can be shown early.

use crate::json::{Dataset, SeriesSummary};
use crate::tags;
use thiserror::Error;

/// A series offered to the planner: its QIDO summary and its WADO-RS metadata (may be empty
/// when the server has none; the series is then judged on its summary alone).
#[derive(Debug, Clone)]
pub struct SeriesCandidate {
    /// The QIDO-RS summary.
    pub summary: SeriesSummary,
    /// Metadata of its instances.
    pub metadata: Vec<Dataset>,
}

/// One retrieve request of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetrieveRequest {
    /// One instance.
    Instance {
        /// SeriesInstanceUID.
        series_uid: String,
        /// SOPInstanceUID.
        sop_instance_uid: String,
    },
    /// A whole series in one multipart response.
    Series {
        /// SeriesInstanceUID.
        series_uid: String,
    },
}

/// No series qualifies.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum PlanError {
    /// No attenuation-corrected PET image series; the reasons each PET series was refused.
    #[error("no usable PET series: {}", .0.join("; "))]
    NoPet(Vec<String>),
}

/// The chosen series, the reasons, and the ordered requests.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrievalPlan {
    /// StudyInstanceUID.
    pub study_uid: String,
    /// The PET series.
    pub pet_series_uid: String,
    /// The CT series, if any qualifies.
    pub ct_series_uid: Option<String>,
    /// One line per decision, for the user and the log (no patient data in it).
    pub explanation: Vec<String>,
    /// Requests, centre-first; per instance when metadata was available, else per series.
    pub requests: Vec<RetrieveRequest>,
    /// Instances expected in all (from metadata or QIDO counts).
    pub expected_instances: usize,
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

struct Judged<'a> {
    cand: &'a SeriesCandidate,
    name: String,
    refusal: Option<String>,
    attenuation_corrected: bool,
    frame_of_reference: Option<String>,
    instances: usize,
}

fn first(c: &SeriesCandidate) -> Option<&Dataset> {
    c.metadata.first()
}

fn judge(c: &SeriesCandidate) -> Judged<'_> {
    let desc = c.summary.description.clone().unwrap_or_default();
    let name = format!(
        "series {} {:?}",
        c.summary
            .number
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".into()),
        desc
    );
    let ds = first(c);
    let image_type: Vec<String> = ds
        .map(|d| {
            d.strings(tags::IMAGE_TYPE)
                .iter()
                .map(|s| s.to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    let sop_class = ds
        .and_then(|d| d.string(tags::SOP_CLASS_UID))
        .unwrap_or_default();
    let corrected: Option<Vec<String>> = ds.and_then(|d| {
        d.get(tags::CORRECTED_IMAGE).map(|_| {
            d.strings(tags::CORRECTED_IMAGE)
                .iter()
                .map(|s| s.to_ascii_uppercase())
                .collect()
        })
    });
    let w = words(&desc);
    let has_word = |x: &[&str]| w.iter().any(|v| x.contains(&v.as_str()));
    let desc_upper = desc.to_ascii_uppercase();
    let refusal = if sop_class.starts_with("1.2.840.10008.5.1.4.1.1.7") {
        Some("secondary capture (screen capture), not an image volume".to_string())
    } else if image_type
        .iter()
        .any(|t| t == "MIP" || t.contains("PROJECTION"))
        || has_word(&["MIP", "MIPS", "PROJECTION"])
    {
        Some("maximum intensity projection".to_string())
    } else if image_type.iter().any(|t| t.contains("SCREEN"))
        || has_word(&["SCREEN", "CAPTURE", "SNAPSHOT", "KEY"])
    {
        Some("screen capture".to_string())
    } else if image_type.iter().any(|t| t == "LOCALIZER")
        || has_word(&["TOPOGRAM", "SCOUT", "SURVIEW", "LOCALIZER"])
    {
        Some("localizer".to_string())
    } else if corrected
        .as_ref()
        .is_some_and(|v| !v.iter().any(|x| x == "ATTN"))
    {
        Some("CorrectedImage lacks ATTN (not attenuation-corrected)".to_string())
    } else if has_word(&["NAC", "NOAC", "UNCORRECTED", "UNCORR"])
        || desc_upper.contains("NON AC")
        || desc_upper.contains("NON-AC")
        || desc_upper.contains("NO AC")
        || desc_upper.contains("NOT AC")
    {
        Some("described as not attenuation-corrected (NAC)".to_string())
    } else {
        None
    };
    let attenuation_corrected = corrected
        .as_ref()
        .is_some_and(|v| v.iter().any(|x| x == "ATTN"));
    let instances = if c.metadata.is_empty() {
        c.summary.instance_count.unwrap_or(0) as usize
    } else {
        c.metadata.len()
    };
    Judged {
        cand: c,
        name,
        refusal,
        attenuation_corrected,
        frame_of_reference: ds.and_then(|d| d.string(tags::FRAME_OF_REFERENCE_UID)),
        instances,
    }
}

fn modality(c: &SeriesCandidate) -> String {
    c.summary
        .modality
        .clone()
        .or_else(|| first(c).and_then(|d| d.string(tags::MODALITY)))
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// Position of an instance along its slice normal (mm), if its geometry is in the metadata.
fn slice_position(ds: &Dataset) -> Option<f64> {
    let ipp = ds.numbers(tags::IMAGE_POSITION_PATIENT);
    let iop = ds.numbers(tags::IMAGE_ORIENTATION_PATIENT);
    if ipp.len() != 3 || iop.len() != 6 {
        return None;
    }
    let (r, c) = ([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
    let n = [
        r[1] * c[2] - r[2] * c[1],
        r[2] * c[0] - r[0] * c[2],
        r[0] * c[1] - r[1] * c[0],
    ];
    Some(ipp[0] * n[0] + ipp[1] * n[1] + ipp[2] * n[2])
}

/// Indices 0..n in centre-first order: middle, middle+1, middle−1, middle+2, …
pub fn centre_first(n: usize) -> Vec<usize> {
    let mid = n / 2;
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    out.push(mid);
    for d in 1..=n {
        if mid + d < n {
            out.push(mid + d);
        }
        if d <= mid {
            out.push(mid - d);
        }
        if out.len() == n {
            break;
        }
    }
    out
}

/// The SOP Instance UIDs of a series sorted along the slice normal (then InstanceNumber), in
/// centre-first order.
fn ordered_instances(c: &SeriesCandidate) -> Vec<String> {
    let mut items: Vec<(f64, f64, String)> = c
        .metadata
        .iter()
        .filter_map(|d| {
            let sop = d.string(tags::SOP_INSTANCE_UID)?;
            let pos = slice_position(d).unwrap_or(f64::NAN);
            let num = d.number(tags::INSTANCE_NUMBER).unwrap_or(f64::NAN);
            Some((pos, num, sop))
        })
        .collect();
    items.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    centre_first(items.len())
        .into_iter()
        .map(|i| items[i].2.clone())
        .collect()
}

fn requests_for(c: &SeriesCandidate) -> Vec<RetrieveRequest> {
    let sops = ordered_instances(c);
    if sops.is_empty() {
        return vec![RetrieveRequest::Series {
            series_uid: c.summary.series_uid.clone(),
        }];
    }
    sops.into_iter()
        .map(|sop| RetrieveRequest::Instance {
            series_uid: c.summary.series_uid.clone(),
            sop_instance_uid: sop,
        })
        .collect()
}

/// Interleaves two request lists proportionally, so both finish at about the same time.
fn interleave(a: Vec<RetrieveRequest>, b: Vec<RetrieveRequest>) -> Vec<RetrieveRequest> {
    let (na, nb) = (a.len().max(1) as f64, b.len().max(1) as f64);
    let mut keyed: Vec<(f64, usize, RetrieveRequest)> = a
        .into_iter()
        .enumerate()
        .map(|(i, r)| ((i as f64 + 0.5) / na, 0, r))
        .chain(
            b.into_iter()
                .enumerate()
                .map(|(i, r)| ((i as f64 + 0.5) / nb, 1, r)),
        )
        .collect();
    keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    keyed.into_iter().map(|k| k.2).collect()
}

impl RetrievalPlan {
    /// Chooses the PET and CT among `candidates` (the series of study `study_uid`).
    pub fn choose(study_uid: &str, candidates: &[SeriesCandidate]) -> Result<Self, PlanError> {
        let mut explanation = Vec::new();
        let judged: Vec<Judged> = candidates.iter().map(judge).collect();
        let mut pets: Vec<&Judged> = Vec::new();
        let mut refusals = Vec::new();
        for j in judged.iter().filter(|j| modality(j.cand) == "PT") {
            match &j.refusal {
                Some(r) => {
                    explanation.push(format!("PET {} skipped: {r}", j.name));
                    refusals.push(format!("{}: {r}", j.name));
                }
                None => pets.push(j),
            }
        }
        let pet = pets
            .iter()
            .copied()
            .max_by_key(|j| (j.attenuation_corrected, j.instances))
            .ok_or_else(|| {
                if refusals.is_empty() {
                    refusals.push("the study has no PT series".into());
                }
                PlanError::NoPet(refusals)
            })?;
        explanation.push(format!(
            "PET {} chosen: {}, {} instance(s){}",
            pet.name,
            if pet.attenuation_corrected {
                "attenuation-corrected (CorrectedImage has ATTN)"
            } else {
                "not marked NAC, MIP or capture"
            },
            pet.instances,
            if pets.len() > 1 {
                format!(", preferred over {} other PET series", pets.len() - 1)
            } else {
                String::new()
            }
        ));
        let mut cts: Vec<&Judged> = Vec::new();
        for j in judged.iter().filter(|j| modality(j.cand) == "CT") {
            match &j.refusal {
                Some(r) => explanation.push(format!("CT {} skipped: {r}", j.name)),
                None => cts.push(j),
            }
        }
        let same_for = |j: &Judged| {
            pet.frame_of_reference.is_some() && j.frame_of_reference == pet.frame_of_reference
        };
        let ct = cts
            .iter()
            .copied()
            .max_by_key(|j| (same_for(j), j.instances));
        match ct {
            Some(ct) if same_for(ct) => explanation.push(format!(
                "CT {} chosen: shares the PET FrameOfReferenceUID, {} instance(s)",
                ct.name, ct.instances
            )),
            Some(ct) => explanation.push(format!(
                "CT {} chosen without a shared FrameOfReferenceUID (none matches the PET): check the registration",
                ct.name
            )),
            None => explanation.push("no CT image series: PET only".into()),
        }
        let pet_requests = requests_for(pet.cand);
        let ct_requests = ct.map(|c| requests_for(c.cand)).unwrap_or_default();
        let expected = pet.instances + ct.map(|c| c.instances).unwrap_or(0);
        explanation.push(format!(
            "{} request(s), centre slice first, PET and CT interleaved",
            pet_requests.len() + ct_requests.len()
        ));
        Ok(RetrievalPlan {
            study_uid: study_uid.to_string(),
            pet_series_uid: pet.cand.summary.series_uid.clone(),
            ct_series_uid: ct.map(|c| c.cand.summary.series_uid.clone()),
            explanation,
            requests: interleave(pet_requests, ct_requests),
            expected_instances: expected,
        })
    }

    /// The same choice fetched as one request per series (fewer round trips; no centre-first
    /// order).
    pub fn per_series(&self) -> Vec<RetrieveRequest> {
        std::iter::once(&self.pet_series_uid)
            .chain(self.ct_series_uid.iter())
            .map(|s| RetrieveRequest::Series {
                series_uid: s.clone(),
            })
            .collect()
    }

    /// The explanation as text, one decision per line.
    pub fn explanation_text(&self) -> String {
        self.explanation.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_first_orders() {
        assert_eq!(centre_first(0), Vec::<usize>::new());
        assert_eq!(centre_first(1), vec![0]);
        assert_eq!(centre_first(5), vec![2, 3, 1, 4, 0]);
        assert_eq!(centre_first(4), vec![2, 3, 1, 0]);
        for n in 0..50 {
            let mut v = centre_first(n);
            v.sort();
            assert_eq!(v, (0..n).collect::<Vec<_>>());
        }
    }
}
