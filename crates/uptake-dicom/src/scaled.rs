//! Slices kept as their 16-bit stored values plus each slice's rescale, for a PET streamed into
//! a viewer: half the memory of f32, and every value read back is bit for bit the f32 that
//! decoding would have produced, `(stored as f64 × slope + intercept) as f32`.

/// How the stored values of one slice become modality values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceScale {
    /// RescaleSlope.
    pub slope: f64,
    /// RescaleIntercept.
    pub intercept: f64,
    /// Whether the stored values are signed (PixelRepresentation 1).
    pub signed: bool,
}

impl Default for SliceScale {
    fn default() -> Self {
        SliceScale::EMPTY
    }
}

impl SliceScale {
    /// A slice of zeros (a slot no instance filled).
    pub const EMPTY: SliceScale = SliceScale {
        slope: 0.0,
        intercept: 0.0,
        signed: false,
    };

    /// The value of the stored bits `bits`, exactly as f32 decoding computes it.
    #[inline]
    pub fn value(&self, bits: u16) -> f32 {
        let stored = if self.signed {
            i32::from(bits as i16)
        } else {
            i32::from(bits)
        };
        (f64::from(stored) * self.slope + self.intercept) as f32
    }
}

/// A volume of 16-bit stored values with a rescale per slice, indexed like `ndarray`
/// `[k, j, i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledVolume {
    /// `(nk, nj, ni)`.
    dim: (usize, usize, usize),
    bits: Vec<u16>,
    scales: Vec<SliceScale>,
}

impl ScaledVolume {
    /// A volume of `dim = (nk, nj, ni)` from `nk·nj·ni` stored values and `nk` scales;
    /// `None` when the lengths do not match.
    pub fn new(
        dim: (usize, usize, usize),
        bits: Vec<u16>,
        scales: Vec<SliceScale>,
    ) -> Option<ScaledVolume> {
        let n = dim.0.checked_mul(dim.1)?.checked_mul(dim.2)?;
        (bits.len() == n && scales.len() == dim.0).then_some(ScaledVolume { dim, bits, scales })
    }

    /// `(nk, nj, ni)`.
    pub fn dim(&self) -> (usize, usize, usize) {
        self.dim
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// Whether the volume holds no values.
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// Values per slice.
    pub fn per_slice(&self) -> usize {
        self.dim.1 * self.dim.2
    }

    /// The scale of slice `k`.
    pub fn scale(&self, k: usize) -> Option<SliceScale> {
        self.scales.get(k).copied()
    }

    /// The stored values of slice `k`.
    pub fn slice_bits(&self, k: usize) -> Option<&[u16]> {
        let per = self.per_slice();
        self.bits.get(k * per..(k + 1) * per)
    }

    /// Value at `[k, j, i]`; `None` outside.
    pub fn get(&self, k: usize, j: usize, i: usize) -> Option<f32> {
        if j >= self.dim.1 || i >= self.dim.2 {
            return None;
        }
        let bits = *self.slice_bits(k)?.get(j * self.dim.2 + i)?;
        Some(self.scales.get(k)?.value(bits))
    }

    /// Value `n` in storage order (i fastest, then j, then k); `None` past the end.
    pub fn value(&self, n: usize) -> Option<f32> {
        let per = self.per_slice();
        if per == 0 {
            return None;
        }
        Some(self.scales.get(n / per)?.value(*self.bits.get(n)?))
    }

    /// Bytes held.
    pub fn byte_len(&self) -> usize {
        self.bits.len() * 2 + self.scales.len() * std::mem::size_of::<SliceScale>()
    }

    /// The values as a plain f32 array (a whole copy, for callers that need one).
    pub fn to_array(&self) -> ndarray::Array3<f32> {
        let per = self.per_slice().max(1);
        let values: Vec<f32> = self
            .bits
            .chunks(per)
            .zip(&self.scales)
            .flat_map(|(bits, s)| bits.iter().map(move |&b| s.value(b)))
            .collect();
        ndarray::Array3::from_shape_vec(self.dim, values)
            .unwrap_or_else(|_| ndarray::Array3::zeros(self.dim))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_equal_f32_decoding_bit_for_bit() {
        let signed = SliceScale {
            slope: 0.123_456_789,
            intercept: -3.5,
            signed: true,
        };
        let unsigned = SliceScale {
            slope: 7.25e-3,
            intercept: 0.0,
            signed: false,
        };
        let stored: [i32; 6] = [0, 1, -1, 32767, -32768, 12345];
        let bits: Vec<u16> = stored.iter().map(|&v| v as u16).collect();
        let u_stored: [i32; 6] = [0, 1, 65535, 32768, 40000, 7];
        let u_bits: Vec<u16> = u_stored.iter().map(|&v| v as u16).collect();
        let mut all = bits.clone();
        all.extend(&u_bits);
        let v = ScaledVolume::new((2, 2, 3), all, vec![signed, unsigned]).unwrap();
        for (n, &s) in stored.iter().enumerate() {
            let want = (s as f64 * signed.slope + signed.intercept) as f32;
            assert_eq!(v.value(n).unwrap().to_bits(), want.to_bits(), "signed {s}");
        }
        for (n, &s) in u_stored.iter().enumerate() {
            let want = (s as f64 * unsigned.slope + unsigned.intercept) as f32;
            assert_eq!(
                v.value(6 + n).unwrap().to_bits(),
                want.to_bits(),
                "unsigned {s}"
            );
        }
        assert_eq!(v.get(1, 1, 2), v.value(11));
        assert_eq!(v.get(1, 2, 0), None);
        assert_eq!(v.value(12), None);
        let a = v.to_array();
        assert_eq!(a[[1, 0, 2]].to_bits(), v.value(8).unwrap().to_bits());
        assert!(ScaledVolume::new((2, 2, 3), vec![0; 11], vec![signed; 2]).is_none());
        assert!(ScaledVolume::new((2, 2, 3), vec![0; 12], vec![signed; 1]).is_none());
    }
}
