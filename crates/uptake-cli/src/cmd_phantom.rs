//! `uptake phantom`: write a synthetic PET-CT study with known truth.

use crate::cli_error::CliError;
use clap::Args;
use std::path::PathBuf;
use uptake_phantom::{PhantomOptions, Size};

/// Options of `uptake phantom`.
#[derive(Args)]
pub struct PhantomArgs {
    /// Output directory (CT/, PET/ and truth.json are written into it).
    out: PathBuf,
    /// `small` (a few MB, for tests) or `clinical` (CT 512×512×400, PET 192×192×400).
    #[arg(long, default_value = "small")]
    size: Size,
    /// Feet-first supine acquisition (PatientPosition FFS).
    #[arg(long)]
    ffs: bool,
    /// File names and InstanceNumbers in random (deterministic) order.
    #[arg(long)]
    shuffle: bool,
    /// InstanceNumbers counting down along the slice normal.
    #[arg(long)]
    reverse: bool,
    /// Philips PET: Units CNTS with private SUV and activity-concentration scale factors.
    #[arg(long)]
    philips_cnts: bool,
    /// Injection the evening before the scan, with only RadiopharmaceuticalStartTime.
    #[arg(long)]
    midnight: bool,
    /// Write both series on grids rotated by DEG (non-axial).
    #[arg(long, value_name = "DEG", allow_hyphen_values = true)]
    oblique: Option<f64>,
    /// Gantry-tilted CT by DEG (sheared volume).
    #[arg(long, value_name = "DEG", allow_hyphen_values = true)]
    tilt: Option<f64>,
    /// Leave out one CT slice (0-based index in position order).
    #[arg(long, value_name = "INDEX")]
    drop_ct_slice: Option<usize>,
    /// Implicit VR Little Endian instead of Explicit VR Little Endian.
    #[arg(long)]
    implicit: bool,
    /// Enhanced CT / Enhanced PET multi-frame files.
    #[arg(long)]
    enhanced: bool,
    /// Seed of the generated UIDs and permutations.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Runs `uptake phantom`.
pub fn run(args: &PhantomArgs) -> Result<(), CliError> {
    let opts = PhantomOptions {
        size: args.size,
        seed: args.seed,
        feet_first: args.ffs,
        shuffle_files: args.shuffle,
        reverse_instance_numbers: args.reverse,
        philips_cnts: args.philips_cnts,
        injection_before_midnight: args.midnight,
        oblique_deg: args.oblique,
        ct_gantry_tilt_deg: args.tilt,
        drop_ct_slice: args.drop_ct_slice,
        implicit_vr: args.implicit,
        enhanced: args.enhanced,
    };
    let truth = uptake_phantom::write_study(&args.out, &opts)
        .map_err(|e| CliError::Phantom(e.to_string()))?;
    println!(
        "wrote phantom study to {} ({} lesions; truth in truth.json)",
        args.out.display(),
        truth.lesions.len()
    );
    Ok(())
}
