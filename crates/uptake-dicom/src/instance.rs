//! One DICOM Part 10 instance: parsed from bytes, its header read, its frames decodable.

use crate::error::{InstanceError, Problem};
use crate::header::InstanceHeader;
use crate::pixels::{self, RawSamples, Rescale, Voxel};
use crate::prescan;
use crate::transfer_syntax::{self, PixelCodec};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_encoding::adapters::PixelDataObject;
use dicom_encoding::transfer_syntax::{Codec, TransferSyntaxIndex};
use dicom_object::file::ReadPreamble;
use dicom_object::{FileDicomObject, InMemDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::borrow::Cow;
use std::path::Path;

/// A parsed image instance: its typed header, the dicom-rs object with its other attributes,
/// and its pixel data.
///
/// For the native little-endian syntaxes (Implicit and Explicit VR Little Endian) the parser
/// reads only the attributes before PixelData into the dicom-rs object and keeps the pixel
/// bytes as they are in the file, so decoding is one pass from file bytes to voxels. Other
/// syntaxes keep PixelData inside the object.
pub struct DicomInstance {
    /// The typed header.
    pub header: InstanceHeader,
    object: FileDicomObject<InMemDicomObject>,
    pixels: Pixels,
}

/// Where the pixel data of an instance lives.
enum Pixels {
    /// Inside the dicom-rs object (encapsulated, big endian, deflated, or built by the caller).
    InObject,
    /// Native little-endian sample bytes: `bytes[range]`.
    Native {
        bytes: Vec<u8>,
        range: std::ops::Range<usize>,
    },
    /// Freed by [`DicomInstance::release_pixels`] after streaming assembly decoded them.
    Released,
}

/// A data set parsed from bytes, before its header is read.
struct Parsed {
    object: FileDicomObject<InMemDicomObject>,
    transfer_syntax: String,
    /// Byte range of native little-endian PixelData in the input, when kept out of `object`.
    native_pixels: Option<std::ops::Range<usize>>,
}

/// Transfer syntaxes whose PixelData value is exactly the little-endian sample bytes.
fn is_native_le(ts: &str) -> bool {
    matches!(ts, "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1")
}

impl std::fmt::Debug for DicomInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DicomInstance")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

/// Locates the file meta group: after a 128-byte preamble + `DICM`, or at a bare `DICM`.
fn meta_start(bytes: &[u8]) -> Result<usize, Problem> {
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        Ok(128)
    } else if bytes.len() >= 4 && &bytes[..4] == b"DICM" {
        Ok(0)
    } else if bytes.len() < 132 {
        Err(Problem::Truncated(format!(
            "{} bytes, too short for a DICOM header",
            bytes.len()
        )))
    } else {
        Err(Problem::NoDicmMarker)
    }
}

fn parse_problem(err: &dyn std::error::Error) -> Problem {
    let mut msg = err.to_string();
    let mut source = err.source();
    let mut eof = false;
    while let Some(s) = source {
        let text = s.to_string();
        eof |= text.contains("fill whole buffer")
            || text.contains("end of file")
            || text.contains("UnexpectedEof");
        msg.push_str(": ");
        msg.push_str(&text);
        source = s.source();
    }
    if eof {
        Problem::Truncated(msg)
    } else {
        Problem::Parse(msg)
    }
}

impl DicomInstance {
    /// Parses a DICOM Part 10 byte stream (with or without the 128-byte preamble).
    ///
    /// Native little-endian pixel data is copied once out of `bytes`; use
    /// [`DicomInstance::from_vec`] to hand over an owned buffer and avoid that copy.
    pub fn from_bytes(source_name: &str, bytes: &[u8]) -> Result<Self, InstanceError> {
        let parsed = Self::parse(source_name, bytes)?;
        let pixels = match &parsed.native_pixels {
            Some(range) => Pixels::Native {
                bytes: bytes[range.clone()].to_vec(),
                range: 0..range.len(),
            },
            None => Pixels::InObject,
        };
        Self::from_parsed(source_name, parsed, pixels)
    }

    /// Parses a DICOM Part 10 byte stream held in an owned buffer. For the native
    /// little-endian syntaxes the buffer itself keeps the pixel data (no copy).
    pub fn from_vec(source_name: &str, bytes: Vec<u8>) -> Result<Self, InstanceError> {
        let parsed = Self::parse(source_name, &bytes)?;
        let pixels = match &parsed.native_pixels {
            Some(range) => Pixels::Native {
                range: range.clone(),
                bytes,
            },
            None => Pixels::InObject,
        };
        Self::from_parsed(source_name, parsed, pixels)
    }

