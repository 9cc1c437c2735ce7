//! Lossless packing of i16 slices (CT in HU) for the copy a viewer keeps on the CPU while the
//! GPU holds the display texture: about 35–50 % of the plain size on CT, exact on every value.
//!
//! Frame-of-reference bit packing: each block of [`BLOCK`] values stores its minimum and the
//! bit width of its range, then every value minus the minimum in that many bits. Neighbouring
//! CT voxels are close (noise of a few HU within a tissue), so most blocks need 4–8 bits; a
//! block across an edge costs more, a block of air or padding costs almost nothing. A value
//! can be read on its own (readouts at the cursor), and a slice unpacks in one pass (the GPU
//! upload). Block layout: width `b` (1 byte), minimum (i16 LE), then `⌈n·b / 32⌉` u32 words
//! LE holding the `n` offsets LSB first.

use std::fmt;

/// Values per block.
pub const BLOCK: usize = 32;

/// Bytes of a block header: width (u8) and minimum (i16 LE).
const HEADER: usize = 3;

/// Words of payload for `n` values of `b` bits.
fn words(n: usize, b: u32) -> usize {
    (n * b as usize).div_ceil(32)
}

/// One slice of i16 values, packed.
#[derive(Clone, PartialEq, Eq)]
pub struct PackedSlice {
    /// Number of values.
    len: usize,
    bytes: Box<[u8]>,
}

impl fmt::Debug for PackedSlice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackedSlice")
            .field("len", &self.len)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Appends the packed block of `values` (at most [`BLOCK`]) to `out`.
fn pack_block(values: &[i16], out: &mut Vec<u8>) {
    let (mut lo, mut hi) = (i16::MAX, i16::MIN);
    for &v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let range = (i32::from(hi) - i32::from(lo)) as u32;
    let b = 32 - range.leading_zeros();
    out.push(b as u8);
    out.extend_from_slice(&lo.to_le_bytes());
    if b == 0 {
        return;
    }
    let mut acc: u64 = 0;
    let mut bits = 0u32;
    for &v in values {
        acc |= u64::from((i32::from(v) - i32::from(lo)) as u32) << bits;
        bits += b;
        if bits >= 32 {
            out.extend_from_slice(&(acc as u32).to_le_bytes());
            acc >>= 32;
            bits -= 32;
        }
    }
    if bits > 0 {
        out.extend_from_slice(&(acc as u32).to_le_bytes());
    }
}

/// The header of the block at `at`: width, minimum and the block's total length in bytes for
/// `n` values; `None` when the bytes end early.
fn block_header(bytes: &[u8], at: usize, n: usize) -> Option<(u32, i16, usize)> {
    let h = bytes.get(at..at + HEADER)?;
    let b = u32::from(h[0]);
    let lo = i16::from_le_bytes([h[1], h[2]]);
    Some((b, lo, HEADER + 4 * words(n, b)))
}

impl PackedSlice {
    /// Packs `values`.
    pub fn pack(values: &[i16]) -> PackedSlice {
        PackedSlice::pack_with(values, &mut Vec::new())
    }

    /// Packs `values` through `scratch` (kept by the caller from slice to slice): the slice
    /// then takes one allocation of exactly its size, with no shrinking that would leave a
    /// gap in the heap after every slice.
    pub fn pack_with(values: &[i16], scratch: &mut Vec<u8>) -> PackedSlice {
        scratch.clear();
        for block in values.chunks(BLOCK) {
            pack_block(block, scratch);
        }
        PackedSlice {
            len: values.len(),
            bytes: Box::from(&scratch[..]),
        }
    }

