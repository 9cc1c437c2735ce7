//! Error type returned by every fallible operation of the decoder.

/// Everything that can go wrong while reading a JPEG-LS codestream.
///
/// The decoder never panics on malformed input; every problem is reported
/// through one of these variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JpeglsError {
    /// The codestream ended before the named structure was complete.
    #[error("truncated JPEG-LS data: {0}")]
    Truncated(&'static str),
    /// The codestream does not start with the SOI marker (0xFFD8).
    #[error("missing SOI marker at the start of the codestream")]
    MissingSoi,
    /// A byte other than 0xFF was found where a marker was expected.
    #[error("expected a marker at offset {offset}, found byte 0x{found:02X}")]
    ExpectedMarker {
        /// Byte offset in the codestream.
        offset: usize,
        /// The byte found there.
        found: u8,
    },
    /// A marker that is unknown or not allowed at this position.
    #[error("unexpected marker 0xFF{marker:02X} at offset {offset}")]
    BadMarker {
        /// Second byte of the marker (the byte after 0xFF).
        marker: u8,
        /// Byte offset of the marker in the codestream.
        offset: usize,
    },
    /// A valid JPEG / JPEG-LS feature that this decoder does not implement.
    #[error("unsupported JPEG-LS feature: {0}")]
    Unsupported(String),
    /// A header field holds a value forbidden by ITU-T T.87.
    #[error("invalid JPEG-LS parameters: {0}")]
    InvalidParameters(String),
    /// The image would need more samples than [`crate::MAX_SAMPLES`].
    #[error("image of {width}x{height}x{components} samples exceeds the decoder limit of {limit} samples")]
    TooLarge {
        /// Frame width in pixels.
        width: u32,
        /// Frame height in lines.
        height: u32,
        /// Number of components.
        components: u8,
        /// The configured sample limit.
        limit: u64,
    },
    /// The entropy-coded scan data is inconsistent (impossible code, run
    /// past the end of a line, missing restart marker...).
    #[error("corrupt JPEG-LS scan data: {0}")]
    CorruptData(&'static str),
    /// The output buffer could not be allocated.
    #[error("could not allocate {0} output samples")]
    OutOfMemory(u64),
}
