//! Transfer syntaxes: which ones exist, what they are called, and how their pixels are decoded.

/// How the pixel data of a transfer syntax is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelCodec {
    /// Native (uncompressed) samples; dicom-rs already handled byte order and deflate.
    Native,
    /// JPEG-LS (4.80 / 4.81), decoded by the pure-Rust `uptake-jpegls`.
    JpegLs,
    /// JPEG Extended (4.51, 12-bit DCT), decoded by the pure-Rust `oxiarc-jpeg` (the registry's
    /// `jpeg-decoder` handles 8-bit DCT only).
    JpegExtended,
    /// Encapsulated syntaxes decoded by the dicom-rs transfer-syntax registry
    /// (RLE, JPEG baseline/extended/lossless, JPEG 2000).
    Registry,
}

/// Transfer syntaxes this crate is tested on: (UID, name, codec).
pub const SUPPORTED: &[(&str, &str, PixelCodec)] = &[
    (
        "1.2.840.10008.1.2",
        "Implicit VR Little Endian",
        PixelCodec::Native,
    ),
    (
        "1.2.840.10008.1.2.1",
        "Explicit VR Little Endian",
        PixelCodec::Native,
    ),
    (
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
        PixelCodec::Native,
    ),
    (
        "1.2.840.10008.1.2.2",
        "Explicit VR Big Endian",
        PixelCodec::Native,
    ),
    ("1.2.840.10008.1.2.5", "RLE Lossless", PixelCodec::Registry),
    (
        "1.2.840.10008.1.2.4.50",
        "JPEG Baseline (Process 1)",
        PixelCodec::Registry,
    ),
    (
        "1.2.840.10008.1.2.4.51",
        "JPEG Extended (Process 2 & 4)",
        PixelCodec::JpegExtended,
    ),
    (
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless (Process 14)",
        PixelCodec::Registry,
    ),
    (
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless SV1 (Process 14, Selection Value 1)",
        PixelCodec::Registry,
    ),
    (
        "1.2.840.10008.1.2.4.80",
        "JPEG-LS Lossless",
        PixelCodec::JpegLs,
    ),
    (
        "1.2.840.10008.1.2.4.81",
        "JPEG-LS Near-Lossless",
        PixelCodec::JpegLs,
    ),
    (
        "1.2.840.10008.1.2.4.90",
        "JPEG 2000 Lossless",
        PixelCodec::Registry,
    ),
    ("1.2.840.10008.1.2.4.91", "JPEG 2000", PixelCodec::Registry),
];

/// Human-readable name of a transfer syntax UID ("unknown" if not listed).
pub fn name(uid: &str) -> &'static str {
    SUPPORTED
        .iter()
        .find(|(u, _, _)| *u == uid)
        .map(|(_, n, _)| *n)
        .or(match uid {
            "1.2.840.10008.1.2.4.201" | "1.2.840.10008.1.2.4.202" | "1.2.840.10008.1.2.4.203" => {
                Some("High-Throughput JPEG 2000 (not yet supported)")
            }
            _ => None,
        })
        .unwrap_or("unknown")
}

/// The codec for a transfer syntax, `None` if unsupported.
pub fn codec(uid: &str) -> Option<PixelCodec> {
    SUPPORTED
        .iter()
        .find(|(u, _, _)| *u == uid)
        .map(|(_, _, c)| *c)
}
