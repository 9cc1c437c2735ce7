//! Decoding of the entropy-coded data of one scan: regular mode (A.3 to
//! A.6), run mode (A.7) and the three interleave modes (B.3).

use crate::bitreader::BitReader;
use crate::context::{Contexts, GradientQuantizer, J};
use crate::error::JpeglsError;
use crate::golomb;
use crate::params::CodingParams;

/// Where the decoded samples of a scan go in the interleaved output.
pub(crate) struct OutputLayout {
    pub(crate) width: usize,
    pub(crate) height: usize,
    /// Number of components per output pixel.
    pub(crate) stride: usize,
    /// Output component index of each scan component.
    pub(crate) offsets: Vec<usize>,
}

/// Decoder state for one scan.
struct ScanDecoder<'a> {
    br: BitReader<'a>,
    p: CodingParams,
    ctx: Contexts,
    quant: GradientQuantizer,
    /// Largest mapped error value a valid stream can contain.
    max_merrval: i64,
}

/// Decodes one scan whose entropy-coded data starts at `start`; returns the
/// offset of the marker that follows the scan data and whether every
/// entropy-coded segment was consumed exactly up to its padding.
pub(crate) fn decode_scan(
    data: &[u8],
    start: usize,
    p: CodingParams,
    ilv: u8,
    restart_interval: u32,
    layout: &OutputLayout,
    out: &mut [u16],
) -> Result<(usize, bool), JpeglsError> {
    let mut dec = ScanDecoder {
        br: BitReader::new(data, start),
        ctx: Contexts::new(&p),
        quant: GradientQuantizer::new(&p),
        max_merrval: 2 * i64::from(p.range) + 2,
        p,
    };
    let ns = layout.offsets.len();
    let w = layout.width;
    let mut clean = true;
    let restart = if restart_interval == 0 {
        usize::MAX
    } else {
        usize::try_from(restart_interval).unwrap_or(usize::MAX)
    };
    if ilv == 2 && ns > 1 {
        let mut prev = vec![0i32; (w + 2) * ns];
        let mut cur = vec![0i32; (w + 2) * ns];
        let mut run_index = 0usize;
        let mut restarts = 0u8;
        for y in 0..layout.height {
            if y > 0 && y % restart == 0 {
                clean &= dec.br.ended_cleanly();
                dec.restart(restarts)?;
                restarts = restarts.wrapping_add(1);
                prev.fill(0);
                run_index = 0;
            }
            dec.pixel_line(&mut prev, &mut cur, ns, &mut run_index)?;
            write_pixels(out, layout, y, &cur[ns..(w + 1) * ns]);
            std::mem::swap(&mut prev, &mut cur);
        }
    } else {
        let mut prev: Vec<Vec<i32>> = (0..ns).map(|_| vec![0i32; w + 2]).collect();
        let mut cur: Vec<Vec<i32>> = (0..ns).map(|_| vec![0i32; w + 2]).collect();
        let mut run_index = vec![0usize; ns];
        let mut restarts = 0u8;
        for y in 0..layout.height {
            if y > 0 && y % restart == 0 {
                clean &= dec.br.ended_cleanly();
                dec.restart(restarts)?;
                restarts = restarts.wrapping_add(1);
                prev.iter_mut().for_each(|l| l.fill(0));
                run_index.fill(0);
            }
            for c in 0..ns {
                let (Some(pl), Some(cl), Some(ri)) =
                    (prev.get_mut(c), cur.get_mut(c), run_index.get_mut(c))
                else {
                    continue;
                };
                dec.sample_line(pl, cl, ri)?;
                let off = layout.offsets.get(c).copied().unwrap_or(0);
                write_component(out, layout, y, off, &cl[1..=w]);
                std::mem::swap(pl, cl);
            }
        }
    }
    clean &= dec.br.ended_cleanly();
    Ok((dec.br.end(), clean))
}

/// Copies one decoded line of one component into the output.
fn write_component(out: &mut [u16], layout: &OutputLayout, y: usize, off: usize, line: &[i32]) {
    let base = y * layout.width * layout.stride;
    let Some(row) = out.get_mut(base..base + layout.width * layout.stride) else {
        return;
    };
    if layout.stride == 1 {
        for (o, &s) in row.iter_mut().zip(line) {
            *o = s as u16;
        }
    } else {
        for (o, &s) in row.iter_mut().skip(off).step_by(layout.stride).zip(line) {
            *o = s as u16;
        }
    }
}

