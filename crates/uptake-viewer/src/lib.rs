//! # uptake-viewer
//!
//! The PET-CT viewer's application state, in pure Rust and driven by events: the loaded study
//! and the series choice, the hanging protocol and its viewports, one linked patient cursor,
//! tool modes and the keyboard map, readouts, the lesion table with undo/redo, the SUV panel
//! with overrides, the patient banner, deep links, CSV export and the memory estimate.
//!
//! **Architecture invariant:** this crate knows nothing about the DOM, JavaScript or GPU
//! devices. It produces `uptake_render` view descriptions ([`uptake_render::Camera`],
//! [`uptake_render::Viewport`]) and never draws; every number it shows comes from the CPU
//! arrays of `uptake-dicom` and `uptake-quant` (DESIGN.md decision 2).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod banner;
pub mod cursor;
pub mod deep_link;
pub mod error;
pub mod export_csv;
pub mod history;
pub mod keys;
pub mod layout;
pub mod lesions;
pub mod memory;
pub mod session;
pub mod suv_panel;
pub mod tools;
pub mod viewer;

pub use banner::{format_nhs_number, format_person_name, patient_banner};
pub use cursor::CursorValues;
pub use deep_link::{DeepLink, DeepLinkError, LesionRef};
pub use error::ViewerError;
pub use keys::{handle_key, Effect, Key, KeyEvent};
pub use layout::{Layout, ViewRole, ViewportSpec};
pub use lesions::{Lesion, LesionRow, ThresholdChoice, Totals};
pub use memory::{estimate_for_study, estimate_memory, MemoryEstimate, SeriesDims};
pub use session::{SeriesChoice, Session, Warning};
pub use suv_panel::SuvInfo;
pub use tools::ToolMode;
pub use viewer::Viewer;
