//! Pure-Rust JPEG-LS decoder (ITU-T T.87 | ISO/IEC 14495-1).
//!
//! Written for the Uptake PET-CT viewer to decode DICOM transfer syntaxes
//! 1.2.840.10008.1.2.4.80 (JPEG-LS lossless) and 1.2.840.10008.1.2.4.81
//! (JPEG-LS near-lossless). It contains no C code and no `unsafe`, and it
//! builds for `wasm32-unknown-unknown`.
//!
//! # Supported
//! - SOI / EOI, SOF55 frame header, SOS scan header, any number of scans;
//! - sample precision P from 2 to 16 bits, any number of components
//!   (without sub-sampling);
//! - lossless (NEAR = 0) and near-lossless (NEAR > 0) coding;
//! - interleave modes ILV = 0 (one scan per component), 1 (line) and
//!   2 (sample);
//! - LSE type 1 preset parameters (MAXVAL, T1, T2, T3, RESET); absent or zero
//!   values take the defaults of T.87 C.2.4.1.1;
//! - LSE type 4 (oversize image dimensions);
//! - regular mode (gradient quantisation, MED prediction with bias
//!   correction, limited-length Golomb codes, error mapping) and run mode
//!   (J table, run-interruption samples);
//! - the 0xFF bit-stuffing rule, fill bytes before markers;
//! - restart intervals (DRI / RSTm);
//! - COM and APPn segments are skipped.
//!
//! # Not supported (reported as [`JpeglsError::Unsupported`])
//! - mapping tables (LSE types 2 and 3 are skipped, but a scan selecting a
//!   table is rejected) and point transform (Al != 0);
//! - component sub-sampling, DNL markers, the T.870 extensions (SOF57).
//!
//! # Robustness
//! The decoder never panics on malformed input: every read is bounds
//! checked, and the output size is checked against [`MAX_SAMPLES`] before it
//! is allocated.
//!
//! ```no_run
//! let codestream: Vec<u8> = std::fs::read("image.jls").unwrap();
//! let header = uptake_jpegls::read_header(&codestream).unwrap();
//! let image = uptake_jpegls::decode(&codestream).unwrap();
//! assert_eq!(image.samples.len() as u32, header.width * header.height * u32::from(header.components));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bitreader;
mod context;
mod decoder;
mod error;
mod golomb;
mod marker;
mod params;
mod scan;

pub use error::JpeglsError;

/// Largest number of samples (width x height x components) the decoder
/// accepts: 2^28 samples, i.e. 512 MiB of 16-bit output.
pub const MAX_SAMPLES: u64 = 1 << 28;

/// Frame information read by [`read_header`] without decoding the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Number of samples per line.
    pub width: u32,
    /// Number of lines.
    pub height: u32,
    /// Number of components (1 for grey-scale, 3 for RGB...).
    pub components: u8,
    /// Sample precision P (2 to 16).
    pub bits_per_sample: u8,
}

/// A decoded JPEG-LS image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedImage {
    /// Number of samples per line.
    pub width: u32,
    /// Number of lines.
    pub height: u32,
    /// Number of components per pixel.
    pub components: u8,
    /// Sample precision P (2 to 16); samples are within `0..2^P`.
    pub bits_per_sample: u8,
    /// Largest NEAR parameter of the scans (0 for a lossless image): every
    /// decoded sample is within `near` of the original.
    pub near: u16,
    /// Samples, row-major, components interleaved per pixel
    /// (`samples[(y * width + x) * components + c]`), whatever the
    /// interleave mode of the codestream.
    pub samples: Vec<u16>,
}

/// Decodes a complete JPEG-LS codestream (from SOI to EOI).
///
/// # Errors
/// Returns a [`JpeglsError`] describing the first problem found: truncated
/// or corrupt data, unknown markers, invalid parameters, unsupported
/// features, or an image larger than [`MAX_SAMPLES`].
pub fn decode(codestream: &[u8]) -> Result<DecodedImage, JpeglsError> {
    decoder::decode(codestream)
}

/// Reads the frame header (dimensions, components, precision) of a
/// codestream without decoding any scan data.
///
/// Marker segments are parsed up to the first SOS so that an LSE oversize
/// segment (type 4) is taken into account.
///
/// # Errors
/// Returns a [`JpeglsError`] if the header is missing, truncated or invalid.
pub fn read_header(codestream: &[u8]) -> Result<FrameHeader, JpeglsError> {
    decoder::read_header(codestream)
}
