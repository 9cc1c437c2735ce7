//! The top-level API the CLI and the browser call: a study and a request in, a serialisable
//! report out.

use crate::dicom_inputs::{plan_suv_inputs, series_suv_factor};
use crate::error::QuantError;
use crate::lesion::{quantify_lesion, LesionStats};
use crate::segment::{Bound, SegmentOptions, Threshold, DEFAULT_SEARCH_RADIUS_MM};
use crate::stats::{series_max, SeriesMax};
use crate::suv::{Provenance, SuvFactor, SuvFactorValues, SuvOverrides, SuvType};
use crate::suv_volume::{PointSuv, SuvVolume};
use serde::{Deserialize, Serialize};
use uptake_dicom::geometry::Vec3;
use uptake_dicom::LoadedStudy;

/// What to measure (`uptake quantify PATH --seed X,Y,Z [--threshold …] [--suv …]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantifyRequest {
    /// Seed point on the lesion, LPS mm.
    pub seed: Vec3,
    /// Threshold rule (default 41 % of SUVmax).
    pub threshold: Threshold,
    /// SUV normalisation (default SUVbw).
    pub suv_type: SuvType,
    /// User-supplied replacements for header values (recorded in the provenance).
    pub overrides: SuvOverrides,
    /// Optional box or sphere the lesion must stay within.
    pub bound: Option<Bound>,
    /// Radius around the seed searched for the lesion maximum, mm (default 15).
    pub search_radius_mm: f64,
}

impl QuantifyRequest {
    /// A request with every default: 41 % threshold, SUVbw, no bound, 15 mm search.
    pub fn at(seed: Vec3) -> Self {
        QuantifyRequest {
            seed,
            threshold: Threshold::default(),
            suv_type: SuvType::Bw,
            overrides: SuvOverrides::default(),
            bound: None,
            search_radius_mm: DEFAULT_SEARCH_RADIUS_MM,
        }
    }

    /// The segmentation options of the request.
    pub fn segment_options(&self) -> SegmentOptions {
        SegmentOptions {
            threshold: self.threshold,
            bound: self.bound,
            search_radius_mm: self.search_radius_mm,
        }
    }
}

/// The SUV factor as reported: its value and how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorSummary {
    /// The factor (SUV per pixel unit) when one applies to the whole series; `None` when it
    /// varies per slice (see `per_slice`).
    pub value: Option<f64>,
    /// Per-slice factors, in volume slot order (NaN → `null` for missing slots), when the
    /// factor varies by slice.
    pub per_slice: Option<Vec<f64>>,
    /// Units of the pixel values the factor multiplies (`BQML`, `CNTS`, …).
    pub pixel_units: String,
    /// Units of the SUV (`g/ml`, `cm2/ml`).
    pub result_units: String,
    /// Inputs, branches and warnings.
    pub provenance: Provenance,
}

impl From<&SuvFactor> for FactorSummary {
    fn from(f: &SuvFactor) -> Self {
        let (value, per_slice) = match &f.values {
            SuvFactorValues::Series(v) => (Some(*v), None),
            SuvFactorValues::PerSlice(v) => (None, Some(v.clone())),
        };
        FactorSummary {
            value,
            per_slice,
            pixel_units: f.pixel_units.clone(),
            result_units: f.result_units.clone(),
            provenance: f.provenance.clone(),
        }
    }
}

/// The answer to a [`QuantifyRequest`]: top-level keys `suv_type`, `suvmax`, `suvmax_at`,
/// `suvmean`, `suvpeak`, `sd`, `voxels`, `mtv_ml`, `tlg`, `suv_factor`, plus the lesion's
/// other fields (`suvpeak_at`, `bbox_lps`, `threshold`, …) and the series maximum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantifyReport {
    /// SUV normalisation used.
    pub suv_type: SuvType,
    /// SeriesInstanceUID of the PET series measured.
    pub series_uid: String,
    /// The lesion.
    #[serde(flatten)]
    pub lesion: LesionStats,
    /// The whole-series SUVmax and its location.
    pub series_max: Option<SeriesMax>,
    /// The SUV factor with provenance.
    pub suv_factor: FactorSummary,
}

/// Loads the PET series of a study as SUV and measures the lesion at the seed.
pub fn quantify_study(
    study: &LoadedStudy,
    request: &QuantifyRequest,
) -> Result<QuantifyReport, QuantError> {
    let vol = SuvVolume::from_study(study, request.suv_type, &request.overrides)?;
    quantify_volume(&vol, request)
}

/// Like [`quantify_study`] on a volume already converted (the viewer keeps one per series).
pub fn quantify_volume(
    vol: &SuvVolume,
    request: &QuantifyRequest,
) -> Result<QuantifyReport, QuantError> {
    let lesion = quantify_lesion(vol, request.seed, &request.segment_options())?;
    Ok(QuantifyReport {
        suv_type: vol.factor.suv_type,
        series_uid: vol.series_uid.clone(),
        lesion,
        series_max: series_max(vol),
        suv_factor: FactorSummary::from(&vol.factor),
    })
}

/// The SUV factor of a study's PET series from headers alone (no pixel decoding), for
/// `probe`'s `suvbw` / `suv_refused`.
pub fn study_suv_factor(
    study: &LoadedStudy,
    suv_type: SuvType,
    overrides: &SuvOverrides,
) -> Result<SuvFactor, QuantError> {
    let plan = study.pet_plan().ok_or(QuantError::NoPetSeries)?;
    Ok(series_suv_factor(
        &plan_suv_inputs(study, plan),
        suv_type,
        overrides,
    )?)
}

/// The SUV at a point, with its factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointSuvReport {
    /// SUV normalisation used.
    pub suv_type: SuvType,
    /// Nearest and trilinear SUV.
    #[serde(flatten)]
    pub value: PointSuv,
    /// The SUV factor with provenance.
    pub suv_factor: FactorSummary,
}

/// The SUV of a study's PET series at an LPS point (nearest voxel and trilinear).
pub fn suv_at_point(
    study: &LoadedStudy,
    point: Vec3,
    suv_type: SuvType,
) -> Result<PointSuvReport, QuantError> {
    let vol = SuvVolume::from_study(study, suv_type, &SuvOverrides::default())?;
    Ok(PointSuvReport {
        suv_type,
        value: vol.point(point)?,
        suv_factor: FactorSummary::from(&vol.factor),
    })
}
