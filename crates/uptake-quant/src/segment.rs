//! Threshold segmentation of a lesion from a seed point, in patient space.
//!
//! 1. **Seed → lesion maximum.** The lesion SUVmax is the highest voxel whose centre lies
//!    within [`SegmentOptions::search_radius_mm`] (default 15 mm) of the seed (and inside the
//!    bound, if any); ties go to the voxel nearest the seed. A seed outside the volume, on a
//!    missing slice, or with no SUV > 0 in reach is an error, never an empty lesion.
//! 2. **Region.** Flood fill from that voxel through the 26-neighbourhood over voxels with
//!    SUV ≥ threshold (and, if given, centre inside the bound). Missing slices (NaN) are
//!    never entered.
//! 3. **Consistency.** For a fraction-of-max threshold, if the region reaches a voxel hotter
//!    than the searched maximum (the lesion extends beyond the search sphere), the threshold is
//!    recomputed from that voxel and the fill repeated, so the threshold is always the stated
//!    fraction of the region's own SUVmax.

use crate::error::QuantError;
use crate::reference::{liver_reference, ReferenceRegion};
use crate::space::{dist2, voxels_in};
use crate::suv_volume::SuvVolume;
use serde::{Deserialize, Serialize};
use uptake_dicom::geometry::Vec3;

/// Default search radius around the seed for the lesion maximum, mm.
pub const DEFAULT_SEARCH_RADIUS_MM: f64 = 15.0;

/// How the lesion boundary is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Threshold {
    /// Voxels ≥ this fraction of the lesion SUVmax (0.41 default; 0.50 option).
    FractionOfMax(f64),
    /// Voxels ≥ this SUV (2.5 is customary).
    Absolute(f64),
    /// PERCIST: voxels ≥ 1.5 × liver mean + 2 × liver SD, the liver being a 3 cm sphere
    /// centred on this LPS point.
    Percist {
        /// Centre of the liver reference sphere, LPS mm.
        liver: Vec3,
    },
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold::FractionOfMax(0.41)
    }
}

/// A region the lesion must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Bound {
    /// An axis-aligned LPS box, corners inclusive, mm.
    Box {
        /// Lowest corner.
        min: Vec3,
        /// Highest corner.
        max: Vec3,
    },
    /// A sphere, LPS mm.
    Sphere {
        /// Centre.
        centre: Vec3,
        /// Radius.
        radius_mm: f64,
    },
}

impl Bound {
    /// Whether a patient point is inside.
    pub fn contains(&self, p: Vec3) -> bool {
        match self {
            Bound::Box { min, max } => (0..3).all(|a| p[a] >= min[a] && p[a] <= max[a]),
            Bound::Sphere { centre, radius_mm } => dist2(p, *centre) <= radius_mm * radius_mm,
        }
    }

    fn validate(&self) -> Result<(), QuantError> {
        let ok = match self {
            Bound::Box { min, max } => {
                (0..3).all(|a| min[a].is_finite() && max[a].is_finite() && min[a] <= max[a])
            }
            Bound::Sphere { centre, radius_mm } => {
                centre.iter().all(|c| c.is_finite()) && radius_mm.is_finite() && *radius_mm > 0.0
            }
        };
        if ok {
            Ok(())
        } else {
            Err(QuantError::InvalidRequest(format!(
                "invalid bound {self:?}"
            )))
        }
    }
}

/// Options of [`segment`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SegmentOptions {
    /// The threshold rule.
    pub threshold: Threshold,
    /// Optional region the lesion must stay within.
    pub bound: Option<Bound>,
    /// Radius around the seed searched for the lesion maximum, mm.
    pub search_radius_mm: f64,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            threshold: Threshold::default(),
            bound: None,
            search_radius_mm: DEFAULT_SEARCH_RADIUS_MM,
        }
    }
}

/// The threshold actually applied.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThresholdUsed {
    /// The rule asked for.
    pub rule: Threshold,
    /// The SUV cut-off it gave (voxels ≥ this are in).
    pub suv: f64,
    /// The liver reference, for PERCIST.
    pub liver: Option<ReferenceRegion>,
}

/// A segmented region.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// The voxels `[i, j, k]`, sorted by k, then j, then i.
    pub voxels: Vec<[usize; 3]>,
    /// The maximum found near the seed that the fill started from.
    pub start_voxel: [usize; 3],
    /// The threshold applied.
    pub threshold: ThresholdUsed,
}

fn validate(opts: &SegmentOptions, seed: Vec3) -> Result<(), QuantError> {
    if !seed.iter().all(|c| c.is_finite()) {
        return Err(QuantError::InvalidRequest("the seed is not finite".into()));
    }
    if !(opts.search_radius_mm.is_finite() && opts.search_radius_mm >= 0.0) {
        return Err(QuantError::InvalidRequest(format!(
            "search radius {} mm must be ≥ 0",
            opts.search_radius_mm
        )));
    }
    match opts.threshold {
        Threshold::FractionOfMax(f) if !(f.is_finite() && f > 0.0 && f <= 1.0) => Err(
            QuantError::InvalidRequest(format!("threshold fraction {f} must be in (0, 1]")),
        ),
        Threshold::Absolute(s) if !(s.is_finite() && s > 0.0) => Err(QuantError::InvalidRequest(
            format!("absolute threshold {s} must be positive"),
        )),
        _ => opts.bound.as_ref().map_or(Ok(()), Bound::validate),
    }
}

