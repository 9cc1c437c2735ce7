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

/// How a 16-bit sample word holds its stored value: `bits` bits starting at bit `shift`,
/// two's complement when `signed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word16 {
    /// Low unused bits (HighBit + 1 − BitsStored).
    pub shift: u32,
    /// BitsStored (1 to 16).
    pub bits: u32,
    /// PixelRepresentation = 1.
    pub signed: bool,
}

impl Word16 {
    /// The layout of a 16-bit format, `None` when BitsAllocated is not 16.
    pub fn of(fmt: &PixelFormat) -> Option<Self> {
        let bits = fmt.bits_stored;
        let shift = (fmt.high_bit + 1).checked_sub(bits)?;
        (fmt.bits_allocated == 16 && (1..=16).contains(&bits) && shift + bits <= 16).then_some(
            Word16 {
                shift,
                bits,
                signed: fmt.signed,
            },
        )
    }

    /// The stored value of a word.
    #[inline(always)]
    pub fn stored(self, word: u16) -> i32 {
        let up = 16 - self.bits;
        let v = (word >> self.shift) << up;
        if self.signed {
            ((v as i16) >> up) as i32
        } else {
            (v >> up) as i32
        }
    }

    /// Smallest and largest stored value this layout can hold.
    pub fn range(self) -> (i32, i32) {
        if self.signed {
            (-(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1)
        } else {
            (0, (1 << self.bits) - 1)
        }
    }
}

#[inline(always)]
fn le16(c: &[u8]) -> u16 {
    u16::from_le_bytes([c[0], c[1]])
}

/// A voxel type a volume can be stored in.
pub trait Voxel: Copy + Default + Send + Sync + 'static {
    /// Writes rescaled values of `stored` into `out`. Returns `false` if a value does not fit
    /// this type exactly (the caller then uses a wider type).
    fn fill(out: &mut [Self], stored: impl Iterator<Item = i32>, rescale: Rescale) -> bool;

    /// As [`Voxel::fill`], from little-endian 16-bit sample words (`bytes`, two per value,
    /// at least `2 × out.len()`). Types override it with a loop the compiler vectorises.
    fn fill_le16(out: &mut [Self], bytes: &[u8], word: Word16, rescale: Rescale) -> bool {
        Self::fill(
            out,
            bytes.chunks_exact(2).map(|c| word.stored(le16(c))),
            rescale,
        )
    }
    /// The value as f64.
    fn to_f64(self) -> f64;
}

impl Voxel for i16 {
    fn fill(out: &mut [Self], stored: impl Iterator<Item = i32>, rescale: Rescale) -> bool {
        if !rescale.is_integral() {
            return false;
        }
        let offset = rescale.intercept as i64;
        let mut ok = true;
        for (o, v) in out.iter_mut().zip(stored) {
            let hu = v as i64 + offset;
            ok &= hu >= i16::MIN as i64 && hu <= i16::MAX as i64;
            *o = hu as i16;
        }
        ok
    }

