//! Region statistics in patient space: whole-series SUVmax, and sphere and box volumes of
//! interest (VOIs).
//!
//! **Membership rule:** a voxel belongs to a VOI when its *centre* lies inside the shape
//! (patient LPS, through the volume's own affine): no fractional weights. Voxels on missing
//! slices (NaN) are never counted.
//!
//! **SD** is the sample standard deviation (divisor n − 1), 0 for a single voxel.

use crate::error::QuantError;
use crate::space::{dist2, voxels_in};
use crate::suv_volume::SuvVolume;
use serde::Serialize;
use uptake_dicom::geometry::Vec3;

/// Statistics of a set of voxels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegionStats {
    /// Number of voxels counted.
    pub voxels: usize,
    /// Their volume, ml (voxels × voxel volume).
    pub volume_ml: f64,
    /// Mean SUV.
    pub mean: f64,
    /// Sample SD (n − 1).
    pub sd: f64,
    /// Highest SUV.
    pub max: f64,
    /// Voxel `[i, j, k]` of the highest SUV (first found, in k-j-i order).
    pub max_voxel: [usize; 3],
    /// Centre of that voxel, LPS mm.
    pub max_at: Vec3,
    /// Lowest SUV.
    pub min: f64,
}

/// Accumulates values exactly enough for clinical statistics (f64 sums, two-pass SD).
#[derive(Debug, Default, Clone)]
pub struct Accumulator {
    values: Vec<f64>,
    max: Option<(f64, [usize; 3])>,
    min: f64,
}

impl Accumulator {
    /// Adds a voxel.
    pub fn push(&mut self, v: [usize; 3], x: f64) {
        if self.max.is_none_or(|(m, _)| x > m) {
            self.max = Some((x, v));
        }
        if self.values.is_empty() || x < self.min {
            self.min = x;
        }
        self.values.push(x);
    }

    /// The statistics, `None` when empty.
    pub fn finish(&self, vol: &SuvVolume) -> Option<RegionStats> {
        let (max, max_voxel) = self.max?;
        let n = self.values.len();
        let mean = self.values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            let ss: f64 = self.values.iter().map(|x| (x - mean) * (x - mean)).sum();
            (ss / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(RegionStats {
            voxels: n,
            volume_ml: n as f64 * vol.voxel_volume_ml(),
            mean,
            sd,
            max,
            max_voxel,
            max_at: vol.voxel_centre(max_voxel),
            min: self.min,
        })
    }
}

/// The whole-series SUVmax and its location (voxel centre).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeriesMax {
    /// Highest SUV of the series.
    pub suvmax: f64,
    /// Its voxel `[i, j, k]`.
    pub voxel: [usize; 3],
    /// Its voxel centre, LPS mm.
    pub at: Vec3,
}

/// The highest SUV of the whole series (missing slices excluded); `None` when every slice
/// is missing.
pub fn series_max(vol: &SuvVolume) -> Option<SeriesMax> {
    let [ni, _, nk] = vol.geometry.dims;
    let mut best: Option<(f32, [usize; 3])> = None;
    for k in 0..nk {
        for (n, x) in vol.slice_values(k).enumerate() {
            if !x.is_nan() && best.is_none_or(|(m, _)| x > m) {
                best = Some((x, [n % ni, n / ni, k]));
            }
        }
    }
    best.map(|(m, v)| SeriesMax {
        suvmax: m as f64,
        voxel: v,
        at: vol.voxel_centre(v),
    })
}

/// Statistics of the voxels whose centre lies within `radius_mm` of `centre` (LPS mm).
pub fn sphere_stats(
    vol: &SuvVolume,
    centre: Vec3,
    radius_mm: f64,
) -> Result<RegionStats, QuantError> {
    if !(radius_mm.is_finite() && radius_mm > 0.0) {
        return Err(QuantError::InvalidRequest(format!(
            "sphere radius {radius_mm} mm must be positive"
        )));
    }
    let range = vol
        .affine()
        .ball_range(centre, radius_mm)
        .ok_or(QuantError::EmptyRegion { what: "sphere" })?;
    let r2 = radius_mm * radius_mm;
    let mut acc = Accumulator::default();
    for v in voxels_in(range) {
        if let Some(x) = vol.get(v) {
            if dist2(vol.voxel_centre(v), centre) <= r2 {
                acc.push(v, x as f64);
            }
        }
    }
    acc.finish(vol)
        .ok_or(QuantError::EmptyRegion { what: "sphere" })
}

/// Statistics of the voxels whose centre lies inside the LPS-axis-aligned box
/// `[min, max]` (inclusive, mm).
pub fn box_stats(vol: &SuvVolume, min: Vec3, max: Vec3) -> Result<RegionStats, QuantError> {
    if (0..3).any(|a| !(min[a].is_finite() && max[a].is_finite() && min[a] <= max[a])) {
        return Err(QuantError::InvalidRequest(format!(
            "box corners {min:?} and {max:?} must be finite with min ≤ max"
        )));
    }
    let range = vol
        .affine()
        .box_range(min, max)
        .ok_or(QuantError::EmptyRegion { what: "box" })?;
    let mut acc = Accumulator::default();
    for v in voxels_in(range) {
        if let Some(x) = vol.get(v) {
            let p = vol.voxel_centre(v);
            if (0..3).all(|a| p[a] >= min[a] && p[a] <= max[a]) {
                acc.push(v, x as f64);
            }
        }
    }
    acc.finish(vol)
        .ok_or(QuantError::EmptyRegion { what: "box" })
}
