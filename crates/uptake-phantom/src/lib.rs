//! # uptake-phantom
//!
//! Writes a synthetic PET-CT study as DICOM Part 10 files together with its exact
//! truth, for every test and benchmark of Uptake.
//!
//! The study is sampled from an analytic trunk phantom ([`Phantom`]) in patient LPS
//! coordinates: a voxel takes the value of the tissue its *centre* lies in (no partial
//! volume), computed from the geometry exactly as written in the files, so voxel counts,
//! volumes, SUVs and HUs are known exactly and recorded in `truth.json` ([`Truth`]).
//! CT and PET are on different grids that share a FrameOfReferenceUID. Output is
//! deterministic: the same [`PhantomOptions`] give byte-identical files.
//!
//! ```no_run
//! use uptake_phantom::{write_study, PhantomOptions, Size};
//! let truth = write_study(
//!     std::path::Path::new("/tmp/phantom"),
//!     &PhantomOptions { size: Size::Small, philips_cnts: true, ..Default::default() },
//! )?;
//! println!("SUVbw factor {}", truth.suv.suvbw_factor);
//! # Ok::<(), uptake_phantom::PhantomError>(())
//! ```

pub mod context;
pub mod enhanced;
pub mod error;
pub mod grid;
pub mod headers;
pub mod ident;
pub mod model;
pub mod options;
pub mod pixels;
pub mod text;
pub mod truth;
pub mod writer;

use std::path::Path;

pub use error::PhantomError;
pub use model::{Lesion, Phantom, Tissue};
pub use options::{PhantomOptions, Size};
pub use truth::Truth;

use context::{
    StudyContext, CT_IMAGE_STORAGE, ENHANCED_CT_IMAGE_STORAGE, ENHANCED_PET_IMAGE_STORAGE,
    PET_IMAGE_STORAGE,
};
use truth::SeriesFacts;

/// Checks the options against their documented ranges.
pub fn validate(opts: &PhantomOptions) -> Result<(), PhantomError> {
    if let Some(a) = opts.oblique_deg {
        if !a.is_finite() || a.abs() > 45.0 {
            return Err(PhantomError::InvalidOption(format!(
                "oblique angle {a}° is outside ±45°"
            )));
        }
    }
    if let Some(t) = opts.ct_gantry_tilt_deg {
        if !t.is_finite() || t.abs() > 30.0 {
            return Err(PhantomError::InvalidOption(format!(
                "gantry tilt {t}° is outside ±30°"
            )));
        }
    }
    if let Some(k) = opts.drop_ct_slice {
        let n = grid::ct_spec(opts.size).slices;
        if k >= n {
            return Err(PhantomError::InvalidOption(format!(
                "cannot drop CT slice {k}: the CT has {n} slices (0-based index)"
            )));
        }
    }
    Ok(())
}

/// Writes a study into `out_dir`: `CT/*.dcm`, `PET/*.dcm` and `truth.json`, and returns
/// the truth.
///
/// `out_dir` and its `CT` and `PET` folders are created when missing; `.dcm` files
/// already in `CT` and `PET` are removed first, so a rerun never mixes two studies.
pub fn write_study(out_dir: &Path, opts: &PhantomOptions) -> Result<Truth, PhantomError> {
    validate(opts)?;
    let ctx = StudyContext::new(opts);
    let phantom = Phantom::standard();
    let (ct_grid, pet_grid) = grid::grids(opts);
    let ct_dir = writer::prepare_dir(&out_dir.join("CT"))?;
    let pet_dir = writer::prepare_dir(&out_dir.join("PET"))?;

    let (ct_out, pet_out, ct_class, pet_class) = if opts.enhanced {
        (
            enhanced::write_enhanced_ct(&ctx, &phantom, &ct_grid, &ct_dir)?,
            enhanced::write_enhanced_pet(&ctx, &phantom, &pet_grid, &pet_dir)?,
            ENHANCED_CT_IMAGE_STORAGE,
            ENHANCED_PET_IMAGE_STORAGE,
        )
    } else {
        (
            writer::write_ct_series(&ctx, &phantom, &ct_grid, &ct_dir)?,
            writer::write_pet_series(&ctx, &phantom, &pet_grid, &pet_dir)?,
            CT_IMAGE_STORAGE,
            PET_IMAGE_STORAGE,
        )
    };

    let truth = Truth::assemble(
        &ctx,
        &phantom,
        SeriesFacts {
            grid: &ct_grid,
            outcome: &ct_out,
            series_uid: &ctx.ct_series_uid,
            sop_class: ct_class,
            modality: "CT",
            description: "CT WB",
            units: "HU",
            intercept: -1024.0,
            dropped: opts.drop_ct_slice,
        },
        SeriesFacts {
            grid: &pet_grid,
            outcome: &pet_out,
            series_uid: &ctx.pet_series_uid,
            sop_class: pet_class,
            modality: "PT",
            description: "PET AC WB",
            units: ctx.pet_units(),
            intercept: 0.0,
            dropped: None,
        },
    );
    let json = serde_json::to_string_pretty(&truth)?;
    let path = out_dir.join("truth.json");
    std::fs::write(&path, json + "\n").map_err(|e| PhantomError::io(&path, e))?;
    Ok(truth)
}

/// Every `.dcm` file a study folder holds (as [`write_study`] writes it: `CT/`, `PET/`), as
/// `(path, bytes)` sorted by path — what a test hands to a loader that takes bytes (the
/// browser core, streaming assembly) rather than paths.
pub fn read_study_files(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "dcm") {
                out.push((p.display().to_string(), std::fs::read(&p)?));
            }
        }
    }
    out.sort();
    Ok(out)
}
