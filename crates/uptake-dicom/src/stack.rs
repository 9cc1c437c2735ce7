//! Series → ordered slice stacks with geometry, from headers alone (no pixel decoding).
//!
//! Frames are grouped by study and series, then by geometry (matrix, pixel spacing, orientation);
//! a series whose geometry differs between acquisitions becomes one stack per acquisition, and a
//! series whose geometry differs otherwise is refused. Slices are ordered by their position along
//! the slice normal — never by InstanceNumber or file name — and the step between slices is taken
//! from the positions themselves, so head-first, feet-first, reversed, shuffled, oblique and
//! gantry-tilted (sheared) stacks all get their true affine.

use crate::error::AssembleError;
use crate::geometry::{self, Geometry, Vec3};
use crate::header::InstanceHeader;
use serde::Serialize;
use std::collections::BTreeMap;

/// Where one slice of a stack comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FrameRef {
    /// Index of the instance in the slice of headers given to [`plan_stacks`].
    pub instance: usize,
    /// Frame within that instance.
    pub frame: usize,
}

/// Something unusual about the slices of a stack. Reported to the user; never silently ignored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SliceProblem {
    /// Slices are missing: the gap between two neighbours is a multiple of the usual spacing.
    MissingSlices {
        /// Slot index of the first missing slice.
        first_missing_slot: usize,
        /// How many are missing there.
        count: usize,
        /// Position along the normal (mm) of the slice before the gap.
        after_position_mm: f64,
    },
    /// Gaps between slices differ by more than 1 % and are not a whole multiple of the spacing.
    NonUniformSpacing {
        /// Smallest gap (mm).
        min_mm: f64,
        /// Largest gap (mm).
        max_mm: f64,
        /// Largest distance (mm) between a slice's real position and its position on the regular grid.
        max_position_error_mm: f64,
    },
    /// The slice step is not perpendicular to the slices (gantry tilt); the sheared geometry is kept.
    Sheared {
        /// Angle between the slice step and the slice normal (degrees).
        angle_deg: f64,
        /// GantryDetectorTilt from the header, if any.
        gantry_tilt_deg: Option<f64>,
    },
    /// Only one slice: the slice spacing comes from SliceThickness (or 1 mm).
    SingleSlice,
}

/// A planned volume: geometry and the frame for each slice slot, before any pixel is decoded.
#[derive(Debug, Clone, Serialize)]
pub struct StackPlan {
    /// StudyInstanceUID.
    pub study_uid: String,
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// AcquisitionNumber when the series was split by acquisition.
    pub acquisition: Option<i64>,
    /// Modality of the series.
    pub modality: String,
    /// Image → patient affine and dimensions.
    pub geometry: Geometry,
    /// One entry per slice slot along k; `None` where a slice is missing.
    pub slots: Vec<Option<FrameRef>>,
    /// Problems found.
    pub problems: Vec<SliceProblem>,
}

/// A series that could not be planned, with the reason.
#[derive(Debug)]
pub struct RefusedSeries {
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// Modality.
    pub modality: String,
    /// Why.
    pub error: AssembleError,
}

impl std::fmt::Display for RefusedSeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "series {} ({}): {}",
            self.series_uid, self.modality, self.error
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct Slice {
    frame: FrameRef,
    position: Vec3,
    along_normal: f64,
}

fn geometry_key(h: &InstanceHeader, f: usize) -> String {
    let fr = &h.frames[f];
    let o = fr.orientation.map(|o| o.map(|v| (v * 1e4).round() as i64));
    let s = fr
        .pixel_spacing
        .map(|s| s.map(|v| (v * 1e4).round() as i64));
    format!("{}x{} o{:?} s{:?}", h.pixel.columns, h.pixel.rows, o, s)
}

fn describe(h: &InstanceHeader, f: usize) -> String {
    let fr = &h.frames[f];
    format!(
        "{}×{} pixels, spacing {:?}, orientation {:?}",
        h.pixel.columns, h.pixel.rows, fr.pixel_spacing, fr.orientation
    )
}