    /// A slice of `len` zeros.
    pub fn zeros(len: usize) -> PackedSlice {
        PackedSlice::pack(&vec![0; len])
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the slice holds no values.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Unpacks every value into `out` (its length must be [`PackedSlice::len`]); `false`
    /// (and `out` partly written) when it is not.
    pub fn unpack_into(&self, out: &mut [i16]) -> bool {
        self.unpack_map_into(out, |v| v)
    }

    /// Unpacks every value through `map` into `out` (its length must be
    /// [`PackedSlice::len`]), in one pass: e.g. straight to the f16 bits of a GPU upload.
    /// `false` (and `out` partly written) when the length is wrong.
    pub fn unpack_map_into<T>(&self, out: &mut [T], map: impl Fn(i16) -> T) -> bool {
        if out.len() != self.len {
            return false;
        }
        let mut at = 0;
        for block in out.chunks_mut(BLOCK) {
            let Some((b, lo, size)) = block_header(&self.bytes, at, block.len()) else {
                return false;
            };
            let Some(payload) = self.bytes.get(at + HEADER..at + size) else {
                return false;
            };
            unpack_block(payload, b, lo, block, &map);
            at += size;
        }
        true
    }

    /// The values, unpacked.
    pub fn unpack(&self) -> Vec<i16> {
        let mut out = vec![0; self.len];
        self.unpack_into(&mut out);
        out
    }

    /// Value `n`; `None` past the end.
    pub fn get(&self, n: usize) -> Option<i16> {
        if n >= self.len {
            return None;
        }
        let block = n / BLOCK;
        let mut at = 0;
        for k in 0..block {
            let count = BLOCK.min(self.len - k * BLOCK);
            at += block_header(&self.bytes, at, count)?.2;
        }
        let count = BLOCK.min(self.len - block * BLOCK);
        let (b, lo, _) = block_header(&self.bytes, at, count)?;
        if b == 0 {
            return Some(lo);
        }
        let bit = (n % BLOCK) * b as usize;
        let word = |w: usize| {
            let start = at + HEADER + 4 * w;
            self.bytes
                .get(start..start + 4)
                .map(|s| u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
        };
        let w = bit / 32;
        let mut acc = word(w)?;
        if bit % 32 + b as usize > 32 {
            acc |= word(w + 1)? << 32;
        }
        let offset = ((acc >> (bit % 32)) & ((1u64 << b) - 1)) as i32;
        Some((i32::from(lo) + offset) as i16)
    }
}

/// Writes the `out.len()` values of one block from its payload words, through `map`.
fn unpack_block<T>(payload: &[u8], b: u32, lo: i16, out: &mut [T], map: &impl Fn(i16) -> T) {
    if b == 0 {
        for v in out {
            *v = map(lo);
        }
        return;
    }
    let mask = (1u64 << b) - 1;
    let lo = i32::from(lo);
    let mut words = payload
        .chunks_exact(4)
        .map(|w| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])));
    let mut acc: u64 = 0;
    let mut bits = 0u32;
    for v in out {
        if bits < b {
            acc |= words.next().unwrap_or(0) << bits;
            bits += 32;
        }
        *v = map((lo + (acc & mask) as i32) as i16);
        acc >>= b;
        bits -= b;
    }
}

/// A volume of packed i16 slices, indexed like `ndarray` `[k, j, i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedVolume {
    /// `(nk, nj, ni)`.
    dim: (usize, usize, usize),
    slices: Vec<PackedSlice>,
}

impl PackedVolume {
    /// A volume of `dim = (nk, nj, ni)` from `nk` slices of `nj·ni` values each; `None` when
    /// the slices do not have that shape.
    pub fn new(dim: (usize, usize, usize), slices: Vec<PackedSlice>) -> Option<PackedVolume> {
        let per = dim.1.checked_mul(dim.2)?;
        (slices.len() == dim.0 && slices.iter().all(|s| s.len() == per))
            .then_some(PackedVolume { dim, slices })
    }

    /// Packs a plain array.
    pub fn from_array(a: &ndarray::Array3<i16>) -> PackedVolume {
        let dim = a.dim();
        let slices = a
            .axis_iter(ndarray::Axis(0))
            .map(|s| match s.as_slice() {
                Some(v) => PackedSlice::pack(v),
                None => PackedSlice::pack(&s.iter().copied().collect::<Vec<_>>()),
            })
            .collect();
        PackedVolume { dim, slices }
    }

    /// `(nk, nj, ni)`.
    pub fn dim(&self) -> (usize, usize, usize) {
        self.dim
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.dim.0 * self.dim.1 * self.dim.2
    }

    /// Whether the volume holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values per slice.
    pub fn per_slice(&self) -> usize {
        self.dim.1 * self.dim.2
    }

    /// Slice `k`.
    pub fn slice(&self, k: usize) -> Option<&PackedSlice> {
        self.slices.get(k)
    }

    /// Value at `[k, j, i]`; `None` outside.
    pub fn get(&self, k: usize, j: usize, i: usize) -> Option<i16> {
        if j >= self.dim.1 || i >= self.dim.2 {
            return None;
        }
        self.slices.get(k)?.get(j * self.dim.2 + i)
    }

