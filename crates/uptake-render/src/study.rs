//! Feature `dicom`, native only: the whole `uptake render PATH ...` command (load a study
//! folder, SUV, render offscreen, write a PNG).

use std::path::{Path, PathBuf};

use thiserror::Error;
use uptake_dicom::LoadedStudy;
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::SuvVolume;

use crate::cli::{render_scene_on, RenderRequest};
use crate::dicom::{ct_desc, suv_desc};
use crate::error::RenderError;
use crate::renderer::Scene;

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

/// `uptake render PATH ...`: loads the study under `path`, converts the PET to SUVbw (a
/// refused SUV is an error with its reason), renders `req` offscreen and writes `out` (PNG).
/// Returns the adapter used, e.g. `llvmpipe (...) (Vulkan)`.
pub fn render_study_png(
    path: &Path,
    req: &RenderRequest,
    out: &Path,
) -> Result<String, StudyRenderError> {
    let study = uptake_dicom::load_paths(&[PathBuf::from(path)]);
    render_loaded_study_png(&study, &path.display().to_string(), req, out)
}

/// Like [`render_study_png`] for a study already loaded (from files or DICOMweb); `name` says
/// where it came from in error messages.
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
