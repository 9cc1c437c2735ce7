//! Volumes: voxels in full precision plus their patient-space geometry, and sampling by patient
//! point (nearest voxel and trilinear).

use crate::error::{AssembleError, InstanceError, Problem};
use crate::geometry::{trilinear_corners, Geometry, Vec3};
use crate::instance::DicomInstance;
use crate::packed::PackedVolume;
use crate::par;
use crate::pixels::Voxel;
use crate::scaled::ScaledVolume;
use crate::stack::{FrameRef, SliceProblem, StackPlan};
use ndarray::{Array3, ArrayViewMut3, Axis};
use serde::Serialize;

/// Voxel values in the smallest exact type: CT as i16 HU when the rescale allows it exactly,
/// otherwise (PET, fractional slopes) f32 of the rescaled value. Arrays are indexed `[k, j, i]`
/// (slice, row, column).
#[derive(Debug, Clone)]
pub enum Voxels {
    /// Integral values (e.g. HU) that fit in 16 bits.
    I16(Array3<i16>),
    /// Rescaled values in f32.
    F32(Array3<f32>),
    /// Integral values that fit in 16 bits, packed losslessly slice by slice (the CPU copy of
    /// a CT streamed into a viewer; see [`crate::packed`]).
    Packed(PackedVolume),
    /// 16-bit stored values with each slice's rescale, read as the f32 decoding would give
    /// (the CPU copy of a PET streamed into a viewer; see [`crate::scaled`]).
    Scaled(ScaledVolume),
}

impl Voxels {
    /// Value at `[k, j, i]` as f64; `None` outside.
    pub fn get(&self, k: usize, j: usize, i: usize) -> Option<f64> {
        match self {
            Voxels::I16(a) => a.get([k, j, i]).map(|v| *v as f64),
            Voxels::F32(a) => a.get([k, j, i]).map(|v| *v as f64),
            Voxels::Packed(p) => p.get(k, j, i).map(f64::from),
            Voxels::Scaled(s) => s.get(k, j, i).map(f64::from),
        }
    }

    /// Bytes held.
    pub fn byte_len(&self) -> usize {
        match self {
            Voxels::I16(a) => a.len() * 2,
            Voxels::F32(a) => a.len() * 4,
            Voxels::Packed(p) => p.byte_len(),
            Voxels::Scaled(s) => s.byte_len(),
        }
    }

    /// Name of the element type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Voxels::I16(_) => "i16",
            Voxels::F32(_) => "f32",
            Voxels::Packed(_) => "i16 (packed)",
            Voxels::Scaled(_) => "16-bit stored × rescale",
        }
    }
}

/// What one slice slot of a volume came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceSource {
    /// File the slice came from.
    pub source_name: String,
    /// Frame within the file.
    pub frame: usize,
    /// SOPInstanceUID.
    pub sop_instance_uid: String,
    /// RescaleSlope applied.
    pub rescale_slope: f64,
    /// RescaleIntercept applied.
    pub rescale_intercept: f64,
}

/// A series assembled into a volume.
#[derive(Debug, Clone)]
pub struct Volume {
    /// StudyInstanceUID.
    pub study_uid: String,
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// Modality (`CT`, `PT`).
    pub modality: String,
    /// Units of the values: `HU` for CT, the PET Units attribute (e.g. `BQML`) for PET.
    pub units: String,
    /// Image → patient affine and dimensions.
    pub geometry: Geometry,
    /// The values.
    pub voxels: Voxels,
    /// Per slice slot, where it came from (`None` for a missing slice).
    pub slices: Vec<Option<SliceSource>>,
    /// Problems found while stacking.
    pub problems: Vec<SliceProblem>,
}

/// A sampled value at a patient point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Nearest voxel `[i, j, k]`.
    pub voxel: [usize; 3],
    /// Value of the nearest voxel.
    pub nearest: f64,
    /// Trilinear interpolation (neighbours clamped at the border).
    pub trilinear: f64,
}

fn units_for(plan: &StackPlan, instances: &[DicomInstance]) -> String {
    let first = plan
        .slots
        .iter()
        .flatten()
        .next()
        .and_then(|f| instances.get(f.instance));
    match first {
        Some(inst) if inst.header.modality == "CT" => "HU".into(),
        Some(inst) => inst
            .header
            .pet
            .as_ref()
            .and_then(|p| p.units.clone())
            .or_else(|| inst.header.rescale_type.clone())
            .unwrap_or_else(|| "unspecified".into()),
        None => "unspecified".into(),
    }
}

