//! `uptake_quant`: the quantitative core of Uptake.
//!
//! PET header values → SUV factors with full provenance ([`suv`]); PET volumes → SUV in full
//! precision ([`SuvVolume`]); region statistics, SUVpeak, threshold segmentation, MTV and
//! TLG, and reference regions, all in patient space through each volume's own affine.
//!
//! Entry points: [`quantify_study`] (seed → [`QuantifyReport`]), [`suv_at_point`],
//! [`study_suv_factor`]; below them [`SuvVolume`], [`lesion::quantify_lesion`],
//! [`stats`], [`peak`], [`mod@reference`].
//!
//! **Architecture invariant:** `uptake-quant` knows nothing about GPUs, HTTP or JavaScript.
//! It reads typed headers and volumes from `uptake-dicom` (never DICOM bytes) and returns
//! numbers with their provenance, or a refusal that says why no number can be given. Numbers
//! come from CPU arrays in full precision, never from display textures.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dicom_inputs;
pub mod error;
pub mod lesion;
pub mod peak;
pub mod quantify;
pub mod reference;
pub mod segment;
pub mod space;
pub mod stats;
pub mod suv;
pub mod suv_volume;

pub use error::QuantError;
pub use lesion::{quantify_lesion, LesionStats};
pub use quantify::{
    quantify_study, quantify_volume, study_suv_factor, suv_at_point, FactorSummary, PointSuvReport,
    QuantifyReport, QuantifyRequest,
};
pub use segment::{Bound, SegmentOptions, Threshold};
pub use suv_volume::{NotConverted, PointSuv, SliceValues, SuvVolume};
