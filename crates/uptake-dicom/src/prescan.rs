//! A cheap structural pre-scan of a data set before dicom-rs parses it.
//!
//! dicom-rs allocates (and zero-fills) an element's declared length before reading its value, so
//! one corrupted length field in a 20 KB file can make it reserve gigabytes — seconds natively
//! and an out-of-memory abort in a browser tab. This walk checks every element header, item and
//! nested sequence against the bytes actually present, without allocating, and rejects the file
//! with a clear message instead.

use crate::error::Problem;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

/// Deepest sequence nesting accepted (real files stay in single digits).
const MAX_DEPTH: usize = 32;
const UNDEFINED: u32 = 0xFFFF_FFFF;

/// Encoding of the bytes being scanned.
#[derive(Debug, Clone, Copy)]
pub struct Encoding {
    /// Explicit VR (otherwise implicit).
    pub explicit: bool,
    /// Big endian (otherwise little).
    pub big_endian: bool,
}

impl Encoding {
    /// The encoding of a transfer syntax UID (deflated data cannot be pre-scanned: `None`).
    pub fn of(ts: &str) -> Option<Self> {
        match ts {
            "1.2.840.10008.1.2" => Some(Encoding {
                explicit: false,
                big_endian: false,
            }),
            "1.2.840.10008.1.2.2" => Some(Encoding {
                explicit: true,
                big_endian: true,
            }),
            "1.2.840.10008.1.2.1.99" => None,
            _ => Some(Encoding {
                explicit: true,
                big_endian: false,
            }),
        }
    }
}

struct Scanner<'a> {
    data: &'a [u8],
    enc: Encoding,
    /// Set when the top-level PixelData element with a defined length is seen.
    pixel_data: std::cell::Cell<Option<PixelDataSpan>>,
}

/// Where the top-level PixelData element lies in the scanned bytes (defined length only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelDataSpan {
    /// Offset of the element's tag: everything before it is the header.
    pub element_start: usize,
    /// Offset of the first value byte.
    pub value_start: usize,
    /// Value length in bytes.
    pub value_len: usize,
}

/// What stops a scan of the top level.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    /// The end of the given range.
    End,
    /// An item delimitation item.
    ItemDelimiter,
}

