//! Loading a study from the paths given on the command line.

use crate::cli_error::CliError;
use std::path::PathBuf;
use uptake_dicom::LoadedStudy;

/// Loads the study; fails when no image could be read at all.
pub fn load(paths: &[PathBuf]) -> Result<LoadedStudy, CliError> {
    let study = uptake_dicom::load_paths(paths);
    if study.instances.is_empty() {
        let detail = study
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(CliError::NoImages {
            paths: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            detail,
        });
    }
    Ok(study)
}
