//! SUV factors with provenance and explicit refusals.
//!
//! Entry point: [`compute_suv_factor`]`(&`[`SuvInputs`]`, `[`SuvType`]`, &`[`SuvOverrides`]`)`
//! returns a [`SuvFactor`] (one factor per series or one per slice, plus a [`Provenance`])
//! or a [`SuvRefusal`] whose `Display` is a sentence for the clinician.
//!
//! The factor multiplies *rescaled* pixel values (stored × RescaleSlope + RescaleIntercept,
//! per slice) in the series' Units. The algorithm and its sources are described in
//! `shared/reference/suv-algorithm.md`; departures from calculate-suv are deliberate:
//! DecayCorrection ADMIN/NONE honoured, midnight roll-back, James 128, exact fractional
//! seconds, Philips DS strings parsed, doses in MBq recognised.
//!
//! ```
//! use uptake_quant::suv::{compute_suv_factor, SliceInputs, SuvInputs, SuvOverrides, SuvType};
//! let inputs = SuvInputs {
//!     units: Some("BQML".into()),
//!     decay_correction: Some("START".into()),
//!     corrected_image: Some(vec!["ATTN".into(), "DECY".into()]),
//!     series_date: Some("20261128".into()),
//!     series_time: Some("100000".into()),
//!     radiopharmaceutical_start_date_time: Some("20261128090000".into()),
//!     radionuclide_total_dose: Some(370e6),
//!     radionuclide_half_life: Some(6586.2),
//!     patient_weight_kg: Some(70.0),
//!     slices: vec![SliceInputs {
//!         acquisition_date: Some("20261128".into()),
//!         acquisition_time: Some("100000".into()),
//!         ..Default::default()
//!     }],
//!     ..Default::default()
//! };
//! let f = compute_suv_factor(&inputs, SuvType::Bw, &SuvOverrides::default()).unwrap();
//! let decayed = 370e6 * 0.5f64.powf(3600.0 / 6586.2);
//! assert!((f.factor_for_slice(0).unwrap() - 70_000.0 / decayed).abs() < 1e-15);
//! ```

pub mod dicom_time;
mod factor;
pub mod formulas;
mod inputs;
mod provenance;
mod refusal;

pub use factor::{
    compute_suv_factor, SuvFactor, SuvFactorValues, ADULT_AGE_YEARS, MAX_PLAUSIBLE_DOSE_BQ,
    MAX_PLAUSIBLE_WEIGHT_KG, MAX_UPTAKE_WITHOUT_DATE_S, MBQ_MISREAD_MAX, MBQ_MISREAD_MIN,
    MIN_PLAUSIBLE_DOSE_BQ, PLAUSIBLE_HEIGHT_M,
};
pub use inputs::{
    merge_series_values, parse_ds, RadionuclideCode, SeriesConflict, Sex, SliceInputs, SuvInputs,
    SuvOverrides, SuvType,
};
pub use provenance::{
    Branches, DecayHandling, InjectionTimeSource, InputSource, InputUsed, Provenance, ScanTimeRule,
    SliceDecay, UnitHandling, Warning, WarningCode,
};
pub use refusal::SuvRefusal;
