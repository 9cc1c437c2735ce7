//! [`SuvVolume`]: a PET volume in SUV, full precision (f32 per voxel, statistics accumulated
//! in f64), with its geometry. Only the stored values (the assembled PET, Bq/ml) are held;
//! each SUV is computed when read, `(stored as f64 * factor) as f32` with the slice's
//! factor, so the series is never held twice. Missing slices read as NaN (`None` from
//! [`SuvVolume::get`]) and are excluded from every statistic.

use crate::dicom_inputs::{plan_suv_inputs, series_suv_factor};
use crate::error::QuantError;
use crate::space::Affine;
use crate::suv::{SuvFactor, SuvFactorValues, SuvOverrides, SuvType};
use ndarray::{Array3, Axis};
use serde::Serialize;
use std::ops::Range;
use uptake_dicom::geometry::{trilinear_corners, Vec3};
use uptake_dicom::volume::SliceSource;
use uptake_dicom::{Geometry, LoadedStudy, SliceScale, StackPlan, Volume, Voxels};

/// SUV values of one PET series on its own grid, computed on access from the stored values
/// it holds (see the module documentation).
#[derive(Debug, Clone)]
pub struct SuvVolume {
    /// SeriesInstanceUID of the PET series.
    pub series_uid: String,
    /// Image → patient affine and dimensions.
    pub geometry: Geometry,
    /// Per slice slot, whether the slice exists.
    pub present: Vec<bool>,
    /// The factor the values are computed with (its provenance goes with every number).
    pub factor: SuvFactor,
    /// The stored values (indexed `[k, j, i]`, standard layout) and their records.
    raw: Volume,
    /// Per slice slot, the multiplier applied to the stored values: the factor of a present
    /// slice, NaN for a missing slice or a non-finite factor (the slice reads as NaN).
    slice_factor: Vec<f64>,
    affine: Affine,
}

/// A volume [`SuvVolume::try_new`] did not convert, handed back with the reason.
#[derive(Debug)]
pub struct NotConverted {
    /// Why the factor does not apply.
    pub error: QuantError,
    /// The volume, unchanged.
    pub volume: Volume,
}

/// The SUV at a patient point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PointSuv {
    /// The point asked for, LPS mm.
    pub point: Vec3,
    /// Nearest voxel `[i, j, k]`.
    pub voxel: [usize; 3],
    /// Centre of that voxel, LPS mm.
    pub voxel_centre: Vec3,
    /// SUV of the nearest voxel.
    pub nearest: f64,
    /// Trilinear interpolation of the eight surrounding voxel centres (clamped at the
    /// volume border); `None` when one of them is on a missing slice.
    pub trilinear: Option<f64>,
}

fn normalise_units(u: &str) -> String {
    u.trim_matches(|c: char| c == ' ' || c == '\0')
        .to_ascii_uppercase()
}

/// SUV of one stored value with its slice's multiplier: exactly the arithmetic of a
/// conversion done once (`(v as f64 * f) as f32`), and `f32::NAN` on a missing slice.
#[inline(always)]
fn suv_of(v: f64, f: f64) -> f32 {
    if f.is_nan() {
        f32::NAN
    } else {
        (v * f) as f32
    }
}

/// SUV values of one slice (see [`SuvVolume::slice_values`]).
#[derive(Debug, Clone)]
pub struct SliceValues<'a> {
    inner: SliceIter<'a>,
    factor: f64,
}

