//! Coding parameters of a scan: preset values, defaults (T.87 C.2.4.1.1)
//! and the derived quantities RANGE, qbpp, bpp and LIMIT (A.2.1).
//!
//! When an LSE segment sets MAXVAL below 2^P-1, T.87 derives RANGE, qbpp,
//! bpp, LIMIT and the initial A from that MAXVAL. CharLS 2.x (and so every
//! codec built on it, e.g. PyPI `pillow-jpls`) derives them from 2^P-1
//! instead and uses the LSE MAXVAL only for the thresholds, the prediction
//! clamp and the reconstruction bounds; its encoder and decoder agree with
//! each other, so such streams are only decodable with its convention.
//! [`Convention`] selects between the two; see `decoder::decode`.

use crate::error::JpeglsError;
use crate::marker::PresetParams;

/// How RANGE, qbpp, bpp and LIMIT are derived when MAXVAL != 2^P-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Convention {
    /// T.87 A.2.1: from MAXVAL.
    Standard,
    /// CharLS 2.x: from 2^P-1 (MAXVAL still bounds the samples).
    CharLs,
}

/// Fully resolved parameters used while decoding one scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodingParams {
    pub(crate) maxval: i32,
    pub(crate) near: i32,
    pub(crate) t1: i32,
    pub(crate) t2: i32,
    pub(crate) t3: i32,
    pub(crate) reset: i32,
    /// Number of possible (quantised) error values.
    pub(crate) range: i32,
    /// Bits needed to code a mapped error value, ceil(log2(RANGE)).
    pub(crate) qbpp: u32,
    /// Maximum length of a limited Golomb code word.
    pub(crate) limit: u32,
}

/// Smallest n with 2^n >= x.
fn ceil_log2(x: i32) -> u32 {
    let mut n = 0;
    while n < 31 && (1i64 << n) < i64::from(x) {
        n += 1;
    }
    n
}

/// CLAMP function of C.2.4.1.1.1.
fn clamp(i: i32, j: i32, maxval: i32) -> i32 {
    if i > maxval || i < j {
        j
    } else {
        i
    }
}

