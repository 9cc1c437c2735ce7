//! Image → patient geometry: an affine map from voxel indices to DICOM patient coordinates (LPS, mm).
//!
//! Voxel index `(i, j, k)` is (column, row, slice). The patient point of a voxel centre is
//! `origin + i·spacing[0]·axes[0] + j·spacing[1]·axes[1] + k·spacing[2]·axes[2]`.
//! `axes[0]` is the DICOM row direction (first three ImageOrientationPatient values; the direction
//! of increasing column index), `axes[1]` the column direction, `axes[2]` the unit step from one
//! slice to the next. For a gantry-tilted CT `axes[2]` is not perpendicular to the slice plane: the
//! geometry is sheared and kept that way, so every voxel maps to where the scanner put it.

use serde::Serialize;

/// A 3-vector in patient space.
pub type Vec3 = [f64; 3];

/// Dot product.
pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product.
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean length.
pub fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// `a - b`.
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a` scaled to unit length, or `None` for a (near) zero vector.
pub fn normalize(a: Vec3) -> Option<Vec3> {
    let n = norm(a);
    if n > 1e-12 && n.is_finite() {
        Some([a[0] / n, a[1] / n, a[2] / n])
    } else {
        None
    }
}

/// The image → patient affine of a volume.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Geometry {
    /// Patient position (LPS mm) of the centre of voxel (0, 0, 0).
    pub origin: Vec3,
    /// Distance in mm between voxel centres along i (columns), j (rows) and k (slices).
    pub spacing: Vec3,
    /// Unit vectors of the i, j and k index axes in patient space.
    pub axes: [Vec3; 3],
    /// Voxel counts along i, j, k.
    pub dims: [usize; 3],
}

impl Geometry {
    /// The 3×3 matrix (columns = axes scaled by spacing) that maps index steps to mm.
    fn linear(&self) -> [[f64; 3]; 3] {
        let mut m = [[0.0; 3]; 3];
        for (c, axis) in self.axes.iter().enumerate() {
            for r in 0..3 {
                m[r][c] = axis[r] * self.spacing[c];
            }
        }
        m
    }

    /// Patient point (LPS mm) of a continuous voxel index.
    pub fn index_to_patient(&self, index: Vec3) -> Vec3 {
        let m = self.linear();
        let mut p = self.origin;
        for (r, pr) in p.iter_mut().enumerate() {
            *pr += m[r][0] * index[0] + m[r][1] * index[1] + m[r][2] * index[2];
        }
        p
    }

    /// Continuous voxel index of a patient point; `None` if the affine is singular.
    pub fn patient_to_index(&self, p: Vec3) -> Option<Vec3> {
        let inv = invert3(self.linear())?;
        let d = sub(p, self.origin);
        let mut idx = [0.0; 3];
        for (r, ir) in idx.iter_mut().enumerate() {
            *ir = inv[r][0] * d[0] + inv[r][1] * d[1] + inv[r][2] * d[2];
        }
        Some(idx)
    }

    /// The nearest voxel to a patient point, or `None` when the point lies outside the volume
    /// (more than half a voxel beyond the outermost centres).
    pub fn nearest_voxel(&self, p: Vec3) -> Option<[usize; 3]> {
        let idx = self.patient_to_index(p)?;
        let mut out = [0usize; 3];
        for a in 0..3 {
            // Ties (a point exactly between two voxel centres) go to the higher index, also
            // when float error puts the index a hair below .5.
            let r = (idx[a] + 0.5 + 1e-9).floor();
            if !(r >= 0.0 && r < self.dims[a] as f64) {
                return None;
            }
            out[a] = r as usize;
        }
        Some(out)
    }

    /// Unit normal of the slice plane (row direction × column direction).
    pub fn slice_normal(&self) -> Vec3 {
        normalize(cross(self.axes[0], self.axes[1])).unwrap_or([0.0, 0.0, 1.0])
    }

    /// Angle in degrees between the slice step and the slice normal: 0 for an orthogonal stack,
    /// the gantry tilt for a tilted CT.
    pub fn shear_deg(&self) -> f64 {
        let c = dot(self.axes[2], self.slice_normal()).abs().min(1.0);
        c.acos().to_degrees()
    }

    /// Volume of one voxel in millilitres, accounting for shear.
    pub fn voxel_volume_ml(&self) -> f64 {
        let m = self.linear();
        det3(m).abs() / 1000.0
    }

    /// Patient-space centre of the volume.
    pub fn centre(&self) -> Vec3 {
        self.index_to_patient([
            (self.dims[0] as f64 - 1.0) / 2.0,
            (self.dims[1] as f64 - 1.0) / 2.0,
            (self.dims[2] as f64 - 1.0) / 2.0,
        ])
    }

    /// The closest anatomical label string of each axis, e.g. `["L", "P", "H"]` for an axial
    /// head-first stack (the direction of increasing index).
    pub fn axis_labels(&self) -> [String; 3] {
        self.axes.map(direction_label)
    }
}

/// The eight voxels around a continuous index and their trilinear weights (indices clamped to
/// the volume, so points within half a voxel of the border interpolate towards the edge).
/// Corners with zero weight are included with weight 0.
pub fn trilinear_corners(idx: Vec3, dims: [usize; 3]) -> [([usize; 3], f64); 8] {
    let mut lo = [0usize; 3];
    let mut frac = [0f64; 3];
    for a in 0..3 {
        let c = idx[a].clamp(0.0, dims[a].saturating_sub(1) as f64);
        let f = c.floor();
        lo[a] = f as usize;
        frac[a] = c - f;
    }
    let mut out = [([0usize; 3], 0.0); 8];
    for (corner, slot) in out.iter_mut().enumerate() {
        let mut w = 1.0;
        let mut v = [0usize; 3];
        for a in 0..3 {
            let upper = (corner >> a) & 1 == 1;
            v[a] = if upper {
                (lo[a] + 1).min(dims[a].saturating_sub(1))
            } else {
                lo[a]
            };
            w *= if upper { frac[a] } else { 1.0 - frac[a] };
        }
        *slot = (v, w);
    }
    out
}

/// Determinant of a 3×3 matrix.
pub fn det3(m: [[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Inverse of a 3×3 matrix, `None` if singular.
pub fn invert3(m: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let d = det3(m);
    if d.abs() < 1e-12 || !d.is_finite() {
        return None;
    }
    let mut inv = [[0.0; 3]; 3];
    for (r, row) in inv.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            // cofactor of m[c][r]
            let (r1, r2) = others(c);
            let (c1, c2) = others(r);
            let minor = m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
            let sign = if (r + c) % 2 == 0 { 1.0 } else { -1.0 };
            *v = sign * minor / d;
        }
    }
    Some(inv)
}

fn others(i: usize) -> (usize, usize) {
    match i {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    }
}

/// Anatomical label of a direction in LPS: the dominant axes in order of weight, e.g. "L", "LP",
/// "H" (components below 0.25 are ignored).
pub fn direction_label(v: Vec3) -> String {
    let mut parts: Vec<(f64, char)> = Vec::new();
    let labels = [('L', 'R'), ('P', 'A'), ('H', 'F')];
    for a in 0..3 {
        let (pos, neg) = labels[a];
        if v[a].abs() >= 0.25 {
            parts.push((v[a].abs(), if v[a] > 0.0 { pos } else { neg }));
        }
    }
    parts.sort_by(|a, b| b.0.total_cmp(&a.0));
    parts.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tilted() -> Geometry {
        let t = 15f64.to_radians();
        Geometry {
            origin: [-100.0, -50.0, 20.0],
            spacing: [0.8, 0.9, 2.5],
            axes: [[1.0, 0.0, 0.0], [0.0, t.cos(), -t.sin()], [0.0, 0.0, 1.0]],
            dims: [10, 12, 14],
        }
    }

    #[test]
    fn index_patient_round_trip_on_sheared_geometry() {
        let g = tilted();
        for idx in [[0.0, 0.0, 0.0], [3.5, 7.25, 11.0], [9.0, 11.0, 13.0]] {
            let p = g.index_to_patient(idx);
            let back = g.patient_to_index(p).unwrap_or([f64::NAN; 3]);
            for a in 0..3 {
                assert!(
                    (back[a] - idx[a]).abs() < 1e-9,
                    "{idx:?} -> {p:?} -> {back:?}"
                );
            }
        }
        assert!((g.shear_deg() - 15.0).abs() < 1e-9);
    }

    #[test]
    fn nearest_voxel_is_none_outside() {
        let g = tilted();
        assert_eq!(g.nearest_voxel(g.origin), Some([0, 0, 0]));
        assert_eq!(g.nearest_voxel(g.index_to_patient([-0.6, 0.0, 0.0])), None);
        assert_eq!(
            g.nearest_voxel(g.index_to_patient([9.4, 11.4, 13.4])),
            Some([9, 11, 13])
        );
        assert_eq!(g.nearest_voxel(g.index_to_patient([9.6, 0.0, 0.0])), None);
    }

    #[test]
    fn labels_follow_lps() {
        assert_eq!(direction_label([1.0, 0.0, 0.0]), "L");
        assert_eq!(direction_label([-1.0, 0.0, 0.0]), "R");
        assert_eq!(direction_label([0.0, 0.0, -1.0]), "F");
        assert_eq!(direction_label([0.0, 0.8, 0.6]), "PH");
    }

    #[test]
    fn voxel_volume_of_sheared_grid_equals_orthogonal_one() {
        let g = tilted();
        let expected = 0.8 * 0.9 * 2.5 * 15f64.to_radians().cos() / 1000.0;
        assert!((g.voxel_volume_ml() - expected).abs() < 1e-12);
    }
}
