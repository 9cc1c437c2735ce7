//! The loaded study: series choice with its explanation, CT and PET volumes, SUV (or its
//! refusal), warnings, patient and study facts.

use crate::error::ViewerError;
use serde::Serialize;
use uptake_dicom::{LoadedStudy, PatientInfo, StackPlan, Volume};
use uptake_quant::dicom_inputs::{plan_suv_inputs, series_suv_factor};
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::SuvVolume;

/// A warning shown above the views.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum Warning {
    /// PET and CT PatientID differ.
    PatientIdDiffers(String),
    /// PET and CT FrameOfReferenceUID differ (fusion alignment not guaranteed).
    FrameOfReferenceDiffers(String),
    /// SUV refused: PET is shown in Bq/ml.
    SuvRefused(String),
    /// A slice problem found while stacking a series.
    SliceProblem(String),
}

/// Which series are shown, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesChoice {
    /// PET SeriesInstanceUID.
    pub pet_series_uid: String,
    /// CT SeriesInstanceUID, when there is a CT.
    pub ct_series_uid: Option<String>,
    /// The explanation shown to the user.
    pub explanation: String,
    /// Every PET series in the study (UID, description), for switching.
    pub pet_candidates: Vec<(String, String)>,
    /// Every CT series in the study.
    pub ct_candidates: Vec<(String, String)>,
}

/// A study opened in the viewer.
#[derive(Debug)]
pub struct Session {
    /// The parsed instances (kept to recompute SUV factors after overrides).
    pub study: LoadedStudy,
    /// The series shown.
    pub choice: SeriesChoice,
    /// The CT volume (HU).
    pub ct: Option<Volume>,
    /// The PET volume in its stored units (Bq/ml) — displayed when SUV is refused and the
    /// source of every SUV recomputation.
    pub pet_raw: Volume,
    /// PET in SUV, or the refusal reason.
    pub suv: Result<SuvVolume, String>,
    /// The SUV normalisation.
    pub suv_type: SuvType,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// Patient module of the PET series.
    pub patient: PatientInfo,
    /// StudyDate (DA).
    pub study_date: Option<String>,
    /// PatientID of the CT series, when it differs (kept for the warning).
    pub ct_patient_id: Option<String>,
}

fn describe(study: &LoadedStudy, p: &StackPlan) -> String {
    study
        .first_header(p)
        .and_then(|h| h.series_description.clone())
        .unwrap_or_default()
}

fn plan_index(study: &LoadedStudy, uid: &str, modality: &str) -> Option<usize> {
    study
        .plans
        .iter()
        .position(|p| p.series_uid == uid && p.modality == modality)
}

impl Session {
    /// Opens a study with the automatic choice: the attenuation-corrected PET (most slices
    /// otherwise) and the CT sharing its FrameOfReferenceUID.
    pub fn open(study: LoadedStudy) -> Result<Session, ViewerError> {
        Self::open_with(study, None, None, SuvType::Bw, &SuvOverrides::default())
    }

    /// Opens a study with the user's series (`None`: automatic), SUV type and overrides.
    pub fn open_with(
        study: LoadedStudy,
        pet_uid: Option<&str>,
        ct_uid: Option<&str>,
        suv_type: SuvType,
        overrides: &SuvOverrides,
    ) -> Result<Session, ViewerError> {
        Self::try_open_with(study, pet_uid, ct_uid, suv_type, overrides).map_err(|(e, _)| e)
    }

    /// [`Session::open_with`], giving the study back on error with nothing taken out of it
    /// (a volume already taken is handed back with [`LoadedStudy::keep`]).
    pub fn try_open_with(
        study: LoadedStudy,
        pet_uid: Option<&str>,
        ct_uid: Option<&str>,
        suv_type: SuvType,
        overrides: &SuvOverrides,
    ) -> Result<Session, (ViewerError, Box<LoadedStudy>)> {
        let parts = match Parts::build(&study, pet_uid, ct_uid) {
            Ok(p) => p,
            Err(e) => return Err((e, Box::new(study))),
        };
        let mut s = Session {
            study,
            choice: parts.choice,
            ct: parts.ct,
            pet_raw: parts.pet_raw,
            suv: Err(String::new()),
            suv_type,
            warnings: parts.warnings,
            patient: parts.patient,
            study_date: parts.study_date,
            ct_patient_id: parts.ct_patient_id,
        };
        s.recompute_suv(overrides);
        Ok(s)
    }

