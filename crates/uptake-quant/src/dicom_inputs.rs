//! DICOM headers of one PET series → [`SuvInputs`], exactly as found.
//!
//! Series-level values are merged over every instance of the series with
//! [`merge_series_values`]: when instances disagree the conflict is recorded and the engine
//! refuses. Per-slice values ([`SliceInputs`]) come from each *present* slice slot of the
//! volume, in slot order; missing slots get no entry (an empty entry would make the engine
//! refuse a whole series for a slice that is not there), and [`SeriesSuvInputs::slot_slices`]
//! maps slots to entries. [`series_suv_factor`] runs the engine and returns a factor indexed
//! by volume slot.

use crate::suv::{
    compute_suv_factor, merge_series_values, RadionuclideCode, SeriesConflict, SliceInputs,
    SuvFactor, SuvFactorValues, SuvInputs, SuvOverrides, SuvRefusal, SuvType,
};
use uptake_dicom::stack::FrameRef;
use uptake_dicom::{InstanceHeader, LoadedStudy, StackPlan};

/// [`SuvInputs`] of a series plus the map from volume slice slots to `inputs.slices`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSuvInputs {
    /// The engine inputs; `inputs.slices` holds one entry per present slot, in slot order.
    pub inputs: SuvInputs,
    /// For each slice slot of the volume, the index into `inputs.slices` (`None` when the
    /// slot is missing).
    pub slot_slices: Vec<Option<usize>>,
}

