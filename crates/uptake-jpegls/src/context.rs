//! Context modelling (ITU-T T.87 A.3 to A.6 and A.7.2): gradient
//! quantisation, the 365 regular-mode contexts, the two run-interruption
//! contexts, bias correction and the run-length order table J.

use crate::params::CodingParams;

/// Number of regular-mode contexts.
pub(crate) const REGULAR_CONTEXTS: usize = 365;

/// Run-length order table J (A.7.1.1).
pub(crate) const J: [u32; 32] = [
    0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13,
    14, 15,
];

const MIN_C: i32 = -128;
const MAX_C: i32 = 127;

/// Lookup table mapping a local gradient to its quantised region -4..=4.
pub(crate) struct GradientQuantizer {
    table: Vec<i8>,
    offset: i32,
}

impl GradientQuantizer {
    /// Builds the table for gradients in `-maxval..=maxval`.
    pub(crate) fn new(p: &CodingParams) -> Self {
        let offset = p.maxval.max(0);
        let len = 2 * offset as usize + 1;
        let mut table = vec![0i8; len];
        // Region boundaries (A.3.3) as table indices, in increasing order:
        // d <= -T3 -> -4, <= -T2 -> -3, <= -T1 -> -2, < -NEAR -> -1,
        // <= NEAR -> 0, < T1 -> 1, < T2 -> 2, < T3 -> 3, else 4.
        let idx = |d: i32| (d + offset).clamp(0, len as i32) as usize;
        let bounds = [
            (idx(-p.t3 + 1), -4),
            (idx(-p.t2 + 1), -3),
            (idx(-p.t1 + 1), -2),
            (idx(-p.near), -1),
            (idx(p.near + 1), 0),
            (idx(p.t1), 1),
            (idx(p.t2), 2),
            (idx(p.t3), 3),
            (len, 4),
        ];
        let mut start = 0;
        for (end, q) in bounds {
            if let Some(part) = table.get_mut(start..end.max(start)) {
                part.fill(q);
            }
            start = end.max(start);
        }
        GradientQuantizer { table, offset }
    }

    /// Quantises one gradient (samples are always within `0..=maxval`).
    #[inline(always)]
    pub(crate) fn quantize(&self, d: i32) -> i32 {
        let idx = (d + self.offset) as usize;
        i32::from(self.table.get(idx).copied().unwrap_or(0))
    }

    /// Signed context number 81*Q1 + 9*Q2 + Q3 in -364..=364; its sign is
    /// the sign of the first non-zero quantised gradient.
    #[inline(always)]
    pub(crate) fn context(&self, d1: i32, d2: i32, d3: i32) -> i32 {
        81 * self.quantize(d1) + 9 * self.quantize(d2) + self.quantize(d3)
    }
}

/// Adaptive state of all contexts of a scan.
pub(crate) struct Contexts {
    a: [i64; REGULAR_CONTEXTS],
    b: [i32; REGULAR_CONTEXTS],
    c: [i32; REGULAR_CONTEXTS],
    n: [i32; REGULAR_CONTEXTS],
    /// Run-interruption contexts (index 0: RItype 0, index 1: RItype 1).
    ri_a: [i64; 2],
    ri_n: [i32; 2],
    ri_nn: [i32; 2],
    reset: i32,
    near2p1: i32,
}

impl Contexts {
    /// Initialises the contexts as in A.2.1.
    pub(crate) fn new(p: &CodingParams) -> Self {
        let a0 = i64::from(((p.range + 32) / 64).max(2));
        Contexts {
            a: [a0; REGULAR_CONTEXTS],
            b: [0; REGULAR_CONTEXTS],
            c: [0; REGULAR_CONTEXTS],
            n: [1; REGULAR_CONTEXTS],
            ri_a: [a0; 2],
            ri_n: [1; 2],
            ri_nn: [0; 2],
            reset: p.reset,
            near2p1: 2 * p.near + 1,
        }
    }

    /// Bias correction value C[Q].
    #[inline(always)]
    pub(crate) fn c(&self, q: usize) -> i32 {
        self.c.get(q).copied().unwrap_or(0)
    }

    /// Golomb parameter k for regular context `q` (A.5.1).
    #[inline(always)]
    pub(crate) fn k(&self, q: usize) -> u32 {
        let (Some(&n), Some(&a)) = (self.n.get(q), self.a.get(q)) else {
            return 0;
        };
        golomb_k(i64::from(n), a)
    }

