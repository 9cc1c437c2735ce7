//! The SUV panel: what `suvInfo()` returns.

use serde::Serialize;
use uptake_quant::reference::ReferenceRegion;
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::FactorSummary;

/// The liver reference sphere (PERCIST).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LiverInfo {
    /// Centre, LPS mm.
    pub centre: [f64; 3],
    /// Radius, mm.
    pub radius_mm: f64,
    /// Mean SUV.
    pub mean: f64,
    /// SD of the SUV.
    pub sd: f64,
    /// Voxels in the sphere.
    pub voxels: usize,
    /// 1.5 × mean + 2 × SD.
    pub percist_threshold: f64,
}

impl From<&ReferenceRegion> for LiverInfo {
    fn from(r: &ReferenceRegion) -> Self {
        LiverInfo {
            centre: r.centre,
            radius_mm: r.radius_mm,
            mean: r.mean,
            sd: r.sd,
            voxels: r.voxels,
            percist_threshold: r.percist_threshold,
        }
    }
}

/// The SUV panel (snake_case JSON): `suv_type`, `series_uid`, `factor` (value, per-slice
/// factors, units and the `provenance`: inputs with sources, branches, decay time, warnings;
/// `null` when refused), `refused` (the reason, or `null`), `overrides` (weight_kg, height_m,
/// dose_bq, injection_date_time, sex), `liver` (or `null`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuvInfo {
    /// The SUV normalisation asked for.
    pub suv_type: SuvType,
    /// The PET series.
    pub series_uid: String,
    /// The factor with provenance, when SUV is available.
    pub factor: Option<FactorSummary>,
    /// Why SUV is refused, when it is.
    pub refused: Option<String>,
    /// The user's overrides.
    pub overrides: SuvOverrides,
    /// The liver reference, when placed and measurable.
    pub liver: Option<LiverInfo>,
}