    /// Bytes held.
    pub fn byte_len(&self) -> usize {
        self.slices.iter().map(PackedSlice::byte_len).sum()
    }

    /// The plain array (a whole copy: for callers that need one, never for display).
    pub fn to_array(&self) -> ndarray::Array3<i16> {
        let per = self.per_slice();
        let mut v = vec![0i16; self.len()];
        for (s, out) in self.slices.iter().zip(v.chunks_mut(per.max(1))) {
            s.unpack_into(out);
        }
        ndarray::Array3::from_shape_vec(self.dim, v)
            .unwrap_or_else(|_| ndarray::Array3::zeros(self.dim))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random sequence (xorshift).
    fn noise(seed: u64, n: usize, amplitude: i32) -> Vec<i32> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % (2 * amplitude as u64 + 1)) as i32 - amplitude
            })
            .collect()
    }

    fn round_trip(values: &[i16]) -> PackedSlice {
        let p = PackedSlice::pack(values);
        assert_eq!(p.unpack(), values);
        // Every value of short slices, a spread of a long one (each read walks the blocks).
        let step = (values.len() / 2000).max(1);
        for (n, &v) in values.iter().enumerate().step_by(step) {
            assert_eq!(p.get(n), Some(v), "value {n}");
        }
        assert_eq!(p.get(values.len()), None);
        p
    }

    #[test]
    fn every_width_and_length_round_trips() {
        for len in [0, 1, 2, 31, 32, 33, 63, 64, 65, 100, 1000] {
            for amplitude in [0, 1, 3, 100, 4000, 32767] {
                let v: Vec<i16> = noise(len as u64 * 7 + amplitude as u64, len, amplitude)
                    .into_iter()
                    .map(|x| x as i16)
                    .collect();
                round_trip(&v);
            }
        }
    }

    #[test]
    fn extremes_round_trip() {
        let mut v = vec![i16::MIN, i16::MAX, 0, -1, 1, i16::MIN, i16::MAX];
        v.extend(std::iter::repeat_n(i16::MIN, 40));
        v.extend(std::iter::repeat_n(i16::MAX, 40));
        v.extend((0..200).map(|x| if x % 2 == 0 { i16::MIN } else { i16::MAX }));
        round_trip(&v);
    }

    #[test]
    fn ct_like_slices_pack_small() {
        // Air at -1000 with noise of ±9 HU and a body of soft tissue with ±40 HU.
        let n = 512 * 512;
        let air = noise(1, n, 9);
        let body = noise(2, n, 40);
        let v: Vec<i16> = (0..n)
            .map(|p| {
                let (x, y) = ((p % 512) as f64 - 256.0, (p / 512) as f64 - 256.0);
                if x * x + y * y < 180.0 * 180.0 {
                    (40 + body[p]) as i16
                } else {
                    (-1000 + air[p]) as i16
                }
            })
            .collect();
        let p = round_trip(&v);
        let ratio = p.byte_len() as f64 / (2 * n) as f64;
        assert!(ratio < 0.5, "packed to {ratio:.3} of the plain size");
        // Constant data costs the headers only.
        let z = PackedSlice::zeros(n);
        assert_eq!(z.byte_len(), n / BLOCK * HEADER);
    }

    #[test]
    fn wrong_output_length_is_refused() {
        let p = PackedSlice::pack(&[1, 2, 3]);
        assert!(!p.unpack_into(&mut [0; 2]));
        assert!(!p.unpack_into(&mut [0; 4]));
    }

    #[test]
    fn volume_indexing_matches_the_array() {
        let (nk, nj, ni) = (3, 5, 7);
        let a = ndarray::Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
            (k * 1000 + j * 10 + i) as i16 - 1500
        });
        let p = PackedVolume::from_array(&a);
        assert_eq!(p.dim(), (nk, nj, ni));
        assert_eq!(p.to_array(), a);
        for ((k, j, i), &v) in a.indexed_iter() {
            assert_eq!(p.get(k, j, i), Some(v));
        }
        assert_eq!(p.get(0, 5, 0), None);
        assert_eq!(p.get(0, 0, 7), None);
        assert_eq!(p.get(3, 0, 0), None);
        assert!(PackedVolume::new((2, 5, 7), p.slices.clone()).is_none());
    }
}
