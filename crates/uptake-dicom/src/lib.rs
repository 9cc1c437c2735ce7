//! # uptake-dicom
//!
//! DICOM Part 10 bytes → typed image instances → volumes with exact patient-space geometry.
//!
//! - [`DicomInstance::from_bytes`] parses one file (every transfer syntax in
//!   [`transfer_syntax::SUPPORTED`]) and reads its [`InstanceHeader`].
//! - [`plan_stacks`] groups instances into series and orders slices along the slice normal,
//!   producing a [`StackPlan`] (geometry + slice problems) from headers alone.
//! - [`Volume::assemble`] decodes every slice straight into the final voxel buffer.
//! - [`load`] walks files and directories and does all of the above.
//!
//! Patient coordinates are DICOM LPS millimetres throughout. Nothing here knows about GPUs,
//! networks or JavaScript, and nothing panics on input: every failure is a typed error naming
//! the file.

pub mod attrs;
pub mod error;
pub mod geometry;
pub mod header;
pub mod instance;
pub mod load;
pub mod packed;
mod par;
pub mod patient;
pub mod pet;
pub mod pixels;
mod prescan;
pub mod scaled;
pub mod stack;
pub mod stream;
pub mod transfer_syntax;
pub mod volume;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod wasm_shims;

pub use error::{AssembleError, InstanceError, Problem};
pub use geometry::Geometry;
pub use header::{FrameInfo, InstanceHeader, PixelFormat};
pub use instance::DicomInstance;
pub use load::{load_paths, load_paths_threads, LoadedStudy};
pub use packed::{PackedSlice, PackedVolume};
pub use patient::PatientInfo;
pub use pet::PetHeader;
pub use scaled::{ScaledVolume, SliceScale};
pub use stack::{plan_stacks, SliceProblem, StackPlan};
pub use stream::{PoolSlice, Pooled, SlicePool};
pub use volume::{Sample, Volume, Voxels};