/// The hottest voxel within the search sphere (ties: nearest the seed).
fn search_max(
    vol: &SuvVolume,
    seed: Vec3,
    seed_voxel: [usize; 3],
    opts: &SegmentOptions,
) -> Option<(f32, [usize; 3])> {
    let r = opts.search_radius_mm;
    let r2 = r * r;
    let in_bound = |p: Vec3| opts.bound.is_none_or(|b| b.contains(p));
    let mut best: Option<(f32, f64, [usize; 3])> = None;
    let mut consider = |v: [usize; 3]| {
        let Some(x) = vol.get(v) else { return };
        let p = vol.voxel_centre(v);
        let d = dist2(p, seed);
        if v != seed_voxel && d > r2 {
            return;
        }
        if !in_bound(p) {
            return;
        }
        if best.is_none_or(|(m, bd, _)| x > m || (x == m && d < bd)) {
            best = Some((x, d, v));
        }
    };
    // The seed's own voxel always counts (the radius may be smaller than a voxel).
    consider(seed_voxel);
    if let Some(range) = vol.affine().ball_range(seed, r) {
        voxels_in(range).for_each(&mut consider);
    }
    best.map(|(m, _, v)| (m, v))
}

/// 26-connected flood fill from `start` over voxels ≥ `t` inside the bound.
fn flood(vol: &SuvVolume, start: [usize; 3], t: f64, bound: Option<Bound>) -> Vec<[usize; 3]> {
    let [ni, nj, nk] = vol.geometry.dims;
    let idx = |v: [usize; 3]| (v[2] * nj + v[1]) * ni + v[0];
    let mut seen = vec![0u64; (ni * nj * nk).div_ceil(64)];
    let mut mark = |v: [usize; 3]| -> bool {
        let n = idx(v);
        let (w, b) = (n / 64, 1u64 << (n % 64));
        let fresh = seen[w] & b == 0;
        seen[w] |= b;
        fresh
    };
    let accept = |v: [usize; 3]| {
        vol.get(v).is_some_and(|x| x as f64 >= t)
            && bound.is_none_or(|b| b.contains(vol.voxel_centre(v)))
    };
    let mut out = Vec::new();
    if !accept(start) {
        return out;
    }
    mark(start);
    let mut stack = vec![start];
    while let Some(v) = stack.pop() {
        out.push(v);
        for dk in -1i64..=1 {
            for dj in -1i64..=1 {
                for di in -1i64..=1 {
                    if di == 0 && dj == 0 && dk == 0 {
                        continue;
                    }
                    let (i, j, k) = (v[0] as i64 + di, v[1] as i64 + dj, v[2] as i64 + dk);
                    if i < 0 || j < 0 || k < 0 || i >= ni as i64 || j >= nj as i64 || k >= nk as i64
                    {
                        continue;
                    }
                    let n = [i as usize, j as usize, k as usize];
                    if accept(n) && mark(n) {
                        stack.push(n);
                    }
                }
            }
        }
    }
    out.sort_unstable_by_key(|v| [v[2], v[1], v[0]]);
    out
}

/// Segments the lesion nearest a seed point (LPS mm); see the module documentation.
pub fn segment(
    vol: &SuvVolume,
    seed: Vec3,
    opts: &SegmentOptions,
) -> Result<Segmentation, QuantError> {
    validate(opts, seed)?;
    let seed_voxel = vol
        .affine()
        .nearest(seed)
        .ok_or(QuantError::OutsideVolume {
            what: "seed",
            point: seed,
        })?;
    if vol.get(seed_voxel).is_none() {
        return Err(QuantError::OnMissingSlice {
            what: "seed",
            point: seed,
        });
    }
    let (mut m, mut start) = match search_max(vol, seed, seed_voxel, opts) {
        Some((m, v)) if m > 0.0 => (m, v),
        _ => {
            return Err(QuantError::NoUptakeNearSeed {
                seed,
                radius_mm: opts.search_radius_mm,
            })
        }
    };
    let (fixed, liver) = match opts.threshold {
        Threshold::FractionOfMax(_) => (None, None),
        Threshold::Absolute(s) => (Some(s), None),
        Threshold::Percist { liver } => {
            let r = liver_reference(vol, liver)?;
            (Some(r.percist_threshold), Some(r))
        }
    };
    // Each pass either ends or moves to a strictly hotter voxel: it terminates.
    loop {
        let t = match (fixed, opts.threshold) {
            (Some(s), _) => s,
            (None, Threshold::FractionOfMax(f)) => f * m as f64,
            (None, _) => m as f64,
        };
        if (m as f64) < t {
            return Err(QuantError::BelowThreshold {
                suvmax: m as f64,
                threshold: t,
            });
        }
        let voxels = flood(vol, start, t, opts.bound);
        let hotter = voxels
            .iter()
            .filter_map(|&v| vol.get(v).map(|x| (x, v)))
            .filter(|(x, _)| *x > m)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match hotter {
            Some((x, v)) if fixed.is_none() => {
                m = x;
                start = v;
            }
            _ => {
                return Ok(Segmentation {
                    voxels,
                    start_voxel: start,
                    threshold: ThresholdUsed {
                        rule: opts.threshold,
                        suv: t,
                        liver,
                    },
                })
            }
        }
    }
}
