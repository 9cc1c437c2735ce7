//! The hanging protocol: layouts, the views in them, their rectangles and cameras.

use serde::Serialize;
use uptake_render::{Camera, Display, Orientation, Rect, ViewKind, VolumeGeometry};

/// What a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewRole {
    /// CT alone (grey).
    Ct,
    /// PET alone (colour map).
    Pet,
    /// PET over CT.
    Fused,
    /// Rotating PET maximum-intensity projection.
    Mip,
}

/// The layouts of the hanging protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One fused view.
    OneByOne,
    /// CT, PET, fused (one plane) and the MIP: the PET-CT default.
    #[default]
    TwoByTwo,
    /// A large fused view on the left, CT, PET and MIP stacked on the right.
    OnePlusThree,
    /// Fused axial, coronal and sagittal side by side.
    ThreePlane,
}

/// One view's persistent state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewState {
    /// What it shows.
    pub role: ViewRole,
    /// Its plane (`None` for the MIP, which follows the cine angle); `None` on an MPR view
    /// means "the viewer's current plane".
    pub orientation: Option<Orientation>,
    /// Zoom factor over "fit" (1 = the volume fits the view).
    pub zoom: f64,
    /// Pan, mm along the view's right and down axes.
    pub pan_mm: [f64; 2],
}

impl ViewState {
    /// A view with no zoom or pan.
    pub fn new(role: ViewRole, orientation: Option<Orientation>) -> Self {
        ViewState {
            role,
            orientation,
            zoom: 1.0,
            pan_mm: [0.0, 0.0],
        }
    }
}

/// The views of a layout, in reading order.
pub fn views_for(layout: Layout) -> Vec<ViewState> {
    use ViewRole::*;
    match layout {
        Layout::OneByOne => vec![ViewState::new(Fused, None)],
        Layout::TwoByTwo => vec![
            ViewState::new(Ct, None),
            ViewState::new(Pet, None),
            ViewState::new(Fused, None),
            ViewState::new(Mip, None),
        ],
        Layout::OnePlusThree => vec![
            ViewState::new(Fused, None),
            ViewState::new(Ct, None),
            ViewState::new(Pet, None),
            ViewState::new(Mip, None),
        ],
        Layout::ThreePlane => vec![
            ViewState::new(Fused, Some(Orientation::Axial)),
            ViewState::new(Fused, Some(Orientation::Coronal)),
            ViewState::new(Fused, Some(Orientation::Sagittal)),
        ],
    }
}

/// The rectangles of `n` views of `layout` in a `w × h` canvas (or one full-canvas rectangle
/// for the maximised view). Returns `(view index, rect)`.
pub fn rects(layout: Layout, maximised: Option<usize>, w: u32, h: u32) -> Vec<(usize, Rect)> {
    let r = |x: u32, y: u32, width: u32, height: u32| Rect {
        x,
        y,
        width: width.max(1),
        height: height.max(1),
    };
    if let Some(i) = maximised {
        return vec![(i, r(0, 0, w, h))];
    }
    let (hw, hh) = (w / 2, h / 2);
    match layout {
        Layout::OneByOne => vec![(0, r(0, 0, w, h))],
        Layout::TwoByTwo => vec![
            (0, r(0, 0, hw, hh)),
            (1, r(hw, 0, w - hw, hh)),
            (2, r(0, hh, hw, h - hh)),
            (3, r(hw, hh, w - hw, h - hh)),
        ],
        Layout::OnePlusThree => {
            let big = w * 2 / 3;
            let (t1, t2) = (h / 3, 2 * h / 3);
            vec![
                (0, r(0, 0, big, h)),
                (1, r(big, 0, w - big, t1)),
                (2, r(big, t1, w - big, t2 - t1)),
                (3, r(big, t2, w - big, h - t2)),
            ]
        }
        Layout::ThreePlane => {
            let (c1, c2) = (w / 3, 2 * w / 3);
            vec![
                (0, r(0, 0, c1, h)),
                (1, r(c1, 0, c2 - c1, h)),
                (2, r(c2, 0, w - c2, h)),
            ]
        }
    }
}

/// One view as laid out: what `layout(canvas_w, canvas_h)` returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewportSpec {
    /// Index of the view in the layout.
    pub index: usize,
    /// Rectangle on the canvas, pixels, origin top-left.
    pub rect: Rect,
    /// What it shows.
    pub role: ViewRole,
    /// The plane of an MPR view (`None` for the MIP).
    pub orientation: Option<Orientation>,
    /// The render kind (MPR or MIP).
    pub kind: ViewKind,
    /// The camera.
    pub camera: Camera,
    /// Colours: CT window, PET range, fusion opacity.
    pub display: Display,
}

impl ViewportSpec {
    /// Whether canvas pixel `(x, y)` is inside the view.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.rect.x as f64
            && y >= self.rect.y as f64
            && x < (self.rect.x + self.rect.width) as f64
            && y < (self.rect.y + self.rect.height) as f64
    }

    /// The view as an `uptake_render` viewport with the cursor's crosshair.
    pub fn to_viewport(&self, cursor: [f64; 3]) -> uptake_render::Viewport {
        let overlay = uptake_render::Overlay {
            crosshair: Some(uptake_render::Crosshair {
                point: cursor,
                colour: [0.2, 1.0, 0.2, 0.8],
            }),
            ..Default::default()
        };
        uptake_render::Viewport {
            rect: self.rect,
            camera: self.camera,
            kind: self.kind,
            display: self.display,
            overlay,
        }
    }
}

/// The camera of an MPR view: its plane through `cursor`, centred on the volume centre
/// projected onto the plane plus the pan, zoomed from "fit".
pub fn mpr_camera(
    orientation: Orientation,
    view: &ViewState,
    cursor: [f64; 3],
    geometry: &VolumeGeometry,
    size: [u32; 2],
) -> Camera {
    let (right, down) = orientation.axes();
    let c = geometry.centre();
    let n = cross(right, down);
    // Volume centre moved onto the plane through the cursor, then panned.
    let off = dot(sub(cursor, c), n);
    let mut centre = add(c, scale(n, off));
    centre = add(centre, scale(right, view.pan_mm[0]));
    centre = add(centre, scale(down, view.pan_mm[1]));
    let mut cam = Camera::standard(orientation, centre, 1.0);
    cam.mm_per_px = cam.fit_mm_per_px(geometry, size) / view.zoom.max(1e-6);
    cam
}

/// The camera of the MIP view at `angle_deg`.
pub fn mip_camera(
    view: &ViewState,
    angle_deg: f64,
    geometry: &VolumeGeometry,
    size: [u32; 2],
) -> Camera {
    let mut cam = Camera::mip(geometry.centre(), angle_deg, 1.0);
    // Fit for every angle: the largest in-plane extent is the volume's diagonal in x/y.
    let fit0 = cam.fit_mm_per_px(geometry, size);
    let fit90 = Camera::mip(geometry.centre(), angle_deg + 90.0, 1.0).fit_mm_per_px(geometry, size);
    cam.mm_per_px = fit0.max(fit90) / view.zoom.max(1e-6);
    cam.pan_px(
        -view.pan_mm[0] / cam.mm_per_px,
        -view.pan_mm[1] / cam.mm_per_px,
    );
    cam
}

pub(crate) fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
pub(crate) fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
pub(crate) fn scale(a: [f64; 3], s: f64) -> [f64; 3] {
    [a[0] * s, a[1] * s, a[2] * s]
}
pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}
