//! The index of a folder of DICOM files: studies → series → instances, with each file's header
//! (everything before the pixel data) kept in memory.

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One indexed file.
#[derive(Debug)]
pub struct InstanceEntry {
    /// The file.
    pub path: PathBuf,
    /// SOPInstanceUID.
    pub sop_instance_uid: String,
    /// Transfer syntax UID of the file.
    pub transfer_syntax: String,
    /// The header (data set without pixel data).
    pub header: DefaultDicomObject,
}

/// One series.
#[derive(Debug, Default)]
pub struct SeriesEntry {
    /// Instances sorted by InstanceNumber then SOPInstanceUID.
    pub instances: Vec<Arc<InstanceEntry>>,
}

/// One study.
#[derive(Debug, Default)]
pub struct StudyEntry {
    /// Series by SeriesInstanceUID.
    pub series: BTreeMap<String, SeriesEntry>,
}

impl StudyEntry {
    /// Any instance (for study-level attributes).
    pub fn first(&self) -> Option<&Arc<InstanceEntry>> {
        self.series
            .values()
            .flat_map(|s| s.instances.first())
            .next()
    }

    /// Number of instances.
    pub fn instance_count(&self) -> usize {
        self.series.values().map(|s| s.instances.len()).sum()
    }

    /// Distinct modalities, sorted.
    pub fn modalities(&self) -> Vec<String> {
        let mut m: Vec<String> = self
            .series
            .values()
            .filter_map(|s| s.instances.first())
            .filter_map(|i| text(&i.header, tags::MODALITY))
            .collect();
        m.sort();
        m.dedup();
        m
    }
}

/// All studies found.
#[derive(Debug, Default)]
pub struct Index {
    /// Studies by StudyInstanceUID.
    pub studies: BTreeMap<String, StudyEntry>,
    /// Files that were not DICOM or lacked UIDs: (path, reason).
    pub skipped: Vec<(PathBuf, String)>,
}

/// The first value of `tag` as trimmed text.
pub fn text(obj: &dicom_object::InMemDicomObject, tag: dicom_core::Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches([' ', '\0']).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

impl Index {
    /// Indexes every DICOM file under `dirs` (recursively). Unreadable directories are errors;
    /// unreadable files are recorded in `skipped`.
    pub fn build(dirs: &[PathBuf]) -> std::io::Result<Index> {
        let mut files = Vec::new();
        for d in dirs {
            walk(d, &mut files)?;
        }
        files.sort();
        let mut index = Index::default();
        for path in files {
            match Self::read(&path) {
                Ok((study, series, entry)) => index
                    .studies
                    .entry(study)
                    .or_default()
                    .series
                    .entry(series)
                    .or_default()
                    .instances
                    .push(Arc::new(entry)),
                Err(reason) => index.skipped.push((path, reason)),
            }
        }
        for st in index.studies.values_mut() {
            for se in st.series.values_mut() {
                se.instances.sort_by_key(|i| {
                    let n = text(&i.header, tags::INSTANCE_NUMBER)
                        .and_then(|s| s.parse::<i64>().ok())
                        .unwrap_or(i64::MAX);
                    (n, i.sop_instance_uid.clone())
                });
                se.instances
                    .dedup_by(|a, b| a.sop_instance_uid == b.sop_instance_uid);
            }
        }
        Ok(index)
    }

    fn read(path: &Path) -> Result<(String, String, InstanceEntry), String> {
        let header = OpenFileOptions::new()
            .read_until(tags::PIXEL_DATA)
            .open_file(path)
            .map_err(|e| e.to_string())?;
        let study = text(&header, tags::STUDY_INSTANCE_UID).ok_or("no StudyInstanceUID")?;
        let series = text(&header, tags::SERIES_INSTANCE_UID).ok_or("no SeriesInstanceUID")?;
        let sop = text(&header, tags::SOP_INSTANCE_UID)
            .or_else(|| {
                Some(
                    header
                        .meta()
                        .media_storage_sop_instance_uid()
                        .trim_end_matches('\0')
                        .to_string(),
                )
            })
            .filter(|s| !s.is_empty())
            .ok_or("no SOPInstanceUID")?;
        let ts = header
            .meta()
            .transfer_syntax()
            .trim_end_matches('\0')
            .to_string();
        Ok((
            study,
            series,
            InstanceEntry {
                path: path.to_path_buf(),
                sop_instance_uid: sop,
                transfer_syntax: ts,
                header,
            },
        ))
    }

    /// A series.
    pub fn series(&self, study: &str, series: &str) -> Option<&SeriesEntry> {
        self.studies.get(study)?.series.get(series)
    }

    /// An instance.
    pub fn instance(&self, study: &str, series: &str, sop: &str) -> Option<&Arc<InstanceEntry>> {
        self.series(study, series)?
            .instances
            .iter()
            .find(|i| i.sop_instance_uid == sop)
    }
}
