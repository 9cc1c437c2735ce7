//! Feature `dicom`: conversions from `uptake-dicom` / `uptake-quant` volumes (what the viewer
//! hands the renderer, in the browser too), and natively the whole `uptake render PATH ...`
//! command (load a study folder, SUV, render, write a PNG).

#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};

use thiserror::Error;
#[cfg(not(target_arch = "wasm32"))]
use uptake_dicom::LoadedStudy;
use uptake_dicom::{Geometry, Volume};
#[cfg(not(target_arch = "wasm32"))]
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::SuvVolume;

#[cfg(not(target_arch = "wasm32"))]
use crate::cli::{render_scene_on, RenderRequest};
use crate::error::RenderError;
#[cfg(not(target_arch = "wasm32"))]
use crate::renderer::Scene;
use crate::volume::{f16_le_of_f32, ValueKind, VolumeDesc, VolumeGeometry, VoxelSource, Voxels};

/// Why a study could not be rendered.
#[derive(Debug, Error)]
pub enum StudyRenderError {
    /// No CT or PET series in the folder.
    #[error("no CT or PET series found under {0}")]
    NoImages(String),
    /// A series could not be assembled into a volume.
    #[error("{0}")]
    Assemble(String),
    /// The SUV factor was refused (show the reason; never a substitute).
    #[error("SUV: {0}")]
    Suv(#[from] uptake_quant::QuantError),
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// The renderer's geometry of an `uptake-dicom` geometry.
pub fn geometry(g: &Geometry) -> VolumeGeometry {
    VolumeGeometry {
        dims: g.dims,
        origin: g.origin,
        spacing: g.spacing,
        axes: g.axes,
    }
}

/// A CT volume (HU) as the renderer's input, borrowing its voxels (i16 stays i16).
pub fn ct_desc(v: &Volume) -> Result<VolumeDesc<'_>, RenderError> {
    let values = match &v.voxels {
        uptake_dicom::volume::Voxels::I16(a) => a.as_slice().map(Voxels::I16),
        uptake_dicom::volume::Voxels::F32(a) => a.as_slice().map(Voxels::F32),
    }
    .ok_or(RenderError::WrongLength {
        expected: v.geometry.dims.iter().product(),
        got: 0,
    })?;
    VolumeDesc::new(geometry(&v.geometry), values, ValueKind::Hu)
}

/// A PET SUV volume as the renderer's input (missing slices, NaN, display as 0). The SUV is
/// computed slice by slice from the stored values as the texture is written
/// ([`VoxelSource`] below): no SUV copy of the volume is made.
pub fn suv_desc(v: &SuvVolume) -> Result<VolumeDesc<'_>, RenderError> {
    VolumeDesc::new(geometry(&v.geometry), Voxels::Source(v), ValueKind::Suv)
}

/// SUV read from the stored PET values: the same numbers as an SUV array (`SuvVolume`'s own
/// arithmetic), so the texture holds the same f16 values.
impl VoxelSource for SuvVolume {
    fn len(&self) -> usize {
        self.voxel_count()
    }

    fn get(&self, n: usize) -> Option<f64> {
        let [ni, nj, _] = self.geometry.dims;
        if n >= self.voxel_count() {
            return None;
        }
        let v = [n % ni, n / ni % nj, n / (ni * nj)];
        Some(SuvVolume::get(self, v).map_or(0.0, f64::from))
    }

    fn f16_le(&self, range: std::ops::Range<usize>) -> Vec<u16> {
        f16_le_of_f32(self.values_in(range))
    }
}

/// `uptake render PATH ...`: loads the study under `path`, converts the PET to SUVbw (a
/// refused SUV is an error with its reason), renders `req` offscreen and writes `out` (PNG).
/// Returns the adapter used, e.g. `llvmpipe (...) (Vulkan)`. Native only.
#[cfg(not(target_arch = "wasm32"))]
pub fn render_study_png(
    path: &Path,
    req: &RenderRequest,
    out: &Path,
) -> Result<String, StudyRenderError> {
    let study = uptake_dicom::load_paths(&[PathBuf::from(path)]);
    render_loaded_study_png(&study, &path.display().to_string(), req, out)
}

/// Like [`render_study_png`] for a study already loaded (from files or DICOMweb); `name` says
/// where it came from in error messages. Native only.
#[cfg(not(target_arch = "wasm32"))]
pub fn render_loaded_study_png(
    study: &LoadedStudy,
    name: &str,
    req: &RenderRequest,
    out: &Path,
) -> Result<String, StudyRenderError> {
    let pet_plan = study.pet_plan();
    let ct = match study.ct_plan(pet_plan) {
        Some(plan) => Some(
            study
                .volume(plan)
                .map_err(|e| StudyRenderError::Assemble(e.to_string()))?,
        ),
        None => None,
    };
    let suv = match pet_plan {
        Some(plan) => Some(SuvVolume::from_plan(
            study,
            plan,
            SuvType::Bw,
            &SuvOverrides::default(),
        )?),
        None => None,
    };
    if ct.is_none() && suv.is_none() {
        return Err(StudyRenderError::NoImages(name.to_string()));
    }
    let scene = Scene {
        ct: ct.as_ref().map(ct_desc).transpose()?,
        pet: suv.as_ref().map(suv_desc).transpose()?,
        labels: None,
    };
    let gpu = crate::Gpu::headless_blocking()?;
    let image = render_scene_on(&gpu, &scene, req)?;
    image.save_png(out)?;
    Ok(gpu.adapter_name())
}
