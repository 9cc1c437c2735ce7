//! The PET's block maxima for the MIP's empty-space skipping: the volume cut into blocks of
//! [`BLOCK`]³ voxels, each holding the largest display value (f16, as on the GPU) that any
//! trilinear sample taken inside the block can read. A ray whose running maximum already
//! reaches a block's value cannot gain anything in it, and jumps to the block's far side.
//!
//! A sample at texture coordinate `tc` lies in block `floor(tc · dims / BLOCK)`; its trilinear
//! footprint reaches one voxel beyond the block on every side (voxel centres sit at
//! `(index + 0.5) / dims`), so each block's maximum is taken over the block grown by one voxel,
//! clamped to the volume as the sampler clamps.

/// Voxels per block edge (the shader's `PET_BLOCK`).
pub(crate) const BLOCK: usize = 8;

/// Block maxima of one volume, updated as its slices are written.
#[derive(Debug, Clone)]
pub(crate) struct BlockMax {
    /// Voxel counts of the volume.
    volume: [usize; 3],
    /// Block counts along i, j, k.
    pub(crate) dims: [usize; 3],
    /// Maxima, i fastest. They start at 0, the value of a texture no slice was written to, and
    /// stay at least 0: an upper bound either way.
    max: Vec<f32>,
}

/// The blocks whose grown extent holds voxel index `v`: `b` with `BLOCK·b − 1 ≤ v ≤ BLOCK·b + BLOCK`.
fn blocks_of(v: usize, blocks: usize) -> std::ops::Range<usize> {
    let first = v.saturating_sub(BLOCK).div_ceil(BLOCK);
    let last = ((v + 1) / BLOCK).min(blocks.saturating_sub(1));
    first..last + 1
}

/// A key of f16 bits whose unsigned order is the values' order (−∞ … +∞); NaN keys lowest.
fn order_key(bits: u16) -> u16 {
    if bits & 0x7fff > 0x7c00 {
        0
    } else if bits & 0x8000 != 0 {
        !bits
    } else {
        bits | 0x8000
    }
}

/// The value of an [`order_key`] (NaN for the NaN key, which no comparison lets through).
fn from_order_key(key: u16) -> f32 {
    if key == 0 {
        f32::NAN
    } else if key & 0x8000 != 0 {
        half::f16::from_bits(key & 0x7fff).to_f32()
    } else {
        half::f16::from_bits(!key).to_f32()
    }
}

impl BlockMax {
    /// Empty maxima for a volume of `dims` voxels.
    pub(crate) fn new(volume: [usize; 3]) -> BlockMax {
        let dims = volume.map(|d| d.div_ceil(BLOCK).max(1));
        BlockMax {
            volume,
            dims,
            max: vec![0.0; dims[0] * dims[1] * dims[2]],
        }
    }

    /// Takes slice `k` (f16 bits, i fastest, as written to the texture) into the maxima. A
    /// slice written again only ever raises them: stale maxima make the MIP skip less, never
    /// wrongly. NaN is ignored (the upload writes it as 0).
    pub(crate) fn add_slice(&mut self, k: usize, halves: &[u16]) {
        let [w, h, d] = self.volume;
        if k >= d || halves.len() != w * h {
            return;
        }
        // Maxima as order keys of f16 bits (no float conversion per voxel): per row, each
        // block's columns grown by one; then each row into the one or two block rows it reaches.
        let [bw, bh, _] = self.dims;
        let mut plane = vec![0u16; bw * bh];
        let mut row_max = vec![0u16; bw];
        for (j, row) in halves.chunks_exact(w).enumerate() {
            for (b, chunk) in row.chunks(BLOCK).enumerate() {
                let mut m = chunk.iter().fold(0u16, |m, &x| m.max(order_key(x)));
                if let Some(&x) = (b * BLOCK).checked_sub(1).and_then(|i| row.get(i)) {
                    m = m.max(order_key(x));
                }
                if let Some(&x) = row.get(b * BLOCK + BLOCK) {
                    m = m.max(order_key(x));
                }
                row_max[b] = m;
            }
            for bj in blocks_of(j, bh) {
                for (dst, &m) in plane[bj * bw..(bj + 1) * bw].iter_mut().zip(&row_max) {
                    *dst = (*dst).max(m);
                }
            }
        }
        for bk in blocks_of(k, self.dims[2]) {
            let base = bk * bw * bh;
            for (dst, &m) in self.max[base..base + bw * bh].iter_mut().zip(&plane) {
                let v = from_order_key(m);
                if v > *dst {
                    *dst = v;
                }
            }
        }
    }

