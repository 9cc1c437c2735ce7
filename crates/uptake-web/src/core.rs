//! [`Core`]: the study being opened and the viewer on it, independent of JavaScript and the
//! GPU (the worker's `WebViewer` wraps it; tested natively).
//!
//! Files are parsed as they arrive ([`Core::add_file`]: the bytes are moved into the parsed
//! instance, not copied), then [`Core::open`] plans the series, assembles the volumes, computes
//! SUV and starts the viewer on the PET-CT hanging protocol.

use serde::Serialize;
use uptake_dicom::{DicomInstance, LoadedStudy};
use uptake_viewer::{estimate_for_study, MemoryEstimate, Session, Viewer, ViewerError};

use crate::command::{apply, Changes, Command, CommandError};
use crate::snapshot::{snapshot, Snapshot};

/// Memory budget for the estimate: 2 GiB of the 4 GiB wasm32 address space.
pub const MEMORY_BUDGET_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Why a study could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// No file was a DICOM image.
    #[error("no DICOM image among {files} file(s){}", crate::first_error(.errors))]
    NoImages {
        /// Files given.
        files: usize,
        /// Their errors.
        errors: Vec<String>,
    },
    /// The viewer could not start on the study (no PET, assembly failure…).
    #[error(transparent)]
    Viewer(#[from] ViewerError),
}

/// One series of the opened study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesReport {
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// Modality.
    pub modality: String,
    /// SeriesDescription.
    pub description: Option<String>,
    /// Columns, rows, slices.
    pub dims: [usize; 3],
    /// Slice problems (gaps, uneven spacing, tilt).
    pub problems: Vec<uptake_dicom::SliceProblem>,
}

/// What [`Core::open`] reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenReport {
    /// Files given.
    pub files: usize,
    /// Images parsed.
    pub images: usize,
    /// Files or series that could not be used, with the reason.
    pub errors: Vec<String>,
    /// The planned series.
    pub series: Vec<SeriesReport>,
    /// Memory the volumes take (estimate from the plans).
    pub memory: MemoryEstimate,
}

/// The study being loaded and the viewer.
#[derive(Debug, Default)]
pub struct Core {
    instances: Vec<DicomInstance>,
    errors: Vec<String>,
    files: usize,
    /// The viewer, once a study is open.
    pub viewer: Option<Viewer>,
    /// Canvas size, device pixels.
    pub size: [u32; 2],
}

impl Core {
    /// An empty core for a canvas of `size`.
    pub fn new(size: [u32; 2]) -> Core {
        Core {
            size: [size[0].max(1), size[1].max(1)],
            ..Core::default()
        }
    }

    /// Forgets the files added so far (a new study starts).
    pub fn clear_files(&mut self) {
        self.instances.clear();
        self.errors.clear();
        self.files = 0;
    }

    /// Parses one file. A file that is not a usable DICOM image is remembered as an error
    /// (reported by [`Core::open`]) and returned.
    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.files += 1;
        match DicomInstance::from_vec(name, bytes) {
            Ok(i) => {
                self.instances.push(i);
                Ok(())
            }
            Err(e) => {
                let msg = e.to_string();
                self.errors.push(msg.clone());
                Err(msg)
            }
        }
    }

    /// Number of files added since the last open.
    pub fn files(&self) -> usize {
        self.files
    }

    /// Plans the series of the files added, assembles the PET (`pet`, or the automatic
    /// choice) and its CT, and starts the viewer. The files are consumed.
    pub fn open(&mut self, pet: Option<&str>, ct: Option<&str>) -> Result<OpenReport, OpenError> {
        let instances = std::mem::take(&mut self.instances);
        let mut errors = std::mem::take(&mut self.errors);
        let files = std::mem::take(&mut self.files);
        if instances.is_empty() {
            return Err(OpenError::NoImages { files, errors });
        }
        let images = instances.len();
        let study = LoadedStudy::from_instances(instances);
        errors.extend(
            study
                .refused
                .iter()
                .map(|r| format!("series {} ({}): {}", r.series_uid, r.modality, r.error)),
        );
        let series = study
            .plans
            .iter()
            .map(|p| SeriesReport {
                series_uid: p.series_uid.clone(),
                modality: p.modality.clone(),
                description: study
                    .first_header(p)
                    .and_then(|h| h.series_description.clone()),
                dims: p.geometry.dims,
                problems: p.problems.clone(),
            })
            .collect();
        let memory = estimate_for_study(&study, MEMORY_BUDGET_BYTES);
        let session = Session::open_with(
            study,
            pet,
            ct,
            uptake_quant::suv::SuvType::Bw,
            &Default::default(),
        )?;
        self.viewer = Some(Viewer::new(session));
        Ok(OpenReport {
            files,
            images,
            errors,
            series,
            memory,
        })
    }

    /// Applies a command to the open viewer.
    pub fn command(&mut self, cmd: &Command) -> Result<Changes, CommandError> {
        match (&mut self.viewer, cmd) {
            (Some(v), _) => apply(v, &mut self.size, cmd),
            (None, Command::Resize { width, height }) => {
                self.size = [(*width).max(1), (*height).max(1)];
                Ok(Changes::default())
            }
            (None, _) => Err(CommandError::Invalid("no study is open yet".to_string())),
        }
    }

    /// The page's snapshot, once a study is open.
    pub fn snapshot(&self) -> Option<Snapshot> {
        self.viewer.as_ref().map(|v| snapshot(v, self.size))
    }
}
