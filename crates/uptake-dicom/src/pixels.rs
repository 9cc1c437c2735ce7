//! Stored samples of one frame → rescaled voxel values, written straight into the caller's slice
//! of the final volume buffer (no intermediate per-frame arrays for native data).

use crate::error::Problem;
use crate::header::PixelFormat;

/// Stored samples of one frame, borrowed where possible.
pub enum RawSamples<'a> {
    /// 16-bit words already in machine order (dicom-rs decoded OW, or JPEG-LS output).
    Words(&'a [u16]),
    /// Little-endian bytes (8, 16 or 32 bits per sample).
    Bytes(&'a [u8]),
    /// 32-bit words in machine order.
    Dwords(&'a [u32]),
}

/// How stored values become modality values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rescale {
    /// RescaleSlope.
    pub slope: f64,
    /// RescaleIntercept.
    pub intercept: f64,
}

impl Rescale {
    /// Whether the rescale maps integers to integers exactly (slope 1, integral intercept).
    pub fn is_integral(&self) -> bool {
        self.slope == 1.0 && self.intercept.fract() == 0.0 && self.intercept.abs() < 1e9
    }
}

/// A voxel type a volume can be stored in.
pub trait Voxel: Copy + Default + Send + Sync + 'static {
    /// Writes rescaled values of `stored` into `out`. Returns `false` if a value does not fit
    /// this type exactly (the caller then uses a wider type).
    fn fill(out: &mut [Self], stored: impl Iterator<Item = i32>, rescale: Rescale) -> bool;
    /// The value as f64.
    fn to_f64(self) -> f64;
}

