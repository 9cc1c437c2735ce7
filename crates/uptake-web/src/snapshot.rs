//! What the page shows besides the pixels: one JSON snapshot of the viewer after every
//! command (views with their text overlays, readouts, lesions, SUV panel, banner, warnings).

use serde::Serialize;
use uptake_render::{orientation_markers, scale_bar, Rect};
use uptake_viewer::{
    CursorValues, LesionRow, SeriesChoice, SuvInfo, Totals, ViewRole, Viewer, Warning,
};

use crate::command::plane_name;

/// One view as the page overlays it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewSnapshot {
    /// Index in the layout.
    pub index: usize,
    /// `ct`, `pet`, `fused`, `mip`.
    pub role: ViewRole,
    /// `axial`, `coronal`, `sagittal`, or `null` for the MIP.
    pub plane: Option<&'static str>,
    /// The title, e.g. `"Fused axial"`, `"PET MIP 45°"`.
    pub title: String,
    /// Rectangle on the canvas (device pixels, origin top-left).
    pub rect: [u32; 4],
    /// Direction letters at the left, right, top and bottom edges.
    pub markers: [String; 4],
    /// Scale bar: start and end (view pixels) and its label.
    pub scale_bar: Option<ScaleBarSnapshot>,
}

/// A scale bar in view pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleBarSnapshot {
    /// Left end.
    pub start: [f64; 2],
    /// Right end.
    pub end: [f64; 2],
    /// Text, e.g. `"50 mm"`.
    pub label: String,
}

/// The whole state the page needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// A preview while the study is still arriving (the whole PET and the CT's centre
    /// slice): shown, not for interaction.
    pub preview: bool,
    /// The patient banner (shown on every view and export).
    pub banner: String,
    /// Warnings (patient ID / FrameOfReference mismatch, SUV refused, slice problems).
    pub warnings: Vec<Warning>,
    /// The series shown and why.
    pub choice: SeriesChoice,
    /// Layout name.
    pub layout: &'static str,
    /// Plane of the single-plane views.
    pub plane: &'static str,
    /// Tool name.
    pub tool: &'static str,
    /// Lesion threshold label (`41%`…).
    pub threshold: &'static str,
    /// Fusion opacity, percent.
    pub fusion_percent: u8,
    /// CT window `[level, width]`, HU.
    pub ct_window: [f32; 2],
    /// PET range `[low, high]` and its colour map.
    pub pet_range: [f32; 2],
    /// PET colour map name.
    pub colormap: &'static str,
    /// The colour map at 11 evenly spaced stops (CSS `rgb(…)`), for the legend.
    pub colormap_stops: Vec<String>,
    /// MIP angle, degrees.
    pub mip_angle: f64,
    /// Cine playing.
    pub cine: bool,
    /// Help shown.
    pub help: bool,
    /// Maximised view, if any.
    pub maximised: Option<usize>,
    /// The active view.
    pub active_view: usize,
    /// Canvas size the views were laid out for.
    pub canvas: [u32; 2],
    /// The views.
    pub views: Vec<ViewSnapshot>,
    /// Values at the cursor.
    pub values: CursorValues,
    /// The lesion table.
    pub lesions: Vec<LesionRow>,
    /// Whole-body totals.
    pub totals: Totals,
    /// The SUV panel.
    pub suv: SuvInfo,
    /// A deep link to this study and cursor (query string, `?study=…`).
    pub link: String,
}

fn role_title(role: ViewRole) -> &'static str {
    match role {
        ViewRole::Ct => "CT",
        ViewRole::Pet => "PET",
        ViewRole::Fused => "Fused",
        ViewRole::Mip => "PET MIP",
    }
}

fn rect(r: Rect) -> [u32; 4] {
    [r.x, r.y, r.width, r.height]
}

fn layout_name(v: &Viewer) -> &'static str {
    match v.layout_kind() {
        uptake_viewer::Layout::OneByOne => "one_by_one",
        uptake_viewer::Layout::TwoByTwo => "two_by_two",
        uptake_viewer::Layout::OnePlusThree => "one_plus_three",
        uptake_viewer::Layout::ThreePlane => "three_plane",
    }
}

fn tool_name(v: &Viewer) -> &'static str {
    match v.tool() {
        uptake_viewer::ToolMode::Cursor => "cursor",
        uptake_viewer::ToolMode::WindowLevel => "window_level",
        uptake_viewer::ToolMode::Zoom => "zoom",
        uptake_viewer::ToolMode::Pan => "pan",
        uptake_viewer::ToolMode::Lesion => "lesion",
    }
}

/// The views of the layout on a `size` canvas.
pub fn views(v: &Viewer, size: [u32; 2]) -> Vec<ViewSnapshot> {
    v.layout(size[0], size[1])
        .into_iter()
        .map(|s| {
            let m = orientation_markers(&s.camera);
            let title = match s.orientation {
                Some(o) => format!("{} {}", role_title(s.role), plane_name(o)),
                None => format!("{} {:.0}°", role_title(s.role), v.mip_angle()),
            };
            let bar = scale_bar(&s.camera, s.rect.size());
            ViewSnapshot {
                index: s.index,
                role: s.role,
                plane: s.orientation.map(plane_name),
                title,
                rect: rect(s.rect),
                markers: [m.left, m.right, m.top, m.bottom],
                scale_bar: (bar.length_mm > 0.0).then_some(ScaleBarSnapshot {
                    start: bar.start_px,
                    end: bar.end_px,
                    label: bar.label,
                }),
            }
        })
        .collect()
}

/// The snapshot of `v` on a `size` canvas.
pub fn snapshot(v: &Viewer, size: [u32; 2]) -> Snapshot {
    let ct = v.ct_window();
    let pet = v.pet_display();
    Snapshot {
        preview: false,
        banner: v.banner(),
        warnings: v.session.warnings.clone(),
        choice: v.session.choice.clone(),
        layout: layout_name(v),
        plane: plane_name(v.plane()),
        tool: tool_name(v),
        threshold: v.threshold().label(),
        fusion_percent: v.fusion_percent(),
        ct_window: [ct.level, ct.width],
        pet_range: [pet.low, pet.high],
        colormap: pet.colormap.name(),
        colormap_stops: (0..=10)
            .map(|i| {
                let [r, g, b] = pet.colormap.colour(f64::from(i) / 10.0);
                format!("rgb({r},{g},{b})")
            })
            .collect(),
        mip_angle: v.mip_angle(),
        cine: v.cine_playing(),
        help: v.help_visible(),
        maximised: v.maximised(),
        active_view: v.active_view(),
        canvas: size,
        views: views(v, size),
        values: v.cursor_values(),
        lesions: v.lesions(),
        totals: v.totals(),
        suv: v.suv_info(),
        link: v.deep_link().to_link(),
    }
}
