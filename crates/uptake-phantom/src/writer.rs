//! Writing the study: one file per slice (or one multi-frame file per series), slices
//! generated in parallel, each file written as soon as its slice is ready.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;

use crate::context::{StudyContext, CT_IMAGE_STORAGE, PET_IMAGE_STORAGE};
use crate::error::PhantomError;
use crate::grid::Grid;
use crate::headers::{self, BedTiming, Series};
use crate::ident::{permutation, SplitMix64, UidSource};
use crate::model::Phantom;
use crate::options::PhantomOptions;
use crate::pixels;

/// ImplementationVersionName written in the file meta group.
pub const IMPLEMENTATION_VERSION_NAME: &str = "UPTAKE_PHANTOM";

/// The ImplementationClassUID written in the file meta group (fixed).
pub fn implementation_class_uid() -> String {
    UidSource::new("uptake-phantom implementation".into()).uid("class")
}

/// Writes one object as a DICOM Part 10 file, followed by its Pixel Data element
/// (7FE0,0010), OW, of `pixel_len` bytes streamed by `pixels`.
///
/// The object must not contain Pixel Data itself, and no element after it (true here:
/// the private group 7053 sorts before 7FE0). Streaming the pixel data keeps a single
/// copy of a multi-frame volume in memory (dicom-object would clone the value while
/// encoding) or none at all when frames are generated while writing.
pub fn write_part10(
    obj: InMemDicomObject,
    transfer_syntax: &str,
    path: &Path,
    pixel_len: usize,
    pixels: impl FnOnce(&mut dyn Write) -> Result<(), PhantomError>,
) -> Result<(), PhantomError> {
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(transfer_syntax)
                .implementation_class_uid(implementation_class_uid())
                .implementation_version_name(IMPLEMENTATION_VERSION_NAME),
        )
        .map_err(|e| PhantomError::Meta {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
    let len = u32::try_from(pixel_len)
        .ok()
        .filter(|l| l % 2 == 0 && *l != u32::MAX)
        .ok_or_else(|| PhantomError::InvalidOption(format!("pixel data of {pixel_len} bytes")))?;
    let out = File::create(path).map_err(|e| PhantomError::io(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    file.write_all(&mut out).map_err(|e| PhantomError::Dicom {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    let mut header = vec![0xE0, 0x7F, 0x10, 0x00];
    if transfer_syntax != crate::context::IMPLICIT_VR_LE {
        header.extend_from_slice(b"OW\0\0");
    }
    header.extend_from_slice(&len.to_le_bytes());
    out.write_all(&header)
        .map_err(|e| PhantomError::io(path, e))?;
    pixels(&mut out)?;
    out.flush().map_err(|e| PhantomError::io(path, e))
}

/// [`write_part10`] with the pixel data already in memory.
pub fn write_part10_bytes(
    obj: InMemDicomObject,
    transfer_syntax: &str,
    path: &Path,
    bytes: &[u8],
) -> Result<(), PhantomError> {
    write_part10(obj, transfer_syntax, path, bytes.len(), |w| {
        w.write_all(bytes).map_err(|e| PhantomError::io(path, e))
    })
}

/// What writing one series produced.
#[derive(Debug, Clone, Default)]
pub struct SeriesOutcome {
    /// Voxels inside each lesion.
    pub lesion_counts: Vec<u64>,
    /// RescaleSlope per slice (position order).
    pub slopes: Vec<f64>,
    /// Files written.
    pub files: usize,
}

/// InstanceNumber and file number (1-based) of each slice in position order.
pub fn numbering(n: usize, opts: &PhantomOptions, label: &str) -> (Vec<usize>, Vec<usize>) {
    let mut instances: Vec<usize> = if opts.shuffle_files {
        seeded_numbers(n, opts, label, b"instance")
    } else {
        (1..=n).collect()
    };
    if opts.reverse_instance_numbers {
        for x in instances.iter_mut() {
            *x = n + 1 - *x;
        }
    }
    let files = if opts.shuffle_files {
        seeded_numbers(n, opts, label, b"file")
    } else {
        instances.clone()
    };
    (instances, files)
}

/// A deterministic permutation of `1..=n`, seeded by the options' seed, the series label and a salt.
fn seeded_numbers(n: usize, opts: &PhantomOptions, label: &str, salt: &[u8]) -> Vec<usize> {
    let mut rng = SplitMix64::new(crate::ident::hash64(&[
        &opts.seed.to_le_bytes(),
        label.as_bytes(),
        salt,
    ]));
    permutation(n, &mut rng)
        .into_iter()
        .map(|x| x + 1)
        .collect()
}

/// Runs `job(k)` for every `k` in `ks` on a few threads, collecting results by `k`.
pub fn parallel<T, F>(ks: &[usize], job: F) -> Result<Vec<(usize, T)>, PhantomError>
where
    T: Send,
    F: Fn(usize) -> Result<T, PhantomError> + Sync,
{
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(ks.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(ks.len()));
    let first_error: Mutex<Option<PhantomError>> = Mutex::new(None);
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for _ in 0..workers {
            handles.push(s.spawn(|| loop {
                let idx = next.fetch_add(1, Ordering::Relaxed);
                let Some(&k) = ks.get(idx) else { break };
                match job(k) {
                    Ok(t) => {
                        if let Ok(mut r) = results.lock() {
                            r.push((k, t));
                        }
                    }
                    Err(e) => {
                        if let Ok(mut f) = first_error.lock() {
                            f.get_or_insert(e);
                        }
                        next.store(usize::MAX / 2, Ordering::Relaxed);
                        break;
                    }
                }
            }));
        }
        let mut panicked = false;
        for h in handles {
            panicked |= h.join().is_err();
        }
        if panicked {
            if let Ok(mut f) = first_error.lock() {
                f.get_or_insert(PhantomError::Thread);
            }
        }
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    let mut r = results.into_inner().map_err(|_| PhantomError::Thread)?;
    r.sort_by_key(|(k, _)| *k);
    Ok(r)
}

fn sum_counts(parts: impl Iterator<Item = Vec<u64>>, n: usize) -> Vec<u64> {
    let mut total = vec![0u64; n];
    for p in parts {
        for (t, c) in total.iter_mut().zip(p) {
            *t += c;
        }
    }
    total
}

/// Writes the single-frame CT series into `dir`.
pub fn write_ct_series(
    ctx: &StudyContext,
    phantom: &Phantom,
    grid: &Grid,
    dir: &Path,
) -> Result<SeriesOutcome, PhantomError> {
    let n = grid.slices;
    let (instances, files) = numbering(n, &ctx.opts, "ct");
    let ks: Vec<usize> = (0..n)
        .filter(|&k| ctx.opts.drop_ct_slice != Some(k))
        .collect();
    let nl = phantom.lesions.len();
    let done = parallel(&ks, |k| {
        let mut counts = vec![0u64; nl];
        let bytes = pixels::ct_slice(phantom, grid, k, &mut counts);
        let sop = ctx.uids.uid(&format!("ct/sop/{k}"));
        let mut o = headers::common(ctx, Series::Ct, CT_IMAGE_STORAGE, &sop);
        headers::ct_image(ctx, &mut o, false);
        headers::plane(&mut o, grid, k, instances[k]);
        headers::image_pixel(&mut o, grid.rows, grid.columns, false);
        let path = dir.join(format!("CT_{:04}.dcm", files[k]));
        write_part10_bytes(o, ctx.transfer_syntax, &path, &bytes)?;
        Ok(counts)
    })?;
    let files_written = done.len();
    Ok(SeriesOutcome {
        lesion_counts: sum_counts(done.into_iter().map(|(_, c)| c), nl),
        slopes: vec![1.0; n],
        files: files_written,
    })
}

/// Bed timing of PET slice `k`: beds of `slices_per_bed` slices from the head end,
/// 120 s each, the first starting at the series time.
pub fn bed_timing(ctx: &StudyContext, grid: &Grid, k: usize) -> BedTiming {
    let n = grid.slices;
    let head_first = grid.positions[0][2] >= grid.positions[n - 1][2];
    let from_head = if head_first { k } else { n - 1 - k };
    let per_bed = if n > 100 { 60 } else { 30 };
    let bed = (from_head / per_bed) as i64;
    let duration_ms = 120_000;
    BedTiming {
        acquisition: ctx.pet_series.plus(bed * 120),
        frame_reference_ms: bed * 120_000 + duration_ms / 2,
        duration_ms,
    }
}

/// Writes the single-frame PET series into `dir`.
pub fn write_pet_series(
    ctx: &StudyContext,
    phantom: &Phantom,
    grid: &Grid,
    dir: &Path,
) -> Result<SeriesOutcome, PhantomError> {
    let n = grid.slices;
    let (instances, files) = numbering(n, &ctx.opts, "pet");
    let ks: Vec<usize> = (0..n).collect();
    let nl = phantom.lesions.len();
    let done = parallel(&ks, |k| {
        let mut counts = vec![0u64; nl];
        let slice = pixels::pet_slice(ctx, phantom, grid, k, &mut counts);
        let sop = ctx.uids.uid(&format!("pet/sop/{k}"));
        let mut o = headers::common(ctx, Series::Pet, PET_IMAGE_STORAGE, &sop);
        headers::pet_series(ctx, &mut o, n);
        headers::pet_slice_timing(&mut o, bed_timing(ctx, grid, k));
        headers::plane(&mut o, grid, k, instances[k]);
        headers::put(
            &mut o,
            dicom_dictionary_std::tags::IMAGE_INDEX,
            dicom_core::VR::US,
            instances[k] as u16,
        );
        headers::image_pixel(&mut o, grid.rows, grid.columns, true);
        headers::put(
            &mut o,
            dicom_dictionary_std::tags::RESCALE_INTERCEPT,
            dicom_core::VR::DS,
            "0",
        );
        headers::put(
            &mut o,
            dicom_dictionary_std::tags::RESCALE_SLOPE,
            dicom_core::VR::DS,
            slice.slope_ds.as_str(),
        );
        let path = dir.join(format!("PET_{:04}.dcm", files[k]));
        write_part10_bytes(o, ctx.transfer_syntax, &path, &slice.bytes)?;
        Ok((counts, slice.slope))
    })?;
    let files_written = done.len();
    let slopes = done.iter().map(|(_, (_, s))| *s).collect();
    Ok(SeriesOutcome {
        lesion_counts: sum_counts(done.into_iter().map(|(_, (c, _))| c), nl),
        slopes,
        files: files_written,
    })
}

/// Creates `dir` and removes the `.dcm` files a previous run left in it.
pub fn prepare_dir(dir: &Path) -> Result<PathBuf, PhantomError> {
    std::fs::create_dir_all(dir).map_err(|e| PhantomError::io(dir, e))?;
    let entries = std::fs::read_dir(dir).map_err(|e| PhantomError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| PhantomError::io(dir, e))?;
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "dcm") && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| PhantomError::io(&path, e))?;
        }
    }
    Ok(dir.to_path_buf())
}
