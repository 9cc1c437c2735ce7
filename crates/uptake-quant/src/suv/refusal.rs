//! Why no SUV can be given: [`SuvRefusal`].
//!
//! Each variant's `Display` is one sentence a clinician can act on. Serialised (for the
//! CLI's `--json` and the browser) as `{"code": "<snake_case variant>", "message": "<sentence>"}`;
//! the codes are stable.

use super::inputs::SuvType;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use thiserror::Error;

/// An explicit refusal to compute an SUV factor, with the reason.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SuvRefusal {
    /// Units (0054,1001) is absent.
    #[error(
        "SUV cannot be calculated: the image units (Units) are not recorded in the PET header."
    )]
    MissingUnits,
    /// Units is present but not one the engine can convert to SUV.
    #[error("SUV cannot be calculated: the PET image units '{units}' cannot be converted to SUV (only BQML, CNTS with Philips scale factors, GML and CM2ML can).")]
    UnsupportedUnits {
        /// The Units value as found.
        units: String,
    },
    /// CNTS without a usable Philips factor.
    #[error("SUV cannot be calculated: the image is in counts (CNTS) and neither Philips scale factor (7053,1000) nor (7053,1009) is present and non-zero{slice_note}.")]
    CntsWithoutPhilipsFactors {
        /// Which slice lacks it, as text (empty for all).
        slice_note: String,
    },
    /// A numeric string (DS) could not be read.
    #[error("SUV cannot be calculated: {attribute} has the unreadable value '{value}'.")]
    UnreadableNumber {
        /// The attribute.
        attribute: String,
        /// The value as found.
        value: String,
    },
    /// CorrectedImage lacks attenuation or decay correction.
    #[error("SUV cannot be calculated: the PET images are not marked as {missing} (CorrectedImage: {found}). Non-corrected PET must not be quantified.")]
    NotCorrected {
        /// What is missing, e.g. "attenuation corrected (ATTN)".
        missing: String,
        /// The CorrectedImage values as found.
        found: String,
    },
    /// DecayCorrection is absent.
    #[error("SUV cannot be calculated: the decay correction of the PET images (DecayCorrection) is not recorded.")]
    MissingDecayCorrection,
    /// DecayCorrection is not START, ADMIN or NONE.
    #[error("SUV cannot be calculated: the decay correction '{value}' is not one of START, ADMIN or NONE.")]
    UnsupportedDecayCorrection {
        /// The value as found.
        value: String,
    },
    /// DecayCorrection and CorrectedImage contradict each other.
    #[error("SUV cannot be calculated: the header is contradictory: {detail}.")]
    ContradictoryDecayCorrection {
        /// What contradicts.
        detail: String,
    },
    /// The patient weight is missing or zero.
    #[error("SUV cannot be calculated: the patient weight is missing or zero. Enter the weight measured on the day of the scan.")]
    MissingWeight,
    /// The weight is negative or not plausible.
    #[error("SUV cannot be calculated: the patient weight {kg} kg is not plausible (check that it is in kilograms).")]
    ImplausibleWeight {
        /// The weight used, kg.
        kg: f64,
    },
    /// Height needed but missing.
    #[error("{suv_type} cannot be calculated: the patient height is missing or zero. Enter the height, or use SUVbw.")]
    MissingHeight {
        /// The SUV type requested.
        suv_type: SuvType,
    },
    /// Height not plausible (e.g. centimetres written as metres).
    #[error("{suv_type} cannot be calculated: the patient height {m} m is not plausible (check that it is in metres).")]
    ImplausibleHeight {
        /// The SUV type requested.
        suv_type: SuvType,
        /// The height used, metres.
        m: f64,
    },
    /// Sex needed but missing or not M/F.
    #[error("{suv_type} cannot be calculated: the formula depends on sex and the patient sex is {found}. Enter M or F, or use SUVbw.")]
    SexRequired {
        /// The SUV type requested.
        suv_type: SuvType,
        /// What was found, e.g. "missing" or "'O'".
        found: String,
    },
    /// The body-size formula gives a non-positive or meaningless result.
    #[error("{suv_type} cannot be calculated: the formula gives {value} for this weight and height, which is outside its valid range.")]
    BodySizeOutOfRange {
        /// The SUV type requested.
        suv_type: SuvType,
        /// The formula's result (kg or m²).
        value: f64,
    },
    /// Dose missing.
    #[error("SUV cannot be calculated: the injected dose (RadionuclideTotalDose) is missing.")]
    MissingDose,
    /// Dose zero or negative.
    #[error("SUV cannot be calculated: the injected dose {value} is zero or negative.")]
    NonPositiveDose {
        /// The value as found.
        value: f64,
    },
    /// Dose outside any plausible range, even allowing for MBq written instead of Bq.
    #[error("SUV cannot be calculated: the injected dose {value} is not plausible in Bq, nor as a value written in MBq. Check the dose and enter it.")]
    ImplausibleDose {
        /// The value as found (or overridden).
        value: f64,
    },
    /// Half-life missing.
    #[error(
        "SUV cannot be calculated: the radionuclide half-life (RadionuclideHalfLife) is missing."
    )]
    MissingHalfLife,
    /// Half-life zero, negative or not finite.
    #[error("SUV cannot be calculated: the radionuclide half-life {value} s is not valid.")]
    InvalidHalfLife {
        /// The value as found.
        value: f64,
    },
    /// No injection time at all.
    #[error("SUV cannot be calculated: the injection time is not recorded (neither RadiopharmaceuticalStartDateTime nor RadiopharmaceuticalStartTime). Enter the injection time.")]
    NoInjectionTime,
    /// No scan time could be established.
    #[error("SUV cannot be calculated: the scan start time cannot be established ({detail}).")]
    NoScanTime {
        /// What is missing.
        detail: String,
    },
    /// A DA/TM/DT value could not be read.
    #[error(
        "SUV cannot be calculated: {attribute} has the unreadable value '{value}' ({reason})."
    )]
    UnreadableDateTime {
        /// The attribute (with slice number when per slice).
        attribute: String,
        /// The value as found.
        value: String,
        /// Why it could not be read.
        reason: String,
    },
    /// Injection after the scan.
    #[error("SUV cannot be calculated: the injection time {injection} is after the scan time {scan} ({seconds:.0} s). Check the injection time.")]
    NegativeDecayTime {
        /// Injection date-time used (ISO).
        injection: String,
        /// Scan date-time used (ISO).
        scan: String,
        /// Decay time found, seconds (negative).
        seconds: f64,
    },
    /// More than 24 h of uptake when only a time of day (no date) was recorded for the injection.
    #[error("SUV cannot be calculated: the uptake time would be {hours:.1} h, but the injection date is not recorded (only its time of day), so the day of injection is ambiguous. Enter the injection date and time.")]
    AmbiguousInjectionDay {
        /// The uptake time computed with the series date, hours.
        hours: f64,
    },
    /// DecayCorrection NONE needs each slice's acquisition time.
    #[error("SUV cannot be calculated: the images are not decay corrected (DecayCorrection NONE) and slice {slice} has no usable acquisition time.")]
    MissingSliceTime {
        /// Zero-based slice index.
        slice: usize,
    },
    /// DecayCorrection NONE with no slices given.
    #[error("SUV cannot be calculated: the images are not decay corrected (DecayCorrection NONE) and no per-slice acquisition times were provided.")]
    NoSlices,
    /// The instances disagree on a series-level attribute.
    #[error("SUV cannot be calculated: the images do not come from one consistent series ({attribute} differs: {values}).")]
    InconsistentSeries {
        /// The attribute.
        attribute: String,
        /// The distinct values, joined.
        values: String,
    },
    /// An override cannot be applied to these pixel units.
    #[error("SUV cannot be calculated with the {name} override: {reason}.")]
    OverrideNotApplicable {
        /// Which override.
        name: String,
        /// Why.
        reason: String,
    },
}

