//! [`ViewerError`]: why a viewer action could not be done.

use thiserror::Error;

/// An action the viewer refused, with the reason to show the user.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ViewerError {
    /// The study has no PET series.
    #[error("the study holds no PET series")]
    NoPetSeries,
    /// The study has no CT series.
    #[error("the study holds no CT series")]
    NoCtSeries,
    /// A series could not be assembled into a volume.
    #[error("series {series_uid} could not be assembled: {source}")]
    Assemble {
        /// The series.
        series_uid: String,
        /// Why.
        source: Box<uptake_dicom::AssembleError>,
    },
    /// SUV is refused for the PET series; measurements in SUV are not available.
    #[error("SUV refused: {reason}")]
    SuvRefused {
        /// The refusal, as shown to the user.
        reason: String,
    },
    /// A quantification failed.
    #[error(transparent)]
    Quant(Box<uptake_quant::QuantError>),
    /// No series with this UID is loaded.
    #[error("no {modality} series with UID {uid} in this study")]
    UnknownSeries {
        /// Expected modality.
        modality: &'static str,
        /// The UID asked for.
        uid: String,
    },
    /// No lesion at this row.
    #[error("no lesion at row {0}")]
    NoSuchLesion(usize),
    /// PERCIST needs a liver reference first.
    #[error("the PERCIST threshold needs a liver reference: place the liver sphere first")]
    NoLiverReference,
    /// An override value is not usable.
    #[error("invalid override: {0}")]
    InvalidOverride(String),
    /// Nothing to undo or redo.
    #[error("nothing to {0}")]
    NothingTo(&'static str),
}

impl From<uptake_quant::QuantError> for ViewerError {
    fn from(e: uptake_quant::QuantError) -> Self {
        ViewerError::Quant(Box::new(e))
    }
}