    /// Switches to other series of the same study (`None`: the automatic choice). On error
    /// the session is unchanged.
    pub fn switch_series(
        &mut self,
        pet_uid: Option<&str>,
        ct_uid: Option<&str>,
        overrides: &SuvOverrides,
    ) -> Result<(), ViewerError> {
        // The volumes shown go back to the study first: after streaming assembly they exist
        // nowhere else, and a choice that keeps a series reuses them instead of decoding.
        if let Some(ct) = self.ct.take() {
            self.study.keep(ct);
        }
        self.study.keep(self.pet_raw.clone());
        let parts = match Parts::build(&self.study, pet_uid, ct_uid) {
            Ok(p) => p,
            Err(e) => {
                // Unchanged on error: the CT comes back from where it was kept.
                let ct_plan = self.choice.ct_series_uid.as_deref().and_then(|uid| {
                    self.study
                        .plans
                        .iter()
                        .find(|p| p.series_uid == uid && p.modality == "CT")
                });
                self.ct = ct_plan.and_then(|p| self.study.volume(p).ok());
                return Err(e);
            }
        };
        self.choice = parts.choice;
        self.ct = parts.ct;
        self.pet_raw = parts.pet_raw;
        self.warnings = parts.warnings;
        self.patient = parts.patient;
        self.study_date = parts.study_date;
        self.ct_patient_id = parts.ct_patient_id;
        self.recompute_suv(overrides);
        Ok(())
    }
    /// Recomputes the SUV volume from the raw PET with these overrides; updates the
    /// SUV-refused warning.
    pub fn recompute_suv(&mut self, overrides: &SuvOverrides) {
        self.warnings
            .retain(|w| !matches!(w, Warning::SuvRefused(_)));
        let plan = self
            .study
            .plans
            .iter()
            .find(|p| p.series_uid == self.choice.pet_series_uid && p.modality == "PT");
        let result = match plan {
            None => Err("the PET series is no longer available".to_string()),
            Some(plan) => {
                let inputs = plan_suv_inputs(&self.study, plan);
                series_suv_factor(&inputs, self.suv_type, overrides)
                    .map_err(|r| r.to_string())
                    .and_then(|f| {
                        SuvVolume::new(self.pet_raw.clone(), f).map_err(|e| e.to_string())
                    })
            }
        };
        if let Err(reason) = &result {
            self.warnings.push(Warning::SuvRefused(format!(
                "SUV refused: {reason} PET is shown in Bq/ml."
            )));
        }
        self.suv = result;
    }

    /// The banner's series text: `"PT <desc> / CT <desc>"`.
    pub fn series_text(&self) -> String {
        let find = |uid: &str, m: &str| {
            self.study
                .plans
                .iter()
                .find(|p| p.series_uid == uid && p.modality == m)
                .map(|p| describe(&self.study, p))
                .unwrap_or_default()
        };
        let pet = format!("PT {}", find(&self.choice.pet_series_uid, "PT"));
        match &self.choice.ct_series_uid {
            Some(c) => format!("{pet} / CT {}", find(c, "CT")),
            None => pet,
        }
    }
}

/// Everything a series choice determines.
struct Parts {
    choice: SeriesChoice,
    ct: Option<Volume>,
    pet_raw: Volume,
    warnings: Vec<Warning>,
    patient: PatientInfo,
    study_date: Option<String>,
    ct_patient_id: Option<String>,
}

