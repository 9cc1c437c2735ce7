//! Provenance of an SUV factor: inputs used, branches taken, decay, warnings.
//!
//! Serialised with stable snake_case field names; enums serialise as snake_case strings
//! (or `{"kind": ...}` objects where they carry data).

use super::dicom_time::DicomDateTime;
use serde::Serialize;

/// Where an input value came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputSource {
    /// A DICOM attribute, e.g. `(0010,1030) PatientWeight`.
    Header {
        /// Tag and keyword.
        tag: String,
    },
    /// A user override.
    Override,
    /// Derived by the engine from other inputs (the description says how).
    Derived {
        /// How it was derived.
        how: String,
    },
}

/// One input value used in the computation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputUsed {
    /// Name with units, e.g. `patient_weight_kg`.
    pub name: String,
    /// The value as used, as text (numbers in full precision).
    pub value: String,
    /// Where it came from.
    pub source: InputSource,
}

/// How the scan (reference) time was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanTimeRule {
    /// SeriesDate + SeriesTime, not later than the earliest acquisition.
    SeriesDateTime,
    /// SeriesDate + SeriesTime with no acquisition times to check it against.
    SeriesDateTimeUnchecked,
    /// The series time was later than the earliest acquisition; GE private (0009,100D) used.
    GePrivateScanDateTime,
    /// The series time was later than the earliest acquisition; the earliest acquisition used
    /// (QIBA option A).
    EarliestAcquisition,
    /// The series time was later than the earliest acquisition; per-slice Siemens
    /// AcquisitionDT − FrameReferenceTime + Tavg (QIBA option B).
    SiemensFrameReferenceTime,
    /// DecayCorrection NONE: each slice decayed to its own acquisition time (+ Tavg).
    PerSliceAcquisition,
    /// Not needed: the pixels are already SUV (GML, CM2ML).
    NotNeeded,
}

/// Where the injection time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectionTimeSource {
    /// RadiopharmaceuticalStartDateTime (0018,1078).
    StartDateTime,
    /// SeriesDate + RadiopharmaceuticalStartTime (0018,1072).
    SeriesDatePlusStartTime,
    /// SeriesDate − 1 day + RadiopharmaceuticalStartTime: injected before midnight.
    StartTimeRolledBackOneDay,
    /// User override.
    Override,
    /// Not needed: the pixels are already SUV (GML, CM2ML).
    NotNeeded,
}

/// How DecayCorrection was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecayHandling {
    /// START: the dose is decayed from injection to the scan start.
    DecayDoseToScanStart,
    /// ADMIN: pixels are already decay-corrected to the injection; the dose is not decayed.
    NoDecayAdmin,
    /// NONE: the dose is decayed to each slice's acquisition time (+ Tavg over its frame).
    PerSliceDecay,
    /// Not needed: the pixels are already SUV (GML, CM2ML).
    NotNeeded,
}

/// How the pixel units were handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitHandling {
    /// BQML: activity concentration in Bq/ml.
    Bqml,
    /// CNTS with Philips SUV Scale Factor (7053,1000): counts → SUVbw directly.
    CntsPhilipsSuvScaleFactor,
    /// CNTS with Philips Activity Concentration Scale Factor (7053,1009): counts → Bq/ml.
    CntsPhilipsActivityConcentrationFactor,
    /// GML: the pixels are already SUVbw.
    GmlPrecomputedSuvBw,
    /// CM2ML: the pixels are already SUVbsa.
    Cm2mlPrecomputedSuvBsa,
}

/// The branches taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branches {
    /// Scan time rule.
    pub scan_time_rule: ScanTimeRule,
    /// Injection time source.
    pub injection_time_source: InjectionTimeSource,
    /// Decay correction handling.
    pub decay_correction: DecayHandling,
    /// Unit handling.
    pub units: UnitHandling,
}

/// Decay of one slice (DecayCorrection NONE, or per-slice scan times).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceDecay {
    /// Zero-based slice index.
    pub slice: usize,
    /// The date-time the dose was decayed to.
    pub reference_date_time: DicomDateTime,
    /// Seconds from injection to the reference time.
    pub decay_time_s: f64,
    /// Fraction of the dose remaining, 2^(−t/T½).
    pub decay_factor: f64,
}

/// Machine-readable kind of a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// SeriesTime was after the earliest acquisition; another scan time was used.
    SeriesTimeAfterAcquisition,
    /// Injection assumed on the day before the series date.
    InjectionBeforeMidnight,
    /// The dose looked like MBq and was converted to Bq.
    DoseInMegabecquerel,
    /// A child with an adult body-size formula.
    PaediatricAdultFormula,
    /// The header half-life differs from the identified radionuclide's.
    HalfLifeMismatch,
    /// Philips private factors present but ignored (Units BQML).
    PhilipsFactorsIgnored,
    /// Philips SUV Scale Factor bypassed because an override changes its inputs.
    PhilipsSuvScaleFactorBypassed,
    /// DecayCorrection NONE without frame durations: no within-frame decay averaging.
    NoFrameDuration,
    /// The GE private scan time was present but unusable.
    GePrivateTimeUnusable,
    /// The time zone was inferred from a date-time's offset.
    TimeZoneInferred,
    /// James LBM beyond its maximum (the formula decreases with weight there).
    JamesFormulaBeyondMaximum,
    /// Conversion from pre-computed SUV pixels with an assumed scanner formula.
    PrecomputedSuvConversion,
    /// Per-slice scan times differ (e.g. Siemens multi-injection).
    PerSliceScanTimesDiffer,
    /// The age could not be established for the paediatric check.
    AgeUnknown,
    /// An override replaced a header value.
    OverrideApplied,
}

/// A warning: the number is given, but the user must know this.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// Machine-readable kind.
    pub code: WarningCode,
    /// A sentence a clinician understands.
    pub message: String,
}

/// Everything needed to audit an SUV factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// Input values used, each with its source.
    pub inputs: Vec<InputUsed>,
    /// Branches taken.
    pub branches: Branches,
    /// Injection date-time used (absent for pre-computed SUV units).
    pub injection_date_time: Option<DicomDateTime>,
    /// Series-level scan (reference) date-time used (absent when per slice).
    pub scan_date_time: Option<DicomDateTime>,
    /// Seconds from injection to the scan time (uptake time; under ADMIN the dose is not
    /// decayed, but this is still the uptake time). Absent when per slice or not needed.
    pub decay_time_s: Option<f64>,
    /// Fraction of the dose used, 2^(−t/T½) (1 under ADMIN). Absent when per slice.
    pub decay_factor: Option<f64>,
    /// Per-slice decay, when each slice has its own reference time.
    pub per_slice_decay: Vec<SliceDecay>,
    /// Dose in Bq after any unit correction, before decay.
    pub dose_bq: Option<f64>,
    /// Warnings, in the order they arose.
    pub warnings: Vec<Warning>,
}

impl Provenance {
    /// Whether a warning of this kind was recorded.
    pub fn has_warning(&self, code: WarningCode) -> bool {
        self.warnings.iter().any(|w| w.code == code)
    }

    /// The value of a named input, if used.
    pub fn input(&self, name: &str) -> Option<&InputUsed> {
        self.inputs.iter().find(|i| i.name == name)
    }
}
