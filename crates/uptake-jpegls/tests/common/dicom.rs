//! Minimal DICOM reader/writer for tests and benchmarks: explicit VR little
//! endian only, enough to pull the (encapsulated) PixelData out of a file and
//! to write simple test images for `dcmcjpls`.
#![allow(dead_code)]

use std::collections::BTreeMap;

/// Pixel data of a DICOM file.
pub enum PixelData {
    /// Native pixel data bytes.
    Native(Vec<u8>),
    /// Encapsulated fragments (offset table excluded).
    Fragments(Vec<Vec<u8>>),
}

/// Elements read from the top-level data set (small values only) and pixel data.
pub struct Dataset {
    pub elements: BTreeMap<(u16, u16), Vec<u8>>,
    pub pixel_data: Option<PixelData>,
}

impl Dataset {
    pub fn u16(&self, group: u16, elem: u16) -> Option<u16> {
        let v = self.elements.get(&(group, elem))?;
        Some(u16::from_le_bytes([*v.first()?, *v.get(1)?]))
    }

    /// The JPEG-LS (or other) codestream of a single-frame encapsulated file.
    pub fn codestream(&self) -> Vec<u8> {
        match &self.pixel_data {
            Some(PixelData::Fragments(f)) => f.concat(),
            _ => panic!("pixel data is not encapsulated"),
        }
    }

    /// Native pixel data as bytes.
    pub fn native(&self) -> &[u8] {
        match &self.pixel_data {
            Some(PixelData::Native(v)) => v,
            _ => panic!("pixel data is not native"),
        }
    }
}

fn long_vr(vr: &[u8]) -> bool {
    matches!(
        vr,
        b"OB"
            | b"OD"
            | b"OF"
            | b"OL"
            | b"OV"
            | b"OW"
            | b"SQ"
            | b"UC"
            | b"UN"
            | b"UR"
            | b"UT"
            | b"SV"
            | b"UV"
    )
}

struct R<'a> {
    d: &'a [u8],
    p: usize,
}

impl R<'_> {
    fn u16(&mut self) -> u16 {
        let v = u16::from_le_bytes([self.d[self.p], self.d[self.p + 1]]);
        self.p += 2;
        v
    }
    fn u32(&mut self) -> u32 {
        let v = u32::from_le_bytes(self.d[self.p..self.p + 4].try_into().unwrap());
        self.p += 4;
        v
    }
    /// Skips an item/sequence content of undefined length up to `delim`.
    fn skip_undefined(&mut self, delim: (u16, u16)) {
        loop {
            let save = self.p;
            let g = self.u16();
            let e = self.u16();
            if (g, e) == delim {
                self.u32();
                return;
            }
            if g == 0xFFFE {
                // item inside a sequence
                let len = self.u32();
                if len == u32::MAX {
                    self.skip_undefined((0xFFFE, 0xE00D));
                } else {
                    self.p += len as usize;
                }
                continue;
            }
            self.p = save;
            self.element(None);
        }
    }
    /// Reads one explicit-VR element; stores small values / pixel data.
    fn element(&mut self, ds: Option<&mut Dataset>) {
        let g = self.u16();
        let e = self.u16();
        let vr = [self.d[self.p], self.d[self.p + 1]];
        self.p += 2;
        let len = if long_vr(&vr) {
            self.p += 2;
            self.u32()
        } else {
            u32::from(self.u16())
        };
        if (g, e) == (0x7FE0, 0x0010) && len == u32::MAX {
            let mut frags = Vec::new();
            let mut first = true;
            loop {
                let ig = self.u16();
                let ie = self.u16();
                let ilen = self.u32() as usize;
                if (ig, ie) == (0xFFFE, 0xE0DD) {
                    break;
                }
                assert_eq!((ig, ie), (0xFFFE, 0xE000), "bad item in pixel data");
                let v = self.d[self.p..self.p + ilen].to_vec();
                self.p += ilen;
                if !first {
                    frags.push(v);
                }
                first = false;
            }
            if let Some(ds) = ds {
                ds.pixel_data = Some(PixelData::Fragments(frags));
            }
            return;
        }
        if len == u32::MAX {
            self.skip_undefined((0xFFFE, 0xE0DD));
            return;
        }
        let v = &self.d[self.p..self.p + len as usize];
        self.p += len as usize;
        if let Some(ds) = ds {
            if (g, e) == (0x7FE0, 0x0010) {
                ds.pixel_data = Some(PixelData::Native(v.to_vec()));
            } else if v.len() <= 64 {
                ds.elements.insert((g, e), v.to_vec());
            }
        }
    }
}

