//! Typed errors. Every error that comes from input names the file (or byte source) it came from.

use thiserror::Error;

/// Something wrong with one DICOM file or byte source.
#[derive(Debug, Error)]
#[error("{source_name}: {problem}")]
pub struct InstanceError {
    /// File path or other name of the byte source.
    pub source_name: String,
    /// What is wrong with it.
    pub problem: Problem,
}

impl InstanceError {
    /// Attaches a source name to a problem.
    pub fn new(source_name: impl Into<String>, problem: Problem) -> Self {
        Self {
            source_name: source_name.into(),
            problem,
        }
    }
}

/// The problem found in one instance.
#[derive(Debug, Error)]
pub enum Problem {
    /// The file could not be read from disk.
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are too short to hold a DICOM Part 10 header.
    #[error("file is truncated: {0}")]
    Truncated(String),
    /// Neither a 128-byte preamble followed by `DICM` nor a bare `DICM` prefix.
    #[error("not a DICOM Part 10 file: no 'DICM' marker after the 128-byte preamble")]
    NoDicmMarker,
    /// The element structure is inconsistent (lengths, items, nesting).
    #[error("malformed data set: {0}")]
    Malformed(String),
    /// The DICOM parser rejected the data set.
    #[error("cannot parse DICOM data set: {0}")]
    Parse(String),
    /// The transfer syntax is not known or not supported for pixel data.
    #[error("unsupported transfer syntax {uid} ({name})")]
    UnsupportedTransferSyntax {
        /// Transfer syntax UID.
        uid: String,
        /// Human-readable name, or "unknown".
        name: String,
    },
    /// A required attribute is absent or empty.
    #[error("missing required attribute {0}")]
    MissingAttribute(&'static str),
    /// An attribute has a value that cannot be used.
    #[error("invalid {attribute}: {detail}")]
    InvalidAttribute {
        /// Attribute keyword.
        attribute: &'static str,
        /// What is wrong with its value.
        detail: String,
    },
    /// The object is not an image this crate assembles into volumes.
    #[error("not a CT or PET image (SOP class {0})")]
    NotAnImage(String),
    /// The pixel data is shorter than Rows × Columns × frames × bytes per sample.
    #[error("pixel data too short: {actual} bytes, {expected} expected for frame {frame}")]
    PixelDataTooShort {
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        actual: usize,
        /// Zero-based frame index.
        frame: u32,
    },
    /// A codec failed on the compressed frame.
    #[error("cannot decode frame {frame}: {detail}")]
    Decode {
        /// Zero-based frame index.
        frame: u32,
        /// The codec's message.
        detail: String,
    },
    /// The pixel format is outside what PET/CT volumes need.
    #[error("unsupported pixel format: {0}")]
    UnsupportedPixelFormat(String),
    /// The memory for the series' voxels could not be had.
    #[error("not enough memory for {bytes} bytes of this series' voxels")]
    OutOfMemory {
        /// Bytes asked for.
        bytes: usize,
    },
}

/// Why a series could not be assembled into a volume.
#[derive(Debug, Error)]
pub enum AssembleError {
    /// The series holds no image frames.
    #[error("series {series_uid}: no image frames")]
    Empty {
        /// SeriesInstanceUID.
        series_uid: String,
    },
    /// Frames disagree on Rows/Columns, pixel spacing or orientation.
    #[error("series {series_uid}: mixed geometry: {first} has {first_desc} but {other} has {other_desc}")]
    MixedGeometry {
        /// SeriesInstanceUID.
        series_uid: String,
        /// The first file.
        first: String,
        /// Its geometry.
        first_desc: String,
        /// A disagreeing file.
        other: String,
        /// Its geometry.
        other_desc: String,
    },
    /// Two frames occupy the same position along the slice normal.
    #[error("series {series_uid}: {first} and {other} are at the same slice position {position_mm:.3} mm")]
    DuplicatePosition {
        /// SeriesInstanceUID.
        series_uid: String,
        /// One file.
        first: String,
        /// The other file.
        other: String,
        /// Position along the normal.
        position_mm: f64,
    },
    /// A frame lacks the attributes that place it in patient space.
    #[error("series {series_uid}: {file}: cannot place slice in patient space: {detail}")]
    NoGeometry {
        /// SeriesInstanceUID.
        series_uid: String,
        /// The file.
        file: String,
        /// What is missing.
        detail: String,
    },
    /// Pixel decoding of one of the frames failed.
    #[error(transparent)]
    Instance(#[from] InstanceError),
    /// The volume would not fit in memory limits.
    #[error("series {series_uid}: volume of {voxels} voxels is too large")]
    TooLarge {
        /// SeriesInstanceUID.
        series_uid: String,
        /// Voxel count.
        voxels: usize,
    },
}
