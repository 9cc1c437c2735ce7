//! Volumes as plain data: voxels plus the image→patient affine. No DICOM here: callers
//! convert (see the `dicom` feature for `uptake-dicom` / `uptake-quant` volumes).

use crate::error::RenderError;
use crate::math::{add, invert3, mul3, scale, sub, Mat3, Vec3};

/// What the values of a volume are (selects how it is displayed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// CT numbers in Hounsfield units (shown in grey through a window).
    Hu,
    /// PET standardised uptake values (shown through a colour map and an SUV range).
    Suv,
}

/// Image→patient geometry: voxel `(i, j, k)` (column, row, slice) has its centre at
/// `origin + i·spacing[0]·axes[0] + j·spacing[1]·axes[1] + k·spacing[2]·axes[2]` (LPS mm).
/// Sheared grids (gantry tilt) are allowed: `axes` need not be orthogonal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeGeometry {
    /// Voxel counts along i, j, k.
    pub dims: [usize; 3],
    /// Patient point (LPS mm) of the centre of voxel (0, 0, 0).
    pub origin: Vec3,
    /// Distance in mm between voxel centres along i, j, k.
    pub spacing: Vec3,
    /// Unit patient directions of the i, j and k index axes.
    pub axes: [Vec3; 3],
}

impl VolumeGeometry {
    /// The 3×3 matrix mapping index steps to mm (columns = axes × spacing).
    pub fn linear(&self) -> Mat3 {
        let mut m = [[0.0; 3]; 3];
        for (c, axis) in self.axes.iter().enumerate() {
            for (r, row) in m.iter_mut().enumerate() {
                row[c] = axis[r] * self.spacing[c];
            }
        }
        m
    }

    /// Checks dimensions and that the affine is invertible.
    pub fn validate(&self) -> Result<(), RenderError> {
        if self.dims.contains(&0) {
            return Err(RenderError::EmptyVolume(self.dims));
        }
        if !self.origin.iter().all(|v| v.is_finite()) || invert3(&self.linear()).is_none() {
            return Err(RenderError::SingularAffine);
        }
        Ok(())
    }

    /// Number of voxels.
    pub fn voxel_count(&self) -> usize {
        self.dims[0] * self.dims[1] * self.dims[2]
    }

    /// Patient point of a continuous voxel index.
    pub fn index_to_patient(&self, idx: Vec3) -> Vec3 {
        add(self.origin, mul3(&self.linear(), idx))
    }

    /// Continuous voxel index of a patient point (`None` for a singular affine).
    pub fn patient_to_index(&self, p: Vec3) -> Option<Vec3> {
        let inv = invert3(&self.linear())?;
        Some(mul3(&inv, sub(p, self.origin)))
    }

    /// Patient-space centre of the volume.
    pub fn centre(&self) -> Vec3 {
        self.index_to_patient(self.dims.map(|d| (d as f64 - 1.0) / 2.0))
    }

    /// The eight corners of the volume's extent (voxel centres ± half a voxel), LPS mm.
    pub fn corners(&self) -> [Vec3; 8] {
        let mut out = [[0.0; 3]; 8];
        for (n, c) in out.iter_mut().enumerate() {
            let idx = [0, 1, 2].map(|a| {
                if n >> a & 1 == 1 {
                    self.dims[a] as f64 - 0.5
                } else {
                    -0.5
                }
            });
            *c = self.index_to_patient(idx);
        }
        out
    }

    /// Column-major 4×4 matrix (WGSL `mat4x4<f32>`) from patient point to continuous index;
    /// with `normalised`, to texture coordinates `(index + 0.5) / dims` instead.
    pub fn patient_to_index_matrix(&self, normalised: bool) -> Result<[[f32; 4]; 4], RenderError> {
        let inv = invert3(&self.linear()).ok_or(RenderError::SingularAffine)?;
        let t = scale(mul3(&inv, self.origin), -1.0);
        let mut cols = [[0.0f32; 4]; 4];
        for a in 0..3 {
            let (s, off) = if normalised {
                (1.0 / self.dims[a] as f64, 0.5 / self.dims[a] as f64)
            } else {
                (1.0, 0.0)
            };
            for (b, col) in cols.iter_mut().take(3).enumerate() {
                col[a] = (inv[a][b] * s) as f32;
            }
            cols[3][a] = (t[a] * s + off) as f32;
        }
        cols[3][3] = 1.0;
        Ok(cols)
    }

    /// Smallest voxel spacing in mm.
    pub fn min_spacing(&self) -> f64 {
        self.spacing
            .iter()
            .fold(f64::INFINITY, |m, s| m.min(s.abs()))
    }

