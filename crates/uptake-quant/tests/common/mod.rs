//! Shared helpers: write a phantom study, load its PET series, convert to SUV.

#![allow(dead_code)]

use std::path::Path;
use uptake_dicom::{load_paths, LoadedStudy};
use uptake_phantom::{write_study, PhantomOptions, Truth};
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::SuvVolume;

/// A generated study kept alive with its temporary directory.
pub struct Generated {
    pub dir: tempfile::TempDir,
    pub truth: Truth,
    pub study: LoadedStudy,
}

/// Writes a phantom with `opts` and loads its PET folder.
pub fn generate(opts: &PhantomOptions) -> Generated {
    let dir = tempfile::tempdir().expect("temp dir");
    let truth = write_study(dir.path(), opts).expect("phantom written");
    let study = load_pet(dir.path());
    Generated { dir, truth, study }
}

/// Loads `dir/PET`.
pub fn load_pet(dir: &Path) -> LoadedStudy {
    let study = load_paths(&[dir.join("PET")]);
    assert!(study.errors.is_empty(), "load errors: {:?}", study.errors);
    study
}

/// The study's PET series in SUVbw.
pub fn suv_volume(study: &LoadedStudy) -> SuvVolume {
    SuvVolume::from_study(study, SuvType::Bw, &SuvOverrides::default()).expect("SUV volume")
}

/// Relative difference.
pub fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}