impl SuvRefusal {
    /// Stable snake_case code of the variant, for programs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingUnits => "missing_units",
            Self::UnsupportedUnits { .. } => "unsupported_units",
            Self::CntsWithoutPhilipsFactors { .. } => "cnts_without_philips_factors",
            Self::UnreadableNumber { .. } => "unreadable_number",
            Self::NotCorrected { .. } => "not_corrected",
            Self::MissingDecayCorrection => "missing_decay_correction",
            Self::UnsupportedDecayCorrection { .. } => "unsupported_decay_correction",
            Self::ContradictoryDecayCorrection { .. } => "contradictory_decay_correction",
            Self::MissingWeight => "missing_weight",
            Self::ImplausibleWeight { .. } => "implausible_weight",
            Self::MissingHeight { .. } => "missing_height",
            Self::ImplausibleHeight { .. } => "implausible_height",
            Self::SexRequired { .. } => "sex_required",
            Self::BodySizeOutOfRange { .. } => "body_size_out_of_range",
            Self::MissingDose => "missing_dose",
            Self::NonPositiveDose { .. } => "non_positive_dose",
            Self::ImplausibleDose { .. } => "implausible_dose",
            Self::MissingHalfLife => "missing_half_life",
            Self::InvalidHalfLife { .. } => "invalid_half_life",
            Self::NoInjectionTime => "no_injection_time",
            Self::NoScanTime { .. } => "no_scan_time",
            Self::UnreadableDateTime { .. } => "unreadable_date_time",
            Self::NegativeDecayTime { .. } => "negative_decay_time",
            Self::AmbiguousInjectionDay { .. } => "ambiguous_injection_day",
            Self::MissingSliceTime { .. } => "missing_slice_time",
            Self::NoSlices => "no_slices",
            Self::InconsistentSeries { .. } => "inconsistent_series",
            Self::OverrideNotApplicable { .. } => "override_not_applicable",
        }
    }
}

impl Serialize for SuvRefusal {
    /// `{"code": "...", "message": "..."}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("SuvRefusal", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}
