//! [`Core`]: the study being opened and the viewer on it, independent of JavaScript and the
//! GPU (the worker's `WebViewer` wraps it; tested natively).
//!
//! Files are parsed as they arrive ([`Core::add_file`]) and their slice decoded at once into
//! its series' buffer (streaming assembly, `uptake_dicom::stream`; the file bytes are freed),
//! then [`Core::open`] plans the series from the headers, takes the volumes from those buffers,
//! computes SUV and starts the viewer on the PET-CT hanging protocol.

use std::collections::HashMap;

use serde::Serialize;
use uptake_dicom::{DicomInstance, LoadedStudy, PoolSlice, Pooled, SlicePool, Volume};
use uptake_viewer::{estimate_for_study, MemoryEstimate, Session, Viewer, ViewerError, Warning};

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
    /// Memory the volumes take (estimate from the plans, an upper bound).
    pub memory: MemoryEstimate,
    /// What the opened volumes hold.
    pub held: HeldMemory,
}

/// Bytes the volumes of an opened study hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeldMemory {
    /// The exact CPU copies (CT packed, PET as stored values in the browser).
    pub cpu_bytes: usize,
    /// The GPU's display copies (2 bytes a voxel).
    pub gpu_bytes: usize,
}

impl HeldMemory {
    fn of(viewer: &Viewer) -> HeldMemory {
        let s = &viewer.session;
        let volumes = s.ct.iter().chain(std::iter::once(s.pet_raw()));
        let (cpu_bytes, gpu_bytes) = volumes.fold((0, 0), |(cpu, gpu), v| {
            let voxels: usize = v.geometry.dims.iter().product();
            (cpu + v.voxels.byte_len(), gpu + voxels * 2)
        });
        HeldMemory {
            cpu_bytes,
            gpu_bytes,
        }
    }
}

/// What a viewer's PET display shows: the series and the SUV factor (or the refusal).
type PetShown = (String, Result<uptake_quant::suv::SuvFactor, String>);

