//! [`SuvVolume`]: a PET volume converted to SUV in full precision (f32 per voxel, statistics
//! accumulated in f64), with its geometry. Missing slices hold NaN and are excluded from
//! every statistic.

use crate::dicom_inputs::{plan_suv_inputs, series_suv_factor};
use crate::error::QuantError;
use crate::space::Affine;
use crate::suv::{SuvFactor, SuvOverrides, SuvType};
use ndarray::{Array3, Axis};
use serde::Serialize;
use uptake_dicom::geometry::{trilinear_corners, Vec3};
use uptake_dicom::{Geometry, LoadedStudy, StackPlan, Volume, Voxels};

/// SUV values of one PET series on its own grid.
#[derive(Debug, Clone)]
pub struct SuvVolume {
    /// SeriesInstanceUID of the PET series.
    pub series_uid: String,
    /// Image → patient affine and dimensions.
    pub geometry: Geometry,
    /// SUV per voxel, indexed `[k, j, i]`; NaN on missing slices.
    pub values: Array3<f32>,
    /// Per slice slot, whether the slice exists.
    pub present: Vec<bool>,
    /// The factor the values were computed with (its provenance goes with every number).
    pub factor: SuvFactor,
    affine: Affine,
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

impl SuvVolume {
    /// Converts a PET volume with a factor indexed by slice slot (see
    /// [`crate::dicom_inputs::series_suv_factor`]). Consumes the volume: f32 voxels are
    /// converted in place, so no second copy of the series is held.
    ///
    /// Fails when the factor's pixel units are not the volume's units, or a per-slice
    /// factor does not have one value per slot.
    pub fn new(volume: Volume, factor: SuvFactor) -> Result<Self, QuantError> {
        let affine = Affine::new(&volume.geometry)?;
        if normalise_units(&factor.pixel_units) != normalise_units(&volume.units) {
            return Err(QuantError::FactorMismatch {
                detail: format!(
                    "the factor applies to {} but the volume is in {}",
                    factor.pixel_units, volume.units
                ),
            });
        }
        let nk = volume.geometry.dims[2];
        if volume.slices.len() != nk {
            return Err(QuantError::FactorMismatch {
                detail: format!(
                    "the volume has {} slice records for {nk} slices",
                    volume.slices.len()
                ),
            });
        }
        if let crate::suv::SuvFactorValues::PerSlice(v) = &factor.values {
            if v.len() != nk {
                return Err(QuantError::FactorMismatch {
                    detail: format!("{} per-slice factors for {nk} slices", v.len()),
                });
            }
        }
        let present: Vec<bool> = volume.slices.iter().map(|s| s.is_some()).collect();
        let mut values = match volume.voxels {
            Voxels::F32(a) => a,
            Voxels::I16(a) => a.mapv(f32::from),
            Voxels::Packed(p) => p.to_array().mapv(f32::from),
        };
        for (k, mut slice) in values.axis_iter_mut(Axis(0)).enumerate() {
            let f = factor.factor_for_slice(k).unwrap_or(f64::NAN);
            if !present[k] || !f.is_finite() {
                slice.fill(f32::NAN);
            } else {
                slice.mapv_inplace(|v| (v as f64 * f) as f32);
            }
        }
        Ok(SuvVolume {
            series_uid: volume.series_uid,
            geometry: volume.geometry,
            values,
            present,
            factor,
            affine,
        })
    }

    /// Builds SUV values directly from an array already in SUV (tests, benchmarks, or SUV
    /// computed elsewhere). `present` defaults to every slice whose values are not all NaN.
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
        let present = values
            .axis_iter(Axis(0))
            .map(|s| s.iter().any(|v| !v.is_nan()))
            .collect();
        Ok(SuvVolume {
            series_uid,
            geometry,
            values,
            present,
            factor,
            affine,
        })
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

    /// SUV of voxel `[i, j, k]`; `None` outside the volume or on a missing slice.
    #[inline]
    pub fn get(&self, v: [usize; 3]) -> Option<f32> {
        self.values
            .get([v[2], v[1], v[0]])
            .copied()
            .filter(|x| !x.is_nan())
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
