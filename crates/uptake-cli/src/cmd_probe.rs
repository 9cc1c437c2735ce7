//! `uptake probe`: CT and PET values at a patient point.

use crate::cli_error::CliError;
use crate::output::{self, outln};
use crate::source;
use serde::Serialize;
use std::path::PathBuf;
use uptake_dicom::Volume;

/// `uptake.probe/1`.
#[derive(Serialize)]
struct ProbeReport {
    schema: &'static str,
    /// The point asked for, LPS mm.
    at: [f64; 3],
    ct_series_uid: Option<String>,
    ct_hu: Option<f64>,
    ct_hu_trilinear: Option<f64>,
    ct_voxel: Option<[usize; 3]>,
    pet_series_uid: Option<String>,
    pet_value: Option<f64>,
    pet_value_trilinear: Option<f64>,
    pet_units: Option<String>,
    pet_voxel: Option<[usize; 3]>,
}

/// Runs `uptake probe`.
pub fn run(paths: &[PathBuf], at: [f64; 3], json: bool) -> Result<(), CliError> {
    let study = source::load(paths)?;
    let pet_plan = study.pet_plan();
    let ct_plan = study.ct_plan(pet_plan);
    let pet: Option<Volume> = pet_plan.map(|p| study.volume(p)).transpose()?;
    let ct: Option<Volume> = ct_plan.map(|p| study.volume(p)).transpose()?;
    let ct_s = ct.as_ref().and_then(|v| v.sample(at));
    let pet_s = pet.as_ref().and_then(|v| v.sample(at));
    let report = ProbeReport {
        schema: "uptake.probe/1",
        at,
        ct_series_uid: ct.as_ref().map(|v| v.series_uid.clone()),
        ct_hu: ct_s.map(|s| s.nearest),
        ct_hu_trilinear: ct_s.map(|s| s.trilinear),
        ct_voxel: ct_s.map(|s| s.voxel),
        pet_series_uid: pet.as_ref().map(|v| v.series_uid.clone()),
        pet_value: pet_s.map(|s| s.nearest),
        pet_value_trilinear: pet_s.map(|s| s.trilinear),
        pet_units: pet.as_ref().map(|v| v.units.clone()),
        pet_voxel: pet_s.map(|s| s.voxel),
    };
    if json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::Output(e.to_string()))?;
        output::write_stdout(&text)
    } else {
        let mut out = String::new();
        outln!(out, "at ({}, {}, {}) mm LPS", at[0], at[1], at[2]);
        match (ct.is_some(), ct_s) {
            (false, _) => outln!(out, "CT: no CT series"),
            (true, None) => outln!(out, "CT: outside the CT volume"),
            (true, Some(s)) => outln!(
                out,
                "CT: {} HU (trilinear {:.2}) at voxel [{}, {}, {}]",
                s.nearest,
                s.trilinear,
                s.voxel[0],
                s.voxel[1],
                s.voxel[2]
            ),
        }
        let units = report.pet_units.as_deref().unwrap_or("");
        match (pet.is_some(), pet_s) {
            (false, _) => outln!(out, "PET: no PET series"),
            (true, None) => outln!(out, "PET: outside the PET volume"),
            (true, Some(s)) => outln!(
                out,
                "PET: {} {units} (trilinear {:.4}) at voxel [{}, {}, {}]",
                s.nearest,
                s.trilinear,
                s.voxel[0],
                s.voxel[1],
                s.voxel[2]
            ),
        }
        output::write_stdout(&out)
    }
}