fn pet_shown(viewer: &Viewer) -> PetShown {
    let s = &viewer.session;
    (
        s.choice.pet_series_uid.clone(),
        s.suv().map(|v| v.factor.clone()).map_err(str::to_string),
    )
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
    /// The viewer, once a study is open (or previewed, see [`Core::preview`]).
    pub viewer: Option<Viewer>,
    /// Whether `viewer` is a preview while the study still arrives.
    previewing: bool,
    /// A preview of this study failed: not tried again.
    preview_failed: bool,
    /// Volumes for the study at [`Core::open`] (the preview's PET).
    kept: Vec<Volume>,
    /// What the preview's PET display showed: its series and SUV factor (or refusal).
    preview_pet: Option<PetShown>,
    /// Whether the study opened last shows the PET exactly as its preview did.
    pet_as_previewed: bool,
    /// Where the preview's cursor was: the study opens there.
    preview_cursor: Option<[f64; 3]>,
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
        self.kept.clear();
        self.preview_failed = false;
        self.preview_pet = None;
        self.pet_as_previewed = false;
        self.preview_cursor = None;
        if self.previewing {
            self.viewer = None;
            self.previewing = false;
        }
    }

    /// Whether the study opened last shows the PET exactly as its preview did (same series,
    /// same SUV factor): the PET on the GPU is then still right.
    pub fn pet_as_previewed(&self) -> bool {
        self.pet_as_previewed
    }

    /// Whether the viewer is a preview (see [`Core::preview`]).
    pub fn previewing(&self) -> bool {
        self.previewing
    }

    /// A first picture while the CT is still arriving, made from the whole PET and one CT
    /// slice: call it once every PET series has arrived, and again as CT slices come until it
    /// answers true. The slice is the centre of the CT's expected order when one was given
    /// ([`Core::expect_series`]), else the CT slice nearest the PET's centre
    /// ([`crate::preview`]); `ct`, when given, is the CT series to use. The preview is a
    /// viewer like any other (the PET, its SUV and the MIP are final), but its CT is one
    /// slice, so commands other than `resize` wait for [`Core::open`], which takes the
    /// PET over without decoding it again. A failed preview gives everything back and is
    /// not tried again (the error is returned; [`Core::open`] reports its own).
    pub fn preview(&mut self, pet: Option<&str>, ct: Option<&str>) -> Result<bool, OpenError> {
        if self.viewer.is_some() || self.preview_failed {
            return Ok(false);
        }
        let Some((ct_uid, centre_sop)) = self.preview_slice(pet, ct) else {
            return Ok(false);
        };
        let is_ct = |i: &DicomInstance| i.header.modality == "CT";
        if !self
            .instances
            .iter()
            .any(|i| i.header.sop_instance_uid == centre_sop && is_ct(i))
        {
            return Ok(false);
        }
        let (moved, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.instances)
            .into_iter()
            .partition(|i| i.header.modality == "PT" || i.header.sop_instance_uid == centre_sop);
        self.instances = rest;
        let pet_series: Vec<String> = moved
            .iter()
            .filter(|i| i.header.modality == "PT")
            .map(|i| i.header.series_uid.clone())
            .collect();
        let pet_pools = pet_series
            .iter()
            .filter_map(|uid| self.pools.remove_entry(uid))
            .collect();
        let study = LoadedStudy::from_streamed(moved, pet_pools);
        // The CT's centre slice, copied out of its pool, which goes on filling.
        let centre_volume = study
            .plans
            .iter()
            .find(|p| p.series_uid == ct_uid && p.modality == "CT")
            .and_then(|plan| self.pools.get(&ct_uid)?.copy_volume(plan, &study.instances));
        match centre_volume {
            Some(Ok(v)) => study.keep(v),
            _ => {
                self.give_back(study);
                self.preview_failed = true;
                return Ok(false);
            }
        }
        let opened = Session::try_open_with(
            study,
            pet,
            Some(&ct_uid),
            uptake_quant::suv::SuvType::Bw,
            &Default::default(),
        );
        match opened {
            Ok(mut session) => {
                // A one-slice CT is what a preview is, not a problem of the series.
                session
                    .warnings
                    .retain(|w| !matches!(w, Warning::SliceProblem(t) if t.starts_with("CT")));
                let viewer = Viewer::new(session);
                self.preview_pet = Some(pet_shown(&viewer));
                self.preview_cursor = Some(viewer.cursor());
                self.viewer = Some(viewer);
                self.previewing = true;
                Ok(true)
            }
            Err((e, study)) => {
                self.give_back(*study);
                self.preview_failed = true;
                Err(e.into())
            }
        }
    }

    /// The CT slice a preview shows, once it has arrived: (series, SOP Instance UID).
    fn preview_slice(&self, pet: Option<&str>, ct: Option<&str>) -> Option<(String, String)> {
        let pooled = |pools: &HashMap<String, SlicePool>, uid: &str, sop: &str| {
            pools.get(uid).is_some_and(|p| p.contains(sop))
        };
        let ordered = self.expected.iter().find_map(|(uid, order)| {
            let sop = order.get(order.len() / 2).filter(|_| order.len() >= 2)?;
            let wanted = ct.is_none_or(|c| c == uid);
            (wanted && pooled(&self.pools, uid, sop)).then(|| (uid.clone(), sop.clone()))
        });
        if ordered.is_some() || self.expected.keys().any(|uid| ct.is_none_or(|c| c == uid)) {
            return ordered;
        }
        // From the PET slices in now (a few hundred headers: cheap to redo per CT slice).
        let centre = crate::preview::pet_centre(self.instances.iter().map(|i| &i.header), pet)?;
        let arrived = self.instances.iter().map(|i| &i.header).filter(|h| {
            ct.is_none_or(|c| c == h.series_uid)
                && pooled(&self.pools, &h.series_uid, &h.sop_instance_uid)
        });
        crate::preview::nearest_ct_slice(arrived, centre)
    }

    /// Returns a preview's study to the files being loaded: its instances, its pools and
    /// the PET volumes taken out of them.
    fn give_back(&mut self, study: LoadedStudy) {
        let LoadedStudy {
            instances,
            pools,
            kept,
            ..
        } = study;
        self.instances.extend(instances);
        if let Ok(pools) = pools.into_inner() {
            self.pools.extend(pools);
        }
        if let Ok(kept) = kept.into_inner() {
            self.kept
                .extend(kept.into_values().filter(|v| v.modality == "PT"));
        }
    }

    /// The number of instances a series will bring (from the server's series query), given
    /// before its files arrive: its buffer is allocated once at that size.
    pub fn expect_count(&mut self, series_uid: &str, instances: usize) {
        self.counts.insert(series_uid.to_string(), instances);
    }

    /// The expected final slice order of a series (SOP Instance UIDs by position along the
    /// slice normal, e.g. from a QIDO-RS instance query): each slice then goes straight to
    /// its final place. It may come after some slices arrived: those move to their place
    /// (in place, see `SlicePool::adopt_order`), and their slots are returned. An order that
    /// does not fit what arrived (a pooled slice it does not name) is ignored. Only an
    /// optimisation: the plan always comes from the headers.
    pub fn expect_series(&mut self, series_uid: &str, sop_uids: Vec<String>) -> Vec<usize> {
        let placed = match self.pools.get_mut(series_uid) {
            Some(pool) => match pool.adopt_order(&sop_uids) {
                Some(slots) => slots,
                None => return Vec::new(),
            },
            None => Vec::new(),
        };
        self.expected.insert(series_uid.to_string(), sop_uids);
        placed
    }

    /// The modality of a series added so far.
    pub fn series_modality(&self, series_uid: &str) -> Option<&str> {
        self.instances
            .iter()
            .find(|i| i.header.series_uid == series_uid)
            .map(|i| i.header.modality.as_str())
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
            // CT is kept packed: the GPU holds the display copy, the CPU an exact one for
            // readouts and re-uploads at about 35–50 % of its plain size.
            SlicePool::new(&series_uid, expected.map_or(&[][..], |v| v))
                .with_capacity_hint(count)
                .with_packing()
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
        if self.previewing {
            self.previewing = false;
            if let Some(viewer) = self.viewer.take() {
                // The preview's PET (and SUV) go before the study's are made.
                let (study, pet_raw) = viewer.session.into_study_and_pet_raw();
                self.kept.push(pet_raw);
                self.give_back(study);
            }
        }
        let instances = std::mem::take(&mut self.instances);
        let pools = std::mem::take(&mut self.pools);
        let mut errors = std::mem::take(&mut self.errors);
        let files = std::mem::take(&mut self.files);
        if instances.is_empty() {
            return Err(OpenError::NoImages { files, errors });
        }
        let images = instances.len();
        let study = LoadedStudy::from_streamed(instances, pools);
        for v in std::mem::take(&mut self.kept) {
            study.keep(v);
        }
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
        let mut viewer = Viewer::new(session);
        self.pet_as_previewed = self.preview_pet.take() == Some(pet_shown(&viewer));
        // The study opens where its preview was looking.
        if let Some(p) = self.preview_cursor.take() {
            viewer.set_cursor(p);
        }
        let held = HeldMemory::of(&viewer);
        self.viewer = Some(viewer);
        Ok(OpenReport {
            files,
            images,
            errors,
            series,
            memory,
            held,
        })
    }

    /// Applies a command to the open viewer.
    pub fn command(&mut self, cmd: &Command) -> Result<Changes, CommandError> {
        if self.previewing && !matches!(cmd, Command::Resize { .. }) {
            return Err(CommandError::Invalid(
                "the study is still loading (a preview is shown)".to_string(),
            ));
        }
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
        self.viewer.as_ref().map(|v| Snapshot {
            preview: self.previewing,
            ..snapshot(v, self.size)
        })
    }
}
