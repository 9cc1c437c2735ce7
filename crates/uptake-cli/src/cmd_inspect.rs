//! `uptake inspect`: what is in these files.

use crate::cli_error::CliError;
use crate::output::{self, outln};
use crate::source::{self, Needs, SourceArgs};
use serde::Serialize;
use std::collections::BTreeMap;
use uptake_dicom::geometry::direction_label;
use uptake_dicom::{LoadedStudy, PatientInfo, PetHeader, SliceProblem, StackPlan};
use uptake_quant::dicom_inputs::{plan_suv_inputs, series_suv_factor};
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::FactorSummary;

/// `uptake.inspect/1`: the whole report.
#[derive(Serialize)]
struct Report {
    schema: &'static str,
    images: usize,
    skipped_files: Vec<Skipped>,
    unreadable_files: Vec<Unreadable>,
    studies: Vec<StudyReport>,
}

#[derive(Serialize)]
struct Skipped {
    file: String,
    reason: String,
}

#[derive(Serialize)]
struct Unreadable {
    file: String,
    problem: String,
}

#[derive(Serialize)]
struct StudyReport {
    study_uid: String,
    study_date: Option<String>,
    study_description: Option<String>,
    accession_number: Option<String>,
    patient: PatientInfo,
    series: Vec<SeriesReport>,
    refused_series: Vec<Refused>,
}

#[derive(Serialize)]
struct Refused {
    series_uid: String,
    modality: String,
    reason: String,
}

#[derive(Serialize)]
struct SeriesReport {
    series_uid: String,
    series_number: Option<i64>,
    acquisition: Option<i64>,
    modality: String,
    description: Option<String>,
    manufacturer: Option<String>,
    model: Option<String>,
    frame_of_reference_uid: Option<String>,
    patient_position: Option<String>,
    transfer_syntaxes: Vec<String>,
    instances: usize,
    /// [columns, rows, slices]
    dims: [usize; 3],
    /// mm between voxel centres along [i, j, k]
    spacing_mm: [f64; 3],
    /// patient position (LPS mm) of voxel [0, 0, 0]
    origin_mm: [f64; 3],
    /// unit vectors of the i, j, k axes in LPS
    axes: [[f64; 3]; 3],
    /// anatomical direction of increasing i, j, k (e.g. "L", "P", "H")
    orientation: [String; 3],
    problems: Vec<SliceProblem>,
    pet: Option<PetReport>,
}

#[derive(Serialize)]
struct PetReport {
    #[serde(flatten)]
    header: PetHeader,
    patient_weight_kg: Option<f64>,
    patient_size_m: Option<f64>,
    patient_sex: Option<String>,
    first_acquisition: Option<String>,
    rescale_slopes_differ: bool,
    /// The SUVbw factor with its provenance, when SUV can be computed.
    suv_factor: Option<FactorSummary>,
    /// Why SUV cannot be computed for this series (then values are shown in their units).
    suv_refused: Option<String>,
}

fn series_report(study: &LoadedStudy, plan: &StackPlan) -> SeriesReport {
    let frames: Vec<_> = plan.slots.iter().flatten().collect();
    let mut instance_ids: Vec<usize> = frames.iter().map(|f| f.instance).collect();
    instance_ids.sort_unstable();
    instance_ids.dedup();
    let headers: Vec<_> = instance_ids
        .iter()
        .filter_map(|i| study.instances.get(*i))
        .map(|i| &i.header)
        .collect();
    let mut syntaxes: Vec<String> = headers
        .iter()
        .map(|h| {
            format!(
                "{} ({})",
                h.transfer_syntax,
                uptake_dicom::transfer_syntax::name(&h.transfer_syntax)
            )
        })
        .collect();
    syntaxes.sort();
    syntaxes.dedup();
    let first = headers.first();
    let suv = series_suv_factor(
        &plan_suv_inputs(study, plan),
        SuvType::Bw,
        &SuvOverrides::default(),
    );
    let pet = first.and_then(|h| h.pet.clone()).map(|header| {
        let slopes: Vec<f64> = frames
            .iter()
            .filter_map(|f| {
                study
                    .instances
                    .get(f.instance)?
                    .header
                    .frames
                    .get(f.frame)
                    .map(|fr| fr.rescale_slope)
            })
            .collect();
        let first_acquisition = frames
            .iter()
            .filter_map(|f| {
                let fr = study
                    .instances
                    .get(f.instance)?
                    .header
                    .frames
                    .get(f.frame)?;
                fr.acquisition_datetime.clone().or_else(|| {
                    Some(format!(
                        "{}{}",
                        fr.acquisition_date.clone()?,
                        fr.acquisition_time.clone()?
                    ))
                })
            })
            .min();
        PetReport {
            header,
            patient_weight_kg: first.and_then(|h| h.patient.weight_kg),
            patient_size_m: first.and_then(|h| h.patient.size_m),
            patient_sex: first.and_then(|h| h.patient.sex.clone()),
            first_acquisition,
            rescale_slopes_differ: slopes.windows(2).any(|w| w[0] != w[1]),
            suv_factor: suv.as_ref().ok().map(FactorSummary::from),
            suv_refused: suv.as_ref().err().map(|e| e.to_string()),
        }
    });
    let g = &plan.geometry;
    SeriesReport {
        series_uid: plan.series_uid.clone(),
        series_number: first.and_then(|h| h.series_number),
        acquisition: plan.acquisition,
        modality: plan.modality.clone(),
        description: first.and_then(|h| h.series_description.clone()),
        manufacturer: first.and_then(|h| h.manufacturer.clone()),
        model: first.and_then(|h| h.model.clone()),
        frame_of_reference_uid: first.and_then(|h| h.frame_of_reference_uid.clone()),
        patient_position: first.and_then(|h| h.patient_position.clone()),
        transfer_syntaxes: syntaxes,
        instances: headers.len(),
        dims: g.dims,
        spacing_mm: g.spacing,
        origin_mm: g.origin,
        axes: g.axes,
        orientation: g.axes.map(direction_label),
        problems: plan.problems.clone(),
        pet,
    }
}

