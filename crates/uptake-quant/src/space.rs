//! Patient-space helpers over a volume's own image → patient affine: voxel centres, index
//! ranges that enclose a sphere or an LPS box. Oblique and sheared grids are handled exactly,
//! because everything goes through the full 3×3 matrix and its inverse.

use crate::error::QuantError;
use uptake_dicom::geometry::{invert3, Vec3};
use uptake_dicom::Geometry;

/// The affine of a volume with its inverse, precomputed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// Patient point of voxel (0, 0, 0).
    pub origin: Vec3,
    /// Index step → mm (columns are the axes scaled by spacing).
    pub m: [[f64; 3]; 3],
    /// mm → index step.
    pub inv: [[f64; 3]; 3],
    /// Voxel counts along i, j, k.
    pub dims: [usize; 3],
}

/// An inclusive range of voxel indices `[lo, hi]` per axis (i, j, k).
pub type IndexRange = [(usize, usize); 3];

impl Affine {
    /// Builds the affine of a geometry; fails when it is singular.
    pub fn new(g: &Geometry) -> Result<Self, QuantError> {
        let mut m = [[0.0; 3]; 3];
        for (c, axis) in g.axes.iter().enumerate() {
            for (r, row) in m.iter_mut().enumerate() {
                row[c] = axis[r] * g.spacing[c];
            }
        }
        let inv = invert3(m).ok_or(QuantError::SingularGeometry)?;
        Ok(Affine {
            origin: g.origin,
            m,
            inv,
            dims: g.dims,
        })
    }

    /// `M · d` for an index step `d` (mm).
    pub fn step_mm(&self, d: Vec3) -> Vec3 {
        let m = &self.m;
        [
            m[0][0] * d[0] + m[0][1] * d[1] + m[0][2] * d[2],
            m[1][0] * d[0] + m[1][1] * d[1] + m[1][2] * d[2],
            m[2][0] * d[0] + m[2][1] * d[1] + m[2][2] * d[2],
        ]
    }

    /// Patient point (LPS mm) of a continuous index.
    pub fn to_patient(&self, idx: Vec3) -> Vec3 {
        let s = self.step_mm(idx);
        [
            self.origin[0] + s[0],
            self.origin[1] + s[1],
            self.origin[2] + s[2],
        ]
    }

    /// Patient point of the centre of voxel `[i, j, k]`.
    pub fn centre(&self, v: [usize; 3]) -> Vec3 {
        self.to_patient([v[0] as f64, v[1] as f64, v[2] as f64])
    }

    /// Continuous index of a patient point.
    pub fn to_index(&self, p: Vec3) -> Vec3 {
        let d = [
            p[0] - self.origin[0],
            p[1] - self.origin[1],
            p[2] - self.origin[2],
        ];
        let a = &self.inv;
        [
            a[0][0] * d[0] + a[0][1] * d[1] + a[0][2] * d[2],
            a[1][0] * d[0] + a[1][1] * d[1] + a[1][2] * d[2],
            a[2][0] * d[0] + a[2][1] * d[1] + a[2][2] * d[2],
        ]
    }

    /// Nearest voxel of a patient point, `None` when more than half a voxel outside.
    pub fn nearest(&self, p: Vec3) -> Option<[usize; 3]> {
        let idx = self.to_index(p);
        let mut out = [0usize; 3];
        for a in 0..3 {
            let r = idx[a].round();
            if !(r >= 0.0 && r < self.dims[a] as f64) {
                return None;
            }
            out[a] = r as usize;
        }
        Some(out)
    }

    /// Largest index distance along each axis of a point within `radius_mm` of a centre:
    /// `radius · ‖row a of M⁻¹‖`.
    pub fn ball_extent(&self, radius_mm: f64) -> Vec3 {
        let mut e = [0.0; 3];
        for (a, ea) in e.iter_mut().enumerate() {
            let row = self.inv[a];
            *ea = radius_mm * (row[0] * row[0] + row[1] * row[1] + row[2] * row[2]).sqrt();
        }
        e
    }

    /// Voxel range enclosing every voxel whose centre may lie within `radius_mm` of `p`,
    /// clipped to the volume; `None` when the range is empty.
    pub fn ball_range(&self, p: Vec3, radius_mm: f64) -> Option<IndexRange> {
        let c = self.to_index(p);
        let e = self.ball_extent(radius_mm);
        let lo = [c[0] - e[0], c[1] - e[1], c[2] - e[2]];
        let hi = [c[0] + e[0], c[1] + e[1], c[2] + e[2]];
        self.clip(lo, hi)
    }

    /// Voxel range enclosing an axis-aligned LPS box, clipped to the volume.
    pub fn box_range(&self, min: Vec3, max: Vec3) -> Option<IndexRange> {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for corner in 0..8usize {
            let p = [
                if corner & 1 == 0 { min[0] } else { max[0] },
                if corner & 2 == 0 { min[1] } else { max[1] },
                if corner & 4 == 0 { min[2] } else { max[2] },
            ];
            let idx = self.to_index(p);
            for a in 0..3 {
                lo[a] = lo[a].min(idx[a]);
                hi[a] = hi[a].max(idx[a]);
            }
        }
        self.clip(lo, hi)
    }

    fn clip(&self, lo: Vec3, hi: Vec3) -> Option<IndexRange> {
        let mut r = [(0usize, 0usize); 3];
        for a in 0..3 {
            if !(lo[a].is_finite() && hi[a].is_finite()) {
                return None;
            }
            let l = lo[a].floor().max(0.0);
            let h = hi[a].ceil().min(self.dims[a] as f64 - 1.0);
            if l > h {
                return None;
            }
            r[a] = (l as usize, h as usize);
        }
        Some(r)
    }
}

/// Squared distance between two points.
pub fn dist2(a: Vec3, b: Vec3) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

/// Iterates over every voxel of an inclusive index range, `[i, j, k]`, k slowest.
pub fn voxels_in(r: IndexRange) -> impl Iterator<Item = [usize; 3]> {
    (r[2].0..=r[2].1).flat_map(move |k| {
        (r[1].0..=r[1].1).flat_map(move |j| (r[0].0..=r[0].1).map(move |i| [i, j, k]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ball_range_covers_sheared_sphere() {
        let t = 20f64.to_radians();
        let g = Geometry {
            origin: [0.0, 0.0, 0.0],
            spacing: [1.0, 1.0, 2.0],
            axes: [[1.0, 0.0, 0.0], [0.0, t.cos(), -t.sin()], [0.0, 0.0, 1.0]],
            dims: [40, 40, 40],
        };
        let a = Affine::new(&g).expect("regular geometry");
        let c = a.centre([20, 20, 20]);
        let r = a.ball_range(c, 6.0).expect("inside");
        // Every voxel within 6 mm must be inside the range.
        for v in voxels_in([(0, 39), (0, 39), (0, 39)]) {
            if dist2(a.centre(v), c) <= 36.0 {
                for ax in 0..3 {
                    assert!(v[ax] >= r[ax].0 && v[ax] <= r[ax].1, "{v:?} {r:?}");
                }
            }
        }
        assert_eq!(a.nearest(c), Some([20, 20, 20]));
    }
}
