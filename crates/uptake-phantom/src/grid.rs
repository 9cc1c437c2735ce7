//! Image grids: dimensions, spacing, orientation and per-slice positions as written.
//!
//! All geometry that goes into a file is first formatted as DICOM DS and parsed back;
//! [`Grid`] holds those written values, and voxel centres are computed from them only:
//!
//! `centre(i, j, k) = position[k] + (i · column_spacing) · row_dir + (j · row_spacing) · col_dir`
//!
//! with `i` the column index, `j` the row index, `column_spacing = PixelSpacing[1]`
//! (between columns) and `row_spacing = PixelSpacing[0]` (between rows).

use crate::options::{PhantomOptions, Size};
use crate::text::{ds, ds_multi};

/// A 3-vector.
pub type Vec3 = [f64; 3];

fn mat_vec(m: &[[f64; 3]; 3], v: Vec3) -> Vec3 {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

fn mat_mul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for (r, row) in m.iter_mut().enumerate() {
        for (c, x) in row.iter_mut().enumerate() {
            *x = (0..3).map(|k| a[r][k] * b[k][c]).sum();
        }
    }
    m
}

fn rot_x(deg: f64) -> [[f64; 3]; 3] {
    let (s, c) = deg.to_radians().sin_cos();
    [[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]
}

fn rot_z(deg: f64) -> [[f64; 3]; 3] {
    let (s, c) = deg.to_radians().sin_cos();
    [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
}

/// Cross product.
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Dot product.
pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The ideal (unrounded) description of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridSpec {
    /// Columns (pixels along the row direction).
    pub columns: usize,
    /// Rows (pixels along the column direction).
    pub rows: usize,
    /// Slices.
    pub slices: usize,
    /// Distance between columns, mm (PixelSpacing\[1\]).
    pub column_spacing: f64,
    /// Distance between rows, mm (PixelSpacing\[0\]).
    pub row_spacing: f64,
    /// Distance between consecutive slice positions, mm.
    pub slice_spacing: f64,
    /// The centre of the grid, LPS mm.
    pub centre: Vec3,
}

/// A grid as written into the files.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Columns.
    pub columns: usize,
    /// Rows.
    pub rows: usize,
    /// Number of slices of the grid (before any slice is dropped).
    pub slices: usize,
    /// ImageOrientationPatient as written.
    pub orientation_ds: String,
    /// ImageOrientationPatient parsed: row direction then column direction.
    pub orientation: [f64; 6],
    /// PixelSpacing as written.
    pub pixel_spacing_ds: String,
    /// PixelSpacing parsed: \[between rows, between columns\].
    pub pixel_spacing: [f64; 2],
    /// ImagePositionPatient of each slice (in slice position order) as written.
    pub positions_ds: Vec<String>,
    /// ImagePositionPatient of each slice, parsed.
    pub positions: Vec<Vec3>,
    /// Nominal step between consecutive positions, LPS mm.
    pub slice_step: Vec3,
    /// Nominal distance between consecutive positions, mm.
    pub slice_spacing: f64,
    /// SliceThickness, mm.
    pub slice_thickness: f64,
    /// Gantry tilt written (CT), degrees.
    pub gantry_tilt_deg: Option<f64>,
}

impl Grid {
    /// Builds the written grid from a spec, a 3×3 orientation matrix (columns: row
    /// direction, column direction, stacking direction) and an optional tilt of the image
    /// planes about their row direction (the stacking direction is not tilted).
    pub fn build(spec: &GridSpec, m: &[[f64; 3]; 3], tilt_deg: Option<f64>) -> Grid {
        let row_dir = mat_vec(m, [1.0, 0.0, 0.0]);
        let stack = mat_vec(m, [0.0, 0.0, 1.0]);
        let col_local = match tilt_deg {
            Some(t) => mat_vec(&rot_x(t), [0.0, 1.0, 0.0]),
            None => [0.0, 1.0, 0.0],
        };
        let col_dir = mat_vec(m, col_local);
        let (orientation_ds, o) = ds_multi(&[
            row_dir[0], row_dir[1], row_dir[2], col_dir[0], col_dir[1], col_dir[2],
        ]);
        let (pixel_spacing_ds, ps) = ds_multi(&[spec.row_spacing, spec.column_spacing]);
        let half_c = (spec.columns as f64 - 1.0) / 2.0 * spec.column_spacing;
        let half_r = (spec.rows as f64 - 1.0) / 2.0 * spec.row_spacing;
        let mid = (spec.slices as f64 - 1.0) / 2.0;
        let mut positions_ds = Vec::with_capacity(spec.slices);
        let mut positions = Vec::with_capacity(spec.slices);
        for k in 0..spec.slices {
            let s = (k as f64 - mid) * spec.slice_spacing;
            let p: Vec3 = std::array::from_fn(|a| {
                spec.centre[a] - row_dir[a] * half_c - col_dir[a] * half_r + stack[a] * s
            });
            let (txt, parsed) = ds_multi(&p);
            positions_ds.push(txt);
            positions.push([parsed[0], parsed[1], parsed[2]]);
        }
        Grid {
            columns: spec.columns,
            rows: spec.rows,
            slices: spec.slices,
            orientation_ds,
            orientation: [o[0], o[1], o[2], o[3], o[4], o[5]],
            pixel_spacing_ds,
            pixel_spacing: [ps[0], ps[1]],
            positions_ds,
            positions,
            slice_step: std::array::from_fn(|a| stack[a] * spec.slice_spacing),
            slice_spacing: spec.slice_spacing,
            slice_thickness: spec.slice_spacing,
            gantry_tilt_deg: tilt_deg,
        }
    }

    /// Row direction (ImageOrientationPatient\[0..3\]).
    pub fn row_dir(&self) -> Vec3 {
        [
            self.orientation[0],
            self.orientation[1],
            self.orientation[2],
        ]
    }

    /// Column direction (ImageOrientationPatient\[3..6\]).
    pub fn col_dir(&self) -> Vec3 {
        [
            self.orientation[3],
            self.orientation[4],
            self.orientation[5],
        ]
    }

    /// Normal of the image planes, row × column.
    pub fn normal(&self) -> Vec3 {
        cross(self.row_dir(), self.col_dir())
    }

    /// The LPS centre of voxel (column `i`, row `j`) of slice `k` (position order).
    #[inline]
    pub fn voxel_centre(&self, i: usize, j: usize, k: usize) -> Vec3 {
        voxel_centre(
            self.positions[k],
            self.row_dir(),
            self.col_dir(),
            self.pixel_spacing,
            i,
            j,
        )
    }

    /// Volume of one voxel in ml: column spacing × row spacing × distance between
    /// slice planes (along the normal), / 1000.
    pub fn voxel_volume_ml(&self) -> f64 {
        let n = self.normal();
        let len = dot(n, n).sqrt();
        let between_planes = if len > 0.0 {
            dot(self.slice_step, n).abs() / len
        } else {
            self.slice_spacing
        };
        self.pixel_spacing[0] * self.pixel_spacing[1] * between_planes / 1000.0
    }

    /// SliceLocation written for slice `k`: the position projected on the plane normal.
    pub fn slice_location(&self, k: usize) -> String {
        ds(dot(self.positions[k], self.normal()))
    }
}

/// The voxel-centre formula, shared by the writer and by tests that re-read files.
#[inline]
pub fn voxel_centre(
    position: Vec3,
    row_dir: Vec3,
    col_dir: Vec3,
    pixel_spacing: [f64; 2],
    i: usize,
    j: usize,
) -> Vec3 {
    let a = i as f64 * pixel_spacing[1];
    let b = j as f64 * pixel_spacing[0];
    [
        position[0] + row_dir[0] * a + col_dir[0] * b,
        position[1] + row_dir[1] * a + col_dir[1] * b,
        position[2] + row_dir[2] * a + col_dir[2] * b,
    ]
}

/// The CT grid spec for a size.
pub fn ct_spec(size: Size) -> GridSpec {
    match size {
        Size::Small => GridSpec {
            columns: 128,
            rows: 128,
            slices: 100,
            column_spacing: 3.5,
            row_spacing: 3.5,
            slice_spacing: 3.0,
            centre: [0.0, 12.0, 0.0],
        },
        Size::Clinical => GridSpec {
            columns: 512,
            rows: 512,
            slices: 400,
            column_spacing: 500.0 / 512.0,
            row_spacing: 500.0 / 512.0,
            slice_spacing: 2.5,
            centre: [0.0, 12.0, 0.0],
        },
    }
}

/// The PET grid spec for a size.
pub fn pet_spec(size: Size) -> GridSpec {
    match size {
        Size::Small => GridSpec {
            columns: 96,
            rows: 96,
            slices: 76,
            column_spacing: 4.5,
            row_spacing: 4.5,
            slice_spacing: 4.0,
            centre: [0.0, 0.0, -4.3],
        },
        Size::Clinical => GridSpec {
            columns: 192,
            rows: 192,
            slices: 400,
            column_spacing: 700.0 / 192.0,
            row_spacing: 700.0 / 192.0,
            slice_spacing: 2.6,
            centre: [0.0, 0.0, -1.6],
        },
    }
}

/// The orientation matrix (columns: row, column and stacking directions) for the
/// options: feet first flips x and z; oblique applies Rz(a)·Rx(a/3) on the left.
pub fn orientation_matrix(opts: &PhantomOptions) -> [[f64; 3]; 3] {
    let base = if opts.feet_first {
        [[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]]
    } else {
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    };
    match opts.oblique_deg {
        Some(a) => mat_mul(&mat_mul(&rot_z(a), &rot_x(a / 3.0)), &base),
        None => base,
    }
}

/// The CT and PET grids for the options.
pub fn grids(opts: &PhantomOptions) -> (Grid, Grid) {
    let m = orientation_matrix(opts);
    let ct = Grid::build(&ct_spec(opts.size), &m, opts.ct_gantry_tilt_deg);
    let pet = Grid::build(&pet_spec(opts.size), &m, None);
    (ct, pet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axial_small_geometry() {
        let (ct, pet) = grids(&PhantomOptions::default());
        assert_eq!(ct.orientation_ds, "1\\0\\0\\0\\1\\0");
        assert_eq!(ct.pixel_spacing_ds, "3.5\\3.5");
        assert_eq!(ct.positions_ds[0], "-222.25\\-210.25\\-148.5");
        assert_eq!(pet.positions_ds[0], "-213.75\\-213.75\\-154.3");
        assert_eq!(pet.positions[75][2], 145.7);
        // No PET plane coincides with a CT plane.
        for p in &pet.positions {
            for c in &ct.positions {
                assert!((p[2] - c[2]).abs() > 0.1);
            }
        }
    }

    #[test]
    fn feet_first_has_same_voxel_centres() {
        let (ct, _) = grids(&PhantomOptions::default());
        let (ffs, _) = grids(&PhantomOptions {
            feet_first: true,
            ..Default::default()
        });
        assert_eq!(ffs.orientation_ds, "-1\\0\\0\\0\\1\\0");
        assert!(ffs.normal()[2] < 0.0);
        let a = ct.voxel_centre(3, 5, 7);
        let b = ffs.voxel_centre(127 - 3, 5, 99 - 7);
        for d in 0..3 {
            assert!((a[d] - b[d]).abs() < 1e-9);
        }
    }
}