impl Voxel for i16 {
    fn fill(out: &mut [Self], stored: impl Iterator<Item = i32>, rescale: Rescale) -> bool {
        if !rescale.is_integral() {
            return false;
        }
        let offset = rescale.intercept as i32;
        let mut ok = true;
        for (o, v) in out.iter_mut().zip(stored) {
            let hu = v + offset;
            ok &= hu >= i16::MIN as i32 && hu <= i16::MAX as i32;
            *o = hu as i16;
        }
        ok
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Voxel for f32 {
    fn fill(out: &mut [Self], stored: impl Iterator<Item = i32>, rescale: Rescale) -> bool {
        let (s, b) = (rescale.slope, rescale.intercept);
        for (o, v) in out.iter_mut().zip(stored) {
            *o = (v as f64 * s + b) as f32;
        }
        true
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// Extracts the stored value from a sample word: shift by the low unused bits, mask to
/// BitsStored, sign-extend when PixelRepresentation is signed.
#[derive(Clone, Copy)]
struct Extract {
    shift: u32,
    mask: u32,
    signed_shift: Option<u32>,
}

impl Extract {
    fn new(fmt: &PixelFormat) -> Self {
        let bits = fmt.bits_stored.min(32);
        let shift = (fmt.high_bit + 1).saturating_sub(bits);
        let mask = if bits >= 32 {
            u32::MAX
        } else {
            (1u32 << bits) - 1
        };
        Extract {
            shift,
            mask,
            signed_shift: fmt.signed.then_some(32 - bits),
        }
    }

    #[inline(always)]
    fn apply(self, word: u32) -> i32 {
        let v = (word >> self.shift) & self.mask;
        match self.signed_shift {
            Some(s) => ((v << s) as i32) >> s,
            None => v as i32,
        }
    }
}

/// Converts one frame of stored samples into `out` (length = samples per frame).
/// Returns `Ok(false)` when a value does not fit `T` exactly.
pub fn convert_frame<T: Voxel>(
    raw: RawSamples<'_>,
    fmt: &PixelFormat,
    rescale: Rescale,
    frame: u32,
    out: &mut [T],
) -> Result<bool, Problem> {
    let n = out.len();
    let ex = Extract::new(fmt);
    let too_short = |actual: usize, per: usize| Problem::PixelDataTooShort {
        expected: n * per,
        actual: actual * per,
        frame,
    };
    // Fast paths for the common full-width 16-bit layouts keep the inner loop branch-free.
    let full16 = fmt.bits_stored == 16 && fmt.high_bit == 15;
    match (raw, fmt.bits_allocated) {
        (RawSamples::Words(w), 16) => {
            let w = w.get(..n).ok_or_else(|| too_short(w.len(), 2))?;
            Ok(match (full16, fmt.signed) {
                (true, true) => T::fill(out, w.iter().map(|&v| v as i16 as i32), rescale),
                (true, false) => T::fill(out, w.iter().map(|&v| v as i32), rescale),
                _ => T::fill(out, w.iter().map(|&v| ex.apply(v as u32)), rescale),
            })
        }
        (RawSamples::Bytes(b), 16) => {
            let b = b.get(..n * 2).ok_or_else(|| too_short(b.len() / 2, 2))?;
            let words = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
            Ok(match (full16, fmt.signed) {
                (true, true) => T::fill(out, words.map(|v| v as i16 as i32), rescale),
                (true, false) => T::fill(out, words.map(|v| v as i32), rescale),
                _ => T::fill(out, words.map(|v| ex.apply(v as u32)), rescale),
            })
        }
        (RawSamples::Bytes(b), 8) => {
            let b = b.get(..n).ok_or_else(|| too_short(b.len(), 1))?;
            Ok(T::fill(out, b.iter().map(|&v| ex.apply(v as u32)), rescale))
        }
        (RawSamples::Words(w), 8) => {
            // 8-bit samples that the parser read as OW words (implicit VR): two per word, LE.
            let bytes = w.iter().flat_map(|v| v.to_le_bytes());
            if w.len() * 2 < n {
                return Err(too_short(w.len() * 2, 1));
            }
            Ok(T::fill(out, bytes.map(|v| ex.apply(v as u32)), rescale))
        }
        (RawSamples::Bytes(b), 32) => {
            let b = b.get(..n * 4).ok_or_else(|| too_short(b.len() / 4, 4))?;
            let dwords = b
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
            Ok(T::fill(out, dwords.map(|v| ex.apply(v)), rescale))
        }
        (RawSamples::Words(w), 32) => {
            if w.len() < n * 2 {
                return Err(too_short(w.len() / 2, 4));
            }
            let dwords = w
                .chunks_exact(2)
                .map(|c| (c[0] as u32) | ((c[1] as u32) << 16));
            Ok(T::fill(out, dwords.map(|v| ex.apply(v)), rescale))
        }
        (RawSamples::Dwords(d), 32) => {
            let d = d.get(..n).ok_or_else(|| too_short(d.len(), 4))?;
            Ok(T::fill(out, d.iter().map(|&v| ex.apply(v)), rescale))
        }
        (_, bits) => Err(Problem::UnsupportedPixelFormat(format!(
            "BitsAllocated {bits} with this pixel data encoding"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(bits_stored: u32, high_bit: u32, signed: bool) -> PixelFormat {
        PixelFormat {
            rows: 1,
            columns: 4,
            samples_per_pixel: 1,
            bits_allocated: 16,
            bits_stored,
            high_bit,
            signed,
        }
    }

    #[test]
    fn twelve_bit_signed_is_sign_extended_and_high_bits_ignored() {
        // 0x0FFF = -1 in 12-bit two's complement; 0xF800 has garbage above bit 11 → 0x800 = -2048.
        let words = [0x0FFFu16, 0xF800, 0x07FF, 0x0001];
        let mut out = [0f32; 4];
        let r = Rescale {
            slope: 1.0,
            intercept: 0.0,
        };
        assert!(convert_frame(
            RawSamples::Words(&words),
            &fmt(12, 11, true),
            r,
            0,
            &mut out
        )
        .unwrap_or(false));
        assert_eq!(out, [-1.0, -2048.0, 2047.0, 1.0]);
    }

    #[test]
    fn per_frame_slope_and_i16_overflow_detection() {
        let words = [100u16, 200, 65535, 0];
        let mut out = [0f32; 4];
        let r = Rescale {
            slope: 0.5,
            intercept: -10.0,
        };
        assert!(convert_frame(
            RawSamples::Words(&words),
            &fmt(16, 15, false),
            r,
            0,
            &mut out
        )
        .unwrap_or(false));
        assert_eq!(out, [40.0, 90.0, 32757.5, -10.0]);
        let mut hu = [0i16; 4];
        let r = Rescale {
            slope: 1.0,
            intercept: -1024.0,
        };
        // 65535 - 1024 does not fit i16: reported, not wrapped silently.
        assert_eq!(
            convert_frame(
                RawSamples::Words(&words),
                &fmt(16, 15, false),
                r,
                0,
                &mut hu
            )
            .ok(),
            Some(false)
        );
    }

    #[test]
    fn short_data_is_an_error() {
        let mut out = [0i16; 4];
        let r = Rescale {
            slope: 1.0,
            intercept: 0.0,
        };
        let err = convert_frame(
            RawSamples::Bytes(&[1, 2, 3]),
            &fmt(16, 15, true),
            r,
            2,
            &mut out,
        );
        assert!(matches!(
            err,
            Err(Problem::PixelDataTooShort { frame: 2, .. })
        ));
    }
}
