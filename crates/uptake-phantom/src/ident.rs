//! Deterministic identifiers: a tiny PRNG, UIDs under the `2.25.` root, permutations and
//! NHS Numbers.

/// SplitMix64: a small, fast, well-mixed deterministic generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`; tiny modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// FNV-1a over bytes, then mixed: a stable 64-bit hash (not `std`'s, which may change).
pub fn hash64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        h ^= 0xFF;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    SplitMix64::new(h).next_u64()
}

/// Derives UIDs `2.25.<128-bit decimal>` from a study key and a label.
#[derive(Debug, Clone)]
pub struct UidSource {
    key: String,
}

impl UidSource {
    /// UIDs for one generated study; `key` must capture everything that makes the data
    /// different (seed and options).
    pub fn new(key: String) -> Self {
        UidSource { key }
    }

    /// The UID for `label` (e.g. `"study"`, `"ct/sop/17"`).
    pub fn uid(&self, label: &str) -> String {
        let hi = hash64(&[self.key.as_bytes(), b"hi", label.as_bytes()]);
        let lo = hash64(&[self.key.as_bytes(), b"lo", label.as_bytes()]);
        // Top bit cleared: a UUID-sized number well inside 39 digits, never zero.
        let n = (((hi >> 1) as u128) << 64 | lo as u128).max(1);
        format!("2.25.{n}")
    }
}

/// A deterministic random permutation of `0..n` (Fisher–Yates).
pub fn permutation(n: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        p.swap(i, j);
    }
    p
}

/// The NHS Number modulus-11 check digit of the first nine digits, or `None` when the
/// nine digits cannot start a valid number (remainder gives 10).
pub fn nhs_check_digit(first9: &[u8; 9]) -> Option<u8> {
    let sum: u32 = first9
        .iter()
        .enumerate()
        .map(|(i, &d)| d as u32 * (10 - i as u32))
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

/// Whether `s` is a valid 10-digit NHS Number (digits only, check digit correct).
pub fn is_valid_nhs_number(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut first9 = [0u8; 9];
    for (d, c) in first9.iter_mut().zip(b) {
        *d = c - b'0';
    }
    nhs_check_digit(&first9) == Some(b[9] - b'0')
}

/// A valid NHS Number from the 999 test range (never issued to patients), chosen
/// deterministically from `seed`.
pub fn nhs_number(seed: u64) -> String {
    let mut rng = SplitMix64::new(seed ^ 0x4E48_5321);
    loop {
        let mut d = [9u8, 9, 9, 0, 0, 0, 0, 0, 0];
        for x in d.iter_mut().skip(3) {
            *x = rng.below(10) as u8;
        }
        if let Some(c) = nhs_check_digit(&d) {
            let mut s: String = d.iter().map(|&x| (b'0' + x) as char).collect();
            s.push((b'0' + c) as char);
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_numbers_valid() {
        // Published example of a valid number.
        assert!(is_valid_nhs_number("9434765919"));
        assert!(!is_valid_nhs_number("9434765918"));
        for seed in 0..50 {
            let n = nhs_number(seed);
            assert!(n.starts_with("999"));
            assert!(is_valid_nhs_number(&n), "{n}");
        }
    }

    #[test]
    fn uids_are_valid_and_distinct() {
        let u = UidSource::new("k".into());
        let a = u.uid("a");
        assert!(a.starts_with("2.25.") && a.len() <= 64);
        assert!(a[5..].bytes().all(|c| c.is_ascii_digit()) && !a[5..].starts_with('0'));
        assert_ne!(a, u.uid("b"));
        assert_eq!(a, UidSource::new("k".into()).uid("a"));
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = permutation(100, &mut SplitMix64::new(3));
        assert_ne!(p, (0..100).collect::<Vec<_>>());
        p.sort_unstable();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
    }
}
