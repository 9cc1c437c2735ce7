//! The loaded study: series choice with its explanation, CT and PET volumes, SUV (or its
//! refusal), warnings, patient and study facts.

use crate::error::ViewerError;
use serde::Serialize;
use uptake_dicom::{Geometry, LoadedStudy, PatientInfo, StackPlan, Volume, Voxels};
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
    /// The PET, held once: see [`Session::pet_raw`] and [`Session::suv`].
    pet: Pet,
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

/// The PET of a session, its stored values held once: in SUV (computed from them on access),
/// or refused with the reason (shown in stored units).
#[derive(Debug)]
struct Pet(Result<SuvVolume, Refused>);

/// A PET whose SUV was refused.
#[derive(Debug)]
struct Refused {
    /// The PET in its stored units.
    raw: Volume,
    /// Why there is no SUV (shown to the user).
    reason: String,
}

impl Pet {
    fn refused(raw: Volume, reason: String) -> Pet {
        Pet(Err(Refused { raw, reason }))
    }

    /// An empty PET, in place only while a volume is moved between states.
    fn placeholder() -> Pet {
        let raw = Volume {
            study_uid: String::new(),
            series_uid: String::new(),
            modality: String::new(),
            units: String::new(),
            geometry: Geometry {
                origin: [0.0; 3],
                spacing: [1.0; 3],
                axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                dims: [0; 3],
            },
            voxels: Voxels::F32(Default::default()),
            slices: Vec::new(),
            problems: Vec::new(),
        };
        Pet::refused(raw, String::new())
    }

    fn raw(&self) -> &Volume {
        match &self.0 {
            Ok(v) => v.raw(),
            Err(r) => &r.raw,
        }
    }

