//! Errors of the command-line tool, each printed as one line.

use thiserror::Error;

/// A failure of a subcommand.
#[derive(Debug, Error)]
pub enum CliError {
    /// No usable DICOM image was found.
    #[error("no DICOM images found in {paths}{detail}")]
    NoImages {
        /// The paths given.
        paths: String,
        /// First problem found, if any.
        detail: String,
    },
    /// A series could not be assembled.
    #[error(transparent)]
    Assemble(#[from] uptake_dicom::AssembleError),
    /// Quantification failed or SUV was refused (the reason is the clinician-readable text).
    #[error(transparent)]
    Quant(#[from] uptake_quant::QuantError),
    /// The command line was inconsistent.
    #[error("{0}")]
    Usage(String),
    /// Reading from a DICOMweb server failed (auth, 404, network).
    #[error("DICOMweb: {0}")]
    DicomWeb(String),
    /// Rendering failed (no GPU adapter, SUV refused, …).
    #[error("render: {0}")]
    Render(String),
    /// The server failed.
    #[error("server: {0}")]
    Server(String),
    /// The phantom generator failed.
    #[error("phantom: {0}")]
    Phantom(String),
    /// Writing output failed.
    #[error("cannot write output: {0}")]
    Output(String),
}