    /// The step in mm along the unit direction `dir` that moves at most half a voxel along
    /// every grid axis: the sampling rate of a ray or slab through this volume. Along an axis
    /// that is half that axis's spacing; across an orthogonal grid it is longer than half the
    /// smallest spacing, since no index then changes at the full rate. Falls back to half the
    /// smallest spacing for a singular affine or a zero direction.
    pub fn half_voxel_step_mm(&self, dir: Vec3) -> f64 {
        let fallback = self.min_spacing() / 2.0;
        let Some(inv) = invert3(&self.linear()) else {
            return fallback;
        };
        let per_mm = mul3(&inv, dir).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let step = 0.5 / per_mm;
        if step.is_finite() && step > 0.0 {
            step
        } else {
            fallback
        }
    }
}

/// Voxel values held in a form the renderer cannot borrow as one slice: packed (a CT kept
/// losslessly compressed on the CPU) or computed on the fly (SUV from stored values and a
/// per-slice factor). The renderer asks for one slice at a time, so no whole-volume copy is
/// ever made for the upload.
pub trait VoxelSource: std::fmt::Debug + Sync {
    /// Number of values (i fastest, then j, then k).
    fn len(&self) -> usize;
    /// Whether there are no values.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Value `n` as displayed (NaN as 0); `None` past the end.
    fn get(&self, n: usize) -> Option<f64>;
    /// Values `range` (within one slice or whole slices) as little-endian f16 bits; use
    /// [`f16_le_of_i16`] / [`f16_le_of_f32`] for the conversion.
    fn f16_le(&self, range: std::ops::Range<usize>) -> Vec<u16>;
}

/// Voxel values, i fastest then j then k (the layout of an ndarray `[k, j, i]` in standard
/// order). CT usually stays i16 (decision 7: no f32 copy of a whole CT).
#[derive(Debug, Clone, Copy)]
pub enum Voxels<'a> {
    /// Float values (SUV); NaN (e.g. a missing slice) is displayed as 0.
    F32(&'a [f32]),
    /// Integer values (HU).
    I16(&'a [i16]),
    /// Values read slice by slice from another representation.
    Source(&'a dyn VoxelSource),
}

/// i16 values as little-endian f16 bits, through a 65 536-entry table (each i16 has one f16),
/// which matters in WebAssembly, where every float→half conversion is done in software.
pub fn f16_le_of_i16(values: &[i16]) -> Vec<u16> {
    let table = i16_to_f16_table();
    values
        .iter()
        .map(|&x| table[x as u16 as usize].to_le())
        .collect()
}

/// f32 values as little-endian f16 bits; NaN becomes 0 (as displayed).
pub fn f16_le_of_f32(values: impl IntoIterator<Item = f32>) -> Vec<u16> {
    values
        .into_iter()
        .map(|x| {
            let x = if x.is_nan() { 0.0 } else { x };
            half::f16::from_f32(x).to_bits().to_le()
        })
        .collect()
}

impl Voxels<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Voxels::F32(v) => v.len(),
            Voxels::I16(v) => v.len(),
            Voxels::Source(s) => s.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `n` as f64 (NaN mapped to 0, as displayed); `None` past the end.
    pub fn get(&self, n: usize) -> Option<f64> {
        match self {
            Voxels::F32(v) => v.get(n).map(|x| if x.is_nan() { 0.0 } else { *x as f64 }),
            Voxels::I16(v) => v.get(n).map(|x| *x as f64),
            Voxels::Source(s) => s.get(n),
        }
    }

    /// Values `range` as f16 bits in little-endian order (`u16::to_le`): the GPU display copy
    /// (R16Float; hand `bytemuck::cast_slice` of it to the queue). NaN displays as 0. i16 goes
    /// through a 65 536-entry table (each i16 has one f16), which matters in WebAssembly,
    /// where every float→half conversion is done in software.
    pub(crate) fn f16_le(&self, range: std::ops::Range<usize>) -> Vec<u16> {
        match self {
            Voxels::F32(v) => f16_le_of_f32(v[range].iter().copied()),
            Voxels::I16(v) => f16_le_of_i16(&v[range]),
            Voxels::Source(s) => s.f16_le(range),
        }
    }
}

/// f16 bits of every i16 (indexed by the i16's bits, `x as u16`), built once; the values are
/// native-endian (apply `u16::to_le` for an upload).
pub fn i16_to_f16_table() -> &'static [u16] {
    static TABLE: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=u16::MAX)
            .map(|bits| half::f16::from_f32(f32::from(bits as i16)).to_bits())
            .collect()
    })
}

#[cfg(test)]
mod step_tests {
    use super::*;

    fn grid(spacing: Vec3, axes: [Vec3; 3]) -> VolumeGeometry {
        VolumeGeometry {
            dims: [10, 10, 10],
            origin: [0.0; 3],
            spacing,
            axes,
        }
    }

