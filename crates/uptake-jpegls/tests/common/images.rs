//! Deterministic synthetic test images.

/// Small xorshift generator (deterministic, no dependencies).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Kind of synthetic content.
#[derive(Clone, Copy, Debug)]
pub enum Content {
    /// Smooth gradients plus noise of the given amplitude (regular mode).
    Smooth(u32),
    /// Uniform random samples over the whole range (regular mode, escapes).
    Noise,
    /// Large flat areas with rare edges and spikes (run mode, long runs).
    Flat,
}

/// Generates `w * h * c` interleaved samples with values in `0..=maxval`.
pub fn generate(
    w: usize,
    h: usize,
    c: usize,
    maxval: u32,
    content: Content,
    seed: u64,
) -> Vec<u16> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(w * h * c);
    let m = u64::from(maxval);
    for y in 0..h {
        for x in 0..w {
            for comp in 0..c {
                let v = match content {
                    Content::Noise => rng.below(m + 1),
                    Content::Smooth(amp) => {
                        let base = ((x * 7 + y * 3 + comp * 50) as u64 * m)
                            / ((w * 7 + h * 3 + 100) as u64);
                        let wave = ((x as f64 / 9.0).sin() * (y as f64 / 13.0).cos() * m as f64
                            / 8.0) as i64;
                        let noise = if amp == 0 {
                            0
                        } else {
                            rng.below(2 * u64::from(amp) + 1) as i64 - i64::from(amp)
                        };
                        (base as i64 + wave + noise).clamp(0, m as i64) as u64
                    }
                    Content::Flat => {
                        let region = (x / 300 + y / 17 + comp) as u64;
                        let mut v = (region * 2654435761) % (m + 1);
                        if rng.below(400) == 0 {
                            v = rng.below(m + 1);
                        }
                        v
                    }
                };
                out.push(v as u16);
            }
        }
    }
    out
}