#[derive(Debug, Clone)]
enum SliceIter<'a> {
    F32(ndarray::iter::Iter<'a, f32, ndarray::Ix2>),
    I16(ndarray::iter::Iter<'a, i16, ndarray::Ix2>),
    Scaled(std::slice::Iter<'a, u16>, SliceScale),
    Empty,
}

impl Iterator for SliceValues<'_> {
    type Item = f32;

    #[inline]
    fn next(&mut self) -> Option<f32> {
        match &mut self.inner {
            SliceIter::F32(it) => it.next().map(|&v| suv_of(v as f64, self.factor)),
            SliceIter::I16(it) => it.next().map(|&v| suv_of(v as f64, self.factor)),
            SliceIter::Scaled(it, s) => it
                .next()
                .map(|&b| suv_of(f64::from(s.value(b)), self.factor)),
            SliceIter::Empty => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            SliceIter::F32(it) => it.size_hint(),
            SliceIter::I16(it) => it.size_hint(),
            SliceIter::Scaled(it, _) => it.size_hint(),
            SliceIter::Empty => (0, Some(0)),
        }
    }
}

impl ExactSizeIterator for SliceValues<'_> {}

/// The SliceSource recorded for a slice given directly in SUV ([`SuvVolume::from_parts`]).
fn given_slice() -> SliceSource {
    SliceSource {
        source_name: "(SUV values given directly)".to_string(),
        frame: 0,
        sop_instance_uid: String::new(),
        rescale_slope: 1.0,
        rescale_intercept: 0.0,
    }
}

impl SuvVolume {
    /// Converts a PET volume with a factor indexed by slice slot (see
    /// [`crate::dicom_inputs::series_suv_factor`]). Consumes the volume and keeps its stored
    /// values as they are: each SUV is computed when read, so no second copy of the series
    /// is made.
    ///
    /// Fails when the factor's pixel units are not the volume's units, a per-slice factor
    /// does not have one value per slot, or the voxels do not have the geometry's shape. See
    /// [`SuvVolume::try_new`] to get the volume back on failure.
    pub fn new(volume: Volume, factor: SuvFactor) -> Result<Self, QuantError> {
        Self::try_new(volume, factor).map_err(|e| e.error)
    }

    /// [`SuvVolume::new`], handing the volume back unchanged when it cannot be converted (a
    /// viewer then shows it in stored units).
    pub fn try_new(volume: Volume, factor: SuvFactor) -> Result<Self, Box<NotConverted>> {
        match Self::check(&volume, &factor) {
            Ok(affine) => Ok(Self::build(volume, factor, affine)),
            Err(error) => Err(Box::new(NotConverted { error, volume })),
        }
    }

    /// Why `factor` does not apply to `volume`, else the volume's affine.
    fn check(volume: &Volume, factor: &SuvFactor) -> Result<Affine, QuantError> {
        let affine = Affine::new(&volume.geometry)?;
        if normalise_units(&factor.pixel_units) != normalise_units(&volume.units) {
            return Err(QuantError::FactorMismatch {
                detail: format!(
                    "the factor applies to {} but the volume is in {}",
                    factor.pixel_units, volume.units
                ),
            });
        }
        let [ni, nj, nk] = volume.geometry.dims;
        if volume.slices.len() != nk {
            return Err(QuantError::FactorMismatch {
                detail: format!(
                    "the volume has {} slice records for {nk} slices",
                    volume.slices.len()
                ),
            });
        }
        if let SuvFactorValues::PerSlice(v) = &factor.values {
            if v.len() != nk {
                return Err(QuantError::FactorMismatch {
                    detail: format!("{} per-slice factors for {nk} slices", v.len()),
                });
            }
        }
        let shape = match &volume.voxels {
            Voxels::F32(a) => a.dim(),
            Voxels::I16(a) => a.dim(),
            Voxels::Packed(p) => p.dim(),
            Voxels::Scaled(s) => s.dim(),
        };
        if shape != (nk, nj, ni) {
            return Err(QuantError::FactorMismatch {
                detail: format!(
                    "voxel array shape {shape:?} does not match dims {:?}",
                    volume.geometry.dims
                ),
            });
        }
        Ok(affine)
    }

    /// Assembles a checked volume and factor.
    fn build(mut raw: Volume, factor: SuvFactor, affine: Affine) -> Self {
        // Assembled volumes are always in standard layout, so this never copies in practice;
        // it keeps slices contiguous for the per-slice readers.
        raw.voxels = match raw.voxels {
            Voxels::F32(a) if !a.is_standard_layout() => {
                Voxels::F32(a.as_standard_layout().into_owned())
            }
            Voxels::I16(a) if !a.is_standard_layout() => {
                Voxels::I16(a.as_standard_layout().into_owned())
            }
            // Packing is for CT; a packed PET (none is made) is unpacked once here.
            Voxels::Packed(p) => Voxels::I16(p.to_array()),
            v => v,
        };
        let present: Vec<bool> = raw.slices.iter().map(|s| s.is_some()).collect();
        let slice_factor = present
            .iter()
            .enumerate()
            .map(|(k, &p)| match factor.factor_for_slice(k) {
                Some(f) if p && f.is_finite() => f,
                _ => f64::NAN,
            })
            .collect();
        SuvVolume {
            series_uid: raw.series_uid.clone(),
            geometry: raw.geometry,
            present,
            factor,
            raw,
            slice_factor,
            affine,
        }
    }

    /// Builds an SUV volume from an array already in SUV (tests, benchmarks, or SUV computed
    /// elsewhere). The values are held as given, multiplied by 1 when read (so every value
    /// reads back bit for bit), and `factor` is kept as their provenance only. A slice whose
    /// values are all NaN is missing. [`SuvVolume::raw`] is then a volume of these values in
    /// `factor.result_units`, with no StudyInstanceUID.
    pub fn from_parts(
        series_uid: String,
        geometry: Geometry,
        values: Array3<f32>,
        factor: SuvFactor,
    ) -> Result<Self, QuantError> {
        let affine = Affine::new(&geometry)?;
        let [ni, nj, nk] = geometry.dims;
        if values.dim() != (nk, nj, ni) {
            return Err(QuantError::FactorMismatch {
                detail: format!(
                    "array shape {:?} does not match dims {:?}",
                    values.dim(),
                    geometry.dims
                ),
            });
        }
        let slices = values
            .axis_iter(Axis(0))
            .map(|s| s.iter().any(|v| !v.is_nan()).then(given_slice))
            .collect();
        let raw = Volume {
            study_uid: String::new(),
            series_uid,
            modality: "PT".to_string(),
            units: factor.result_units.clone(),
            geometry,
            voxels: Voxels::F32(values),
            slices,
            problems: Vec::new(),
        };
        let mut vol = Self::build(raw, factor, affine);
        for (f, &p) in vol.slice_factor.iter_mut().zip(&vol.present) {
            *f = if p { 1.0 } else { f64::NAN };
        }
        Ok(vol)
    }

    /// The PET series of a loaded study in SUV: picks [`LoadedStudy::pet_plan`], computes the
    /// factor from its headers and converts. A refused SUV is returned as
    /// [`QuantError::SuvRefused`]: show Bq/ml, never a substitute.
    pub fn from_study(
        study: &LoadedStudy,
        suv_type: SuvType,
        overrides: &SuvOverrides,
    ) -> Result<Self, QuantError> {
        let plan = study.pet_plan().ok_or(QuantError::NoPetSeries)?;
        Self::from_plan(study, plan, suv_type, overrides)
    }

    /// Like [`SuvVolume::from_study`] for a given plan. The factor is computed before any
    /// pixel is decoded, so a refusal costs nothing.
    pub fn from_plan(
        study: &LoadedStudy,
        plan: &StackPlan,
        suv_type: SuvType,
        overrides: &SuvOverrides,
    ) -> Result<Self, QuantError> {
        let inputs = plan_suv_inputs(study, plan);
        let factor = series_suv_factor(&inputs, suv_type, overrides)?;
        let volume = study.volume(plan)?;
        Self::new(volume, factor)
    }

    /// The precomputed affine.
    pub fn affine(&self) -> &Affine {
        &self.affine
    }

    /// The stored PET values (units [`SuvFactor::pixel_units`], e.g. Bq/ml) with their slice
    /// records: what every SUV is computed from.
    pub fn raw(&self) -> &Volume {
        &self.raw
    }

    /// The stored PET values back, unchanged (to convert them again with another factor, or
    /// to show them in stored units).
    pub fn into_raw(self) -> Volume {
        self.raw
    }

    /// Number of voxels (`ni × nj × nk`).
    pub fn voxel_count(&self) -> usize {
        self.geometry.dims.iter().product()
    }

    /// SUV of voxel `[i, j, k]`; `None` outside the volume or on a missing slice.
    #[inline]
    pub fn get(&self, v: [usize; 3]) -> Option<f32> {
        let f = *self.slice_factor.get(v[2])?;
        let x = match &self.raw.voxels {
            Voxels::F32(a) => *a.get([v[2], v[1], v[0]])? as f64,
            Voxels::I16(a) => *a.get([v[2], v[1], v[0]])? as f64,
            Voxels::Packed(p) => f64::from(p.get(v[2], v[1], v[0])?),
            Voxels::Scaled(s) => f64::from(s.get(v[2], v[1], v[0])?),
        };
        Some(suv_of(x, f)).filter(|x| !x.is_nan())
    }

    /// SUV values of slice `k`, row by row (i fastest), NaN throughout a missing slice; empty
    /// past the last slice. The per-slice reader for whole-volume passes (uploads, maxima).
    pub fn slice_values(&self, k: usize) -> SliceValues<'_> {
        let factor = self.slice_factor.get(k).copied().unwrap_or(f64::NAN);
        let inner = match &self.raw.voxels {
            _ if k >= self.slice_factor.len() => SliceIter::Empty,
            Voxels::F32(a) => SliceIter::F32(a.index_axis(Axis(0), k).into_iter()),
            Voxels::I16(a) => SliceIter::I16(a.index_axis(Axis(0), k).into_iter()),
            Voxels::Scaled(s) => match (s.slice_bits(k), s.scale(k)) {
                (Some(bits), Some(scale)) => SliceIter::Scaled(bits.iter(), scale),
                _ => SliceIter::Empty,
            },
            // Never after `build`, which unpacks.
            Voxels::Packed(_) => SliceIter::Empty,
        };
        SliceValues { inner, factor }
    }

    /// SUV values `range` in storage order (i fastest, then j, then k; the order of an
    /// `[k, j, i]` array), NaN on missing slices; the range is cut at the last voxel.
    pub fn values_in(&self, range: Range<usize>) -> impl Iterator<Item = f32> + '_ {
        let per = self.geometry.dims[0] * self.geometry.dims[1];
        let end = range.end.min(self.voxel_count());
        let start = range.start.min(end);
        let slices = if per == 0 || start == end {
            0..0
        } else {
            start / per..(end - 1) / per + 1
        };
        slices.flat_map(move |k| {
            let from = start.max(k * per) - k * per;
            let to = end.min((k + 1) * per) - k * per;
            self.slice_values(k).skip(from).take(to - from)
        })
    }

    /// Every SUV value in storage order (see [`SuvVolume::values_in`]).
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        self.values_in(0..self.voxel_count())
    }

    /// Patient point (LPS mm) of the centre of voxel `[i, j, k]`.
    pub fn voxel_centre(&self, v: [usize; 3]) -> Vec3 {
        self.affine.centre(v)
    }

    /// Volume of one voxel in ml, from the determinant of the affine (exact for sheared grids).
    pub fn voxel_volume_ml(&self) -> f64 {
        self.geometry.voxel_volume_ml()
    }

    /// The SUV at a patient point: nearest voxel and trilinear.
    pub fn point(&self, p: Vec3) -> Result<PointSuv, QuantError> {
        let voxel = self.affine.nearest(p).ok_or(QuantError::OutsideVolume {
            what: "probe",
            point: p,
        })?;
        let nearest = self.get(voxel).ok_or(QuantError::OnMissingSlice {
            what: "probe",
            point: p,
        })? as f64;
        let idx = self.affine.to_index(p);
        let mut sum = 0.0;
        let mut ok = true;
        for (v, w) in trilinear_corners(idx, self.geometry.dims) {
            if w == 0.0 {
                continue;
            }
            match self.get(v) {
                Some(x) => sum += w * x as f64,
                None => ok = false,
            }
        }
        Ok(PointSuv {
            point: p,
            voxel,
            voxel_centre: self.voxel_centre(voxel),
            nearest,
            trilinear: ok.then_some(sum),
        })
    }
}
