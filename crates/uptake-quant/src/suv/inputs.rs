//! The inputs of the SUV engine: raw PET header values as found, typed but unprocessed.
//!
//! Mapping DICOM attributes to [`SuvInputs`] is the job of `uptake-dicom` (or any other
//! caller); this crate only interprets the values. Strings are kept exactly as found
//! (padding included): interpretation, and the refusals that go with it, happen here.

use super::dicom_time::DicomDateTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which normalisation of the SUV is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuvType {
    /// SUVbw: body weight, g/ml.
    Bw,
    /// SUL: lean body mass after Janmahasatian et al. 2005, g/ml.
    LbmJanmahasatian,
    /// SUVlbm: lean body mass after James 1976 (male coefficient 128, female 148), g/ml.
    LbmJames,
    /// SUVbsa: body surface area after DuBois & DuBois 1916, cm²/ml.
    Bsa,
    /// SUVibw: ideal body weight (Devine-type formula, capped at the actual weight), g/ml.
    Ibw,
}

impl SuvType {
    /// Whether the normalisation needs the patient's sex.
    pub fn needs_sex(self) -> bool {
        matches!(self, Self::LbmJanmahasatian | Self::LbmJames | Self::Ibw)
    }

    /// Whether the normalisation needs the patient's height.
    pub fn needs_height(self) -> bool {
        !matches!(self, Self::Bw)
    }

    /// Whether the normalisation is an adult formula (a warning is given for children).
    pub fn is_adult_formula(self) -> bool {
        !matches!(self, Self::Bw)
    }

    /// Units of the SUV values this normalisation produces.
    pub fn result_units(self) -> &'static str {
        match self {
            Self::Bsa => "cm2/ml",
            _ => "g/ml",
        }
    }

    /// A short clinical name, e.g. "SUVbw" or "SUL (Janmahasatian LBM)".
    pub fn label(self) -> &'static str {
        match self {
            Self::Bw => "SUVbw",
            Self::LbmJanmahasatian => "SUL (Janmahasatian lean body mass)",
            Self::LbmJames => "SUVlbm (James lean body mass)",
            Self::Bsa => "SUVbsa (DuBois body surface area)",
            Self::Ibw => "SUVibw (ideal body weight)",
        }
    }
}

impl fmt::Display for SuvType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Patient sex as needed by the sex-dependent formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male (`M`).
    Male,
    /// Female (`F`).
    Female,
}

impl Sex {
    /// Interprets a PatientSex (0010,0040) value: `M` or `F` (padding ignored, case-insensitive).
    /// Any other value (`O`, empty, …) gives `None`.
    pub fn from_dicom(value: &str) -> Option<Self> {
        match value.trim_matches(|c: char| c == ' ' || c == '\0') {
            "M" | "m" => Some(Self::Male),
            "F" | "f" => Some(Self::Female),
            _ => None,
        }
    }
}

/// A coded radionuclide, Radionuclide Code Sequence (0054,0300) item, as found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RadionuclideCode {
    /// Code Value (0008,0100), e.g. `C-111A1`.
    pub code_value: Option<String>,
    /// Coding Scheme Designator (0008,0102), e.g. `SRT`.
    pub coding_scheme: Option<String>,
    /// Code Meaning (0008,0104), e.g. `^18^Fluorine`.
    pub code_meaning: Option<String>,
}

/// Per-slice (per-instance or per-frame) header values, in volume slice order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SliceInputs {
    /// AcquisitionDate (0008,0022), DA as found.
    pub acquisition_date: Option<String>,
    /// AcquisitionTime (0008,0032), TM as found.
    pub acquisition_time: Option<String>,
    /// AcquisitionDateTime (0008,002A), DT as found; preferred over date + time when usable.
    pub acquisition_date_time: Option<String>,
    /// FrameReferenceTime (0054,1300), milliseconds.
    pub frame_reference_time_ms: Option<f64>,
    /// ActualFrameDuration (0018,1242), milliseconds.
    pub actual_frame_duration_ms: Option<f64>,
    /// Philips SUV Scale Factor (7053,1000), a DS string as found (e.g. `"0.003515736 "`).
    pub philips_suv_scale_factor: Option<String>,
    /// Philips Activity Concentration Scale Factor (7053,1009), a DS string as found.
    pub philips_activity_concentration_scale_factor: Option<String>,
}

/// Two or more instances of one series disagree on a series-level attribute.
///
/// The caller that maps instances to [`SuvInputs`] records these (see
/// [`merge_series_values`]); [`compute_suv_factor`](super::compute_suv_factor) refuses when
/// any is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesConflict {
    /// Attribute keyword, e.g. `RadionuclideHalfLife`.
    pub attribute: String,
    /// The distinct values found, as text.
    pub values: Vec<String>,
}