/// Groups image frames into stacks. Returns the plans and the series that were refused.
pub fn plan_stacks(headers: &[&InstanceHeader]) -> (Vec<StackPlan>, Vec<RefusedSeries>) {
    let mut by_series: BTreeMap<(String, String), Vec<FrameRef>> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        for f in 0..h.frame_count() {
            by_series
                .entry((h.study_uid.clone(), h.series_uid.clone()))
                .or_default()
                .push(FrameRef {
                    instance: i,
                    frame: f,
                });
        }
    }
    let mut plans = Vec::new();
    let mut refused = Vec::new();
    for ((study_uid, series_uid), frames) in by_series {
        let modality = headers[frames[0].instance].modality.clone();
        let mut by_geometry: BTreeMap<String, Vec<FrameRef>> = BTreeMap::new();
        for fr in &frames {
            by_geometry
                .entry(geometry_key(headers[fr.instance], fr.frame))
                .or_default()
                .push(*fr);
        }
        let groups: Vec<Vec<FrameRef>> = by_geometry.into_values().collect();
        let acquisitions: Vec<Option<i64>> = if groups.len() == 1 {
            vec![None]
        } else {
            match split_by_acquisition(headers, &groups) {
                Some(acq) => acq.into_iter().map(Some).collect(),
                None => {
                    let a = groups[0][0];
                    let b = groups[1][0];
                    refused.push(RefusedSeries {
                        series_uid: series_uid.clone(),
                        modality,
                        error: AssembleError::MixedGeometry {
                            series_uid,
                            first: headers[a.instance].source_name.clone(),
                            first_desc: describe(headers[a.instance], a.frame),
                            other: headers[b.instance].source_name.clone(),
                            other_desc: describe(headers[b.instance], b.frame),
                        },
                    });
                    continue;
                }
            }
        };
        for (group, acquisition) in groups.into_iter().zip(acquisitions) {
            match plan_one(
                headers,
                &study_uid,
                &series_uid,
                &modality,
                acquisition,
                group,
            ) {
                Ok(plan) => plans.push(plan),
                Err(error) => refused.push(RefusedSeries {
                    series_uid: series_uid.clone(),
                    modality: modality.clone(),
                    error,
                }),
            }
        }
    }
    (plans, refused)
}

/// When each geometry group has its own, distinct AcquisitionNumber, returns them.
fn split_by_acquisition(headers: &[&InstanceHeader], groups: &[Vec<FrameRef>]) -> Option<Vec<i64>> {
    let mut seen = Vec::new();
    for g in groups {
        let acq = headers[g[0].instance].acquisition_number?;
        if seen.contains(&acq)
            || g.iter()
                .any(|f| headers[f.instance].acquisition_number != Some(acq))
        {
            return None;
        }
        seen.push(acq);
    }
    Some(seen)
}