    /// Meta group, structural pre-scan, then the data set: all of it, or for native
    /// little-endian pixel data only the attributes before PixelData.
    fn parse(source_name: &str, bytes: &[u8]) -> Result<Parsed, InstanceError> {
        let err = |p| InstanceError::new(source_name, p);
        let start = meta_start(bytes).map_err(err)?;
        // Read the file meta group first so an unknown transfer syntax is reported as such,
        // not as a parse failure of the data set.
        let after_magic = &bytes[start + 4..];
        let meta_len = prescan::check_meta(after_magic).map_err(err)?;
        let meta = dicom_object::meta::FileMetaTable::from_reader(&bytes[start..])
            .map_err(|e| err(parse_problem(&e)))?;
        let ts = meta.transfer_syntax().trim_end_matches('\0').to_string();
        if transfer_syntax::codec(&ts).is_none() {
            return Err(err(Problem::UnsupportedTransferSyntax {
                name: transfer_syntax::name(&ts).to_string(),
                uid: ts,
            }));
        }
        // Refuse impossible element lengths before dicom-rs allocates them. The same walk
        // finds the top-level PixelData element.
        let dataset_start = start + 4 + meta_len;
        let span = match prescan::Encoding::of(&ts) {
            Some(enc) => prescan::check_dataset(&after_magic[meta_len..], enc).map_err(err)?,
            None => None,
        };
        let (end, native_pixels) = match span {
            Some(sp) if is_native_le(&ts) => {
                let value = dataset_start + sp.value_start;
                (
                    dataset_start + sp.element_start,
                    Some(value..value + sp.value_len),
                )
            }
            _ => (bytes.len(), None),
        };
        let object = OpenFileOptions::new()
            .read_preamble(ReadPreamble::Never)
            .from_reader(&bytes[start..end])
            .map_err(|e| err(parse_problem(&e)))?;
        Ok(Parsed {
            object,
            transfer_syntax: ts,
            native_pixels,
        })
    }

    fn from_parsed(
        source_name: &str,
        parsed: Parsed,
        pixels: Pixels,
    ) -> Result<Self, InstanceError> {
        let Parsed {
            object,
            transfer_syntax: ts,
            native_pixels,
        } = parsed;
        let has_pixel_data = native_pixels.is_some() || object.get(tags::PIXEL_DATA).is_some();
        let header = InstanceHeader::from_object_parts(source_name, &ts, &object, has_pixel_data)
            .map_err(|p| InstanceError::new(source_name, p))?;
        Ok(DicomInstance {
            header,
            object,
            pixels,
        })
    }

