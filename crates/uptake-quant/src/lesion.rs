//! [`LesionStats`]: everything a reporter quotes for one lesion, from a seed point.

use crate::error::QuantError;
use crate::peak::{suvpeak, SphereKernel};
use crate::segment::{segment, SegmentOptions, ThresholdUsed};
use crate::stats::Accumulator;
use crate::suv_volume::SuvVolume;
use serde::Serialize;
use uptake_dicom::geometry::Vec3;

/// Quantities of one segmented lesion. Serialised with the CLI's snake_case keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LesionStats {
    /// Highest SUV in the lesion.
    pub suvmax: f64,
    /// Centre of the SUVmax voxel, LPS mm.
    pub suvmax_at: Vec3,
    /// The SUVmax voxel `[i, j, k]`.
    pub suvmax_voxel: [usize; 3],
    /// Mean SUV over the lesion voxels.
    pub suvmean: f64,
    /// SUVpeak (see [`crate::peak`]).
    pub suvpeak: f64,
    /// Centre of the SUVpeak sphere, LPS mm.
    pub suvpeak_at: Vec3,
    /// Voxels averaged in the SUVpeak sphere.
    pub suvpeak_sphere_voxels: usize,
    /// Sample SD (n − 1) of the lesion SUVs.
    pub sd: f64,
    /// Number of voxels.
    pub voxels: usize,
    /// Volume of one voxel, ml (determinant of the affine).
    pub voxel_volume_ml: f64,
    /// Metabolic tumour volume: voxels × voxel volume, ml.
    pub mtv_ml: f64,
    /// Total lesion glycolysis: MTV × SUVmean (ml · g/ml).
    pub tlg: f64,
    /// Bounding box in voxel indices: `[min [i, j, k], max [i, j, k]]`, inclusive.
    pub bbox_voxels: [[usize; 3]; 2],
    /// Bounding box of the voxel centres in LPS mm: `[min, max]`.
    pub bbox_lps: [Vec3; 2],
    /// The threshold applied.
    pub threshold: ThresholdUsed,
    /// The lesion voxels `[i, j, k]` (sorted by k, j, i), for drawing the outline. Not
    /// serialised (it can be large); use the Rust or JS API.
    #[serde(skip)]
    pub mask: Vec<[usize; 3]>,
}

/// Segments the lesion at `seed` (LPS mm) and measures it.
pub fn quantify_lesion(
    vol: &SuvVolume,
    seed: Vec3,
    opts: &SegmentOptions,
) -> Result<LesionStats, QuantError> {
    let seg = segment(vol, seed, opts)?;
    let mut acc = Accumulator::default();
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    let mut plo = [f64::INFINITY; 3];
    let mut phi = [f64::NEG_INFINITY; 3];
    for &v in &seg.voxels {
        if let Some(x) = vol.get(v) {
            acc.push(v, x as f64);
        }
        let p = vol.voxel_centre(v);
        for a in 0..3 {
            lo[a] = lo[a].min(v[a]);
            hi[a] = hi[a].max(v[a]);
            plo[a] = plo[a].min(p[a]);
            phi[a] = phi[a].max(p[a]);
        }
    }
    let stats = acc.finish(vol).ok_or(QuantError::BelowThreshold {
        suvmax: vol.get(seg.start_voxel).map_or(f64::NAN, f64::from),
        threshold: seg.threshold.suv,
    })?;
    let kernel = SphereKernel::suvpeak(vol);
    let peak = suvpeak(vol, &kernel, &seg.voxels).ok_or(QuantError::EmptyRegion {
        what: "SUVpeak sphere",
    })?;
    Ok(LesionStats {
        suvmax: stats.max,
        suvmax_at: stats.max_at,
        suvmax_voxel: stats.max_voxel,
        suvmean: stats.mean,
        suvpeak: peak.suvpeak,
        suvpeak_at: peak.at,
        suvpeak_sphere_voxels: peak.sphere_voxels,
        sd: stats.sd,
        voxels: stats.voxels,
        voxel_volume_ml: vol.voxel_volume_ml(),
        mtv_ml: stats.volume_ml,
        tlg: stats.volume_ml * stats.mean,
        bbox_voxels: [lo, hi],
        bbox_lps: [plo, phi],
        threshold: seg.threshold,
        mask: seg.voxels,
    })
}