fn plan_one(
    headers: &[&InstanceHeader],
    study_uid: &str,
    series_uid: &str,
    modality: &str,
    acquisition: Option<i64>,
    group: Vec<FrameRef>,
) -> Result<StackPlan, AssembleError> {
    let first = group.first().copied().ok_or_else(|| AssembleError::Empty {
        series_uid: series_uid.to_string(),
    })?;
    let h0 = headers[first.instance];
    let f0 = &h0.frames[first.frame];
    let no_geometry = |what: &str| AssembleError::NoGeometry {
        series_uid: series_uid.to_string(),
        file: h0.source_name.clone(),
        detail: what.to_string(),
    };
    let orientation = f0
        .orientation
        .ok_or_else(|| no_geometry("no ImageOrientationPatient"))?;
    let spacing = f0
        .pixel_spacing
        .ok_or_else(|| no_geometry("no PixelSpacing"))?;
    if !(spacing[0] > 0.0 && spacing[1] > 0.0) {
        return Err(no_geometry("PixelSpacing is not positive"));
    }
    let row = geometry::normalize([orientation[0], orientation[1], orientation[2]])
        .ok_or_else(|| no_geometry("ImageOrientationPatient row direction is zero"))?;
    let col = geometry::normalize([orientation[3], orientation[4], orientation[5]])
        .ok_or_else(|| no_geometry("ImageOrientationPatient column direction is zero"))?;
    let normal = geometry::normalize(geometry::cross(row, col))
        .ok_or_else(|| no_geometry("ImageOrientationPatient directions are parallel"))?;

    let mut slices = Vec::with_capacity(group.len());
    for fr in &group {
        let h = headers[fr.instance];
        let position = h.frames[fr.frame]
            .position
            .ok_or_else(|| AssembleError::NoGeometry {
                series_uid: series_uid.to_string(),
                file: h.source_name.clone(),
                detail: "no ImagePositionPatient".into(),
            })?;
        slices.push(Slice {
            frame: *fr,
            position,
            along_normal: geometry::dot(position, normal),
        });
    }
    slices.sort_by(|a, b| a.along_normal.total_cmp(&b.along_normal));
    for pair in slices.windows(2) {
        if (pair[1].along_normal - pair[0].along_normal).abs() < 1e-3 {
            return Err(AssembleError::DuplicatePosition {
                series_uid: series_uid.to_string(),
                first: headers[pair[0].frame.instance].source_name.clone(),
                other: headers[pair[1].frame.instance].source_name.clone(),
                position_mm: pair[0].along_normal,
            });
        }
    }
    let mut problems = Vec::new();
    let dims_ij = [h0.pixel.columns as usize, h0.pixel.rows as usize];
    if slices.len() == 1 {
        problems.push(SliceProblem::SingleSlice);
        let thickness = f0.slice_thickness.filter(|t| *t > 0.0).unwrap_or(1.0);
        let geometry = Geometry {
            origin: slices[0].position,
            spacing: [spacing[1], spacing[0], thickness],
            axes: [row, col, normal],
            dims: [dims_ij[0], dims_ij[1], 1],
        };
        return Ok(StackPlan {
            study_uid: study_uid.to_string(),
            series_uid: series_uid.to_string(),
            acquisition,
            modality: modality.to_string(),
            geometry,
            slots: vec![Some(slices[0].frame)],
            problems,
        });
    }

    // Regular grid: the median gap is the slice spacing; gaps that are whole multiples of it are
    // missing slices.
    let gaps: Vec<f64> = slices
        .windows(2)
        .map(|p| p[1].along_normal - p[0].along_normal)
        .collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let mut slot_of = Vec::with_capacity(slices.len());
    let mut slot = 0usize;
    slot_of.push(0usize);
    let mut irregular = false;
    for (g_idx, gap) in gaps.iter().enumerate() {
        let steps = (gap / median).round().max(1.0);
        // Far from any multiple of the usual gap: not a regular grid with holes.
        if ((gap - steps * median) / median).abs() > 0.2 {
            irregular = true;
        }
        let steps = steps as usize;
        if steps > 1 && !irregular {
            problems.push(SliceProblem::MissingSlices {
                first_missing_slot: slot + 1,
                count: steps - 1,
                after_position_mm: slices[g_idx].along_normal,
            });
        }
        slot += if irregular { 1 } else { steps };
        slot_of.push(slot);
    }
    if irregular {
        // Not a regular grid with holes: one slot per slice, spacing averaged, and say how far off.
        problems.retain(|p| !matches!(p, SliceProblem::MissingSlices { .. }));
        slot_of = (0..slices.len()).collect();
    }
    let n_slots = slot_of.last().copied().unwrap_or(0) + 1;
    if n_slots > 20_000 {
        return Err(AssembleError::TooLarge {
            series_uid: series_uid.to_string(),
            voxels: n_slots
                .saturating_mul(dims_ij[0])
                .saturating_mul(dims_ij[1]),
        });
    }
    let first_pos = slices[0].position;
    let last = slices.len() - 1;
    let span = geometry::sub(slices[last].position, first_pos);
    let step = span.map(|v| v / slot_of[last] as f64);
    let step_len = geometry::norm(step);
    let axis_k =
        geometry::normalize(step).ok_or_else(|| no_geometry("all slices at one position"))?;
    let mut max_err: f64 = 0.0;
    for (s, k) in slices.iter().zip(&slot_of) {
        let expected = [
            first_pos[0] + step[0] * *k as f64,
            first_pos[1] + step[1] * *k as f64,
            first_pos[2] + step[2] * *k as f64,
        ];
        max_err = max_err.max(geometry::norm(geometry::sub(s.position, expected)));
    }
    // Positions rounded to a few hundredths of a mm (common in real headers) are not a problem;
    // anything beyond 2 % of the spacing or 0.1 mm is.
    if irregular || max_err > (0.02 * step_len).min(0.1) {
        problems.push(SliceProblem::NonUniformSpacing {
            min_mm: sorted[0],
            max_mm: sorted[sorted.len() - 1],
            max_position_error_mm: max_err,
        });
    }
    let geometry = Geometry {
        origin: first_pos,
        spacing: [spacing[1], spacing[0], step_len],
        axes: [row, col, axis_k],
        dims: [dims_ij[0], dims_ij[1], n_slots],
    };
    let shear = geometry.shear_deg();
    if shear > 0.01 {
        problems.push(SliceProblem::Sheared {
            angle_deg: shear,
            gantry_tilt_deg: h0.gantry_tilt_deg,
        });
    }
    let mut slots = vec![None; n_slots];
    for (s, k) in slices.iter().zip(&slot_of) {
        slots[*k] = Some(s.frame);
    }
    Ok(StackPlan {
        study_uid: study_uid.to_string(),
        series_uid: series_uid.to_string(),
        acquisition,
        modality: modality.to_string(),
        geometry,
        slots,
        problems,
    })
}
