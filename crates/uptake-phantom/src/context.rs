//! Study-level values shared by every file: identifiers, patient, timing and the SUV
//! factor, all derived deterministically from the options.

use crate::ident::{nhs_number, UidSource};
use crate::options::PhantomOptions;
use crate::text::{ds_value, ds_with_trailing_space, Date, DateTime};

/// Transfer syntax: Explicit VR Little Endian.
pub const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// Transfer syntax: Implicit VR Little Endian.
pub const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
/// CT Image Storage.
pub const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
/// Enhanced CT Image Storage.
pub const ENHANCED_CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2.1";
/// Positron Emission Tomography Image Storage.
pub const PET_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.128";
/// Enhanced PET Image Storage.
pub const ENHANCED_PET_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.130";

/// Patient name written.
pub const PATIENT_NAME: &str = "PHANTOM^UPTAKE";
/// Patient weight, kg.
pub const WEIGHT_KG: f64 = 75.0;
/// Patient height, m.
pub const HEIGHT_M: f64 = 1.75;
/// Injected activity, Bq.
pub const DOSE_BQ: f64 = 350_000_000.0;
/// F-18 half-life, s.
pub const HALF_LIFE_S: f64 = 6586.2;
/// F-18 positron fraction.
pub const POSITRON_FRACTION: f64 = 0.9673;
/// The Philips Activity Concentration Scale Factor written with `philips_cnts`
/// (rescaled counts × this = Bq/ml).
pub const PHILIPS_ACSF: f64 = 0.2916667;

/// Everything that is the same for all files of one generated study.
#[derive(Debug, Clone)]
pub struct StudyContext {
    /// The options.
    pub opts: PhantomOptions,
    /// UID factory.
    pub uids: UidSource,
    /// StudyInstanceUID.
    pub study_uid: String,
    /// FrameOfReferenceUID.
    pub frame_of_reference_uid: String,
    /// CT SeriesInstanceUID.
    pub ct_series_uid: String,
    /// PET SeriesInstanceUID.
    pub pet_series_uid: String,
    /// AccessionNumber.
    pub accession: String,
    /// NHS Number.
    pub nhs_number: String,
    /// Birth date.
    pub birth_date: Date,
    /// PatientAge (`065Y`).
    pub age: String,
    /// Injection time.
    pub injection: DateTime,
    /// CT series (and study) time.
    pub ct_series: DateTime,
    /// PET series time (the decay reference).
    pub pet_series: DateTime,
    /// `dose × 2^(−t/T½)`.
    pub decayed_dose_bq: f64,
    /// SUVbw per Bq/ml.
    pub suvbw_factor: f64,
    /// Philips factors: (ACSF string, ACSF parsed, SUVSF string, SUVSF parsed).
    pub philips: Option<(String, f64, String, f64)>,
    /// The transfer syntax UID.
    pub transfer_syntax: &'static str,
}

impl StudyContext {
    /// Derives the study values from the options.
    pub fn new(opts: &PhantomOptions) -> StudyContext {
        // Every option that changes the data enters the UID key.
        let key = format!(
            "uptake-phantom/1/{}",
            serde_json::to_string(opts).unwrap_or_else(|_| format!("{opts:?}"))
        );
        let uids = UidSource::new(key);
        let scan_date = Date {
            year: 2026,
            month: 11,
            day: 20,
        };
        let (injection, ct_series, pet_series) = if opts.injection_before_midnight {
            (
                DateTime::at(scan_date, -30 * 60),
                DateTime::at(scan_date, 35 * 60),
                DateTime::at(scan_date, 40 * 60),
            )
        } else {
            (
                DateTime::at(scan_date, 9 * 3600 + 12 * 60 + 30),
                DateTime::at(scan_date, 10 * 3600 + 9 * 60),
                DateTime::at(scan_date, 10 * 3600 + 14 * 60 + 5),
            )
        };
        let decay_s = pet_series.seconds_since(injection) as f64;
        let decayed_dose_bq = DOSE_BQ * (-decay_s / HALF_LIFE_S).exp2();
        let suvbw_factor = WEIGHT_KG * 1000.0 / decayed_dose_bq;
        let philips = opts.philips_cnts.then(|| {
            let acsf_s = ds_with_trailing_space(PHILIPS_ACSF);
            let acsf = ds_value(PHILIPS_ACSF);
            let suvsf_s = ds_with_trailing_space(acsf * suvbw_factor);
            let suvsf = suvsf_s.trim_end().parse().unwrap_or(0.0);
            (acsf_s, acsf, suvsf_s, suvsf)
        });
        let seed_digits = crate::ident::hash64(&[&opts.seed.to_le_bytes(), b"accession"]);
        StudyContext {
            study_uid: uids.uid("study"),
            frame_of_reference_uid: uids.uid("frame-of-reference"),
            ct_series_uid: uids.uid("ct/series"),
            pet_series_uid: uids.uid("pet/series"),
            uids,
            accession: format!("UPT{:08}", seed_digits % 100_000_000),
            nhs_number: nhs_number(opts.seed),
            birth_date: Date {
                year: 1961,
                month: 3,
                day: 14,
            },
            age: "065Y".to_string(),
            injection,
            ct_series,
            pet_series,
            decayed_dose_bq,
            suvbw_factor,
            philips,
            transfer_syntax: if opts.implicit_vr {
                IMPLICIT_VR_LE
            } else {
                EXPLICIT_VR_LE
            },
            opts: opts.clone(),
        }
    }

    /// Seconds from injection to the PET series time.
    pub fn decay_time_s(&self) -> f64 {
        self.pet_series.seconds_since(self.injection) as f64
    }

    /// PatientPosition.
    pub fn patient_position(&self) -> &'static str {
        if self.opts.feet_first {
            "FFS"
        } else {
            "HFS"
        }
    }

    /// PET Units.
    pub fn pet_units(&self) -> &'static str {
        if self.philips.is_some() {
            "CNTS"
        } else {
            "BQML"
        }
    }

    /// Manufacturer.
    pub fn manufacturer(&self) -> &'static str {
        if self.philips.is_some() {
            "Philips Medical Systems"
        } else {
            "Uptake Phantom"
        }
    }

    /// The PET pixel value (after rescale) for an SUV: Bq/ml, or Philips counts.
    pub fn pet_value(&self, suv: f64) -> f64 {
        let bq = suv / self.suvbw_factor;
        match &self.philips {
            Some((_, acsf, ..)) => bq / acsf,
            None => bq,
        }
    }
}
