//! MSB-first bit reader for JPEG-LS scan data.
//!
//! Implements the bit-stuffing rule of ITU-T T.87 (A.1): after every 0xFF
//! byte in the entropy-coded data the encoder inserts a single 0 bit, so the
//! following byte carries only 7 data bits. A 0xFF followed by a byte with
//! its high bit set is a marker and terminates the scan data.
//!
//! The reader keeps up to 64 bits in a left-aligned buffer. Reading past the
//! end of the scan data yields zero bits and is recorded, so that callers can
//! report truncation once per line instead of checking every bit.

use crate::error::JpeglsError;

/// Finds the offset of the first marker (0xFF followed by a byte >= 0x80)
/// at or after `start`, or `data.len()` when there is none.
pub(crate) fn find_marker(data: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < data.len() {
        if data[i] == 0xFF {
            match data.get(i + 1) {
                Some(&b) if b >= 0x80 => return i,
                Some(_) => i += 2,
                None => return data.len(),
            }
        } else {
            i += 1;
        }
    }
    data.len()
}

/// Bit reader over the scan data of one scan (or one restart interval).
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    /// Offset of the marker ending the current entropy-coded segment.
    end: usize,
    /// Left-aligned bit buffer; bits below `bits` are always zero.
    buf: u64,
    /// Number of valid bits in `buf`.
    bits: u32,
    /// Number of zero padding bits (past `end`) at the tail of `buf`.
    pad_in_buf: u32,
    /// Set once padding bits have been consumed.
    overrun: bool,
    /// The previously loaded byte was 0xFF.
    prev_ff: bool,
}

impl<'a> BitReader<'a> {
    /// Starts reading entropy-coded data at `start`.
    pub(crate) fn new(data: &'a [u8], start: usize) -> Self {
        let start = start.min(data.len());
        let mut r = BitReader {
            data,
            pos: start,
            end: find_marker(data, start),
            buf: 0,
            bits: 0,
            pad_in_buf: 0,
            overrun: false,
            prev_ff: false,
        };
        r.refill();
        r
    }

    /// True when the entropy-coded segment has been consumed up to its
    /// byte-alignment padding: every byte read, fewer than 8 bits left and
    /// no padding consumed.
    pub(crate) fn ended_cleanly(&self) -> bool {
        !self.overrun() && self.pos >= self.end && self.bits.saturating_sub(self.pad_in_buf) < 8
    }

    /// Offset of the marker that terminates the current segment.
    pub(crate) fn end(&self) -> usize {
        self.end
    }

    /// True when the decoder consumed bits beyond the end of the scan data.
    pub(crate) fn overrun(&self) -> bool {
        self.overrun || self.pad_in_buf > self.bits
    }

    /// Returns `Err(Truncated)` if bits past the end of data were consumed.
    #[inline]
    pub(crate) fn check(&self) -> Result<(), JpeglsError> {
        if self.overrun() {
            Err(JpeglsError::Truncated(
                "scan data ended before the image was complete",
            ))
        } else {
            Ok(())
        }
    }

    #[inline]
    fn refill(&mut self) {
        // Fast path: 4 bytes without 0xFF can be loaded without stuffing logic.
        if !self.prev_ff && self.bits <= 32 && self.pos + 4 <= self.end {
            if let Some(chunk) = self.data.get(self.pos..self.pos + 4) {
                let w = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                // A byte of `w` is 0xFF exactly when the same byte of `!w` is zero.
                let v = !w;
                let has_ff = (v.wrapping_sub(0x0101_0101) & !v & 0x8080_8080) != 0;
                if !has_ff {
                    self.buf |= u64::from(w) << (32 - self.bits);
                    self.bits += 32;
                    self.pos += 4;
                }
            }
        }
        while self.bits <= 56 {
            if self.pos < self.end {
                let b = self.data.get(self.pos).copied().unwrap_or(0);
                self.pos += 1;
                if self.prev_ff {
                    self.buf |= u64::from(b & 0x7F) << (57 - self.bits);
                    self.bits += 7;
                } else {
                    self.buf |= u64::from(b) << (56 - self.bits);
                    self.bits += 8;
                }
                self.prev_ff = b == 0xFF;
            } else {
                if self.pad_in_buf > self.bits {
                    self.overrun = true;
                }
                self.pad_in_buf = self.pad_in_buf.min(self.bits) + (64 - self.bits);
                self.bits = 64;
            }
        }
    }

    #[inline]
    fn consume(&mut self, n: u32) {
        self.buf = if n >= 64 { 0 } else { self.buf << n };
        self.bits -= n;
    }

    /// Reads one bit.
    #[inline]
    pub(crate) fn read_bit(&mut self) -> bool {
        if self.bits == 0 {
            self.refill();
        }
        let b = self.buf >> 63 != 0;
        self.consume(1);
        b
    }

    /// Reads `n` bits (0 <= n <= 32) as an unsigned number, MSB first.
    #[inline]
    pub(crate) fn read_bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let n = n.min(32);
        if self.bits < n {
            self.refill();
        }
        let v = (self.buf >> (64 - n)) as u32;
        self.consume(n);
        v
    }

    /// Counts 0 bits up to and including the next 1 bit; returns the number of
    /// zeros. Fails if more than `max` zeros are found.
    #[inline]
    pub(crate) fn read_unary(&mut self, max: u32) -> Result<u32, JpeglsError> {
        let mut zeros = 0u32;
        loop {
            if self.bits == 0 {
                self.refill();
            }
            let lz = self.buf.leading_zeros();
            if lz < self.bits {
                zeros += lz;
                self.consume(lz + 1);
                break;
            }
            zeros += self.bits;
            self.buf = 0;
            self.bits = 0;
            if zeros > max {
                break;
            }
        }
        if zeros > max {
            Err(JpeglsError::CorruptData("Golomb code longer than LIMIT"))
        } else {
            Ok(zeros)
        }
    }

    /// Skips to the end of the current segment and consumes the restart
    /// marker RSTm expected there (fill bytes 0xFF before it are allowed).
    pub(crate) fn restart(&mut self, m: u8) -> Result<(), JpeglsError> {
        let mut p = self.end;
        while self.data.get(p) == Some(&0xFF) && self.data.get(p + 1) == Some(&0xFF) {
            p += 1;
        }
        match (self.data.get(p), self.data.get(p + 1)) {
            (Some(0xFF), Some(&code)) if code == 0xD0 + (m & 7) => {}
            (Some(0xFF), Some(&code)) => {
                return Err(JpeglsError::BadMarker {
                    marker: code,
                    offset: p,
                })
            }
            _ => return Err(JpeglsError::Truncated("missing restart marker")),
        }
        *self = BitReader::new(self.data, p + 2);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuffing_and_marker() {
        // 0xFF then 0x7F: the 0x7F contributes 7 bits (1111111).
        let data = [0xFF, 0x7F, 0x80, 0xFF, 0xD9];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.end(), 3);
        assert_eq!(r.read_bits(8), 0xFF);
        assert_eq!(r.read_bits(7), 0x7F);
        assert_eq!(r.read_bits(8), 0x80);
        assert!(!r.overrun());
        assert_eq!(r.read_bits(1), 0);
        assert!(r.overrun());
    }

    #[test]
    fn unary() {
        let data = [0b0001_0000, 0x00, 0x01];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.read_unary(30), Ok(3));
        assert_eq!(r.read_unary(30), Ok(19));
        assert!(r.read_unary(30).is_err());
    }
}
