//! SUVpeak: the highest mean SUV of a 1 cm³ sphere (radius 6.2035 mm) centred on any voxel
//! centre of the lesion.
//!
//! **Search:** every voxel of the lesion is tried as a centre, not only the SUVmax voxel.
//!
//! **Partial voxels:** a voxel belongs to the sphere when its *centre* lies within the radius
//! (no fractional weights). On a regular grid the set of index offsets is the same for every
//! centre, so it is computed once per volume from the affine ([`SphereKernel`]) — oblique and
//! sheared grids get a true sphere in patient space. The sphere may include voxels outside
//! the lesion (as placed in the image, not clipped to the segmentation).
//!
//! **Edges:** sphere voxels outside the volume or on a missing slice are left out and the
//! mean is over the voxels present; [`Peak::sphere_voxels`] says how many that was.

use crate::space::Affine;
use crate::suv_volume::SuvVolume;
use serde::Serialize;
use uptake_dicom::geometry::Vec3;

/// Radius of a 1 cm³ sphere, mm: `(3000 / 4π)^(1/3)`.
pub const SUVPEAK_RADIUS_MM: f64 = 6.203504908994;

/// The index offsets of a sphere on a given grid.
#[derive(Debug, Clone, PartialEq)]
pub struct SphereKernel {
    /// Radius, mm.
    pub radius_mm: f64,
    /// Offsets `[di, dj, dk]` whose patient-space length is ≤ the radius.
    pub offsets: Vec<[i64; 3]>,
}

impl SphereKernel {
    /// The offsets of a sphere of `radius_mm` on the grid of `affine`.
    pub fn new(affine: &Affine, radius_mm: f64) -> Self {
        let e = affine.ball_extent(radius_mm);
        let n = e.map(|x| x.ceil() as i64);
        let r2 = radius_mm * radius_mm;
        let mut offsets = Vec::new();
        for dk in -n[2]..=n[2] {
            for dj in -n[1]..=n[1] {
                for di in -n[0]..=n[0] {
                    let d = affine.step_mm([di as f64, dj as f64, dk as f64]);
                    if d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= r2 {
                        offsets.push([di, dj, dk]);
                    }
                }
            }
        }
        SphereKernel { radius_mm, offsets }
    }

    /// The 1 cm³ SUVpeak sphere on a volume's grid.
    pub fn suvpeak(vol: &SuvVolume) -> Self {
        Self::new(vol.affine(), SUVPEAK_RADIUS_MM)
    }

    /// Mean SUV and voxel count of the sphere centred on voxel `c`; `None` if no sphere
    /// voxel has a value.
    pub fn mean_at(&self, vol: &SuvVolume, c: [usize; 3]) -> Option<(f64, usize)> {
        let dims = vol.geometry.dims;
        let mut sum = 0.0f64;
        let mut n = 0usize;
        for o in &self.offsets {
            let mut v = [0usize; 3];
            let mut inside = true;
            for a in 0..3 {
                let x = c[a] as i64 + o[a];
                if x < 0 || x >= dims[a] as i64 {
                    inside = false;
                    break;
                }
                v[a] = x as usize;
            }
            if !inside {
                continue;
            }
            if let Some(x) = vol.get(v) {
                sum += x as f64;
                n += 1;
            }
        }
        (n > 0).then(|| (sum / n as f64, n))
    }
}

/// The SUVpeak of a region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Peak {
    /// SUVpeak: the highest sphere mean.
    pub suvpeak: f64,
    /// The voxel the best sphere is centred on.
    pub voxel: [usize; 3],
    /// Its centre, LPS mm.
    pub at: Vec3,
    /// Voxels averaged in the best sphere.
    pub sphere_voxels: usize,
}

/// SUVpeak over the given candidate centres (the lesion voxels). Ties keep the first
/// candidate. `None` when there are no candidates.
pub fn suvpeak(vol: &SuvVolume, kernel: &SphereKernel, candidates: &[[usize; 3]]) -> Option<Peak> {
    let mut best: Option<Peak> = None;
    for &c in candidates {
        if let Some((m, n)) = kernel.mean_at(vol, c) {
            if best.is_none_or(|b| m > b.suvpeak) {
                best = Some(Peak {
                    suvpeak: m,
                    voxel: c,
                    at: vol.voxel_centre(c),
                    sphere_voxels: n,
                });
            }
        }
    }
    best
}