/// Copies one decoded line of sample-interleaved pixels into the output.
fn write_pixels(out: &mut [u16], layout: &OutputLayout, y: usize, line: &[i32]) {
    let ns = layout.offsets.len();
    let base = y * layout.width * layout.stride;
    let Some(row) = out.get_mut(base..base + layout.width * layout.stride) else {
        return;
    };
    for (opix, ipix) in row
        .chunks_exact_mut(layout.stride)
        .zip(line.chunks_exact(ns))
    {
        for (&off, &s) in layout.offsets.iter().zip(ipix) {
            if let Some(o) = opix.get_mut(off) {
                *o = s as u16;
            }
        }
    }
}

/// Median edge detector predictor (A.4.1).
#[inline(always)]
fn med(ra: i32, rb: i32, rc: i32) -> i32 {
    let (mn, mx) = if ra < rb { (ra, rb) } else { (rb, ra) };
    if rc >= mx {
        mn
    } else if rc <= mn {
        mx
    } else {
        ra + rb - rc
    }
}

impl ScanDecoder<'_> {
    /// Handles a restart marker: byte alignment, RSTm, context reset.
    fn restart(&mut self, m: u8) -> Result<(), JpeglsError> {
        self.br.check()?;
        self.br.restart(m)?;
        self.ctx = Contexts::new(&self.p);
        Ok(())
    }

    /// Reconstructs a sample from prediction and error (A.4.2 / A.5 / A.6).
    #[inline(always)]
    fn reconstruct(&self, px: i32, err: i32) -> i32 {
        let near = self.p.near;
        let mut rx = px + err * (2 * near + 1);
        if rx < -near {
            rx += self.p.range * (2 * near + 1);
        } else if rx > self.p.maxval + near {
            rx -= self.p.range * (2 * near + 1);
        }
        rx.clamp(0, self.p.maxval)
    }

    /// Decodes one sample in regular mode with signed context number `q`.
    #[inline(always)]
    fn regular(&mut self, q: i32, ra: i32, rb: i32, rc: i32) -> Result<i32, JpeglsError> {
        let (negative, qi) = if q < 0 {
            (true, (-q) as usize)
        } else {
            (false, q as usize)
        };
        let c = self.ctx.c(qi);
        let px = med(ra, rb, rc) + if negative { -c } else { c };
        let px = px.clamp(0, self.p.maxval);
        let k = self.ctx.k(qi);
        let merrval = golomb::decode(&mut self.br, k, self.p.limit, self.p.qbpp)?;
        if merrval > self.max_merrval {
            return Err(JpeglsError::CorruptData("mapped error value out of range"));
        }
        let merrval = merrval as i32;
        let err = if self.p.near == 0 && k == 0 && self.ctx.special_mapping(qi) {
            if merrval & 1 == 1 {
                (merrval - 1) >> 1
            } else {
                -(merrval >> 1) - 1
            }
        } else if merrval & 1 == 0 {
            merrval >> 1
        } else {
            -((merrval + 1) >> 1)
        };
        self.ctx.update(qi, err);
        Ok(self.reconstruct(px, if negative { -err } else { err }))
    }

    /// Decodes a run-interruption sample (A.7.2). `ritype` selects the
    /// context and predictor (1: |Ra - Rb| <= NEAR, predict Ra).
    #[inline]
    fn interruption(
        &mut self,
        ra: i32,
        rb: i32,
        ritype: bool,
        run_index: usize,
    ) -> Result<i32, JpeglsError> {
        let ri = usize::from(ritype);
        let (px, negative) = if ritype { (ra, false) } else { (rb, ra > rb) };
        let k = self.ctx.ri_k(ri);
        let jr = J.get(run_index).copied().unwrap_or(0);
        let glimit = self.p.limit.saturating_sub(jr + 1);
        let em = golomb::decode(&mut self.br, k, glimit, self.p.qbpp)?;
        if em > self.max_merrval {
            return Err(JpeglsError::CorruptData("mapped error value out of range"));
        }
        let err = self.ctx.ri_errval(ri, k, em) as i32;
        self.ctx.ri_update(ri, err, em);
        Ok(self.reconstruct(px, if negative { -err } else { err }))
    }

    /// Decodes the run-length part of run mode starting at position `i` of a
    /// line holding `w` samples per component (A.7.1.2). Returns the new
    /// position and whether the run was interrupted before the line end.
    #[inline]
    fn run_length(
        &mut self,
        i: usize,
        w: usize,
        run_index: &mut usize,
    ) -> Result<(usize, bool), JpeglsError> {
        let mut i = i;
        loop {
            let remaining = w + 1 - i;
            if self.br.read_bit() {
                let rg = 1usize << J.get(*run_index).copied().unwrap_or(0);
                if remaining >= rg {
                    i += rg;
                    if *run_index < 31 {
                        *run_index += 1;
                    }
                    if i > w {
                        return Ok((i, false));
                    }
                } else {
                    return Ok((w + 1, false));
                }
            } else {
                let cnt = self.br.read_bits(J.get(*run_index).copied().unwrap_or(0)) as usize;
                if cnt >= remaining {
                    return Err(JpeglsError::CorruptData("run length exceeds the line"));
                }
                return Ok((i + cnt, true));
            }
        }
    }

    /// Decodes one line of a single component. `prev` and `cur` hold
    /// `w + 2` samples: index 0 and `w + 1` are the edge samples.
    fn sample_line(
        &mut self,
        prev: &mut [i32],
        cur: &mut [i32],
        run_index: &mut usize,
    ) -> Result<(), JpeglsError> {
        let w = cur.len().saturating_sub(2);
        if w == 0 || prev.len() != cur.len() {
            return Ok(());
        }
        // Edge samples (A.2.1): Ra of the first sample is Rb; Rd of the last is Rb.
        cur[0] = prev[1];
        prev[w + 1] = prev[w];
        let near = self.p.near;
        let mut i = 1;
        while i <= w {
            let ra = cur[i - 1];
            let rb = prev[i];
            let rc = prev[i - 1];
            let rd = prev[i + 1];
            let q = self.quant.context(rd - rb, rb - rc, rc - ra);
            if q != 0 {
                cur[i] = self.regular(q, ra, rb, rc)?;
                i += 1;
                continue;
            }
            let (end, interrupted) = self.run_length(i, w, run_index)?;
            let fill_end = end.min(w + 1);
            cur[i..fill_end].fill(ra);
            i = fill_end;
            if interrupted && i <= w {
                let rb = prev[i];
                let ritype = (ra - rb).abs() <= near;
                cur[i] = self.interruption(ra, rb, ritype, *run_index)?;
                *run_index = run_index.saturating_sub(1);
                i += 1;
            }
        }
        self.br.check()
    }

    /// Decodes one line of `ns` sample-interleaved components (ILV = 2).
    fn pixel_line(
        &mut self,
        prev: &mut [i32],
        cur: &mut [i32],
        ns: usize,
        run_index: &mut usize,
    ) -> Result<(), JpeglsError> {
        let w = (cur.len() / ns).saturating_sub(2);
        if w == 0 || prev.len() != cur.len() {
            return Ok(());
        }
        for c in 0..ns {
            cur[c] = prev[ns + c];
            prev[(w + 1) * ns + c] = prev[w * ns + c];
        }
        let near = self.p.near;
        let mut i = 1;
        while i <= w {
            let mut all_zero = true;
            for c in 0..ns {
                let ra = cur[(i - 1) * ns + c];
                let rb = prev[i * ns + c];
                let rc = prev[(i - 1) * ns + c];
                let rd = prev[(i + 1) * ns + c];
                let d1 = rd - rb;
                let d2 = rb - rc;
                let d3 = rc - ra;
                if d1.abs() > near || d2.abs() > near || d3.abs() > near {
                    all_zero = false;
                    break;
                }
            }
            if !all_zero {
                for c in 0..ns {
                    let ra = cur[(i - 1) * ns + c];
                    let rb = prev[i * ns + c];
                    let rc = prev[(i - 1) * ns + c];
                    let rd = prev[(i + 1) * ns + c];
                    let q = self.quant.context(rd - rb, rb - rc, rc - ra);
                    cur[i * ns + c] = self.regular(q, ra, rb, rc)?;
                }
                i += 1;
                continue;
            }
            let (end, interrupted) = self.run_length(i, w, run_index)?;
            let fill_end = end.min(w + 1);
            for j in i..fill_end {
                cur.copy_within((i - 1) * ns..i * ns, j * ns);
            }
            i = fill_end;
            if interrupted && i <= w {
                for c in 0..ns {
                    let ra = cur[(i - 1) * ns + c];
                    let rb = prev[i * ns + c];
                    cur[i * ns + c] = self.interruption(ra, rb, false, *run_index)?;
                }
                *run_index = run_index.saturating_sub(1);
                i += 1;
            }
        }
        self.br.check()
    }
}
