//! View geometry: where each screen pixel lies in patient space.
//!
//! A [`Camera`] is a plane through a patient point (`centre`, shown at the viewport centre)
//! spanned by two unit directions: `right` (screen +x) and `down` (screen +y), at an
//! isotropic `mm_per_px`. Isotropic pixels are what honours the voxel aspect ratio: a 3.27 mm
//! slice is 3.27 mm tall on screen whatever the in-plane spacing. The MIP uses the same plane
//! as its projection plane and casts rays along `right × down`.
//!
//! Radiological convention (DESIGN.md decision 4): axial and coronal views have patient
//! right on screen left (screen +x = patient left, LPS +x); axial has anterior up, coronal
//! and sagittal have head up; sagittal has anterior on screen left.

use crate::error::RenderError;
use crate::math::{add, cross, dot, normalize, scale, sub, Vec3};
use crate::volume::VolumeGeometry;

/// The three standard planes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Transverse plane, seen from the feet.
    Axial,
    /// Frontal plane, seen from the front.
    Coronal,
    /// Sagittal plane, seen from the patient's left.
    Sagittal,
}

impl Orientation {
    /// `(right, down)` unit vectors of the screen axes in LPS.
    pub fn axes(self) -> (Vec3, Vec3) {
        match self {
            Orientation::Axial => ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
            Orientation::Coronal => ([1.0, 0.0, 0.0], [0.0, 0.0, -1.0]),
            Orientation::Sagittal => ([0.0, 1.0, 0.0], [0.0, 0.0, -1.0]),
        }
    }
}

/// A view plane: the patient point at the viewport centre, the screen axes in patient space
/// and the zoom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// Patient point (LPS mm) at the centre of the viewport.
    pub centre: Vec3,
    /// Unit patient direction of screen +x.
    pub right: Vec3,
    /// Unit patient direction of screen +y (downwards), orthogonal to `right`.
    pub down: Vec3,
    /// Millimetres per screen pixel (the same along x and y).
    pub mm_per_px: f64,
}

impl Camera {
    /// A standard plane through `centre`.
    pub fn standard(orientation: Orientation, centre: Vec3, mm_per_px: f64) -> Camera {
        let (right, down) = orientation.axes();
        Camera {
            centre,
            right,
            down,
            mm_per_px,
        }
    }

    /// An oblique plane through `centre`: `right` is normalised, `down` is made orthogonal
    /// to it (Gram–Schmidt) and normalised.
    pub fn oblique(
        centre: Vec3,
        right: Vec3,
        down: Vec3,
        mm_per_px: f64,
    ) -> Result<Camera, RenderError> {
        let bad = || RenderError::InvalidView("oblique axes are parallel or zero".into());
        let r = normalize(right).ok_or_else(bad)?;
        let d = normalize(sub(down, scale(r, dot(down, r)))).ok_or_else(bad)?;
        Ok(Camera {
            centre,
            right: r,
            down: d,
            mm_per_px,
        })
    }

    /// The MIP projection plane at `angle_deg` about the patient's long (z) axis: 0° is seen
    /// from the front (like coronal, patient right on screen left), 90° from the patient's
    /// left (like sagittal). Head up. Rays run along [`Camera::normal`].
    pub fn mip(centre: Vec3, angle_deg: f64, mm_per_px: f64) -> Camera {
        let a = angle_deg.to_radians();
        Camera {
            centre,
            right: [a.cos(), a.sin(), 0.0],
            down: [0.0, 0.0, -1.0],
            mm_per_px,
        }
    }

    /// Unit normal `right × down` (the viewing direction; the MIP ray direction).
    pub fn normal(&self) -> Vec3 {
        cross(self.right, self.down)
    }

    /// The zoom that fits the extent of `geometry` into a `size` viewport (with a 2 % margin).
    pub fn fit_mm_per_px(&self, geometry: &VolumeGeometry, size: [u32; 2]) -> f64 {
        let (mut w, mut h) = (0.0f64, 0.0f64);
        let c = geometry.centre();
        for corner in geometry.corners() {
            let d = sub(corner, c);
            w = w.max(dot(d, self.right).abs() * 2.0);
            h = h.max(dot(d, self.down).abs() * 2.0);
        }
        let s = (w / size[0].max(1) as f64).max(h / size[1].max(1) as f64);
        s * 1.02
    }

    /// Moves the view by `(dx, dy)` screen pixels (content moves with the pointer).
    pub fn pan_px(&mut self, dx: f64, dy: f64) {
        let d = add(
            scale(self.right, -dx * self.mm_per_px),
            scale(self.down, -dy * self.mm_per_px),
        );
        self.centre = add(self.centre, d);
    }

    /// Zooms by `factor` (> 1 magnifies) about the viewport centre.
    pub fn zoom(&mut self, factor: f64) {
        if factor.is_finite() && factor > 0.0 {
            self.mm_per_px /= factor;
        }
    }

    /// Patient point under viewport position `px` (pixels from the viewport's top-left
    /// corner; the centre of pixel (i, j) is (i + 0.5, j + 0.5)).
    pub fn pixel_to_patient(&self, size: [u32; 2], px: [f64; 2]) -> Vec3 {
        let dx = (px[0] - size[0] as f64 / 2.0) * self.mm_per_px;
        let dy = (px[1] - size[1] as f64 / 2.0) * self.mm_per_px;
        add(
            self.centre,
            add(scale(self.right, dx), scale(self.down, dy)),
        )
    }

    /// Viewport position of the orthogonal projection of `p` onto the view plane.
    pub fn patient_to_pixel(&self, size: [u32; 2], p: Vec3) -> [f64; 2] {
        let d = sub(p, self.centre);
        [
            dot(d, self.right) / self.mm_per_px + size[0] as f64 / 2.0,
            dot(d, self.down) / self.mm_per_px + size[1] as f64 / 2.0,
        ]
    }

    /// Signed distance (mm) of `p` from the view plane along [`Camera::normal`].
    pub fn distance_to_plane(&self, p: Vec3) -> f64 {
        dot(sub(p, self.centre), self.normal())
    }

    pub(crate) fn validate(&self) -> Result<(), RenderError> {
        let ok = self.mm_per_px.is_finite()
            && self.mm_per_px > 0.0
            && self.centre.iter().all(|v| v.is_finite())
            && normalize(self.right).is_some()
            && normalize(self.down).is_some()
            && dot(self.right, self.down).abs() < 1e-6;
        if ok {
            Ok(())
        } else {
            Err(RenderError::InvalidView(format!("bad camera {self:?}")))
        }
    }
}
