//! Pixel values: the model sampled at the voxel centres of the written geometry.

use crate::context::StudyContext;
use crate::grid::Grid;
use crate::model::{Phantom, Tissue};
use crate::text::ds;

/// CT stored value offset: stored = HU + 1024 (RescaleIntercept −1024, slope 1).
pub const CT_OFFSET: i32 = 1024;

/// Samples CT slice `k` (position order) as little-endian u16 stored values, row by
/// row, and adds the voxels found inside each lesion to `lesion_counts`.
pub fn ct_slice(phantom: &Phantom, grid: &Grid, k: usize, lesion_counts: &mut [u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(grid.rows * grid.columns * 2);
    for j in 0..grid.rows {
        for i in 0..grid.columns {
            let t = phantom.tissue_at(grid.voxel_centre(i, j, k));
            if let Tissue::Lesion(l) = t {
                if let Some(c) = lesion_counts.get_mut(l) {
                    *c += 1;
                }
            }
            let v = (phantom.values_of(t).hu + CT_OFFSET).clamp(0, 4095) as u16;
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// One quantised PET slice.
#[derive(Debug, Clone, PartialEq)]
pub struct PetSlice {
    /// Little-endian i16 stored values.
    pub bytes: Vec<u8>,
    /// RescaleSlope as written.
    pub slope_ds: String,
    /// RescaleSlope parsed (used for quantisation).
    pub slope: f64,
}

/// Samples PET slice `k`: the value after rescale is Bq/ml (or Philips counts), stored
/// = round(value / slope) with slope = (slice max / 32767) as written (1 for an
/// all-zero slice).
pub fn pet_slice(
    ctx: &StudyContext,
    phantom: &Phantom,
    grid: &Grid,
    k: usize,
    lesion_counts: &mut [u64],
) -> PetSlice {
    let mut values = Vec::with_capacity(grid.rows * grid.columns);
    for j in 0..grid.rows {
        for i in 0..grid.columns {
            let t = phantom.tissue_at(grid.voxel_centre(i, j, k));
            if let Tissue::Lesion(l) = t {
                if let Some(c) = lesion_counts.get_mut(l) {
                    *c += 1;
                }
            }
            values.push(ctx.pet_value(phantom.values_of(t).suv));
        }
    }
    quantise(&values)
}

/// Quantises values to i16 with a slice slope.
pub fn quantise(values: &[f64]) -> PetSlice {
    let max = values.iter().copied().fold(0.0f64, f64::max);
    let (slope_ds, slope) = if max > 0.0 {
        let s = ds(max / 32767.0);
        let p = s.parse().unwrap_or(1.0);
        (s, p)
    } else {
        ("1".to_string(), 1.0)
    };
    let mut bytes = Vec::with_capacity(values.len() * 2);
    for &v in values {
        let q = (v / slope).round().clamp(-32768.0, 32767.0) as i16;
        bytes.extend_from_slice(&q.to_le_bytes());
    }
    PetSlice {
        bytes,
        slope_ds,
        slope,
    }
}