fn build(study: &LoadedStudy) -> Report {
    let mut studies: BTreeMap<String, StudyReport> = BTreeMap::new();
    for plan in &study.plans {
        let Some(h) = study.first_header(plan) else {
            continue;
        };
        let entry = studies
            .entry(plan.study_uid.clone())
            .or_insert_with(|| StudyReport {
                study_uid: plan.study_uid.clone(),
                study_date: h.study_date.clone(),
                study_description: h.study_description.clone(),
                accession_number: h.accession_number.clone(),
                patient: h.patient.clone(),
                series: Vec::new(),
                refused_series: Vec::new(),
            });
        entry.series.push(series_report(study, plan));
    }
    for r in &study.refused {
        let study_uid = study
            .instances
            .iter()
            .find(|i| i.header.series_uid == r.series_uid)
            .map(|i| i.header.study_uid.clone())
            .unwrap_or_default();
        let entry = studies.entry(study_uid.clone()).or_insert_with(|| {
            let h = study
                .instances
                .iter()
                .find(|i| i.header.study_uid == study_uid)
                .map(|i| &i.header);
            StudyReport {
                study_uid: study_uid.clone(),
                study_date: h.and_then(|h| h.study_date.clone()),
                study_description: h.and_then(|h| h.study_description.clone()),
                accession_number: h.and_then(|h| h.accession_number.clone()),
                patient: h.map(|h| h.patient.clone()).unwrap_or_default(),
                series: Vec::new(),
                refused_series: Vec::new(),
            }
        });
        entry.refused_series.push(Refused {
            series_uid: r.series_uid.clone(),
            modality: r.modality.clone(),
            reason: r.error.to_string(),
        });
    }
    Report {
        schema: "uptake.inspect/1",
        images: study.instances.len(),
        skipped_files: study
            .skipped
            .iter()
            .map(|(file, reason)| Skipped {
                file: file.clone(),
                reason: reason.clone(),
            })
            .collect(),
        unreadable_files: study
            .errors
            .iter()
            .map(|e| Unreadable {
                file: e.source_name.clone(),
                problem: e.problem.to_string(),
            })
            .collect(),
        studies: studies.into_values().collect(),
    }
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("—")
}

fn fmt_num(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_else(|| "—".into())
}

