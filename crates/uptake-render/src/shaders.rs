//! The WGSL sources, compiled into the crate from `shaders/` at the repository root.
//!
//! `common.wgsl` (uniforms, bindings, the full-screen vertex shader and sampling helpers)
//! is prepended to each volume shader, so every module is self-contained WGSL.

/// Fused MPR (CT window/level under PET colour, thick-slab MIP, labels): `vs_fullscreen` + `fs_mpr`.
pub const MPR: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/mpr.wgsl")
);

/// PET maximum-intensity projection: `vs_fullscreen` + `fs_mip`.
pub const MIP: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/mip.wgsl")
);

/// Colour-map legend bar: `vs_fullscreen` + `fs_legend`.
pub const LEGEND: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/legend.wgsl")
);

/// Overlay lines: `vs_line` + `fs_line`.
pub const LINES: &str = include_str!("../../../shaders/lines.wgsl");

/// Every shader module with its name and (vertex, fragment) entry points, for validation.
pub const ALL: [(&str, &str, &str, &str); 4] = [
    ("mpr", MPR, "vs_fullscreen", "fs_mpr"),
    ("mip", MIP, "vs_fullscreen", "fs_mip"),
    ("legend", LEGEND, "vs_fullscreen", "fs_legend"),
    ("lines", LINES, "vs_line", "fs_line"),
];