/// Maps the headers of one PET series to the SUV engine's inputs.
///
/// `headers` are the instance headers indexed as in `slots` (for a [`StackPlan`], every
/// header given to `plan_stacks`, i.e. `study.instances`); `slots` is the volume's slice
/// order ([`StackPlan::slots`]). Headers not referenced by a slot are ignored. A slot whose
/// instance index is out of range is treated as missing.
pub fn suv_inputs(headers: &[&InstanceHeader], slots: &[Option<FrameRef>]) -> SeriesSuvInputs {
    let mut present: Vec<(&InstanceHeader, usize)> = Vec::new();
    let mut slot_slices = Vec::with_capacity(slots.len());
    for slot in slots {
        let found = slot.and_then(|fr| headers.get(fr.instance).map(|h| (*h, fr.frame)));
        match found {
            Some(hf) => {
                slot_slices.push(Some(present.len()));
                present.push(hf);
            }
            None => slot_slices.push(None),
        }
    }
    // Each instance once for series-level values (a multi-frame instance fills many slots).
    let mut instances: Vec<&InstanceHeader> = Vec::new();
    for (h, _) in &present {
        if !instances.iter().any(|x| std::ptr::eq(*x, *h)) {
            instances.push(h);
        }
    }
    let mut c: Vec<SeriesConflict> = Vec::new();
    let pet = |h: &InstanceHeader| h.pet.clone().unwrap_or_default();
    let pets: Vec<_> = instances.iter().map(|h| pet(h)).collect();
    macro_rules! merge {
        ($name:expr, $iter:expr) => {
            merge_series_values($name, $iter, &mut c)
        };
    }
    let manufacturer = merge!(
        "Manufacturer",
        instances.iter().map(|h| h.manufacturer.clone())
    );
    let units = merge!("Units", pets.iter().map(|p| p.units.clone()));
    let decay_correction = merge!(
        "DecayCorrection",
        pets.iter().map(|p| p.decay_correction.clone())
    );
    let corrected_image = merge!(
        "CorrectedImage",
        pets.iter()
            .map(|p| (!p.corrected_image.is_empty()).then(|| p.corrected_image.clone()))
    );
    let series_date = merge!("SeriesDate", pets.iter().map(|p| p.series_date.clone()));
    let series_time = merge!("SeriesTime", pets.iter().map(|p| p.series_time.clone()));
    let study_date = merge!("StudyDate", instances.iter().map(|h| h.study_date.clone()));
    let rp = |f: fn(&uptake_dicom::pet::Radiopharmaceutical) -> Option<String>| {
        pets.iter()
            .map(move |p| f(&p.radiopharmaceutical))
            .collect::<Vec<_>>()
    };
    let start_dt = merge!(
        "RadiopharmaceuticalStartDateTime",
        rp(|r| r.start_datetime.clone())
    );
    let start_t = merge!("RadiopharmaceuticalStartTime", rp(|r| r.start_time.clone()));
    let dose = merge!(
        "RadionuclideTotalDose",
        pets.iter().map(|p| p.radiopharmaceutical.total_dose)
    );
    let half_life = merge!(
        "RadionuclideHalfLife",
        pets.iter().map(|p| p.radiopharmaceutical.half_life_s)
    );
    let nuclide = merge!("RadionuclideCodeSequence", rp(|r| r.radionuclide.clone()));
    let nuclide_code = merge!(
        "RadionuclideCodeSequence",
        rp(|r| r.radionuclide_code_value.clone())
    );
    let nuclide_scheme = merge!(
        "RadionuclideCodeSequence",
        rp(|r| r.radionuclide_coding_scheme.clone())
    );
    let timezone = merge!(
        "TimezoneOffsetFromUTC",
        pets.iter().map(|p| p.timezone_offset_from_utc.clone())
    );
    let name = merge!("Radiopharmaceutical", rp(|r| r.name.clone()));
    let weight = merge!(
        "PatientWeight",
        instances.iter().map(|h| h.patient.weight_kg)
    );
    let size = merge!("PatientSize", instances.iter().map(|h| h.patient.size_m));
    let sex = merge!(
        "PatientSex",
        instances.iter().map(|h| h.patient.sex.clone())
    );
    let age = merge!(
        "PatientAge",
        instances.iter().map(|h| h.patient.age.clone())
    );
    let birth = merge!(
        "PatientBirthDate",
        instances.iter().map(|h| h.patient.birth_date.clone())
    );
    let ge = merge!(
        "GE private scan date-time (0009,100D)",
        pets.iter().map(|p| p.ge_scan_datetime.clone())
    );
    let slices = present
        .iter()
        .map(|(h, frame)| {
            let f = h.frames.get(*frame);
            let p = h.pet.as_ref();
            SliceInputs {
                acquisition_date: f.and_then(|f| f.acquisition_date.clone()),
                acquisition_time: f.and_then(|f| f.acquisition_time.clone()),
                acquisition_date_time: f.and_then(|f| f.acquisition_datetime.clone()),
                frame_reference_time_ms: f.and_then(|f| f.frame_reference_time_ms),
                actual_frame_duration_ms: f.and_then(|f| f.frame_duration_ms),
                philips_suv_scale_factor: p.and_then(|p| p.philips_suv_scale_factor.clone()),
                philips_activity_concentration_scale_factor: p
                    .and_then(|p| p.philips_activity_concentration_factor.clone()),
            }
        })
        .collect();
    let inputs = SuvInputs {
        manufacturer,
        units,
        decay_correction,
        corrected_image,
        series_date,
        series_time,
        study_date,
        timezone_offset_from_utc: timezone,
        radiopharmaceutical_start_date_time: start_dt,
        radiopharmaceutical_start_time: start_t,
        radionuclide_total_dose: dose,
        radionuclide_half_life: half_life,
        radionuclide_code: (nuclide.is_some() || nuclide_code.is_some()).then_some(
            RadionuclideCode {
                code_value: nuclide_code,
                coding_scheme: nuclide_scheme,
                code_meaning: nuclide,
            },
        ),
        radionuclide_name: name,
        patient_weight_kg: weight,
        patient_size_m: size,
        patient_sex: sex,
        patient_age: age,
        patient_birth_date: birth,
        ge_private_scan_date_time: ge,
        slices,
        series_conflicts: c,
    };
    SeriesSuvInputs {
        inputs,
        slot_slices,
    }
}

/// The inputs of a planned series of a loaded study.
pub fn plan_suv_inputs(study: &LoadedStudy, plan: &StackPlan) -> SeriesSuvInputs {
    let headers: Vec<&InstanceHeader> = study.instances.iter().map(|i| &i.header).collect();
    suv_inputs(&headers, &plan.slots)
}

/// Runs the SUV engine on a series and returns the factor indexed by volume slice slot:
/// a per-slice factor is expanded to one value per slot, NaN for missing slots.
pub fn series_suv_factor(
    series: &SeriesSuvInputs,
    suv_type: SuvType,
    overrides: &SuvOverrides,
) -> Result<SuvFactor, SuvRefusal> {
    let mut f = compute_suv_factor(&series.inputs, suv_type, overrides)?;
    if let SuvFactorValues::PerSlice(v) = &f.values {
        let expanded = series
            .slot_slices
            .iter()
            .map(|s| s.and_then(|i| v.get(i).copied()).unwrap_or(f64::NAN))
            .collect();
        f.values = SuvFactorValues::PerSlice(expanded);
    }
    Ok(f)
}