    /// True when the special error mapping of A.5.2 applies (k == 0 case).
    #[inline(always)]
    pub(crate) fn special_mapping(&self, q: usize) -> bool {
        match (self.b.get(q), self.n.get(q)) {
            (Some(&b), Some(&n)) => 2 * b <= -n,
            _ => false,
        }
    }

    /// Updates context `q` with the decoded error value (A.6.1, A.6.2).
    #[inline(always)]
    pub(crate) fn update(&mut self, q: usize, errval: i32) {
        let (Some(a), Some(b), Some(c), Some(n)) = (
            self.a.get_mut(q),
            self.b.get_mut(q),
            self.c.get_mut(q),
            self.n.get_mut(q),
        ) else {
            return;
        };
        *b += errval * self.near2p1;
        *a += i64::from(errval.abs());
        if *n == self.reset {
            *a >>= 1;
            *b >>= 1;
            *n >>= 1;
        }
        *n += 1;
        if *b <= -*n {
            *b += *n;
            if *c > MIN_C {
                *c -= 1;
            }
            if *b <= -*n {
                *b = -*n + 1;
            }
        } else if *b > 0 {
            *b -= *n;
            if *c < MAX_C {
                *c += 1;
            }
            if *b > 0 {
                *b = 0;
            }
        }
    }

    /// Golomb parameter k for run-interruption context `ri` (A.7.2).
    #[inline]
    pub(crate) fn ri_k(&self, ri: usize) -> u32 {
        let (Some(&a), Some(&n)) = (self.ri_a.get(ri), self.ri_n.get(ri)) else {
            return 0;
        };
        let temp = if ri == 1 { a + i64::from(n >> 1) } else { a };
        golomb_k(i64::from(n), temp)
    }

    /// Maps a run-interruption code EMErrval back to Errval (inverse of the
    /// `map` rule of A.7.2).
    #[inline]
    pub(crate) fn ri_errval(&self, ri: usize, k: u32, emerrval: i64) -> i64 {
        let (Some(&n), Some(&nn)) = (self.ri_n.get(ri), self.ri_nn.get(ri)) else {
            return 0;
        };
        let t = emerrval + ri as i64;
        let map = t & 1 == 1;
        let abs = (t + i64::from(map)) / 2;
        if (k != 0 || 2 * nn >= n) == map {
            -abs
        } else {
            abs
        }
    }

    /// Updates run-interruption context `ri` (A.7.2).
    #[inline]
    pub(crate) fn ri_update(&mut self, ri: usize, errval: i32, emerrval: i64) {
        let (Some(a), Some(n), Some(nn)) = (
            self.ri_a.get_mut(ri),
            self.ri_n.get_mut(ri),
            self.ri_nn.get_mut(ri),
        ) else {
            return;
        };
        if errval < 0 {
            *nn += 1;
        }
        *a += (emerrval + 1 - ri as i64) >> 1;
        if *n == self.reset {
            *a >>= 1;
            *n >>= 1;
            *nn >>= 1;
        }
        *n += 1;
    }
}

/// Smallest k with N * 2^k >= A, capped at 32.
#[inline(always)]
fn golomb_k(n: i64, a: i64) -> u32 {
    let mut k = 0;
    while k < 32 && (n << k) < a {
        k += 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marker::PresetParams;

    /// The table must agree with the region definitions of A.3.3.
    #[test]
    fn quantizer_matches_definition() {
        for (precision, near) in [(8u8, 0u8), (8, 3), (12, 2), (16, 0), (2, 0), (5, 1)] {
            let p = CodingParams::resolve(
                precision,
                &PresetParams::default(),
                near,
                crate::params::Convention::Standard,
            )
            .unwrap();
            let q = GradientQuantizer::new(&p);
            for d in -p.maxval..=p.maxval {
                let want = if d <= -p.t3 {
                    -4
                } else if d <= -p.t2 {
                    -3
                } else if d <= -p.t1 {
                    -2
                } else if d < -p.near {
                    -1
                } else if d <= p.near {
                    0
                } else if d < p.t1 {
                    1
                } else if d < p.t2 {
                    2
                } else if d < p.t3 {
                    3
                } else {
                    4
                };
                assert_eq!(q.quantize(d), want, "P={precision} NEAR={near} d={d}");
            }
        }
    }
}
