//! Helpers shared by the integration tests: generate into the cargo test temp dir and
//! re-read files with dicom-object.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dicom_core::Tag;
use dicom_object::{open_file, DefaultDicomObject};
use uptake_phantom::{write_study, PhantomOptions, Truth};

/// A fresh output folder for a test.
pub fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("uptake-phantom")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Writes a study for `opts` into a folder named `name`.
pub fn study(name: &str, opts: &PhantomOptions) -> (PathBuf, Truth) {
    let d = out_dir(name);
    let t = write_study(&d, opts).expect("write_study");
    (d, t)
}

/// The default study, written once per test binary.
pub fn default_study() -> &'static (PathBuf, Truth) {
    static S: OnceLock<(PathBuf, Truth)> = OnceLock::new();
    S.get_or_init(|| study("default", &PhantomOptions::default()))
}

/// All `.dcm` files of a series folder, sorted by name.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
        .collect();
    v.sort();
    v
}

/// Opens a file.
pub fn open(p: &Path) -> DefaultDicomObject {
    open_file(p).unwrap_or_else(|e| panic!("open {}: {e}", p.display()))
}

/// A tag's string value (trimmed of padding), or None.
pub fn s(o: &DefaultDicomObject, tag: Tag) -> Option<String> {
    o.element_opt(tag).ok().flatten().map(|e| {
        e.to_str()
            .expect("string")
            .trim_end_matches(['\0', ' '])
            .to_string()
    })
}

/// A tag's raw string value (with padding), or None.
pub fn raw(o: &DefaultDicomObject, tag: Tag) -> Option<String> {
    o.element_opt(tag)
        .ok()
        .flatten()
        .map(|e| String::from_utf8_lossy(&e.to_bytes().expect("bytes")).into_owned())
}

/// A tag's numeric values.
pub fn f(o: &DefaultDicomObject, tag: Tag) -> Vec<f64> {
    o.element(tag)
        .unwrap_or_else(|_| panic!("missing {tag}"))
        .to_multi_float64()
        .expect("numbers")
}

/// One number.
pub fn f1(o: &DefaultDicomObject, tag: Tag) -> f64 {
    f(o, tag)[0]
}

/// One slice as read back: geometry and rescaled values.
pub struct Slice {
    pub position: [f64; 3],
    pub orientation: [f64; 6],
    pub spacing: [f64; 2],
    pub rows: usize,
    pub columns: usize,
    pub instance: i64,
    pub values: Vec<f64>,
    pub slope: f64,
    pub stored: Vec<i32>,
}

/// Reads a single-frame slice.
pub fn read_slice(o: &DefaultDicomObject) -> Slice {
    use dicom_dictionary_std::tags;
    let p = f(o, tags::IMAGE_POSITION_PATIENT);
    let r = f(o, tags::IMAGE_ORIENTATION_PATIENT);
    let ps = f(o, tags::PIXEL_SPACING);
    let rows = f1(o, tags::ROWS) as usize;
    let columns = f1(o, tags::COLUMNS) as usize;
    let signed = f1(o, tags::PIXEL_REPRESENTATION) == 1.0;
    let slope = f1(o, tags::RESCALE_SLOPE);
    let intercept = f1(o, tags::RESCALE_INTERCEPT);
    let bytes = o
        .element(tags::PIXEL_DATA)
        .expect("pixels")
        .to_bytes()
        .expect("bytes")
        .into_owned();
    assert_eq!(bytes.len(), rows * columns * 2);
    let stored: Vec<i32> = bytes
        .chunks_exact(2)
        .map(|c| {
            if signed {
                i16::from_le_bytes([c[0], c[1]]) as i32
            } else {
                u16::from_le_bytes([c[0], c[1]]) as i32
            }
        })
        .collect();
    Slice {
        position: [p[0], p[1], p[2]],
        orientation: [r[0], r[1], r[2], r[3], r[4], r[5]],
        spacing: [ps[0], ps[1]],
        rows,
        columns,
        instance: s(o, tags::INSTANCE_NUMBER)
            .expect("instance")
            .parse()
            .expect("IS"),
        values: stored
            .iter()
            .map(|&v| v as f64 * slope + intercept)
            .collect(),
        slope,
        stored,
    }
}

/// Every slice of a series folder.
pub fn read_series(dir: &Path) -> Vec<(PathBuf, Slice)> {
    files(dir)
        .into_iter()
        .map(|p| {
            let o = open(&p);
            (p, read_slice(&o))
        })
        .collect()
}

/// Recounts lesion voxels from the files alone (geometry as read), checks every voxel
/// value against the model, and returns the counts.
pub fn recount(dir: &std::path::Path, pet: bool, truth: &Truth) -> Vec<u64> {
    let phantom = uptake_phantom::Phantom::standard();
    let mut counts = vec![0u64; phantom.lesions.len()];
    let series = read_series(&dir.join(if pet { "PET" } else { "CT" }));
    for (path, sl) in &series {
        let row = [sl.orientation[0], sl.orientation[1], sl.orientation[2]];
        let col = [sl.orientation[3], sl.orientation[4], sl.orientation[5]];
        for j in 0..sl.rows {
            for i in 0..sl.columns {
                let p = uptake_phantom::grid::voxel_centre(sl.position, row, col, sl.spacing, i, j);
                // Independent of tissue_at: plain sphere test.
                for (n, l) in phantom.lesions.iter().enumerate() {
                    let d2: f64 = (0..3).map(|a| (p[a] - l.centre_lps[a]).powi(2)).sum();
                    if d2 <= (l.diameter_mm / 2.0).powi(2) {
                        counts[n] += 1;
                    }
                }
                let v = sl.values[j * sl.columns + i];
                if pet {
                    let suv = v * truth.suv.suvbw_factor;
                    let tol = sl.slope * truth.suv.suvbw_factor * 0.5 + 1e-12;
                    let want = phantom.suv_at(p);
                    assert!(
                        (suv - want).abs() <= tol * 1.000001,
                        "{} ({i},{j}): SUV {suv} want {want}",
                        path.display()
                    );
                } else {
                    assert_eq!(v, phantom.hu_at(p) as f64, "{} ({i},{j})", path.display());
                }
            }
        }
    }
    counts
}
