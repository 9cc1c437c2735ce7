//! [`QuantError`]: why a measurement could not be made.

use crate::suv::SuvRefusal;
use thiserror::Error;

/// A typed reason why a quantity could not be measured. `Display` is a sentence for the user.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum QuantError {
    /// The study holds no PET series.
    #[error("the study holds no PET series to quantify")]
    NoPetSeries,
    /// The PET volume could not be assembled.
    #[error("the PET volume could not be assembled: {0}")]
    Assemble(#[from] uptake_dicom::AssembleError),
    /// SUV was refused; show Bq/ml instead, never a made-up SUV.
    #[error("{0}")]
    SuvRefused(#[from] SuvRefusal),
    /// The SUV factor does not apply to the volume (units or slice count differ).
    #[error("the SUV factor does not apply to this volume: {detail}")]
    FactorMismatch {
        /// What differs.
        detail: String,
    },
    /// The volume's image → patient affine cannot be inverted.
    #[error("the volume geometry is degenerate (its image-to-patient matrix is singular)")]
    SingularGeometry,
    /// A point given by the caller lies outside the volume.
    #[error("the {what} point ({x:.1}, {y:.1}, {z:.1}) mm LPS lies outside the PET volume", x = point[0], y = point[1], z = point[2])]
    OutsideVolume {
        /// Which point ("seed", "liver reference", …).
        what: &'static str,
        /// The point, LPS mm.
        point: [f64; 3],
    },
    /// The point falls on a slice that is missing from the series.
    #[error("the {what} point ({x:.1}, {y:.1}, {z:.1}) mm LPS falls on a missing slice", x = point[0], y = point[1], z = point[2])]
    OnMissingSlice {
        /// Which point.
        what: &'static str,
        /// The point, LPS mm.
        point: [f64; 3],
    },
    /// No uptake (SUV > 0) was found near the seed: it was probably placed in air.
    #[error("no uptake was found within {radius_mm} mm of the seed ({x:.1}, {y:.1}, {z:.1}) mm LPS; place the seed on the lesion", x = seed[0], y = seed[1], z = seed[2])]
    NoUptakeNearSeed {
        /// The seed, LPS mm.
        seed: [f64; 3],
        /// Search radius used, mm.
        radius_mm: f64,
    },
    /// The highest SUV near the seed is below the absolute or PERCIST threshold.
    #[error("the highest SUV near the seed ({suvmax:.3}) is below the threshold {threshold:.3}: there is no lesion to segment at this threshold")]
    BelowThreshold {
        /// Highest SUV found near the seed.
        suvmax: f64,
        /// The threshold.
        threshold: f64,
    },
    /// A region (sphere or box) contains no voxel centre with a value.
    #[error("the {what} contains no voxel of the PET volume")]
    EmptyRegion {
        /// Which region.
        what: &'static str,
    },
    /// A request parameter is out of range.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}