    /// 16-bit lanes throughout: when every value the layout can hold fits i16 after the
    /// offset (12-bit CT with intercept −1024), no check at all; otherwise the frame's
    /// smallest and largest stored values decide once at the end. Wrapping 16-bit addition
    /// is exact whenever the true sum fits i16.
    fn fill_le16(out: &mut [Self], bytes: &[u8], word: Word16, rescale: Rescale) -> bool {
        if !rescale.is_integral() {
            return false;
        }
        let offset = rescale.intercept as i64;
        let off16 = offset as i16;
        let fits =
            |lo: i64, hi: i64| lo + offset >= i16::MIN as i64 && hi + offset <= i16::MAX as i64;
        let (smin, smax) = word.range();
        let (shift, up) = (word.shift, 16 - word.bits);
        let pairs = out.iter_mut().zip(bytes.chunks_exact(2));
        match (word.signed, fits(smin as i64, smax as i64)) {
            (true, true) => {
                for (o, c) in pairs {
                    let s = (((le16(c) >> shift) << up) as i16) >> up;
                    *o = s.wrapping_add(off16);
                }
                true
            }
            (false, true) => {
                for (o, c) in pairs {
                    let s = (((le16(c) >> shift) << up) >> up) as i16;
                    *o = s.wrapping_add(off16);
                }
                true
            }
            (true, false) => {
                let (mut lo, mut hi) = (i16::MAX, i16::MIN);
                for (o, c) in pairs {
                    let s = (((le16(c) >> shift) << up) as i16) >> up;
                    lo = lo.min(s);
                    hi = hi.max(s);
                    *o = s.wrapping_add(off16);
                }
                out.is_empty() || fits(lo as i64, hi as i64)
            }
            (false, false) => {
                let (mut lo, mut hi) = (u16::MAX, u16::MIN);
                for (o, c) in pairs {
                    let s = ((le16(c) >> shift) << up) >> up;
                    lo = lo.min(s);
                    hi = hi.max(s);
                    *o = (s as i16).wrapping_add(off16);
                }
                out.is_empty() || fits(lo as i64, hi as i64)
            }
        }
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// `u16` holds a stored value's 16 bits with the rescale *not* applied (a PET kept as stored
/// values, see [`crate::scaled`]); `false` for a value that needs more than 16 bits.
impl Voxel for u16 {
    fn fill(out: &mut [Self], stored: impl Iterator<Item = i32>, _rescale: Rescale) -> bool {
        let mut ok = true;
        for (o, v) in out.iter_mut().zip(stored) {
            ok &= (i32::from(i16::MIN)..=i32::from(u16::MAX)).contains(&v);
            *o = v as u16;
        }
        ok
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
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
            if let Some(word) = Word16::of(fmt) {
                return Ok(T::fill_le16(out, b, word, rescale));
            }
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

    /// Reference: stored value by plain arithmetic on the format.
    fn reference_stored(w: u16, shift: u32, bits: u32, signed: bool) -> i64 {
        let v = ((w as u32) >> shift) & ((1u32 << bits) - 1);
        if signed && v >= 1 << (bits - 1) {
            v as i64 - (1i64 << bits)
        } else {
            v as i64
        }
    }

    #[test]
    fn fast_16_bit_paths_match_plain_arithmetic_for_every_layout() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut words = vec![0u16; 1000];
        for w in words.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *w = (seed >> 24) as u16;
        }
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        for bits in 1..=16u32 {
            for shift in 0..=(16 - bits) {
                for signed in [false, true] {
                    let f = PixelFormat {
                        rows: 1,
                        columns: words.len() as u32,
                        samples_per_pixel: 1,
                        bits_allocated: 16,
                        bits_stored: bits,
                        high_bit: shift + bits - 1,
                        signed,
                    };
                    for intercept in [0.0, -1024.0, -32768.0, 1000.0, 40000.0, -40000.0] {
                        let r = Rescale {
                            slope: 1.0,
                            intercept,
                        };
                        let expect: Vec<i64> = words
                            .iter()
                            .map(|&w| reference_stored(w, shift, bits, signed) + intercept as i64)
                            .collect();
                        let fits = expect.iter().all(|v| i16::try_from(*v).is_ok());
                        let mut out = vec![0i16; words.len()];
                        let ok = convert_frame(RawSamples::Bytes(&bytes), &f, r, 0, &mut out).ok();
                        assert_eq!(ok, Some(fits), "bits {bits} shift {shift} signed {signed}");
                        if fits {
                            let got: Vec<i64> = out.iter().map(|v| *v as i64).collect();
                            assert_eq!(got, expect, "bits {bits} shift {shift} signed {signed}");
                        }
                        let mut outf = vec![0f32; words.len()];
                        let r = Rescale {
                            slope: 0.25,
                            intercept,
                        };
                        convert_frame(RawSamples::Bytes(&bytes), &f, r, 0, &mut outf)
                            .unwrap_or(false);
                        for (w, v) in words.iter().zip(&outf) {
                            let s = reference_stored(*w, shift, bits, signed) as f64;
                            assert_eq!(*v, (s * 0.25 + intercept) as f32);
                        }
                    }
                }
            }
        }
    }
}
