//! Reference regions: the liver (PERCIST) and, with the same code, the mediastinal blood
//! pool. A reference is a sphere VOI (voxel centres within the radius; sample SD).

use crate::error::QuantError;
use crate::stats::{sphere_stats, RegionStats};
use crate::suv_volume::SuvVolume;
use serde::Serialize;
use uptake_dicom::geometry::Vec3;

/// Radius of the PERCIST liver reference sphere: a 3 cm diameter sphere, mm.
pub const LIVER_REFERENCE_RADIUS_MM: f64 = 15.0;

/// A reference region's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReferenceRegion {
    /// Centre, LPS mm.
    pub centre: Vec3,
    /// Radius, mm.
    pub radius_mm: f64,
    /// Mean SUV.
    pub mean: f64,
    /// Sample SD (n − 1).
    pub sd: f64,
    /// Voxels counted.
    pub voxels: usize,
    /// The PERCIST measurability threshold `1.5 × mean + 2 × SD`.
    pub percist_threshold: f64,
    /// The full sphere statistics.
    pub stats: RegionStats,
}

/// Statistics of a reference sphere of any radius.
pub fn reference_region(
    vol: &SuvVolume,
    centre: Vec3,
    radius_mm: f64,
) -> Result<ReferenceRegion, QuantError> {
    if vol.affine().nearest(centre).is_none() {
        return Err(QuantError::OutsideVolume {
            what: "reference region",
            point: centre,
        });
    }
    let stats = sphere_stats(vol, centre, radius_mm)?;
    Ok(ReferenceRegion {
        centre,
        radius_mm,
        mean: stats.mean,
        sd: stats.sd,
        voxels: stats.voxels,
        percist_threshold: percist_threshold(stats.mean, stats.sd),
        stats,
    })
}

/// The PERCIST liver reference: a 3 cm diameter sphere at `centre` (right lobe).
pub fn liver_reference(vol: &SuvVolume, centre: Vec3) -> Result<ReferenceRegion, QuantError> {
    reference_region(vol, centre, LIVER_REFERENCE_RADIUS_MM)
}

/// PERCIST measurability threshold: `1.5 × liver mean + 2 × liver SD`.
pub fn percist_threshold(mean: f64, sd: f64) -> f64 {
    1.5 * mean + 2.0 * sd
}