/// Decodes the frames of `slots` into the matching slices of `data`; stops at the first value
/// that does not fit `T` (`Ok(false)`).
fn decode_slots<T: Voxel>(
    series_uid: &str,
    slots: &[Option<FrameRef>],
    instances: &[DicomInstance],
    mut data: ArrayViewMut3<T>,
) -> Result<bool, AssembleError> {
    let empty = || AssembleError::Empty {
        series_uid: series_uid.to_string(),
    };
    for (slot, mut slice) in slots.iter().zip(data.axis_iter_mut(Axis(0))) {
        let Some(fr) = slot else { continue };
        let inst = instances.get(fr.instance).ok_or_else(empty)?;
        let out = slice.as_slice_mut().ok_or_else(empty)?;
        if !inst.decode_frame_into(fr.frame, out)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn decode_all<T: Voxel>(
    plan: &StackPlan,
    instances: &[DicomInstance],
    mut data: ArrayViewMut3<T>,
    threads: usize,
) -> Result<bool, AssembleError> {
    let uid = plan.series_uid.as_str();
    if threads <= 1 {
        return decode_slots(uid, &plan.slots, instances, data);
    }
    // Several slices per part keep the hand-over cost small; several parts per thread even
    // out slices that decode at different speeds.
    let per = plan.slots.len().div_ceil(threads * 4).max(1);
    let parts: Vec<_> = plan
        .slots
        .chunks(per)
        .zip(data.axis_chunks_iter_mut(Axis(0), per))
        .collect();
    let results = par::run_parts(parts, threads, |(slots, view)| {
        decode_slots(uid, slots, instances, view)
    });
    let mut exact = true;
    for r in results {
        let r = r.ok_or_else(|| {
            AssembleError::Instance(InstanceError::new(
                uid,
                Problem::Decode {
                    frame: 0,
                    detail: "decoder thread failed".into(),
                },
            ))
        })?;
        exact &= r?;
    }
    Ok(exact)
}

/// Where each slot of `plan` comes from.
pub(crate) fn slice_sources(
    plan: &StackPlan,
    instances: &[DicomInstance],
) -> Vec<Option<SliceSource>> {
    plan.slots
        .iter()
        .map(|slot| {
            slot.and_then(|fr| {
                let inst = instances.get(fr.instance)?;
                let f = inst.header.frames.get(fr.frame)?;
                Some(SliceSource {
                    source_name: inst.header.source_name.clone(),
                    frame: fr.frame,
                    sop_instance_uid: inst.header.sop_instance_uid.clone(),
                    rescale_slope: f.rescale_slope,
                    rescale_intercept: f.rescale_intercept,
                })
            })
        })
        .collect()
}

impl Volume {
    /// Decodes every planned slice straight into the final buffer. `instances` must be the
    /// instances whose headers were given to [`crate::stack::plan_stacks`], in the same order.
    pub fn assemble(
        plan: &StackPlan,
        instances: &[DicomInstance],
    ) -> Result<Volume, AssembleError> {
        Self::assemble_threads(plan, instances, 1)
    }

    /// As [`Volume::assemble`], decoding slices on up to `threads` threads (the calling
    /// thread included). The result does not depend on the thread count.
    pub fn assemble_threads(
        plan: &StackPlan,
        instances: &[DicomInstance],
        threads: usize,
    ) -> Result<Volume, AssembleError> {
        let [ni, nj, nk] = plan.geometry.dims;
        let voxels = ni
            .checked_mul(nj)
            .and_then(|v| v.checked_mul(nk))
            .unwrap_or(usize::MAX);
        if voxels > 1_500_000_000 {
            return Err(AssembleError::TooLarge {
                series_uid: plan.series_uid.clone(),
                voxels,
            });
        }
        let slices = slice_sources(plan, instances);
        let integral = slices
            .iter()
            .flatten()
            .all(|s| s.rescale_slope == 1.0 && s.rescale_intercept.fract() == 0.0);
        let modality_ct = plan.modality == "CT";
        let mut result = None;
        if integral && modality_ct {
            let mut data = Array3::<i16>::zeros((nk, nj, ni));
            if decode_all(plan, instances, data.view_mut(), threads)? {
                result = Some(Voxels::I16(data));
            }
        }
        let voxels = match result {
            Some(v) => v,
            None => {
                let mut data = Array3::<f32>::zeros((nk, nj, ni));
                decode_all(plan, instances, data.view_mut(), threads)?;
                Voxels::F32(data)
            }
        };
        Ok(Volume::of_plan(plan, instances, voxels, slices))
    }

    /// The volume of `plan` with these voxels (decoded from `instances`, or streamed) and
    /// slice sources.
    pub(crate) fn of_plan(
        plan: &StackPlan,
        instances: &[DicomInstance],
        voxels: Voxels,
        slices: Vec<Option<SliceSource>>,
    ) -> Volume {
        Volume {
            study_uid: plan.study_uid.clone(),
            series_uid: plan.series_uid.clone(),
            modality: plan.modality.clone(),
            units: units_for(plan, instances),
            geometry: plan.geometry,
            voxels,
            slices,
            problems: plan.problems.clone(),
        }
    }

    /// Value of voxel `[i, j, k]`.
    pub fn value(&self, voxel: [usize; 3]) -> Option<f64> {
        self.voxels.get(voxel[2], voxel[1], voxel[0])
    }

    /// Samples the volume at a patient point (LPS mm). `None` when the point is outside the
    /// volume or its nearest slice is missing.
    pub fn sample(&self, p: Vec3) -> Option<Sample> {
        let voxel = self.geometry.nearest_voxel(p)?;
        self.slices.get(voxel[2])?.as_ref()?;
        let nearest = self.value(voxel)?;
        let idx = self.geometry.patient_to_index(p)?;
        let mut trilinear = 0.0;
        for (v, w) in trilinear_corners(idx, self.geometry.dims) {
            if w == 0.0 {
                continue;
            }
            // A missing neighbour slice makes interpolation meaningless: fall back to nearest.
            if self.slices.get(v[2]).is_none_or(|s| s.is_none()) {
                trilinear = f64::NAN;
                break;
            }
            trilinear += w * self.value(v).unwrap_or(f64::NAN);
        }
        if trilinear.is_nan() {
            trilinear = nearest;
        }
        Some(Sample {
            voxel,
            nearest,
            trilinear,
        })
    }
}
