//! Top-level codestream walk: markers, frame and scan headers, output
//! allocation and dispatch of each scan to [`crate::scan`].

use crate::error::JpeglsError;
use crate::marker::{self, Cursor, Frame, Lse, PresetParams};
use crate::params::{CodingParams, Convention};
use crate::scan::{self, OutputLayout};
use crate::{DecodedImage, FrameHeader, MAX_SAMPLES};

/// State accumulated while walking the codestream.
struct State {
    frame: Option<Frame>,
    preset: PresetParams,
    restart_interval: u32,
}

impl State {
    fn header(&self) -> Result<FrameHeader, JpeglsError> {
        let f = self.frame.as_ref().ok_or(JpeglsError::InvalidParameters(
            "SOS before SOF55 frame header".into(),
        ))?;
        if f.width == 0 || f.height == 0 {
            return Err(JpeglsError::Unsupported(
                "zero image dimension (DNL marker) without LSE oversize segment".into(),
            ));
        }
        let components = u8::try_from(f.component_ids.len()).unwrap_or(u8::MAX);
        let samples = u64::from(f.width) * u64::from(f.height) * u64::from(components);
        if samples > MAX_SAMPLES {
            return Err(JpeglsError::TooLarge {
                width: f.width,
                height: f.height,
                components,
                limit: MAX_SAMPLES,
            });
        }
        Ok(FrameHeader {
            width: f.width,
            height: f.height,
            components,
            bits_per_sample: f.precision,
        })
    }
}

/// What the walk should do once the frame is known.
#[derive(PartialEq, Eq)]
enum Mode {
    HeaderOnly,
    Decode,
}

/// Handles a non-scan marker segment; returns `Ok(false)` for unknown markers.
fn handle_segment(
    cur: &mut Cursor<'_>,
    state: &mut State,
    code: u8,
    offset: usize,
) -> Result<(), JpeglsError> {
    match code {
        marker::SOF55 => {
            let payload = cur.segment()?;
            if state.frame.is_some() {
                return Err(JpeglsError::BadMarker {
                    marker: code,
                    offset,
                });
            }
            state.frame = Some(marker::parse_sof55(payload)?);
        }
        marker::LSE => match marker::parse_lse(cur.segment()?)? {
            Lse::Preset(p) => state.preset = p,
            Lse::MappingTable => {}
            Lse::Oversize { height, width } => {
                let f = state.frame.as_mut().ok_or(JpeglsError::InvalidParameters(
                    "LSE oversize dimensions before SOF55".into(),
                ))?;
                f.height = height;
                f.width = width;
            }
        },
        marker::DRI => state.restart_interval = marker::parse_dri(cur.segment()?)?,
        marker::COM | 0xE0..=0xEF => {
            cur.segment()?;
        }
        marker::DNL => {
            return Err(JpeglsError::Unsupported("DNL marker".into()));
        }
        0xC0..=0xCF | 0xF9 => {
            return Err(JpeglsError::Unsupported(format!(
                "frame type 0xFF{code:02X} (not JPEG-LS SOF55)"
            )));
        }
        _ => {
            return Err(JpeglsError::BadMarker {
                marker: code,
                offset,
            })
        }
    }
    Ok(())
}

/// What a walk learnt about how well the stream fits its convention.
#[derive(Default)]
struct Fit {
    /// Some scan's parameters depend on the convention (LSE MAXVAL below
    /// 2^P-1 that changes RANGE, qbpp or LIMIT).
    convention_matters: bool,
    /// Every decoded scan ended exactly at its padding.
    clean: bool,
}

/// Reads markers up to the first SOS and returns the frame header.
pub(crate) fn read_header(data: &[u8]) -> Result<FrameHeader, JpeglsError> {
    let mut fit = Fit::default();
    match walk(data, Mode::HeaderOnly, Convention::Standard, &mut fit)? {
        Walk::Header(h) => Ok(h),
        Walk::Image(img) => Ok(FrameHeader {
            width: img.width,
            height: img.height,
            components: img.components,
            bits_per_sample: img.bits_per_sample,
        }),
    }
}

/// Decodes a complete codestream.
///
/// Streams whose LSE MAXVAL is not 2^P-1 are decoded as T.87 specifies;
/// when that fails or leaves entropy-coded data unread (a wrong RANGE,
/// qbpp or LIMIT desynchronises the bit stream), they are decoded again
/// with the CharLS 2.x convention (see [`crate::params`]), whose result is
/// kept only if it decodes cleanly.
pub(crate) fn decode(data: &[u8]) -> Result<DecodedImage, JpeglsError> {
    let mut fit = Fit::default();
    let standard = walk(data, Mode::Decode, Convention::Standard, &mut fit);
    if fit.convention_matters && !(standard.is_ok() && fit.clean) {
        let mut alt = Fit::default();
        if let Ok(Walk::Image(img)) = walk(data, Mode::Decode, Convention::CharLs, &mut alt) {
            if alt.clean {
                return Ok(img);
            }
        }
    }
    match standard? {
        Walk::Image(img) => Ok(img),
        Walk::Header(_) => Err(JpeglsError::Truncated("no scan in codestream")),
    }
}

