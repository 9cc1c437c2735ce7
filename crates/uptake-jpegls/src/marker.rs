//! Marker and marker-segment parsing (ITU-T T.87 Annex C).

use crate::error::JpeglsError;

/// Start of image.
pub(crate) const SOI: u8 = 0xD8;
/// End of image.
pub(crate) const EOI: u8 = 0xD9;
/// Start of scan.
pub(crate) const SOS: u8 = 0xDA;
/// Define number of lines (not supported).
pub(crate) const DNL: u8 = 0xDC;
/// Define restart interval.
pub(crate) const DRI: u8 = 0xDD;
/// JPEG-LS frame header (SOF55).
pub(crate) const SOF55: u8 = 0xF7;
/// JPEG-LS preset parameters.
pub(crate) const LSE: u8 = 0xF8;
/// Comment.
pub(crate) const COM: u8 = 0xFE;

/// Byte cursor over the codestream used outside of scan data.
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Reads the next marker code, skipping 0xFF fill bytes. Returns the
    /// marker's second byte and the offset of the marker.
    pub(crate) fn next_marker(&mut self) -> Result<(u8, usize), JpeglsError> {
        let offset = self.pos;
        match self.data.get(self.pos) {
            None => return Err(JpeglsError::Truncated("expected a marker")),
            Some(&0xFF) => {}
            Some(&found) => return Err(JpeglsError::ExpectedMarker { offset, found }),
        }
        while self.data.get(self.pos) == Some(&0xFF) {
            self.pos += 1;
        }
        let code = *self
            .data
            .get(self.pos)
            .ok_or(JpeglsError::Truncated("marker code"))?;
        self.pos += 1;
        if code == 0x00 {
            return Err(JpeglsError::BadMarker { marker: 0, offset });
        }
        Ok((code, offset))
    }

    /// Reads a marker segment's length field and returns its payload.
    pub(crate) fn segment(&mut self) -> Result<&'a [u8], JpeglsError> {
        let hi = self.data.get(self.pos).copied();
        let lo = self.data.get(self.pos + 1).copied();
        let (Some(hi), Some(lo)) = (hi, lo) else {
            return Err(JpeglsError::Truncated("marker segment length"));
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if len < 2 {
            return Err(JpeglsError::InvalidParameters(format!(
                "marker segment length {len} is smaller than 2"
            )));
        }
        let start = self.pos + 2;
        let end = self.pos + len;
        let payload = self
            .data
            .get(start..end)
            .ok_or(JpeglsError::Truncated("marker segment"))?;
        self.pos = end;
        Ok(payload)
    }
}

/// Big-endian reader over one segment payload.
struct Payload<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Payload<'a> {
    fn new(data: &'a [u8], what: &'static str) -> Self {
        Payload { data, pos: 0, what }
    }
    fn u8(&mut self) -> Result<u8, JpeglsError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or(JpeglsError::Truncated(self.what))?;
        self.pos += 1;
        Ok(b)
    }
    fn u16(&mut self) -> Result<u16, JpeglsError> {
        Ok(u16::from_be_bytes([self.u8()?, self.u8()?]))
    }
    /// Reads an unsigned big-endian number of `n` (1..=4) bytes.
    fn uint(&mut self, n: usize) -> Result<u32, JpeglsError> {
        let mut v = 0u32;
        for _ in 0..n {
            v = (v << 8) | u32::from(self.u8()?);
        }
        Ok(v)
    }
    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
}

/// Parsed SOF55 frame header.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) precision: u8,
    pub(crate) height: u32,
    pub(crate) width: u32,
    pub(crate) component_ids: Vec<u8>,
}

/// Parses the payload of a SOF55 segment.
pub(crate) fn parse_sof55(payload: &[u8]) -> Result<Frame, JpeglsError> {
    let mut p = Payload::new(payload, "SOF55 segment");
    let precision = p.u8()?;
    let height = u32::from(p.u16()?);
    let width = u32::from(p.u16()?);
    let nf = p.u8()?;
    if !(2..=16).contains(&precision) {
        return Err(JpeglsError::InvalidParameters(format!(
            "sample precision {precision} outside 2..=16"
        )));
    }
    if nf == 0 {
        return Err(JpeglsError::InvalidParameters(
            "frame with zero components".into(),
        ));
    }
    if p.remaining() != 3 * usize::from(nf) {
        return Err(JpeglsError::InvalidParameters(format!(
            "SOF55 length does not match {nf} components"
        )));
    }
    let mut component_ids = Vec::with_capacity(usize::from(nf));
    for _ in 0..nf {
        let id = p.u8()?;
        let hv = p.u8()?;
        let _tq = p.u8()?;
        if hv != 0x11 {
            return Err(JpeglsError::Unsupported(format!(
                "component sub-sampling (H/V = 0x{hv:02X})"
            )));
        }
        if component_ids.contains(&id) {
            return Err(JpeglsError::InvalidParameters(format!(
                "duplicate component id {id} in frame header"
            )));
        }
        component_ids.push(id);
    }
    Ok(Frame {
        precision,
        height,
        width,
        component_ids,
    })
}

