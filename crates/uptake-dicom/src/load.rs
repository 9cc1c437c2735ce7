//! Loading a study from files and directories: parse every file, plan stacks, pick PET and CT.

use crate::error::{AssembleError, InstanceError, Problem};
use crate::instance::DicomInstance;
use crate::par;
use crate::stack::{plan_stacks, RefusedSeries, StackPlan};
use crate::stream::SlicePool;
use crate::volume::Volume;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Everything found under the given paths.
#[derive(Debug, Default)]
pub struct LoadedStudy {
    /// Parsed image instances.
    pub instances: Vec<DicomInstance>,
    /// Files that look like DICOM (or were named explicitly) but could not be used.
    pub errors: Vec<InstanceError>,
    /// Files skipped while walking a directory because they are not DICOM images
    /// (no DICM marker, or no pixel data such as DICOMDIR): (path, reason).
    pub skipped: Vec<(String, String)>,
    /// Planned volumes, one per series (or per acquisition where geometry changes).
    pub plans: Vec<StackPlan>,
    /// Series that could not be planned.
    pub refused: Vec<RefusedSeries>,
    /// Slices decoded while the instances arrived (streaming assembly), by SeriesInstanceUID;
    /// [`LoadedStudy::volume`] takes its volume from here when the pool holds every slot.
    pub pools: std::sync::Mutex<HashMap<String, SlicePool>>,
    /// Volumes handed back by their user ([`LoadedStudy::keep`]) to be given out again by
    /// [`LoadedStudy::volume`]: after streaming assembly the file bytes are gone, so a
    /// series shown before can only come back from here.
    pub kept: std::sync::Mutex<HashMap<String, Volume>>,
}

fn collect_files(
    path: &Path,
    out: &mut Vec<(PathBuf, bool)>,
    explicit: bool,
) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            collect_files(&p, out, false)?;
        }
    } else {
        out.push((path.to_path_buf(), explicit));
    }
    Ok(())
}

/// Loads every DICOM image under `paths` (files, or directories walked recursively), on this
/// thread. See [`load_paths_threads`] for the parallel option.
pub fn load_paths(paths: &[PathBuf]) -> LoadedStudy {
    load_paths_threads(paths, 1)
}

/// [`load_paths`] reading and parsing files on up to `threads` threads (1: on this one); the
/// result does not depend on the thread count. Opt-in: on a busy 2-core machine two threads
/// measured slower than one (the work is mostly the kernel handing out fresh pages).
pub fn load_paths_threads(paths: &[PathBuf], threads: usize) -> LoadedStudy {
    let mut study = LoadedStudy::default();
    let mut files = Vec::new();
    for p in paths {
        if let Err(e) = collect_files(p, &mut files, true) {
            study
                .errors
                .push(InstanceError::new(p.display().to_string(), Problem::Io(e)));
        }
    }
    let parsed = par::run_parts(files.iter().collect(), threads, |(path, _)| {
        DicomInstance::open(path)
    });
    for (result, (path, explicit)) in parsed.into_iter().zip(files) {
        let result = result.unwrap_or_else(|| {
            Err(InstanceError::new(
                path.display().to_string(),
                Problem::Parse("parser thread failed".into()),
            ))
        });
        match result {
            Ok(inst) => study.instances.push(inst),
            Err(e) => {
                let skippable = matches!(e.problem, Problem::NoDicmMarker | Problem::NotAnImage(_))
                    || matches!(&e.problem, Problem::Truncated(_) if std::fs::metadata(&path).map(|m| m.len() < 132).unwrap_or(false));
                if skippable && !explicit {
                    study
                        .skipped
                        .push((e.source_name.clone(), e.problem.to_string()));
                } else {
                    study.errors.push(e);
                }
            }
        }
    }
    study.replan();
    study
}

/// Parses in-memory files on up to `threads` threads, keeping the input order. Returns the
/// instances and the files that failed.
pub fn parse_all_threads(
    files: &[(String, Vec<u8>)],
    threads: usize,
) -> (Vec<DicomInstance>, Vec<InstanceError>) {
    let results = par::run_parts(files.iter().collect(), threads, |(name, bytes)| {
        DicomInstance::from_bytes(name, bytes)
    });
    let mut ok = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for (r, (name, _)) in results.into_iter().zip(files) {
        match r {
            Some(Ok(i)) => ok.push(i),
            Some(Err(e)) => errors.push(e),
            None => errors.push(InstanceError::new(
                name,
                Problem::Parse("parser thread failed".into()),
            )),
        }
    }
    (ok, errors)
}

