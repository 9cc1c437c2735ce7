//! Overlays: crosshair and scale-bar lines drawn by the GPU, orientation markers and the
//! scale bar handed back as geometry (the page draws the text).

use crate::math::{dot, Vec3};
use crate::view::Camera;

/// Anatomical letters of a patient direction: up to three of R/L, A/P, F/H, strongest
/// first, each component with |c| ≥ 0.25 (e.g. `"L"`, `"LA"` for an oblique edge).
pub fn direction_label(v: Vec3) -> String {
    let mut parts: Vec<(f64, char)> = vec![
        (v[0], if v[0] > 0.0 { 'L' } else { 'R' }),
        (v[1], if v[1] > 0.0 { 'P' } else { 'A' }),
        (v[2], if v[2] > 0.0 { 'H' } else { 'F' }),
    ];
    parts.retain(|(c, _)| c.abs() >= 0.25);
    parts.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    parts.into_iter().map(|(_, l)| l).collect()
}

/// The patient direction letters at each edge of a view (what the page prints there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrientationMarkers {
    /// Middle of the left edge (direction −right).
    pub left: String,
    /// Middle of the right edge (direction +right).
    pub right: String,
    /// Middle of the top edge (direction −down).
    pub top: String,
    /// Middle of the bottom edge (direction +down).
    pub bottom: String,
}

/// Orientation markers of a camera (axial: R, L, A, P; coronal: R, L, H, F; sagittal:
/// A, P, H, F).
pub fn orientation_markers(camera: &Camera) -> OrientationMarkers {
    let neg = |v: Vec3| [-v[0], -v[1], -v[2]];
    OrientationMarkers {
        left: direction_label(neg(camera.right)),
        right: direction_label(camera.right),
        top: direction_label(neg(camera.down)),
        bottom: direction_label(camera.down),
    }
}

/// A scale bar: a horizontal line of a round length near the bottom-right of a viewport.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleBar {
    /// Left end, viewport pixels.
    pub start_px: [f64; 2],
    /// Right end, viewport pixels.
    pub end_px: [f64; 2],
    /// Length in mm.
    pub length_mm: f64,
    /// Text for the page, e.g. `"50 mm"`.
    pub label: String,
}

/// The longest of 1, 2, 5 × 10ⁿ mm that fits in a quarter of the viewport width.
pub fn scale_bar(camera: &Camera, size: [u32; 2]) -> ScaleBar {
    let max_mm = size[0] as f64 / 4.0 * camera.mm_per_px;
    let mut best = 1.0;
    for exp in -1..5 {
        for m in [1.0, 2.0, 5.0] {
            let l = m * 10f64.powi(exp);
            if l <= max_mm {
                best = l;
            }
        }
    }
    let len_px = best / camera.mm_per_px;
    let margin = (size[0].min(size[1]) as f64 * 0.05).max(4.0);
    let y = size[1] as f64 - margin;
    let x1 = size[0] as f64 - margin;
    ScaleBar {
        start_px: [x1 - len_px, y],
        end_px: [x1, y],
        length_mm: best,
        label: if best >= 1.0 {
            format!("{best} mm")
        } else {
            format!("{best:.1} mm")
        },
    }
}

/// What to draw over a view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overlay {
    /// The linked cursor: a horizontal and a vertical line through its projection.
    pub crosshair: Option<Crosshair>,
    /// Draw the scale bar line (its label comes from [`scale_bar`]).
    pub scale_bar: bool,
}

/// Crosshair of the linked cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Crosshair {
    /// Cursor, LPS mm.
    pub point: Vec3,
    /// Line colour (linear RGBA 0..1).
    pub colour: [f32; 4],
}

/// A vertex of an overlay line in the viewport's clip space.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct LineVertex {
    pub(crate) position: [f32; 2],
    pub(crate) colour: [f32; 4],
}

fn clip(size: [u32; 2], px: [f64; 2]) -> [f32; 2] {
    [
        (px[0] / size[0] as f64 * 2.0 - 1.0) as f32,
        (1.0 - px[1] / size[1] as f64 * 2.0) as f32,
    ]
}

/// Line-list vertices of a viewport's overlay. Lines run through pixel centres.
pub(crate) fn line_vertices(camera: &Camera, size: [u32; 2], overlay: &Overlay) -> Vec<LineVertex> {
    let mut out = Vec::new();
    let mut line = |a: [f64; 2], b: [f64; 2], colour: [f32; 4]| {
        out.push(LineVertex {
            position: clip(size, a),
            colour,
        });
        out.push(LineVertex {
            position: clip(size, b),
            colour,
        });
    };
    if let Some(c) = &overlay.crosshair {
        let p = camera.patient_to_pixel(size, c.point);
        let x = p[0].floor() + 0.5;
        let y = p[1].floor() + 0.5;
        line([0.0, y], [size[0] as f64, y], c.colour);
        line([x, 0.0], [x, size[1] as f64], c.colour);
    }
    if overlay.scale_bar {
        let bar = scale_bar(camera, size);
        let y = bar.start_px[1].floor() + 0.5;
        line(
            [bar.start_px[0], y],
            [bar.end_px[0], y],
            [1.0, 1.0, 0.0, 1.0],
        );
    }
    out
}

/// Whether `p` lies within `tolerance_mm` of the camera's plane.
pub fn on_plane(camera: &Camera, p: Vec3, tolerance_mm: f64) -> bool {
    dot(
        [
            p[0] - camera.centre[0],
            p[1] - camera.centre[1],
            p[2] - camera.centre[2],
        ],
        camera.normal(),
    )
    .abs()
        <= tolerance_mm
}