    /// The maxima as f16 bits for the block texture (exact: each is one of the f16 values
    /// written, or 0).
    pub(crate) fn f16_bits(&self) -> Vec<u16> {
        self.max
            .iter()
            .map(|&m| half::f16::from_f32(m).to_bits())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random f16 volume with some NaNs.
    fn volume(dims: [usize; 3]) -> Vec<u16> {
        let mut x = 0x2545_f491u32;
        (0..dims[0] * dims[1] * dims[2])
            .map(|n| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if n % 97 == 0 {
                    half::f16::NAN.to_bits()
                } else {
                    half::f16::from_f32((x % 20_000) as f32 / 1000.0 - 2.0).to_bits()
                }
            })
            .collect()
    }

    #[test]
    fn each_block_holds_the_maximum_of_the_block_grown_by_one_voxel() {
        for dims in [[19usize, 8, 17], [8, 9, 1], [1, 1, 1], [33, 16, 10]] {
            let v = volume(dims);
            let per = dims[0] * dims[1];
            let mut b = BlockMax::new(dims);
            // Slices in a scrambled order, one written twice.
            let mut order: Vec<usize> = (0..dims[2]).rev().collect();
            order.push(dims[2] / 2);
            for k in order {
                b.add_slice(k, &v[k * per..(k + 1) * per]);
            }
            let got = b.f16_bits();
            for bk in 0..b.dims[2] {
                for bj in 0..b.dims[1] {
                    for bi in 0..b.dims[0] {
                        let range = |bl: usize, n: usize| {
                            (BLOCK * bl).saturating_sub(1)..(BLOCK * bl + BLOCK + 1).min(n)
                        };
                        let mut want = 0.0f32;
                        for k in range(bk, dims[2]) {
                            for j in range(bj, dims[1]) {
                                for i in range(bi, dims[0]) {
                                    let x =
                                        half::f16::from_bits(v[k * per + j * dims[0] + i]).to_f32();
                                    if !x.is_nan() {
                                        want = want.max(x);
                                    }
                                }
                            }
                        }
                        let g = half::f16::from_bits(got[(bk * b.dims[1] + bj) * b.dims[0] + bi]);
                        assert_eq!(g.to_f32(), want, "{dims:?} block {bi},{bj},{bk}");
                    }
                }
            }
        }
    }

    #[test]
    fn unwritten_blocks_hold_zero_like_the_texture() {
        let mut b = BlockMax::new([16, 16, 32]);
        b.add_slice(0, &vec![half::f16::from_f32(7.5).to_bits(); 256]);
        let bits = b.f16_bits();
        assert_eq!(half::f16::from_bits(bits[0]).to_f32(), 7.5);
        // Slice 0 reaches the first layer of blocks only; the rest is unwritten.
        assert_eq!(
            half::f16::from_bits(bits[b.dims[0] * b.dims[1]]).to_f32(),
            0.0
        );
        // Wrong lengths and slices past the end are ignored, not a panic.
        b.add_slice(40, &[0; 256]);
        b.add_slice(1, &[0; 3]);
    }

    #[test]
    fn order_keys_sort_like_the_values_and_come_back_exactly() {
        let mut values: Vec<u16> = (0..=u16::MAX)
            .filter(|&b| !half::f16::from_bits(b).is_nan())
            .collect();
        values.sort_by(|&a, &b| {
            half::f16::from_bits(a)
                .to_f32()
                .total_cmp(&half::f16::from_bits(b).to_f32())
        });
        for pair in values.windows(2) {
            let (a, b) = (half::f16::from_bits(pair[0]), half::f16::from_bits(pair[1]));
            if a.to_f32() < b.to_f32() {
                assert!(order_key(pair[0]) < order_key(pair[1]), "{a} {b}");
            }
        }
        for &b in &values {
            let v = half::f16::from_bits(b).to_f32();
            assert_eq!(from_order_key(order_key(b)), v, "{b:#06x}");
        }
        assert_eq!(order_key(half::f16::NAN.to_bits()), 0);
    }

    #[test]
    fn blocks_of_a_voxel_cover_its_neighbours_blocks() {
        assert_eq!(blocks_of(0, 4), 0..1);
        assert_eq!(blocks_of(7, 4), 0..2);
        assert_eq!(blocks_of(8, 4), 0..2);
        assert_eq!(blocks_of(9, 4), 1..2);
        assert_eq!(blocks_of(31, 4), 3..4);
    }
}