impl Parts {
    fn build(
        study: &LoadedStudy,
        pet_uid: Option<&str>,
        ct_uid: Option<&str>,
    ) -> Result<Parts, ViewerError> {
        let pet_idx = match pet_uid {
            Some(u) => plan_index(study, u, "PT").ok_or_else(|| ViewerError::UnknownSeries {
                modality: "PT",
                uid: u.to_string(),
            })?,
            None => {
                let p = study.pet_plan().ok_or(ViewerError::NoPetSeries)?;
                plan_index(study, &p.series_uid, "PT").ok_or(ViewerError::NoPetSeries)?
            }
        };
        let pet_plan = &study.plans[pet_idx];
        let ct_idx = match ct_uid {
            Some(u) => {
                Some(
                    plan_index(study, u, "CT").ok_or_else(|| ViewerError::UnknownSeries {
                        modality: "CT",
                        uid: u.to_string(),
                    })?,
                )
            }
            None => study
                .ct_plan(Some(pet_plan))
                .and_then(|c| plan_index(study, &c.series_uid, "CT")),
        };
        let pet_h = study.first_header(pet_plan).cloned();
        let ct_h = ct_idx.and_then(|i| study.first_header(&study.plans[i]).cloned());
        let attn = pet_h
            .as_ref()
            .and_then(|h| h.pet.as_ref())
            .is_some_and(|p| p.corrected_image.iter().any(|c| c == "ATTN"));
        let pet_for = pet_h
            .as_ref()
            .and_then(|h| h.frame_of_reference_uid.clone());
        let ct_for = ct_h.as_ref().and_then(|h| h.frame_of_reference_uid.clone());
        let mut explanation = format!(
            "PET: series {} ({}) — {}{}.",
            pet_plan.series_uid,
            describe(study, pet_plan),
            if attn {
                "attenuation-corrected"
            } else {
                "NOT attenuation-corrected"
            },
            if pet_uid.is_some() {
                ", chosen by the user"
            } else {
                ", chosen automatically (attenuation-corrected first, then most slices)"
            }
        );
        let mut warnings = Vec::new();
        match (&ct_h, ct_idx) {
            (Some(_), Some(i)) => {
                let same = pet_for.is_some() && pet_for == ct_for;
                explanation.push_str(&format!(
                    " CT: series {} ({}) — {}.",
                    study.plans[i].series_uid,
                    describe(study, &study.plans[i]),
                    if same {
                        "shares the PET's FrameOfReferenceUID"
                    } else {
                        "does NOT share the PET's FrameOfReferenceUID"
                    }
                ));
                if !same {
                    warnings.push(Warning::FrameOfReferenceDiffers(format!(
                        "PET FrameOfReferenceUID {} differs from CT {}: fusion may be misaligned",
                        pet_for.as_deref().unwrap_or("(none)"),
                        ct_for.as_deref().unwrap_or("(none)")
                    )));
                }
            }
            _ => explanation.push_str(" No CT series."),
        }
        let patient = pet_h
            .as_ref()
            .map(|h| h.patient.clone())
            .unwrap_or_default();
        let ct_patient_id = ct_h.as_ref().and_then(|h| h.patient.id.clone());
        if ct_h.is_some() && ct_patient_id != patient.id {
            warnings.push(Warning::PatientIdDiffers(format!(
                "PET PatientID {} differs from CT PatientID {}",
                patient.id.as_deref().unwrap_or("(none)"),
                ct_patient_id.as_deref().unwrap_or("(none)")
            )));
        }
        let pet_raw = study
            .volume(pet_plan)
            .map_err(|source| ViewerError::Assemble {
                series_uid: pet_plan.series_uid.clone(),
                source: Box::new(source),
            })?;
        let ct = match ct_idx.map(|i| (i, study.volume(&study.plans[i]))) {
            Some((_, Ok(v))) => Some(v),
            Some((i, Err(source))) => {
                // Nothing lost: the PET goes back to the study.
                study.keep(pet_raw);
                return Err(ViewerError::Assemble {
                    series_uid: study.plans[i].series_uid.clone(),
                    source: Box::new(source),
                });
            }
            None => None,
        };
        for (m, v) in std::iter::once(("PET", &pet_raw)).chain(ct.iter().map(|c| ("CT", c))) {
            for p in &v.problems {
                warnings.push(Warning::SliceProblem(format!("{m}: {p:?}")));
            }
        }
        let candidates = |m: &str| {
            study
                .plans
                .iter()
                .filter(|p| p.modality == m)
                .map(|p| (p.series_uid.clone(), describe(study, p)))
                .collect::<Vec<_>>()
        };
        let choice = SeriesChoice {
            pet_series_uid: pet_plan.series_uid.clone(),
            ct_series_uid: ct_idx.map(|i| study.plans[i].series_uid.clone()),
            explanation,
            pet_candidates: candidates("PT"),
            ct_candidates: candidates("CT"),
        };
        let study_date = pet_h.as_ref().and_then(|h| h.study_date.clone());
        Ok(Parts {
            choice,
            ct,
            pet_raw,
            warnings,
            patient,
            study_date,
            ct_patient_id,
        })
    }
}
