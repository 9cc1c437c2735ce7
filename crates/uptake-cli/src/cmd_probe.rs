//! `uptake probe`: CT and PET values at a patient point.

use crate::cli_error::CliError;
use crate::output::{self, outln};
use crate::source::{self, Needs, SourceArgs};
use crate::suv_args::SuvArgs;
use serde::Serialize;
use uptake_dicom::Volume;
use uptake_quant::suv::SuvType;
use uptake_quant::{study_suv_factor, QuantError, SuvVolume};

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
    /// SUV normalisation asked for (`--suv`, default bw).
    suv_type: SuvType,
    /// SUVbw at the nearest PET voxel; null when outside the PET or when SUV is refused.
    suvbw: Option<f64>,
    /// SUV of `suv_type` at the nearest voxel (equals `suvbw` for bw).
    suv: Option<f64>,
    /// SUV of `suv_type`, trilinear.
    suv_trilinear: Option<f64>,
    /// Why SUV of `suv_type` cannot be given (null when it can).
    suv_refused: Option<String>,
    /// Warnings from the SUV provenance.
    suv_warnings: Vec<String>,
}

/// SUV at a point: nearest value, trilinear value, provenance warnings.
struct PointSuvValue {
    nearest: f64,
    trilinear: Option<f64>,
    warnings: Vec<String>,
}

/// SUV at a point for one normalisation; `Ok(None)` outside the volume; `Err` = refusal text.
fn suv_point(
    study: &uptake_dicom::LoadedStudy,
    pet: &Volume,
    at: [f64; 3],
    suv_type: SuvType,
    overrides: &uptake_quant::suv::SuvOverrides,
) -> Result<Option<PointSuvValue>, String> {
    let factor = study_suv_factor(study, suv_type, overrides).map_err(|e| e.to_string())?;
    let warnings = factor
        .provenance
        .warnings
        .iter()
        .map(|w| w.message.clone())
        .collect();
    let vol = SuvVolume::new(pet.clone(), factor).map_err(|e| e.to_string())?;
    match vol.point(at) {
        Ok(p) => Ok(Some(PointSuvValue {
            nearest: p.nearest,
            trilinear: p.trilinear,
            warnings,
        })),
        Err(QuantError::OutsideVolume { .. }) | Err(QuantError::OnMissingSlice { .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs `uptake probe`.
pub fn run(
    source_args: &SourceArgs,
    at: [f64; 3],
    suv_args: &SuvArgs,
    json: bool,
) -> Result<(), CliError> {
    let study = source::load(source_args, Needs::PetCt)?;
    let pet_plan = study.pet_plan();
    let ct_plan = study.ct_plan(pet_plan);
    let pet: Option<Volume> = pet_plan.map(|p| study.volume(p)).transpose()?;
    let ct: Option<Volume> = ct_plan.map(|p| study.volume(p)).transpose()?;
    let ct_s = ct.as_ref().and_then(|v| v.sample(at));
    let pet_s = pet.as_ref().and_then(|v| v.sample(at));
    let suv_type: SuvType = suv_args.suv_type.into();
    let overrides = suv_args.overrides();
    let (mut suvbw, mut suv, mut suv_trilinear, mut suv_refused, mut suv_warnings) =
        (None, None, None, None, Vec::new());
    if let Some(pet_vol) = &pet {
        if pet_s.is_some() {
            match suv_point(&study, pet_vol, at, suv_type, &overrides) {
                Ok(Some(v)) => {
                    suv = Some(v.nearest);
                    suv_trilinear = v.trilinear;
                    suv_warnings = v.warnings;
                }
                Ok(None) => {}
                Err(reason) => suv_refused = Some(reason),
            }
            suvbw = if suv_type == SuvType::Bw {
                suv
            } else {
                suv_point(&study, pet_vol, at, SuvType::Bw, &overrides)
                    .ok()
                    .flatten()
                    .map(|v| v.nearest)
            };
        }
    }
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
        suv_type,
        suvbw,
        suv,
        suv_trilinear,
        suv_refused,
        suv_warnings,
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
        match (&report.suv, &report.suv_refused) {
            (Some(v), _) => outln!(
                out,
                "SUV ({:?}): {v:.4} (trilinear {})",
                report.suv_type,
                report
                    .suv_trilinear
                    .map(|t| format!("{t:.4}"))
                    .unwrap_or_else(|| "—".into())
            ),
            (None, Some(reason)) => outln!(out, "SUV refused: {reason}"),
            (None, None) => {}
        }
        for w in &report.suv_warnings {
            outln!(out, "warning: {w}");
        }
        output::write_stdout(&out)
    }
}