impl<'a> Scanner<'a> {
    fn u16_at(&self, pos: usize) -> Result<u16, String> {
        let b = self
            .data
            .get(pos..pos + 2)
            .ok_or_else(|| format!("truncated at byte {pos}"))?;
        Ok(if self.enc.big_endian {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    }

    fn u32_at(&self, pos: usize) -> Result<u32, String> {
        let b = self
            .data
            .get(pos..pos + 4)
            .ok_or_else(|| format!("truncated at byte {pos}"))?;
        let arr = [b[0], b[1], b[2], b[3]];
        Ok(if self.enc.big_endian {
            u32::from_be_bytes(arr)
        } else {
            u32::from_le_bytes(arr)
        })
    }

    fn fits(&self, pos: usize, len: u32, end: usize, tag: Tag) -> Result<usize, String> {
        let stop = pos.checked_add(len as usize).filter(|e| *e <= end);
        stop.ok_or_else(|| {
            format!(
                "element {tag} at byte {pos} declares {len} bytes but only {} remain",
                end.saturating_sub(pos)
            )
        })
    }

    /// Scans data set elements from `pos` to `end` (or to an item delimiter). Returns the
    /// position after the last element (after the delimiter when one ends the scan).
    fn dataset(
        &self,
        mut pos: usize,
        end: usize,
        stop: Stop,
        depth: usize,
        meta_only: bool,
    ) -> Result<usize, String> {
        if depth > MAX_DEPTH {
            return Err(format!("sequences nested deeper than {MAX_DEPTH} levels"));
        }
        while pos < end {
            let group = self.u16_at(pos)?;
            if meta_only && group != 0x0002 {
                return Ok(pos);
            }
            let tag = Tag(group, self.u16_at(pos + 2)?);
            if tag == Tag(0xFFFE, 0xE00D) {
                if stop == Stop::ItemDelimiter {
                    return Ok(pos + 8);
                }
                return Err(format!("unexpected item delimiter at byte {pos}"));
            }
            let (vr, len, header) = self.header(pos, tag)?;
            let value = pos + header;
            let is_sequence =
                vr == Some(VR::SQ) || (vr.is_none() && self.implicit_is_sequence(tag));
            if len == UNDEFINED {
                if is_sequence || vr == Some(VR::UN) || tag == Tag(0x7FE0, 0x0010) {
                    pos = self.sequence(value, end, None, depth + 1, tag == Tag(0x7FE0, 0x0010))?;
                } else {
                    return Err(format!(
                        "element {tag} at byte {pos} has an undefined length"
                    ));
                }
            } else {
                let value_end = self.fits(value, len, end, tag)?;
                if depth == 0 && tag == Tag(0x7FE0, 0x0010) && self.pixel_data.get().is_none() {
                    self.pixel_data.set(Some(PixelDataSpan {
                        element_start: pos,
                        value_start: value,
                        value_len: len as usize,
                    }));
                }
                if is_sequence {
                    self.sequence(value, value_end, Some(value_end), depth + 1, false)?;
                }
                pos = value_end;
            }
        }
        if stop == Stop::ItemDelimiter {
            return Err("item without its delimiter".into());
        }
        Ok(pos)
    }

    /// Items of a sequence (or fragments of encapsulated pixel data) starting at `pos`.
    fn sequence(
        &self,
        mut pos: usize,
        end: usize,
        defined_end: Option<usize>,
        depth: usize,
        fragments: bool,
    ) -> Result<usize, String> {
        loop {
            if let Some(e) = defined_end {
                if pos >= e {
                    return Ok(pos);
                }
            }
            let tag = Tag(self.u16_at(pos)?, self.u16_at(pos + 2)?);
            let len = self.u32_at(pos + 4)?;
            let value = pos + 8;
            match tag {
                Tag(0xFFFE, 0xE0DD) => return Ok(value),
                Tag(0xFFFE, 0xE000) if len == UNDEFINED && !fragments => {
                    pos = self.dataset(value, end, Stop::ItemDelimiter, depth, false)?;
                }
                Tag(0xFFFE, 0xE000) => {
                    let item_end = self.fits(value, len, end, tag)?;
                    if !fragments {
                        self.dataset(value, item_end, Stop::End, depth, false)?;
                    }
                    pos = item_end;
                }
                other => {
                    return Err(format!(
                        "expected a sequence item at byte {pos}, found {other}"
                    ))
                }
            }
        }
    }

    /// VR (explicit only), value length and header size of the element at `pos`.
    fn header(&self, pos: usize, tag: Tag) -> Result<(Option<VR>, u32, usize), String> {
        if tag.group() == 0xFFFE || !self.enc.explicit {
            return Ok((None, self.u32_at(pos + 4)?, 8));
        }
        let b = self
            .data
            .get(pos + 4..pos + 6)
            .ok_or_else(|| format!("truncated at byte {pos}"))?;
        let vr = VR::from_binary([b[0], b[1]])
            .ok_or_else(|| format!("element {tag} at byte {pos} has an invalid VR"))?;
        let long = matches!(
            vr,
            VR::OB
                | VR::OD
                | VR::OF
                | VR::OL
                | VR::OV
                | VR::OW
                | VR::SQ
                | VR::SV
                | VR::UC
                | VR::UN
                | VR::UR
                | VR::UT
                | VR::UV
        );
        if long {
            Ok((Some(vr), self.u32_at(pos + 8)?, 12))
        } else {
            Ok((Some(vr), self.u16_at(pos + 6)? as u32, 8))
        }
    }

    fn implicit_is_sequence(&self, tag: Tag) -> bool {
        StandardDataDictionary
            .by_tag(tag)
            .is_some_and(|e| matches!(e.vr(), VirtualVr::Exact(VR::SQ)))
    }
}

/// Converts a scan failure into the instance problem: running out of bytes is truncation,
/// anything else a malformed data set.
fn problem(msg: String) -> Problem {
    if msg.contains("remain")
        || msg.starts_with("truncated")
        || msg.contains("without its delimiter")
    {
        Problem::Truncated(msg)
    } else {
        Problem::Malformed(msg)
    }
}

/// Checks the file meta group (explicit VR little endian) at the start of `data`; returns its length.
pub fn check_meta(data: &[u8]) -> Result<usize, Problem> {
    let s = Scanner {
        data,
        enc: Encoding {
            explicit: true,
            big_endian: false,
        },
        pixel_data: std::cell::Cell::new(None),
    };
    s.dataset(0, data.len(), Stop::End, 0, true)
        .map_err(problem)
}

/// Checks a whole data set in the given encoding. Returns where the top-level PixelData
/// element lies when it has a defined length (native pixel data).
pub fn check_dataset(data: &[u8], enc: Encoding) -> Result<Option<PixelDataSpan>, Problem> {
    let s = Scanner {
        data,
        enc,
        pixel_data: std::cell::Cell::new(None),
    };
    s.dataset(0, data.len(), Stop::End, 0, false)
        .map_err(problem)?;
    Ok(s.pixel_data.get())
}
