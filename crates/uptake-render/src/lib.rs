//! # uptake-render
//!
//! The wgpu renderer of Uptake: fused PET-CT multiplanar reconstruction in any plane,
//! rotating PET MIP, colour maps, overlays and picking — one code path for the browser
//! (WebGPU, or wgpu's WebGL2 backend) and native (Vulkan; Mesa lavapipe in tests).
//!
//! **Architecture invariant:** this crate knows nothing about DICOM parsing, the network or
//! JavaScript. It takes volumes as plain data ([`VolumeDesc`]: voxels plus image→patient
//! affine in LPS mm) and views as plain data ([`Camera`], [`Display`], [`Viewport`]). PET
//! and CT are never resampled on the CPU: the fragment shader maps each pixel to a patient
//! point and samples each volume through its own inverse affine (DESIGN.md decision 1).
//! Textures are display copies (R16Float); numbers shown as measurements come from the
//! caller's full-precision arrays (decision 2), as does [`pick_mip`].
//!
//! ```no_run
//! use uptake_render::*;
//! # fn demo(ct: VolumeDesc<'_>, pet: VolumeDesc<'_>) -> Result<(), RenderError> {
//! let gpu = Gpu::headless_blocking()?;
//! let scene = Scene { ct: Some(ct), pet: Some(pet), labels: None };
//! let mut r = Renderer::with_scene(&gpu, wgpu::TextureFormat::Rgba8Unorm, &scene)?;
//! let cam = Camera::standard(Orientation::Axial, pet.geometry.centre(), 2.0);
//! let vp = Viewport {
//!     rect: Rect { x: 0, y: 0, width: 256, height: 256 },
//!     camera: cam,
//!     kind: ViewKind::Mpr { slab_mm: 0.0 },
//!     display: Display::default(),
//!     overlay: Overlay::default(),
//! };
//! render_to_rgba(&mut r, [256, 256], &[vp])?.save_png("axial.png".as_ref())?;
//! # Ok(()) }
//! ```

mod block_max;
pub mod cli;
pub mod colormap;
pub mod device;
#[cfg(feature = "dicom")]
pub mod dicom;
pub mod display;
pub mod error;
pub mod math;
pub mod offscreen;
pub mod overlays;
pub mod picking;
mod pipelines;
pub mod renderer;
pub mod shaders;
#[cfg(all(feature = "dicom", not(target_arch = "wasm32")))]
pub mod study;
mod textures;
pub mod view;
pub mod volume;

pub use colormap::Colormap;
pub use device::Gpu;
pub use display::{CtWindow, Display, LabelStyle, PetDisplay};
pub use error::RenderError;
#[cfg(not(target_arch = "wasm32"))]
pub use offscreen::render_to_rgba;
pub use offscreen::{Readback, RgbaImage};
pub use overlays::{
    orientation_markers, scale_bar, Crosshair, OrientationMarkers, Overlay, ScaleBar,
};
pub use picking::{pick_mip, pick_plane, MipHit};
pub use renderer::{DetachedVolume, Rect, Renderer, Scene, ViewKind, Viewport, VolumeSlot};
pub use view::{Camera, Orientation};
pub use volume::{
    f16_le_of_f32, f16_le_of_i16, i16_to_f16_table, LabelDesc, ValueKind, VolumeDesc,
    VolumeGeometry, VoxelSource, Voxels,
};
pub use wgpu;
