//! [`Core`]: the study being opened and the viewer on it, independent of JavaScript and the
//! GPU (the worker's `WebViewer` wraps it; tested natively).
//!
//! Files are parsed as they arrive ([`Core::add_file`]) and their slice decoded at once into
//! its series' buffer (streaming assembly, `uptake_dicom::stream`; the file bytes are freed),
//! then [`Core::open`] plans the series from the headers, takes the volumes from those buffers,
//! computes SUV and starts the viewer on the PET-CT hanging protocol.

use std::collections::HashMap;

use serde::Serialize;
use uptake_dicom::{DicomInstance, LoadedStudy, PoolSlice, Pooled, SlicePool};
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
    /// Voxel spacing in mm (column, row, slice).
    pub spacing: [f64; 3],
    /// Slice problems (gaps, uneven spacing, tilt).
    pub problems: Vec<uptake_dicom::SliceProblem>,
}

/// The planned series of a study, in planning order.
pub fn series_reports(study: &LoadedStudy) -> Vec<SeriesReport> {
    study
        .plans
        .iter()
        .map(|p| SeriesReport {
            series_uid: p.series_uid.clone(),
            modality: p.modality.clone(),
            description: study
                .first_header(p)
                .and_then(|h| h.series_description.clone()),
            dims: p.geometry.dims,
            spacing: p.geometry.spacing,
            problems: p.problems.clone(),
        })
        .collect()
}

/// What [`Core::add_file`] did with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// Its SeriesInstanceUID.
    pub series_uid: String,
    /// Its modality.
    pub modality: String,
    /// Columns of its frame.
    pub columns: usize,
    /// Rows of its frame.
    pub rows: usize,
    /// Where its slice was decoded in the series' buffer; with an expected order this is its
    /// final slice index.
    pub pool_index: Option<usize>,
    /// Length of the series' expected order (0: none was given).
    pub expected_slices: usize,
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
    pools: HashMap<String, SlicePool>,
    expected: HashMap<String, Vec<String>>,
    counts: HashMap<String, usize>,
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
        self.pools.clear();
        self.expected.clear();
        self.counts.clear();
    }

    /// The number of instances a series will bring (from the server's series query), given
    /// before its files arrive: its buffer is allocated once at that size.
    pub fn expect_count(&mut self, series_uid: &str, instances: usize) {
        self.counts.insert(series_uid.to_string(), instances);
    }

    /// The expected final slice order of a series (SOP Instance UIDs by position along the
    /// slice normal, e.g. from a QIDO-RS instance query), given before its files arrive: each
    /// slice then goes straight to its final place. Only an optimisation: the plan always
    /// comes from the headers.
    pub fn expect_series(&mut self, series_uid: &str, sop_uids: Vec<String>) {
        self.expected.insert(series_uid.to_string(), sop_uids);
    }

    /// The expected order of a series, if given.
    pub fn expected_order(&self, series_uid: &str) -> Option<&[String]> {
        self.expected.get(series_uid).map(Vec::as_slice)
    }

    /// Parses one file and decodes its slice into its series' buffer. A file that is not a
    /// usable DICOM image is remembered as an error (reported by [`Core::open`]) and returned.
    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) -> Result<Added, String> {
        self.files += 1;
        let mut inst = match DicomInstance::from_vec(name, bytes) {
            Ok(i) => i,
            Err(e) => {
                let msg = e.to_string();
                self.errors.push(msg.clone());
                return Err(msg);
            }
        };
        let series_uid = inst.header.series_uid.clone();
        let expected = self.expected.get(&series_uid);
        let count = self.counts.get(&series_uid).copied().unwrap_or(0);
        let pool = self.pools.entry(series_uid.clone()).or_insert_with(|| {
            SlicePool::new(&series_uid, expected.map_or(&[][..], |v| v)).with_capacity_hint(count)
        });
        let pooled = match pool.add(&mut inst) {
            Ok(p) => p,
            Err(e) => {
                let msg = e.to_string();
                self.errors.push(msg.clone());
                return Err(msg);
            }
        };
        let added = Added {
            modality: inst.header.modality.clone(),
            columns: inst.header.pixel.columns as usize,
            rows: inst.header.pixel.rows as usize,
            pool_index: match pooled {
                Pooled::At(i) => Some(i),
                Pooled::No => None,
            },
            expected_slices: expected.map_or(0, Vec::len),
            series_uid,
        };
        self.instances.push(inst);
        Ok(added)
    }

    /// Columns and rows of the first image of a series added so far.
    pub fn series_shape(&self, series_uid: &str) -> Option<[usize; 2]> {
        self.instances
            .iter()
            .find(|i| i.header.series_uid == series_uid)
            .map(|i| {
                [
                    i.header.pixel.columns as usize,
                    i.header.pixel.rows as usize,
                ]
            })
    }

    /// A slice decoded into a series' buffer (see [`Added::pool_index`]).
    pub fn pooled_slice(&self, series_uid: &str, index: usize) -> Option<PoolSlice<'_>> {
        self.pools.get(series_uid)?.slice(index)
    }

    /// Number of files added since the last open.
    pub fn files(&self) -> usize {
        self.files
    }

    /// Plans the series of the files added, assembles the PET (`pet`, or the automatic
    /// choice) and its CT, and starts the viewer. The files are consumed.
    pub fn open(&mut self, pet: Option<&str>, ct: Option<&str>) -> Result<OpenReport, OpenError> {
        let instances = std::mem::take(&mut self.instances);
        let pools = std::mem::take(&mut self.pools);
        let mut errors = std::mem::take(&mut self.errors);
        let files = std::mem::take(&mut self.files);
        if instances.is_empty() {
            return Err(OpenError::NoImages { files, errors });
        }
        let images = instances.len();
        let study = LoadedStudy::from_streamed(instances, pools);
        errors.extend(study.refused.iter().map(ToString::to_string));
        let series = series_reports(&study);
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