/// [`parse_all_threads`] on the available cores (at most 4; one on wasm32).
pub fn parse_all(files: &[(String, Vec<u8>)]) -> (Vec<DicomInstance>, Vec<InstanceError>) {
    parse_all_threads(files, par::default_threads())
}

impl LoadedStudy {
    /// Builds a study from instances already parsed (e.g. received over the network).
    pub fn from_instances(instances: Vec<DicomInstance>) -> Self {
        let mut study = LoadedStudy {
            instances,
            ..Default::default()
        };
        study.replan();
        study
    }

    fn replan(&mut self) {
        let headers: Vec<_> = self.instances.iter().map(|i| &i.header).collect();
        let (plans, refused) = plan_stacks(&headers);
        self.plans = plans;
        self.refused = refused;
    }

    /// Builds a study from instances and the pools their slices were decoded into as they
    /// arrived (see [`crate::stream`]).
    pub fn from_streamed(instances: Vec<DicomInstance>, pools: HashMap<String, SlicePool>) -> Self {
        let mut study = Self::from_instances(instances);
        study.pools = std::sync::Mutex::new(pools);
        study
    }

    /// The volume of `plan`: from its series' pool when streaming assembly decoded every
    /// slot (the buffer is handed over), else decoded from the instances on this thread.
    pub fn volume(&self, plan: &StackPlan) -> Result<Volume, AssembleError> {
        if let Some(v) = self.take_kept(plan) {
            return Ok(v);
        }
        if let Some(v) = self.pooled_volume(plan) {
            return v.map(|(v, _)| v);
        }
        Volume::assemble(plan, &self.instances)
    }

    /// Hands a volume of this study back, for [`LoadedStudy::volume`] to give out again (a
    /// viewer switching series keeps what it showed without decoding it twice).
    pub fn keep(&self, volume: Volume) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.insert(volume.series_uid.clone(), volume);
        }
    }

    /// The kept volume of `plan`'s series, when its geometry is the plan's.
    fn take_kept(&self, plan: &StackPlan) -> Option<Volume> {
        let mut kept = self.kept.lock().ok()?;
        let fits = kept
            .get(&plan.series_uid)
            .is_some_and(|v| v.geometry == plan.geometry && v.modality == plan.modality);
        if fits {
            kept.remove(&plan.series_uid)
        } else {
            None
        }
    }

    /// The volume of `plan` from its pool, with whether the pool was already in the plan's
    /// order (no reordering: what was streamed to a GPU slot by slot is valid as is).
    /// `None` when the series was not streamed or a slot is missing from its pool.
    pub fn pooled_volume(&self, plan: &StackPlan) -> Option<Result<(Volume, bool), AssembleError>> {
        let mut pools = self.pools.lock().ok()?;
        let pool = pools.get_mut(&plan.series_uid)?;
        let result = pool.take_volume(plan, &self.instances);
        if pool.is_empty() {
            pools.remove(&plan.series_uid);
        }
        result
    }

    /// Decodes the volume of `plan` on up to `threads` threads (same result as
    /// [`LoadedStudy::volume`]).
    pub fn volume_threads(
        &self,
        plan: &StackPlan,
        threads: usize,
    ) -> Result<Volume, AssembleError> {
        Volume::assemble_threads(plan, &self.instances, threads)
    }

    /// The header of the first instance of a plan.
    pub fn first_header(&self, plan: &StackPlan) -> Option<&crate::header::InstanceHeader> {
        plan.slots
            .iter()
            .flatten()
            .next()
            .and_then(|f| self.instances.get(f.instance))
            .map(|i| &i.header)
    }

    /// The PET series to quantify: attenuation-corrected if any, then the most slices.
    pub fn pet_plan(&self) -> Option<&StackPlan> {
        self.plans
            .iter()
            .filter(|p| p.modality == "PT")
            .max_by_key(|p| {
                let h = self.first_header(p);
                let corrected = h
                    .and_then(|h| h.pet.as_ref())
                    .is_some_and(|pet| pet.corrected_image.iter().any(|c| c == "ATTN"));
                (corrected, p.slots.len())
            })
    }

    /// The CT series to fuse with `pet`: same FrameOfReferenceUID preferred, then the most slices.
    pub fn ct_plan(&self, pet: Option<&StackPlan>) -> Option<&StackPlan> {
        let pet_for = pet
            .and_then(|p| self.first_header(p))
            .and_then(|h| h.frame_of_reference_uid.clone());
        self.plans
            .iter()
            .filter(|p| p.modality == "CT")
            .max_by_key(|p| {
                let same_for = pet_for.is_some()
                    && self
                        .first_header(p)
                        .and_then(|h| h.frame_of_reference_uid.clone())
                        == pet_for;
                (same_for, p.slots.len())
            })
    }
}