/// Parsed SOS header.
#[derive(Debug, Clone)]
pub(crate) struct ScanHeader {
    pub(crate) component_ids: Vec<u8>,
    pub(crate) near: u8,
    pub(crate) ilv: u8,
}

/// Parses the payload of a SOS segment.
pub(crate) fn parse_sos(payload: &[u8]) -> Result<ScanHeader, JpeglsError> {
    let mut p = Payload::new(payload, "SOS segment");
    let ns = p.u8()?;
    if ns == 0 {
        return Err(JpeglsError::InvalidParameters(
            "scan with zero components".into(),
        ));
    }
    if p.remaining() != 2 * usize::from(ns) + 3 {
        return Err(JpeglsError::InvalidParameters(format!(
            "SOS length does not match {ns} components"
        )));
    }
    let mut component_ids = Vec::with_capacity(usize::from(ns));
    for _ in 0..ns {
        let id = p.u8()?;
        let tm = p.u8()?;
        if tm != 0 {
            return Err(JpeglsError::Unsupported(format!(
                "mapping table {tm} selected for component {id} (LSE types 2/3)"
            )));
        }
        component_ids.push(id);
    }
    let near = p.u8()?;
    let ilv = p.u8()?;
    let al_ah = p.u8()?;
    if ilv > 2 {
        return Err(JpeglsError::InvalidParameters(format!(
            "interleave mode {ilv} (must be 0, 1 or 2)"
        )));
    }
    if ilv == 0 && ns > 1 {
        return Err(JpeglsError::InvalidParameters(
            "non-interleaved scan with more than one component".into(),
        ));
    }
    if al_ah & 0x0F != 0 {
        return Err(JpeglsError::Unsupported(format!(
            "point transform Al = {}",
            al_ah & 0x0F
        )));
    }
    Ok(ScanHeader {
        component_ids,
        near,
        ilv,
    })
}

/// Raw preset coding parameters from an LSE type 1 segment (0 = default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PresetParams {
    pub(crate) maxval: u16,
    pub(crate) t1: u16,
    pub(crate) t2: u16,
    pub(crate) t3: u16,
    pub(crate) reset: u16,
}

/// Content of an LSE segment.
#[derive(Debug, Clone)]
pub(crate) enum Lse {
    /// Type 1: preset coding parameters.
    Preset(PresetParams),
    /// Types 2 and 3: mapping table (ignored unless selected by a scan).
    MappingTable,
    /// Type 4: oversize image dimensions.
    Oversize { height: u32, width: u32 },
}

/// Parses the payload of an LSE segment.
pub(crate) fn parse_lse(payload: &[u8]) -> Result<Lse, JpeglsError> {
    let mut p = Payload::new(payload, "LSE segment");
    match p.u8()? {
        1 => {
            if p.remaining() < 10 {
                return Err(JpeglsError::Truncated("LSE preset parameters"));
            }
            Ok(Lse::Preset(PresetParams {
                maxval: p.u16()?,
                t1: p.u16()?,
                t2: p.u16()?,
                t3: p.u16()?,
                reset: p.u16()?,
            }))
        }
        2 | 3 => Ok(Lse::MappingTable),
        4 => {
            let wxy = usize::from(p.u8()?);
            if !(2..=4).contains(&wxy) {
                return Err(JpeglsError::InvalidParameters(format!(
                    "LSE oversize dimension width {wxy}"
                )));
            }
            let height = p.uint(wxy)?;
            let width = p.uint(wxy)?;
            Ok(Lse::Oversize { height, width })
        }
        id => Err(JpeglsError::Unsupported(format!("LSE segment type {id}"))),
    }
}

/// Parses the payload of a DRI segment (restart interval, 2 to 4 bytes).
pub(crate) fn parse_dri(payload: &[u8]) -> Result<u32, JpeglsError> {
    if !(2..=4).contains(&payload.len()) {
        return Err(JpeglsError::InvalidParameters(format!(
            "DRI segment with {} bytes",
            payload.len()
        )));
    }
    Payload::new(payload, "DRI segment").uint(payload.len())
}