    const AXIAL: [Vec3; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

    #[test]
    fn a_ray_along_an_axis_steps_half_that_axis_spacing() {
        let g = grid([4.0, 4.0, 2.0], AXIAL);
        assert_eq!(g.half_voxel_step_mm([1.0, 0.0, 0.0]), 2.0);
        assert_eq!(g.half_voxel_step_mm([0.0, -1.0, 0.0]), 2.0);
        assert_eq!(g.half_voxel_step_mm([0.0, 0.0, 1.0]), 1.0);
    }

    #[test]
    fn a_diagonal_ray_moves_at_most_half_a_voxel_along_every_axis() {
        let g = grid([4.0, 4.0, 2.0], AXIAL);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let step = g.half_voxel_step_mm([h, h, 0.0]);
        assert!((step - 2.0 / h).abs() < 1e-12, "{step}");
        // Through a slice too: the slice axis (2 mm) sets the rate.
        let d = [0.6, 0.0, 0.8];
        let step = g.half_voxel_step_mm(d);
        assert!((step - 0.5 / (0.8 / 2.0)).abs() < 1e-12, "{step}");
        // Never coarser than half a voxel along any axis, never finer than half the smallest.
        for a in 0..36 {
            let t = f64::from(a) * 10f64.to_radians();
            let d = [t.cos(), t.sin() * 0.6, t.sin() * 0.8];
            let step = g.half_voxel_step_mm(d);
            for (i, s) in g.spacing.iter().enumerate() {
                assert!(step * d[i].abs() / s <= 0.5 + 1e-12, "{d:?}: {step}");
            }
            assert!(step >= 1.0 - 1e-12);
        }
    }

    #[test]
    fn an_oblique_grid_is_stepped_in_its_own_index_space() {
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let g = grid(
            [3.0, 3.0, 3.0],
            [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]],
        );
        // Along the grid's own first axis: half its spacing.
        assert!((g.half_voxel_step_mm([c, s, 0.0]) - 1.5).abs() < 1e-12);
        // A zero direction or a singular grid falls back to half the smallest spacing.
        assert_eq!(g.half_voxel_step_mm([0.0; 3]), 1.5);
        let flat = grid(
            [3.0, 3.0, 3.0],
            [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        );
        assert_eq!(flat.half_voxel_step_mm([1.0, 0.0, 0.0]), 1.5);
    }
}

#[cfg(test)]
mod f16_tests {
    use super::*;

    #[test]
    fn i16_table_equals_direct_conversion_for_every_value() {
        let all: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        let halves = Voxels::I16(&all).f16_le(0..all.len());
        let bytes: &[u8] = bytemuck::cast_slice(&halves);
        for (i, &x) in all.iter().enumerate() {
            let got = u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]);
            assert_eq!(got, half::f16::from_f32(f32::from(x)).to_bits(), "{x}");
        }
        let f = [1.5f32, -2.0, f32::NAN];
        let halves = Voxels::F32(&f).f16_le(0..3);
        let bytes: &[u8] = bytemuck::cast_slice(&halves);
        assert_eq!(&bytes[..2], &half::f16::from_f32(1.5).to_le_bytes());
        assert_eq!(&bytes[4..], &[0, 0], "NaN displays as 0");
    }
}

/// A volume handed to the renderer: geometry, values and what they mean.
#[derive(Debug, Clone, Copy)]
pub struct VolumeDesc<'a> {
    /// Image→patient geometry.
    pub geometry: VolumeGeometry,
    /// Voxel values (`geometry.voxel_count()` of them).
    pub values: Voxels<'a>,
    /// HU or SUV.
    pub kind: ValueKind,
}

impl<'a> VolumeDesc<'a> {
    /// A checked volume description.
    pub fn new(
        geometry: VolumeGeometry,
        values: Voxels<'a>,
        kind: ValueKind,
    ) -> Result<Self, RenderError> {
        geometry.validate()?;
        if values.len() != geometry.voxel_count() {
            return Err(RenderError::WrongLength {
                expected: geometry.voxel_count(),
                got: values.len(),
            });
        }
        Ok(VolumeDesc {
            geometry,
            values,
            kind,
        })
    }

    /// Value of voxel `[i, j, k]`; `None` outside.
    pub fn voxel(&self, v: [usize; 3]) -> Option<f64> {
        let d = self.geometry.dims;
        if v[0] >= d[0] || v[1] >= d[1] || v[2] >= d[2] {
            return None;
        }
        self.values.get((v[2] * d[1] + v[1]) * d[0] + v[0])
    }

    /// The voxel nearest a patient point (`None` when the point is outside the volume).
    pub fn nearest_voxel(&self, p: Vec3) -> Option<[usize; 3]> {
        let idx = self.geometry.patient_to_index(p)?;
        let mut out = [0usize; 3];
        for a in 0..3 {
            let r = (idx[a] + 0.5).floor();
            if !(r >= 0.0 && r < self.geometry.dims[a] as f64) {
                return None;
            }
            out[a] = r as usize;
        }
        Some(out)
    }
}

/// A segmentation label volume (0 = background, 1..=255 = label), on its own grid.
#[derive(Debug, Clone, Copy)]
pub struct LabelDesc<'a> {
    /// Image→patient geometry.
    pub geometry: VolumeGeometry,
    /// One label per voxel, i fastest.
    pub labels: &'a [u8],
}