    fn into_raw(self) -> Volume {
        match self.0 {
            Ok(v) => v.into_raw(),
            Err(r) => r.raw,
        }
    }
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
        let parts = match Parts::build(&study, pet_uid, ct_uid, None) {
            Ok(p) => p,
            Err(e) => return Err((e, Box::new(study))),
        };
        // With no volume offered for reuse, the PET is always taken from the study.
        let Some(pet_raw) = parts.pet else {
            if let Some(ct) = parts.ct {
                study.keep(ct);
            }
            return Err((ViewerError::NoPetSeries, Box::new(study)));
        };
        let mut s = Session {
            study,
            choice: parts.choice,
            ct: parts.ct,
            pet: Pet::placeholder(),
            suv_type,
            warnings: parts.warnings,
            patient: parts.patient,
            study_date: parts.study_date,
            ct_patient_id: parts.ct_patient_id,
        };
        s.install_pet(pet_raw, overrides);
        Ok(s)
    }

    /// The PET in its stored units (Bq/ml): shown when SUV is refused, and what every SUV is
    /// computed from (inside the [`SuvVolume`] when there is one; never a second copy).
    pub fn pet_raw(&self) -> &Volume {
        self.pet.raw()
    }

    /// The PET in SUV, or why SUV was refused.
    pub fn suv(&self) -> Result<&SuvVolume, &str> {
        self.pet.0.as_ref().map_err(|r| r.reason.as_str())
    }

    /// Takes the session apart into its study and the PET's stored values (to hand both back
    /// to another load without decoding the PET again).
    pub fn into_study_and_pet_raw(self) -> (LoadedStudy, Volume) {
        (self.study, self.pet.into_raw())
    }

    /// Switches to other series of the same study (`None`: the automatic choice). On error
    /// the session is unchanged.
    pub fn switch_series(
        &mut self,
        pet_uid: Option<&str>,
        ct_uid: Option<&str>,
        overrides: &SuvOverrides,
    ) -> Result<(), ViewerError> {
        // The CT shown goes back to the study first: after streaming assembly it exists
        // nowhere else, and a choice that keeps it reuses it instead of decoding. The PET
        // stays here until the new choice is made (offered for reuse when the same series is
        // chosen), so an error leaves it untouched and it is never copied.
        if let Some(ct) = self.ct.take() {
            self.study.keep(ct);
        }
        let parts = match Parts::build(&self.study, pet_uid, ct_uid, Some(self.pet.raw())) {
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
        self.warnings = parts.warnings;
        self.patient = parts.patient;
        self.study_date = parts.study_date;
        self.ct_patient_id = parts.ct_patient_id;
        match parts.pet {
            Some(pet_raw) => {
                // The PET shown before goes back to the study (switching back reuses it).
                let previous = self.install_pet(pet_raw, overrides);
                self.study.keep(previous);
            }
            None => self.recompute_suv(overrides),
        }
        Ok(())
    }

    /// Recomputes the SUV volume from the raw PET with these overrides (the stored values
    /// move into the new SUV volume; nothing is copied); updates the SUV-refused warning.
    pub fn recompute_suv(&mut self, overrides: &SuvOverrides) {
        let raw = std::mem::replace(&mut self.pet, Pet::placeholder()).into_raw();
        self.install_pet(raw, overrides);
    }

    /// Makes `raw` the PET shown: converted to SUV with the factor of the chosen PET series,
    /// this session's SUV type and `overrides`, or kept in stored units with the refusal
    /// reason. Updates the SUV-refused warning; returns the stored values of the PET held
    /// before.
    fn install_pet(&mut self, raw: Volume, overrides: &SuvOverrides) -> Volume {
        self.warnings
            .retain(|w| !matches!(w, Warning::SuvRefused(_)));
        let plan = self
            .study
            .plans
            .iter()
            .find(|p| p.series_uid == self.choice.pet_series_uid && p.modality == "PT");
        let factor = match plan {
            None => Err("the PET series is no longer available".to_string()),
            Some(plan) => {
                let inputs = plan_suv_inputs(&self.study, plan);
                series_suv_factor(&inputs, self.suv_type, overrides).map_err(|r| r.to_string())
            }
        };
        let pet = match factor {
            Ok(f) => match SuvVolume::try_new(raw, f) {
                Ok(v) => Pet(Ok(v)),
                Err(e) => Pet::refused(e.volume, e.error.to_string()),
            },
            Err(reason) => Pet::refused(raw, reason),
        };
        if let Err(Refused { reason, .. }) = &pet.0 {
            self.warnings.push(Warning::SuvRefused(format!(
                "SUV refused: {reason} PET is shown in Bq/ml."
            )));
        }
        std::mem::replace(&mut self.pet, pet).into_raw()
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
    /// The PET taken from the study (kept, pooled or decoded); `None` when the volume
    /// offered for reuse is the chosen PET (the session keeps the one it holds).
    pet: Option<Volume>,
    warnings: Vec<Warning>,
    patient: PatientInfo,
    study_date: Option<String>,
    ct_patient_id: Option<String>,
}

impl Parts {
    /// The parts of a choice of series (`None`: automatic). `current`, the PET volume held
    /// now, is reused (`pet: None`) when the chosen PET is that volume's series and
    /// plan (what [`LoadedStudy::volume`] would accept back from [`LoadedStudy::keep`]); on
    /// error nothing is taken out of the study.
    fn build(
        study: &LoadedStudy,
        pet_uid: Option<&str>,
        ct_uid: Option<&str>,
        current: Option<&Volume>,
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
        let reuse = current.filter(|v| {
            v.series_uid == pet_plan.series_uid
                && v.modality == pet_plan.modality
                && v.geometry == pet_plan.geometry
        });
        let taken = match reuse {
            Some(_) => None,
            None => Some(
                study
                    .volume(pet_plan)
                    .map_err(|source| ViewerError::Assemble {
                        series_uid: pet_plan.series_uid.clone(),
                        source: Box::new(source),
                    })?,
            ),
        };
        let ct = match ct_idx.map(|i| (i, study.volume(&study.plans[i]))) {
            Some((_, Ok(v))) => Some(v),
            Some((i, Err(source))) => {
                // Nothing lost: a PET taken goes back to the study.
                if let Some(v) = taken {
                    study.keep(v);
                }
                return Err(ViewerError::Assemble {
                    series_uid: study.plans[i].series_uid.clone(),
                    source: Box::new(source),
                });
            }
            None => None,
        };
        // The chosen PET: the one taken, or the one reused (exactly one of them).
        let pet_volume = taken.as_ref().or(reuse);
        for (m, v) in pet_volume
            .map(|v| ("PET", v))
            .into_iter()
            .chain(ct.iter().map(|c| ("CT", c)))
        {
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
            pet: taken,
            warnings,
            patient,
            study_date,
            ct_patient_id,
        })
    }
}