fn render_text(r: &Report) -> String {
    let mut out = String::new();
    outln!(out, "{} image instance(s)", r.images);
    for s in &r.studies {
        let p = &s.patient;
        out.push('\n');
        outln!(
            out,
            "Study {}  date {}  {}",
            s.study_uid,
            opt(&s.study_date),
            opt(&s.study_description)
        );
        let nhs = match (&p.nhs_number, p.nhs_number_valid) {
            (Some(n), Some(true)) => format!("NHS Number {n}"),
            (Some(n), _) => format!("NHS Number {n} (FAILS CHECK DIGIT)"),
            (None, _) => "NHS Number —".into(),
        };
        outln!(
            out,
            "  Patient {}  ID {}{}  {}  born {}  sex {}",
            opt(&p.name),
            opt(&p.id),
            p.id_issuer
                .as_ref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default(),
            nhs,
            opt(&p.birth_date),
            opt(&p.sex)
        );
        for se in &s.series {
            out.push('\n');
            outln!(
                out,
                "  Series {} [{}] {}  {} {}",
                se.series_number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "—".into()),
                se.modality,
                opt(&se.description),
                opt(&se.manufacturer),
                opt(&se.model)
            );
            outln!(out, "    UID {}", se.series_uid);
            outln!(
                out,
                "    {} instance(s), {}×{}×{} voxels, spacing {:.4}×{:.4}×{:.4} mm, axes i→{} j→{} k→{}",
                se.instances,
                se.dims[0],
                se.dims[1],
                se.dims[2],
                se.spacing_mm[0],
                se.spacing_mm[1],
                se.spacing_mm[2],
                se.orientation[0],
                se.orientation[1],
                se.orientation[2]
            );
            outln!(
                out,
                "    origin ({:.2}, {:.2}, {:.2}) mm LPS, position {}, transfer syntax {}",
                se.origin_mm[0],
                se.origin_mm[1],
                se.origin_mm[2],
                opt(&se.patient_position),
                se.transfer_syntaxes.join("; ")
            );
            for problem in &se.problems {
                outln!(out, "    problem: {}", describe_problem(problem));
            }
            if let Some(pet) = &se.pet {
                let rp = &pet.header.radiopharmaceutical;
                outln!(
                    out,
                    "    PET: units {} decay {} corrected {} series {} {}",
                    opt(&pet.header.units),
                    opt(&pet.header.decay_correction),
                    pet.header.corrected_image.join("\\"),
                    opt(&pet.header.series_date),
                    opt(&pet.header.series_time)
                );
                outln!(
                out,
                    "    SUV inputs: {} {}, dose {} Bq, half-life {} s, injection {} / {}, weight {} kg, height {} m, sex {}",
                    opt(&rp.name),
                    opt(&rp.radionuclide),
                    fmt_num(rp.total_dose),
                    fmt_num(rp.half_life_s),
                    opt(&rp.start_datetime),
                    opt(&rp.start_time),
                    fmt_num(pet.patient_weight_kg),
                    fmt_num(pet.patient_size_m),
                    opt(&pet.patient_sex)
                );
                if pet.header.philips_suv_scale_factor.is_some()
                    || pet.header.philips_activity_concentration_factor.is_some()
                {
                    outln!(
                        out,
                        "    Philips factors: SUV {} activity concentration {}",
                        opt(&pet.header.philips_suv_scale_factor),
                        opt(&pet.header.philips_activity_concentration_factor)
                    );
                }
                match (&pet.suv_factor, &pet.suv_refused) {
                    (Some(f), _) => outln!(
                        out,
                        "    SUVbw factor {} ({} → {}), decay time {} s{}",
                        f.value
                            .map(|v| format!("{v:.6e}"))
                            .unwrap_or_else(|| "per slice".into()),
                        f.pixel_units,
                        f.result_units,
                        fmt_num(f.provenance.decay_time_s),
                        if f.provenance.warnings.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; warnings: {}",
                                f.provenance
                                    .warnings
                                    .iter()
                                    .map(|w| w.message.as_str())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )
                        }
                    ),
                    (None, Some(reason)) => outln!(out, "    SUV REFUSED: {reason}"),
                    (None, None) => {}
                }
                if pet.rescale_slopes_differ {
                    outln!(out, "    per-slice rescale slopes differ (honoured)");
                }
            }
        }
        for refused in &s.refused_series {
            out.push('\n');
            outln!(
                out,
                "  Series {} [{}] NOT USABLE: {}",
                refused.series_uid,
                refused.modality,
                refused.reason
            );
        }
    }
    for u in &r.unreadable_files {
        outln!(out, "unreadable: {}: {}", u.file, u.problem);
    }
    if !r.skipped_files.is_empty() {
        outln!(out, "{} non-image file(s) skipped", r.skipped_files.len());
    }
    out
}

/// One-line description of a slice problem.
pub fn describe_problem(p: &SliceProblem) -> String {
    match p {
        SliceProblem::MissingSlices { first_missing_slot, count, after_position_mm } => format!(
            "{count} slice(s) missing at slot {first_missing_slot} (after {after_position_mm:.2} mm along the normal)"
        ),
        SliceProblem::NonUniformSpacing { min_mm, max_mm, max_position_error_mm } => format!(
            "non-uniform slice spacing {min_mm:.3}–{max_mm:.3} mm; regular grid is off by up to {max_position_error_mm:.3} mm"
        ),
        SliceProblem::Sheared { angle_deg, gantry_tilt_deg } => format!(
            "sheared stack (gantry tilt {}): slice step is {angle_deg:.2}° from the normal; geometry kept sheared",
            fmt_num(*gantry_tilt_deg)
        ),
        SliceProblem::SingleSlice => "single slice: thickness used as slice spacing".into(),
    }
}

/// Runs `uptake inspect`.
pub fn run(source_args: &SourceArgs, json: bool) -> Result<(), CliError> {
    let study = source::load(source_args, Needs::WholeStudy)?;
    let report = build(&study);
    if json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::Output(e.to_string()))?;
        output::write_stdout(&text)
    } else {
        output::write_stdout(&render_text(&report))
    }
}
