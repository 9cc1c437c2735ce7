//! Picking: screen pixel → patient point, and for the MIP the hottest voxel along the ray
//! (CPU ray march over the caller's full-precision values, so the answer is exact).

use crate::math::{add, scale, Vec3};
use crate::view::Camera;
use crate::volume::VolumeDesc;

/// The patient point under the centre of pixel `(x, y)` of a viewport of `size` (MPR views;
/// on the MIP, the point on its projection plane).
pub fn pick_plane(camera: &Camera, size: [u32; 2], pixel: [u32; 2]) -> Vec3 {
    camera.pixel_to_patient(size, [pixel[0] as f64 + 0.5, pixel[1] as f64 + 0.5])
}

/// The hottest voxel along a MIP ray.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MipHit {
    /// Voxel `[i, j, k]` with the maximum value along the ray.
    pub voxel: [usize; 3],
    /// Its centre, LPS mm: where to move the linked cursor.
    pub point: Vec3,
    /// Its value (full precision, from the caller's data).
    pub value: f64,
}

/// Marches the ray through pixel `(x, y)` of a MIP viewport along the camera normal, in steps
/// of a quarter of the smallest voxel spacing, visiting the nearest voxel at each step; returns
/// the voxel with the largest value (first one on ties, nearest the viewer). `None` when the
/// ray misses the volume.
pub fn pick_mip(
    camera: &Camera,
    size: [u32; 2],
    pixel: [u32; 2],
    volume: &VolumeDesc<'_>,
) -> Option<MipHit> {
    let origin = pick_plane(camera, size, pixel);
    let dir = camera.normal();
    let g = &volume.geometry;
    let c = g.centre();
    let radius = g
        .corners()
        .iter()
        .map(|p| crate::math::norm(crate::math::sub(*p, c)))
        .fold(0.0, f64::max);
    let along = crate::math::dot(crate::math::sub(c, origin), dir);
    let step = (g.min_spacing() / 4.0).max(1e-3);
    let n = ((2.0 * radius) / step).ceil() as usize + 1;
    let mut best: Option<MipHit> = None;
    for s in 0..n {
        let t = along - radius + s as f64 * step;
        let p = add(origin, scale(dir, t));
        let Some(v) = volume.nearest_voxel(p) else {
            continue;
        };
        let Some(value) = volume.voxel(v) else {
            continue;
        };
        if best.is_none_or(|b| value > b.value) {
            best = Some(MipHit {
                voxel: v,
                point: g.index_to_patient(v.map(|x| x as f64)),
                value,
            });
        }
    }
    best
}
