//! Errors of the generator.

use std::path::PathBuf;

/// Why a study could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PhantomError {
    /// An option is out of its documented range.
    #[error("invalid phantom option: {0}")]
    InvalidOption(String),
    /// A file or directory could not be created, written or removed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The DICOM file meta group could not be built.
    #[error("cannot build the DICOM file meta group for {path}: {source}")]
    Meta {
        /// The file being written.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Box<dicom_object::WithMetaError>,
    },
    /// dicom-object failed to encode or write a file.
    #[error("cannot write DICOM file {path}: {source}")]
    Dicom {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Box<dicom_object::WriteError>,
    },
    /// `truth.json` could not be encoded.
    #[error("cannot encode truth.json: {0}")]
    Json(#[from] serde_json::Error),
    /// A worker thread panicked (a bug).
    #[error("internal error: a generator thread panicked")]
    Thread,
}

impl PhantomError {
    /// An I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PhantomError::Io {
            path: path.into(),
            source,
        }
    }
}