/// Raw SUV-relevant header values of one PET series.
///
/// Every field is optional: absence is a fact the engine reports, never papered over.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SuvInputs {
    /// Manufacturer (0008,0070).
    pub manufacturer: Option<String>,
    /// Units (0054,1001): `BQML`, `CNTS`, `GML`, `CM2ML`, `PROPCNTS`, …
    pub units: Option<String>,
    /// DecayCorrection (0054,1102): `START`, `ADMIN` or `NONE`.
    pub decay_correction: Option<String>,
    /// CorrectedImage (0028,0051), all values.
    pub corrected_image: Option<Vec<String>>,
    /// SeriesDate (0008,0021), DA.
    pub series_date: Option<String>,
    /// SeriesTime (0008,0031), TM.
    pub series_time: Option<String>,
    /// StudyDate (0008,0020), DA (used for the age from the birth date).
    pub study_date: Option<String>,
    /// TimezoneOffsetFromUTC (0008,0201), e.g. `+0100`.
    pub timezone_offset_from_utc: Option<String>,
    /// RadiopharmaceuticalStartDateTime (0018,1078), DT.
    pub radiopharmaceutical_start_date_time: Option<String>,
    /// RadiopharmaceuticalStartTime (0018,1072), TM.
    pub radiopharmaceutical_start_time: Option<String>,
    /// RadionuclideTotalDose (0018,1074), Bq as the standard says (some systems write MBq).
    pub radionuclide_total_dose: Option<f64>,
    /// RadionuclideHalfLife (0018,1075), seconds.
    pub radionuclide_half_life: Option<f64>,
    /// Radionuclide Code Sequence (0054,0300) first item.
    pub radionuclide_code: Option<RadionuclideCode>,
    /// Radionuclide name when not coded (e.g. from Radiopharmaceutical (0018,0031)).
    pub radionuclide_name: Option<String>,
    /// PatientWeight (0010,1030), kg.
    pub patient_weight_kg: Option<f64>,
    /// PatientSize (0010,1020), metres.
    pub patient_size_m: Option<f64>,
    /// PatientSex (0010,0040) as found.
    pub patient_sex: Option<String>,
    /// PatientAge (0010,1010), AS such as `045Y`, `006M`.
    pub patient_age: Option<String>,
    /// PatientBirthDate (0010,0030), DA.
    pub patient_birth_date: Option<String>,
    /// GE private scan date-time (0009,100D) `GEMS_PETD_01`, DT as found.
    pub ge_private_scan_date_time: Option<String>,
    /// Per-slice values, in the order of the volume's slices.
    pub slices: Vec<SliceInputs>,
    /// Series-level attributes on which the instances disagree (filled by the mapper).
    pub series_conflicts: Vec<SeriesConflict>,
}

/// Values the user supplies to replace header values. Each one used is recorded in the
/// provenance and applies to every number computed from the factor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SuvOverrides {
    /// Patient weight, kg.
    pub weight_kg: Option<f64>,
    /// Patient height, metres.
    pub height_m: Option<f64>,
    /// Injected dose, Bq (no unit guessing for user input).
    pub dose_bq: Option<f64>,
    /// Injection date-time.
    pub injection_date_time: Option<DicomDateTime>,
    /// Patient sex.
    pub sex: Option<Sex>,
}

impl SuvOverrides {
    /// Whether no override is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Parses a DICOM DS (decimal string) value: leading/trailing spaces and NULs are ignored.
///
/// Returns `None` for empty, non-numeric or non-finite text.
pub fn parse_ds(value: &str) -> Option<f64> {
    let v = value.trim_matches(|c: char| c == ' ' || c == '\0');
    if v.is_empty()
        || !v
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    v.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Merges a series-level attribute read from several instances.
///
/// Returns the common value (the first present one); when present values differ, a
/// [`SeriesConflict`] is pushed to `conflicts` so that the engine refuses.
pub fn merge_series_values<T, I>(
    attribute: &str,
    values: I,
    conflicts: &mut Vec<SeriesConflict>,
) -> Option<T>
where
    T: PartialEq + fmt::Debug + Clone,
    I: IntoIterator<Item = Option<T>>,
{
    let mut distinct: Vec<T> = Vec::new();
    for v in values.into_iter().flatten() {
        if !distinct.contains(&v) {
            distinct.push(v);
        }
    }
    if distinct.len() > 1 {
        conflicts.push(SeriesConflict {
            attribute: attribute.to_string(),
            values: distinct.iter().map(|v| format!("{v:?}")).collect(),
        });
    }
    distinct.into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_with_padding() {
        assert_eq!(parse_ds("0.003515736 "), Some(0.003515736));
        assert_eq!(parse_ds(" 4.709921\0"), Some(4.709921));
        assert_eq!(parse_ds("1e-3"), Some(0.001));
        assert_eq!(parse_ds(""), None);
        assert_eq!(parse_ds("abc"), None);
        assert_eq!(parse_ds("inf"), None);
        assert_eq!(parse_ds("1.2.3"), None);
    }

    #[test]
    fn sex_parsing() {
        assert_eq!(Sex::from_dicom("M "), Some(Sex::Male));
        assert_eq!(Sex::from_dicom("F"), Some(Sex::Female));
        assert_eq!(Sex::from_dicom("O"), None);
        assert_eq!(Sex::from_dicom("T"), None);
    }

    #[test]
    fn merge_records_conflicts() {
        let mut c = Vec::new();
        assert_eq!(
            merge_series_values("X", [Some(1.0), None, Some(1.0)], &mut c),
            Some(1.0)
        );
        assert!(c.is_empty());
        assert_eq!(
            merge_series_values("H", [Some(10.0), Some(11.0)], &mut c),
            Some(10.0)
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].attribute, "H");
    }
}
