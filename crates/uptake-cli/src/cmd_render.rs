//! `uptake render`: an offscreen picture of a view (natively, through wgpu), written as PNG.

use crate::cli_error::CliError;
use crate::point;
use crate::source::{self, Needs, SourceArgs};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use uptake_render::cli::{CliView, RenderRequest};
use uptake_render::{Colormap, CtWindow, PetDisplay};

/// Which view `uptake render` draws.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ViewArg {
    /// Axial plane (patient right on screen left).
    Axial,
    /// Coronal plane (patient right on screen left).
    Coronal,
    /// Sagittal plane (anterior on screen left).
    Sagittal,
    /// PET maximum-intensity projection about the long axis.
    Mip,
}

/// CT window presets.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum WindowArg {
    /// 40/400.
    SoftTissue,
    /// −600/1500.
    Lung,
    /// 300/1500.
    Bone,
    /// 40/80.
    Brain,
}

/// Options of `uptake render`.
#[derive(Args)]
pub struct RenderArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// View to draw.
    #[arg(long, value_enum, default_value = "axial")]
    view: ViewArg,
    /// Patient point `X,Y,Z` (LPS mm) the plane goes through (MIP: rotation centre); default the PET centre.
    #[arg(long, value_parser = point::parse_point, allow_hyphen_values = true)]
    at: Option<[f64; 3]>,
    /// MIP angle about the patient's long axis, degrees (0 = seen from the front).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    angle: f64,
    /// PET opacity over CT, 0–1 (1 = PET only).
    #[arg(long, default_value_t = 0.5)]
    fusion: f32,
    /// Image size `WxH` in pixels.
    #[arg(long, default_value = "512x512", value_parser = uptake_render::cli::parse_size)]
    size: [u32; 2],
    /// CT window preset.
    #[arg(long, value_enum, default_value = "soft-tissue")]
    window: WindowArg,
    /// Top of the PET SUV display range (bottom is 0).
    #[arg(long, default_value_t = 5.0)]
    suv_max: f32,
    /// Draw the crosshair at `--at`.
    #[arg(long)]
    crosshair: bool,
    /// Output PNG file.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `uptake render`.
pub fn run(args: &RenderArgs) -> Result<(), CliError> {
    if !(0.0..=1.0).contains(&args.fusion) {
        return Err(CliError::Usage("--fusion must be between 0 and 1".into()));
    }
    if !(args.suv_max > 0.0 && args.suv_max.is_finite()) {
        return Err(CliError::Usage(
            "--suv-max must be a positive number".into(),
        ));
    }
    let view = match args.view {
        ViewArg::Axial => CliView::Axial,
        ViewArg::Coronal => CliView::Coronal,
        ViewArg::Sagittal => CliView::Sagittal,
        ViewArg::Mip => CliView::Mip,
    };
    let preset = match args.window {
        WindowArg::SoftTissue => "soft-tissue",
        WindowArg::Lung => "lung",
        WindowArg::Bone => "bone",
        WindowArg::Brain => "brain",
    };
    let mut pet = PetDisplay {
        high: args.suv_max,
        ..PetDisplay::default()
    };
    if matches!(view, CliView::Mip) {
        pet.colormap = Colormap::InverseGrey;
    }
    let request = RenderRequest {
        view,
        at: args.at,
        angle_deg: args.angle,
        fusion: args.fusion,
        size: args.size,
        window: CtWindow::preset(preset).unwrap_or_default(),
        pet,
        crosshair: args.crosshair,
    };
    let study = source::load(&args.source, Needs::PetCt)?;
    let name = match (&args.source.dicomweb, &args.source.study) {
        (Some(url), Some(uid)) => format!("study {uid} at {url}"),
        _ => args
            .source
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let adapter = uptake_render::dicom::render_loaded_study_png(&study, &name, &request, &args.out)
        .map_err(|e| CliError::Render(e.to_string()))?;
    eprintln!("uptake: wrote {} ({adapter})", args.out.display());
    Ok(())
}