enum Walk {
    Header(FrameHeader),
    Image(DecodedImage),
}

fn walk(
    data: &[u8],
    mode: Mode,
    convention: Convention,
    fit: &mut Fit,
) -> Result<Walk, JpeglsError> {
    fit.clean = true;
    let mut cur = Cursor::new(data);
    if data.get(0..2) != Some(&[0xFF, marker::SOI][..]) {
        return Err(JpeglsError::MissingSoi);
    }
    cur.set_pos(2);
    let mut state = State {
        frame: None,
        preset: PresetParams::default(),
        restart_interval: 0,
    };
    let mut out: Option<(FrameHeader, Vec<u16>, Vec<bool>)> = None;
    let mut max_near = 0u16;
    loop {
        if cur.at_end() {
            return Err(JpeglsError::Truncated("missing EOI marker"));
        }
        let (code, offset) = cur.next_marker()?;
        match code {
            marker::EOI => break,
            marker::SOS => {
                let header = state.header()?;
                if mode == Mode::HeaderOnly {
                    return Ok(Walk::Header(header));
                }
                let sos = marker::parse_sos(cur.segment()?)?;
                let frame = state.frame.as_ref().ok_or(JpeglsError::InvalidParameters(
                    "SOS before SOF55 frame header".into(),
                ))?;
                if out.is_none() {
                    let n = u64::from(header.width)
                        * u64::from(header.height)
                        * u64::from(header.components);
                    let len = usize::try_from(n).map_err(|_| JpeglsError::OutOfMemory(n))?;
                    let mut v = Vec::new();
                    v.try_reserve_exact(len)
                        .map_err(|_| JpeglsError::OutOfMemory(n))?;
                    v.resize(len, 0u16);
                    out = Some((header, v, vec![false; frame.component_ids.len()]));
                }
                let Some((hdr, samples, done)) = out.as_mut() else {
                    return Err(JpeglsError::OutOfMemory(0));
                };
                let mut offsets = Vec::with_capacity(sos.component_ids.len());
                for id in &sos.component_ids {
                    let idx = frame
                        .component_ids
                        .iter()
                        .position(|c| c == id)
                        .ok_or_else(|| {
                            JpeglsError::InvalidParameters(format!(
                                "scan component {id} not in frame header"
                            ))
                        })?;
                    match done.get_mut(idx) {
                        Some(d) if !*d && !offsets.contains(&idx) => *d = true,
                        _ => {
                            return Err(JpeglsError::InvalidParameters(format!(
                                "component {id} coded twice"
                            )))
                        }
                    }
                    offsets.push(idx);
                }
                let params = CodingParams::resolve(
                    hdr.bits_per_sample,
                    &state.preset,
                    sos.near,
                    convention,
                )?;
                let other = match convention {
                    Convention::Standard => Convention::CharLs,
                    Convention::CharLs => Convention::Standard,
                };
                fit.convention_matters |=
                    CodingParams::resolve(hdr.bits_per_sample, &state.preset, sos.near, other)?
                        != params;
                max_near = max_near.max(u16::from(sos.near));
                let layout = OutputLayout {
                    width: hdr.width as usize,
                    height: hdr.height as usize,
                    stride: usize::from(hdr.components),
                    offsets,
                };
                let (end, clean) = scan::decode_scan(
                    data,
                    cur.pos(),
                    params,
                    sos.ilv,
                    state.restart_interval,
                    &layout,
                    samples,
                )?;
                fit.clean &= clean;
                cur.set_pos(end);
            }
            _ => handle_segment(&mut cur, &mut state, code, offset)?,
        }
    }
    match out {
        Some((hdr, samples, done)) => {
            if done.iter().any(|d| !d) {
                return Err(JpeglsError::Truncated(
                    "EOI before all components were decoded",
                ));
            }
            Ok(Walk::Image(DecodedImage {
                width: hdr.width,
                height: hdr.height,
                components: hdr.components,
                bits_per_sample: hdr.bits_per_sample,
                near: max_near,
                samples,
            }))
        }
        None => match mode {
            Mode::HeaderOnly => Ok(Walk::Header(state.header()?)),
            Mode::Decode => Err(JpeglsError::Truncated("EOI before any scan")),
        },
    }
}