impl CodingParams {
    /// Resolves preset parameters (0 meaning "default") for a scan with the
    /// given sample precision and NEAR value, validating ranges.
    pub(crate) fn resolve(
        precision: u8,
        preset: &PresetParams,
        near: u8,
        convention: Convention,
    ) -> Result<Self, JpeglsError> {
        let full = (1i32 << precision) - 1;
        let maxval = if preset.maxval == 0 {
            full
        } else {
            i32::from(preset.maxval)
        };
        if maxval > full {
            return Err(JpeglsError::InvalidParameters(format!(
                "MAXVAL {maxval} exceeds 2^P-1 = {full}"
            )));
        }
        let near = i32::from(near);
        if near > (maxval / 2).min(255) {
            return Err(JpeglsError::InvalidParameters(format!(
                "NEAR {near} too large for MAXVAL {maxval}"
            )));
        }
        const BASIC_T1: i32 = 3;
        const BASIC_T2: i32 = 7;
        const BASIC_T3: i32 = 21;
        let (d1, d2, d3) = if maxval >= 128 {
            let factor = (maxval.min(4095) + 128) / 256;
            (
                factor * (BASIC_T1 - 2) + 2 + 3 * near,
                factor * (BASIC_T2 - 3) + 3 + 5 * near,
                factor * (BASIC_T3 - 4) + 4 + 7 * near,
            )
        } else {
            let factor = 256 / (maxval + 1);
            (
                (BASIC_T1 / factor + 3 * near).max(2),
                (BASIC_T2 / factor + 5 * near).max(3),
                (BASIC_T3 / factor + 7 * near).max(4),
            )
        };
        let t1 = if preset.t1 == 0 {
            clamp(d1, near + 1, maxval)
        } else {
            i32::from(preset.t1)
        };
        let t2 = if preset.t2 == 0 {
            clamp(d2, t1, maxval)
        } else {
            i32::from(preset.t2)
        };
        let t3 = if preset.t3 == 0 {
            clamp(d3, t2, maxval)
        } else {
            i32::from(preset.t3)
        };
        if !(near < t1 && t1 <= t2 && t2 <= t3 && t3 <= maxval.max(near + 1)) {
            return Err(JpeglsError::InvalidParameters(format!(
                "thresholds T1={t1} T2={t2} T3={t3} inconsistent with NEAR={near} MAXVAL={maxval}"
            )));
        }
        let reset = if preset.reset == 0 {
            64
        } else {
            i32::from(preset.reset)
        };
        if reset < 3 {
            return Err(JpeglsError::InvalidParameters(format!(
                "RESET {reset} smaller than 3"
            )));
        }
        // The sample range the error coding is sized for (A.2.1).
        let basis = match convention {
            Convention::Standard => maxval,
            Convention::CharLs => full,
        };
        let range = (basis + 2 * near) / (2 * near + 1) + 1;
        let qbpp = ceil_log2(range);
        let bpp = ceil_log2(basis + 1).max(2);
        let limit = 2 * (bpp + bpp.max(8));
        Ok(CodingParams {
            maxval,
            near,
            t1,
            t2,
            t3,
            reset,
            range,
            qbpp,
            limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_8bit() {
        let p =
            CodingParams::resolve(8, &PresetParams::default(), 0, Convention::Standard).unwrap();
        assert_eq!((p.t1, p.t2, p.t3, p.reset), (3, 7, 21, 64));
        assert_eq!((p.range, p.qbpp, p.limit), (256, 8, 32));
    }

    #[test]
    fn defaults_16bit_and_near() {
        let p =
            CodingParams::resolve(16, &PresetParams::default(), 0, Convention::Standard).unwrap();
        assert_eq!((p.t1, p.t2, p.t3), (18, 67, 276));
        assert_eq!((p.qbpp, p.limit), (16, 64));
        let p =
            CodingParams::resolve(12, &PresetParams::default(), 3, Convention::Standard).unwrap();
        assert_eq!((p.t1, p.t2, p.t3), (27, 82, 297));
        assert_eq!(p.range, (4095 + 6) / 7 + 1);
    }

    /// MAXVAL != 2^P-1: T.87 sizes the error coding by MAXVAL, CharLS 2.x
    /// by 2^P-1; thresholds and MAXVAL itself are the same in both.
    #[test]
    fn custom_maxval_conventions() {
        let preset = PresetParams {
            maxval: 200,
            ..PresetParams::default()
        };
        let s = CodingParams::resolve(8, &preset, 0, Convention::Standard).unwrap();
        let c = CodingParams::resolve(8, &preset, 0, Convention::CharLs).unwrap();
        assert_eq!((s.maxval, s.t1, s.t2, s.t3), (200, 3, 7, 21));
        assert_eq!((s.range, s.qbpp, s.limit), (201, 8, 32));
        assert_eq!((c.maxval, c.t1, c.t2, c.t3), (200, 3, 7, 21));
        assert_eq!((c.range, c.qbpp, c.limit), (256, 8, 32));
        let preset = PresetParams {
            maxval: 3000,
            ..PresetParams::default()
        };
        let s = CodingParams::resolve(12, &preset, 2, Convention::Standard).unwrap();
        let c = CodingParams::resolve(12, &preset, 2, Convention::CharLs).unwrap();
        // FACTOR = (3000 + 128) / 256 = 12
        assert_eq!((s.t1, s.t2, s.t3), (20, 61, 222));
        assert_eq!((c.t1, c.t2, c.t3), (20, 61, 222));
        assert_eq!((s.range, c.range), (3004 / 5 + 1, 4099 / 5 + 1));
        // 2^P-1 or no LSE MAXVAL: the conventions coincide.
        for maxval in [0, 4095] {
            let preset = PresetParams {
                maxval,
                ..PresetParams::default()
            };
            assert_eq!(
                CodingParams::resolve(12, &preset, 3, Convention::Standard).unwrap(),
                CodingParams::resolve(12, &preset, 3, Convention::CharLs).unwrap()
            );
        }
    }

    #[test]
    fn defaults_low_precision() {
        let p =
            CodingParams::resolve(4, &PresetParams::default(), 0, Convention::Standard).unwrap();
        // FACTOR = 16: max(2, 0), max(3, 0), max(4, 1)
        assert_eq!((p.t1, p.t2, p.t3), (2, 3, 4));
    }
}
