//! `uptake`: the native command-line tool of the Uptake PET-CT viewer.
//!
//! Every subcommand prints human-readable text, or a stable JSON document with `--json`
//! (schemas in `docs/cli-json.md`). Errors are one line on stderr and a non-zero exit status.

mod cli_error;
mod cmd_inspect;
mod cmd_phantom;
mod cmd_probe;
mod cmd_quantify;
mod cmd_render;
mod cmd_serve;
mod output;
mod point;
mod source;
mod suv_args;

use clap::{Parser, Subcommand};
use cli_error::CliError;
use std::process::ExitCode;

/// Uptake PET-CT: inspect, probe, quantify and generate DICOM PET-CT studies.
#[derive(Parser)]
#[command(name = "uptake", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List studies and series: modality, vendor, dimensions, spacing, orientation, slice
    /// problems, patient identity (NHS Number) and, for PET, the SUV inputs found.
    Inspect {
        #[command(flatten)]
        source: source::SourceArgs,
        /// Print JSON (schema `uptake.inspect/1`).
        #[arg(long)]
        json: bool,
    },
    /// Values at a patient point (LPS mm): CT in HU and PET in its stored units, each sampled
    /// through its own geometry (nearest voxel and trilinear).
    Probe {
        #[command(flatten)]
        source: source::SourceArgs,
        /// Patient point `X,Y,Z` in mm (DICOM LPS: +X patient left, +Y posterior, +Z head).
        #[arg(long, value_parser = point::parse_point, allow_hyphen_values = true)]
        at: [f64; 3],
        #[command(flatten)]
        suv: suv_args::SuvArgs,
        /// Print JSON (schema `uptake.probe/1`).
        #[arg(long)]
        json: bool,
    },
    /// Lesion statistics from a seed point: SUVmax, SUVmean, SUVpeak, SD, MTV, TLG (and the
    /// liver reference with `--liver`).
    Quantify(cmd_quantify::QuantifyArgs),
    /// Draw a view (axial, coronal, sagittal fused MPR, or PET MIP) offscreen to a PNG file.
    Render(cmd_render::RenderArgs),
    /// Serve the web viewer and DICOMweb (`--dicom-dir DIR` embedded, or `--pacs URL` proxy).
    Serve(cmd_serve::ServeArgs),
    /// Write a synthetic PET-CT study with known truth (`truth.json`) as DICOM files.
    Phantom(cmd_phantom::PhantomArgs),
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Inspect { source, json } => cmd_inspect::run(&source, json),
        Command::Probe {
            source,
            at,
            suv,
            json,
        } => cmd_probe::run(&source, at, &suv, json),
        Command::Serve(args) => cmd_serve::run(&args),
        Command::Render(args) => cmd_render::run(&args),
        Command::Quantify(args) => cmd_quantify::run(&args),
        Command::Phantom(args) => cmd_phantom::run(&args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uptake: error: {e}");
            ExitCode::FAILURE
        }
    }
}
