//! Limited-length Golomb-Rice decoding (ITU-T T.87 A.5.3).

use crate::bitreader::BitReader;
use crate::error::JpeglsError;

/// Decodes one limited-length Golomb code with parameter `k`.
///
/// A code with fewer than `limit - qbpp - 1` leading zeros carries the value
/// `zeros * 2^k + (k low bits)`; exactly `limit - qbpp - 1` zeros are an
/// escape followed by `value - 1` in `qbpp` bits.
#[inline(always)]
pub(crate) fn decode(
    br: &mut BitReader<'_>,
    k: u32,
    limit: u32,
    qbpp: u32,
) -> Result<i64, JpeglsError> {
    let max_unary = limit.saturating_sub(qbpp + 1);
    let zeros = br.read_unary(max_unary)?;
    if zeros < max_unary {
        Ok((i64::from(zeros) << k) | i64::from(br.read_bits(k)))
    } else {
        Ok(i64::from(br.read_bits(qbpp)) + 1)
    }
}