/// Parses a DICOM Part 10 file encoded in explicit VR little endian.
pub fn parse(data: &[u8]) -> Dataset {
    assert_eq!(&data[128..132], b"DICM", "not a DICOM Part 10 file");
    let mut ds = Dataset {
        elements: BTreeMap::new(),
        pixel_data: None,
    };
    let mut r = R { d: data, p: 132 };
    while r.p + 8 <= data.len() {
        r.element(Some(&mut ds));
    }
    ds
}

/// Reads and parses a DICOM file.
pub fn read(path: &std::path::Path) -> Dataset {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&data)
}

fn put(out: &mut Vec<u8>, g: u16, e: u16, vr: &[u8; 2], value: &[u8]) {
    let mut v = value.to_vec();
    if v.len() % 2 == 1 {
        v.push(if vr == b"UI" || vr == b"OB" { 0 } else { b' ' });
    }
    out.extend_from_slice(&g.to_le_bytes());
    out.extend_from_slice(&e.to_le_bytes());
    out.extend_from_slice(vr);
    if long_vr(vr) {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(v.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(&v);
}

/// Writes an uncompressed secondary-capture image (explicit VR LE).
/// `samples` are interleaved per pixel; stored as 8-bit when
/// `bits_stored <= 8`, else 16-bit little endian.
pub fn write_image(
    width: u16,
    height: u16,
    components: u16,
    bits_stored: u16,
    samples: &[u16],
) -> Vec<u8> {
    const SOP_CLASS: &[u8] = b"1.2.840.10008.5.1.4.1.1.7";
    const SOP_INST: &[u8] = b"1.2.826.0.1.3680043.2.1143.4242";
    let mut meta = Vec::new();
    put(&mut meta, 0x0002, 0x0001, b"OB", &[0, 1]);
    put(&mut meta, 0x0002, 0x0002, b"UI", SOP_CLASS);
    put(&mut meta, 0x0002, 0x0003, b"UI", SOP_INST);
    put(&mut meta, 0x0002, 0x0010, b"UI", b"1.2.840.10008.1.2.1");
    put(
        &mut meta,
        0x0002,
        0x0012,
        b"UI",
        b"1.2.826.0.1.3680043.2.1143.1",
    );
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    put(
        &mut out,
        0x0002,
        0x0000,
        b"UL",
        &(meta.len() as u32).to_le_bytes(),
    );
    out.extend_from_slice(&meta);
    put(&mut out, 0x0008, 0x0016, b"UI", SOP_CLASS);
    put(&mut out, 0x0008, 0x0018, b"UI", SOP_INST);
    put(&mut out, 0x0008, 0x0060, b"CS", b"OT");
    put(&mut out, 0x0010, 0x0010, b"PN", b"Test^JPEGLS");
    put(&mut out, 0x0010, 0x0020, b"LO", b"JLS1");
    put(
        &mut out,
        0x0020,
        0x000D,
        b"UI",
        b"1.2.826.0.1.3680043.2.1143.4242.1",
    );
    put(
        &mut out,
        0x0020,
        0x000E,
        b"UI",
        b"1.2.826.0.1.3680043.2.1143.4242.2",
    );
    put(&mut out, 0x0028, 0x0002, b"US", &components.to_le_bytes());
    let photometric: &[u8] = if components == 3 {
        b"RGB"
    } else {
        b"MONOCHROME2"
    };
    put(&mut out, 0x0028, 0x0004, b"CS", photometric);
    if components > 1 {
        put(&mut out, 0x0028, 0x0006, b"US", &0u16.to_le_bytes());
    }
    put(&mut out, 0x0028, 0x0010, b"US", &height.to_le_bytes());
    put(&mut out, 0x0028, 0x0011, b"US", &width.to_le_bytes());
    let allocated: u16 = if bits_stored <= 8 { 8 } else { 16 };
    put(&mut out, 0x0028, 0x0100, b"US", &allocated.to_le_bytes());
    put(&mut out, 0x0028, 0x0101, b"US", &bits_stored.to_le_bytes());
    put(
        &mut out,
        0x0028,
        0x0102,
        b"US",
        &(bits_stored - 1).to_le_bytes(),
    );
    put(&mut out, 0x0028, 0x0103, b"US", &0u16.to_le_bytes());
    let pixels: Vec<u8> = if allocated == 8 {
        samples.iter().map(|&s| s as u8).collect()
    } else {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    };
    put(
        &mut out,
        0x7FE0,
        0x0010,
        if allocated == 8 { b"OB" } else { b"OW" },
        &pixels,
    );
    out
}

/// Native pixel bytes as samples (8- or 16-bit little endian).
pub fn native_samples(ds: &Dataset) -> Vec<u16> {
    let bits = ds.u16(0x0028, 0x0100).expect("BitsAllocated");
    let raw = ds.native();
    if bits == 8 {
        raw.iter().map(|&b| u16::from(b)).collect()
    } else {
        raw.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    }
}