    /// Reads and parses a file.
    pub fn open(path: &Path) -> Result<Self, InstanceError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| InstanceError::new(&name, Problem::Io(e)))?;
        Self::from_vec(&name, bytes)
    }

    /// Wraps an already parsed dicom-rs object.
    pub fn from_object(
        source_name: &str,
        object: FileDicomObject<InMemDicomObject>,
    ) -> Result<Self, InstanceError> {
        let ts = object
            .meta()
            .transfer_syntax()
            .trim_end_matches('\0')
            .to_string();
        let header = InstanceHeader::from_object(source_name, &ts, &object)
            .map_err(|p| InstanceError::new(source_name, p))?;
        if transfer_syntax::codec(&ts).is_none() {
            return Err(InstanceError::new(
                source_name,
                Problem::UnsupportedTransferSyntax {
                    name: transfer_syntax::name(&ts).to_string(),
                    uid: ts,
                },
            ));
        }
        Ok(DicomInstance {
            header,
            object,
            pixels: Pixels::InObject,
        })
    }

    /// The underlying dicom-rs object (for attributes this crate does not type). For native
    /// little-endian files parsed from bytes it holds the attributes before PixelData only;
    /// the pixel data is kept separately.
    pub fn object(&self) -> &FileDicomObject<InMemDicomObject> {
        &self.object
    }

    fn error(&self, problem: Problem) -> InstanceError {
        InstanceError::new(&self.header.source_name, problem)
    }

    /// Frees the pixel bytes once the frames were decoded elsewhere (streaming assembly keeps
    /// only the header); decoding afterwards is an error saying so.
    pub fn release_pixels(&mut self) {
        self.pixels = Pixels::Released;
        self.object.remove_element(tags::PIXEL_DATA);
    }

    /// Decodes frame `frame` and writes its rescaled values into `out` (Rows × Columns values).
    /// Returns `Ok(false)` if a value does not fit `T` exactly (e.g. HU outside i16).
    pub fn decode_frame_into<T: Voxel>(
        &self,
        frame: usize,
        out: &mut [T],
    ) -> Result<bool, InstanceError> {
        let info = self.header.frames.get(frame).ok_or_else(|| {
            self.error(Problem::Decode {
                frame: frame as u32,
                detail: "no such frame".into(),
            })
        })?;
        if matches!(self.pixels, Pixels::Released) {
            return Err(self.error(Problem::Decode {
                frame: frame as u32,
                detail: "the pixel data was released after streaming assembly".into(),
            }));
        }
        let rescale = Rescale {
            slope: info.rescale_slope,
            intercept: info.rescale_intercept,
        };
        let fmt = &self.header.pixel;
        if out.len() != fmt.samples_per_frame() {
            return Err(self.error(Problem::Decode {
                frame: frame as u32,
                detail: format!(
                    "output has {} values, frame has {}",
                    out.len(),
                    fmt.samples_per_frame()
                ),
            }));
        }
        let f32_frame = frame as u32;
        let conv = |raw: RawSamples<'_>, out: &mut [T]| {
            pixels::convert_frame(raw, fmt, rescale, f32_frame, out).map_err(|p| self.error(p))
        };
        let codec =
            transfer_syntax::codec(&self.header.transfer_syntax).unwrap_or(PixelCodec::Registry);
        match codec {
            PixelCodec::Native => {
                if let Pixels::Native { bytes, range } = &self.pixels {
                    let data = bytes.get(range.clone()).unwrap_or(&[]);
                    let offset = frame
                        .saturating_mul(fmt.samples_per_frame())
                        .saturating_mul(fmt.bytes_per_sample());
                    return conv(RawSamples::Bytes(data.get(offset..).unwrap_or(&[])), out);
                }
                let value = self.pixel_value()?;
                let n = fmt.samples_per_frame();
                match value.value() {
                    Value::Primitive(PrimitiveValue::U16(words)) if fmt.bits_allocated == 16 => {
                        conv(
                            RawSamples::Words(words.get(frame * n..).unwrap_or(&[])),
                            out,
                        )
                    }
                    Value::Primitive(PrimitiveValue::U16(words)) if fmt.bits_allocated == 8 => {
                        let start = frame * n / 2;
                        if (frame * n) % 2 == 0 {
                            conv(RawSamples::Words(words.get(start..).unwrap_or(&[])), out)
                        } else {
                            let bytes: Vec<u8> =
                                words.iter().flat_map(|w| w.to_le_bytes()).collect();
                            conv(
                                RawSamples::Bytes(bytes.get(frame * n..).unwrap_or(&[])),
                                out,
                            )
                        }
                    }
                    Value::Primitive(PrimitiveValue::U16(words)) => conv(
                        RawSamples::Words(words.get(frame * n * 2..).unwrap_or(&[])),
                        out,
                    ),
                    Value::Primitive(PrimitiveValue::U32(dw)) => {
                        conv(RawSamples::Dwords(dw.get(frame * n..).unwrap_or(&[])), out)
                    }
                    Value::Primitive(PrimitiveValue::U8(bytes)) => {
                        let per = fmt.bytes_per_sample();
                        let big_endian = self.header.transfer_syntax == "1.2.840.10008.1.2.2";
                        let slice = bytes.get(frame * n * per..).unwrap_or(&[]);
                        if big_endian && per > 1 {
                            let swapped: Vec<u8> = slice
                                .chunks(per)
                                .flat_map(|c| c.iter().rev().copied())
                                .collect();
                            conv(RawSamples::Bytes(&swapped), out)
                        } else {
                            conv(RawSamples::Bytes(slice), out)
                        }
                    }
                    Value::Primitive(other) => {
                        let bytes = other.to_bytes();
                        conv(
                            RawSamples::Bytes(
                                bytes
                                    .get(frame * n * fmt.bytes_per_sample()..)
                                    .unwrap_or(&[]),
                            ),
                            out,
                        )
                    }
                    _ => Err(self.error(Problem::Decode {
                        frame: f32_frame,
                        detail: "native transfer syntax but encapsulated pixel data".into(),
                    })),
                }
            }
            PixelCodec::JpegLs => {
                let stream = self.frame_codestream(frame)?;
                let image = uptake_jpegls::decode(&stream).map_err(|e| {
                    self.error(Problem::Decode {
                        frame: f32_frame,
                        detail: format!("JPEG-LS: {e}"),
                    })
                })?;
                if image.width != fmt.columns || image.height != fmt.rows || image.components != 1 {
                    return Err(self.error(Problem::Decode {
                        frame: f32_frame,
                        detail: format!(
                            "JPEG-LS frame is {}×{}×{}, header says {}×{}×1",
                            image.width, image.height, image.components, fmt.columns, fmt.rows
                        ),
                    }));
                }
                let mut fmt16 = *fmt;
                // The codestream carries samples as unsigned P-bit values; reinterpret per header.
                fmt16.bits_allocated = 16;
                pixels::convert_frame(
                    RawSamples::Words(&image.samples),
                    &fmt16,
                    rescale,
                    f32_frame,
                    out,
                )
                .map_err(|p| self.error(p))
            }
            PixelCodec::JpegExtended => {
                let stream = self.frame_codestream(frame)?;
                let mut decoder = oxiarc_jpeg::Decoder::new(stream.as_ref());
                let samples = decoder.decode_u16().map_err(|e| {
                    self.error(Problem::Decode {
                        frame: f32_frame,
                        detail: format!("JPEG extended: {e}"),
                    })
                })?;
                let mut fmt16 = *fmt;
                fmt16.bits_allocated = 16;
                pixels::convert_frame(RawSamples::Words(&samples), &fmt16, rescale, f32_frame, out)
                    .map_err(|p| self.error(p))
            }
            PixelCodec::Registry => {
                let ts = TransferSyntaxRegistry.get(&self.header.transfer_syntax);
                let decoder = match ts.map(|t| t.codec()) {
                    Some(Codec::EncapsulatedPixelData(Some(decoder), _)) => decoder,
                    _ => {
                        return Err(self.error(Problem::UnsupportedTransferSyntax {
                            uid: self.header.transfer_syntax.clone(),
                            name: transfer_syntax::name(&self.header.transfer_syntax).into(),
                        }))
                    }
                };
                let mut data = Vec::new();
                decoder
                    .decode_frame(&self.object, f32_frame, &mut data)
                    .map_err(|e| {
                        self.error(Problem::Decode {
                            frame: f32_frame,
                            detail: e.to_string(),
                        })
                    })?;
                let mut fmt_out = *fmt;
                if fmt.bits_allocated == 8 && data.len() >= 2 * fmt.samples_per_frame() {
                    fmt_out.bits_allocated = 16;
                }
                conv_bytes(&data, &fmt_out, rescale, f32_frame, out).map_err(|p| self.error(p))
            }
        }
    }

    fn pixel_value(&self) -> Result<&dicom_object::mem::InMemElement, InstanceError> {
        self.object
            .get(tags::PIXEL_DATA)
            .ok_or_else(|| self.error(Problem::MissingAttribute("PixelData")))
    }

    /// The compressed codestream of one frame of encapsulated pixel data.
    fn frame_codestream(&self, frame: usize) -> Result<Cow<'_, [u8]>, InstanceError> {
        let problem = |detail: String| {
            self.error(Problem::Decode {
                frame: frame as u32,
                detail,
            })
        };
        let frames = self.header.frame_count();
        let fragment_count = self.object.number_of_fragments().unwrap_or(0) as usize;
        if fragment_count == 0 {
            return Err(problem("no pixel data fragments".into()));
        }
        if fragment_count == frames {
            return self
                .object
                .fragment(frame)
                .ok_or_else(|| problem("missing fragment".into()));
        }
        if frames == 1 {
            let all: Vec<u8> = (0..fragment_count)
                .filter_map(|i| self.object.fragment(i))
                .flat_map(|f| f.into_owned())
                .collect();
            return Ok(Cow::Owned(all));
        }
        // Several fragments per frame: the Basic Offset Table says where each frame starts.
        let table = self.object.offset_table().unwrap_or_default();
        if table.len() != frames {
            return Err(problem(format!(
                "{fragment_count} fragments for {frames} frames and no usable offset table"
            )));
        }
        let start = table[frame] as usize;
        let end = table
            .get(frame + 1)
            .map(|v| *v as usize)
            .unwrap_or(usize::MAX);
        let mut offset = 0usize;
        let mut out = Vec::new();
        for i in 0..fragment_count {
            let Some(f) = self.object.fragment(i) else {
                break;
            };
            // Each fragment is preceded by an 8-byte item header in the offset arithmetic.
            if offset >= start && offset < end {
                out.extend_from_slice(&f);
            }
            offset += f.len() + 8;
        }
        if out.is_empty() {
            return Err(problem("offset table points outside the fragments".into()));
        }
        Ok(Cow::Owned(out))
    }
}

fn conv_bytes<T: Voxel>(
    data: &[u8],
    fmt: &crate::header::PixelFormat,
    rescale: Rescale,
    frame: u32,
    out: &mut [T],
) -> Result<bool, Problem> {
    pixels::convert_frame(RawSamples::Bytes(data), fmt, rescale, frame, out)
}
