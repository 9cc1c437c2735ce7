//! Tool modes: what a primary-button drag or click does.

use serde::Serialize;

/// The active tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolMode {
    /// Click/drag moves the linked cursor (MIP click: hottest voxel under the mouse).
    #[default]
    Cursor,
    /// Drag changes the CT window (CT and fused views: x = width, y = level) or the PET SUV
    /// range (PET and MIP views: y = upper limit).
    WindowLevel,
    /// Drag up/down zooms the view.
    Zoom,
    /// Drag pans the view.
    Pan,
    /// Click measures the lesion under the mouse and adds it to the table.
    Lesion,
}

/// HU per pixel of drag for the CT window.
pub const HU_PER_PX: f32 = 2.0;
/// SUV per pixel of drag for the PET range.
pub const SUV_PER_PX: f32 = 0.02;
/// Zoom factor per pixel of vertical drag (`exp(−dy × this)`).
pub const ZOOM_PER_PX: f64 = 0.01;
