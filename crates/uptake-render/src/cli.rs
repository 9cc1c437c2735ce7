//! One offscreen view from plain volumes: what `uptake render` does after loading a study.

use std::str::FromStr;

use crate::display::{CtWindow, Display, PetDisplay};
use crate::error::RenderError;
use crate::math::Vec3;
use crate::overlays::Overlay;
use crate::renderer::{Rect, Scene, ViewKind, Viewport};
use crate::view::{Camera, Orientation};

/// The view of `uptake render --view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliView {
    /// Axial MPR.
    Axial,
    /// Coronal MPR.
    Coronal,
    /// Sagittal MPR.
    Sagittal,
    /// PET MIP (`--angle` about the long axis).
    Mip,
}

impl FromStr for CliView {
    type Err = String;

    /// `axial`, `coronal`, `sagittal` or `mip`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "axial" => Ok(CliView::Axial),
            "coronal" => Ok(CliView::Coronal),
            "sagittal" => Ok(CliView::Sagittal),
            "mip" => Ok(CliView::Mip),
            other => Err(format!(
                "unknown view {other:?} (expected axial, coronal, sagittal or mip)"
            )),
        }
    }
}

/// Parses `X,Y,Z` (LPS mm).
pub fn parse_point(s: &str) -> Result<Vec3, String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|e| format!("{p:?}: {e}")))
        .collect::<Result<_, _>>()?;
    match v.as_slice() {
        [x, y, z] if v.iter().all(|c| c.is_finite()) => Ok([*x, *y, *z]),
        _ => Err(format!("expected X,Y,Z in mm, got {s:?}")),
    }
}

/// Parses `WxH` (pixels, each 1..=8192).
pub fn parse_size(s: &str) -> Result<[u32; 2], String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WxH, got {s:?}"))?;
    let p = |t: &str| {
        t.trim()
            .parse::<u32>()
            .ok()
            .filter(|v| (1..=8192).contains(v))
            .ok_or_else(|| format!("bad size {s:?} (each side 1..8192)"))
    };
    Ok([p(w)?, p(h)?])
}

/// The request behind `uptake render PATH --view V --at X,Y,Z [--angle DEG] [--fusion F]
/// [--size WxH] --out file.png`.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderRequest {
    /// Which view.
    pub view: CliView,
    /// Patient point (LPS mm) the planes go through (MIP: the rotation centre); `None` =
    /// the centre of the PET (else the CT).
    pub at: Option<Vec3>,
    /// MIP angle about the long axis, degrees (0 = from the front).
    pub angle_deg: f64,
    /// PET opacity over the CT, 0..1.
    pub fusion: f32,
    /// Image size.
    pub size: [u32; 2],
    /// CT window.
    pub window: CtWindow,
    /// PET range and colour map (MIP: use [`crate::Colormap::InverseGrey`] for the usual look).
    pub pet: PetDisplay,
    /// Draw the crosshair at `at`.
    pub crosshair: bool,
}

impl Default for RenderRequest {
    fn default() -> Self {
        RenderRequest {
            view: CliView::Axial,
            at: None,
            angle_deg: 0.0,
            fusion: 0.5,
            size: [512, 512],
            window: CtWindow::SOFT_TISSUE,
            pet: PetDisplay::default(),
            crosshair: false,
        }
    }
}

/// The viewport (camera fitted to the volumes, display) a request describes.
pub fn request_viewport(scene: &Scene<'_>, req: &RenderRequest) -> Result<Viewport, RenderError> {
    let fit_geometry = match req.view {
        CliView::Mip => scene.pet.or(scene.ct),
        _ => scene.ct.or(scene.pet),
    }
    .map(|v| v.geometry)
    .ok_or_else(|| RenderError::InvalidView("no CT or PET volume to render".into()))?;
    let centre = req.at.unwrap_or_else(|| {
        scene
            .pet
            .or(scene.ct)
            .map_or(fit_geometry.centre(), |v| v.geometry.centre())
    });
    let mut camera = match req.view {
        CliView::Axial => Camera::standard(Orientation::Axial, centre, 1.0),
        CliView::Coronal => Camera::standard(Orientation::Coronal, centre, 1.0),
        CliView::Sagittal => Camera::standard(Orientation::Sagittal, centre, 1.0),
        CliView::Mip => Camera::mip(centre, req.angle_deg, 1.0),
    };
    // Fit about the volume centre, then keep `centre` at the viewport centre.
    camera.mm_per_px = camera.fit_mm_per_px(&fit_geometry, req.size);
    if req.view == CliView::Mip {
        // The MIP is centred on the volume in the projection so the whole body shows.
        let g = fit_geometry.centre();
        camera.centre = [centre[0], centre[1], g[2]];
    }
    Ok(Viewport {
        rect: Rect {
            x: 0,
            y: 0,
            width: req.size[0],
            height: req.size[1],
        },
        camera,
        kind: if req.view == CliView::Mip {
            ViewKind::Mip
        } else {
            ViewKind::Mpr { slab_mm: 0.0 }
        },
        display: Display {
            ct: scene.ct.map(|_| req.window),
            pet: scene.pet.map(|_| req.pet),
            fusion: req.fusion,
            labels: None,
        },
        overlay: Overlay {
            crosshair: req.crosshair.then_some(crate::overlays::Crosshair {
                point: centre,
                colour: [0.0, 1.0, 0.0, 1.0],
            }),
            scale_bar: false,
        },
    })
}

/// Renders one view of `scene` offscreen on a headless device (lavapipe in CI).
#[cfg(not(target_arch = "wasm32"))]
pub fn render_scene(
    scene: &Scene<'_>,
    req: &RenderRequest,
) -> Result<crate::RgbaImage, RenderError> {
    render_scene_on(&crate::Gpu::headless_blocking()?, scene, req)
}

/// Like [`render_scene`] on a given device.
#[cfg(not(target_arch = "wasm32"))]
pub fn render_scene_on(
    gpu: &crate::Gpu,
    scene: &Scene<'_>,
    req: &RenderRequest,
) -> Result<crate::RgbaImage, RenderError> {
    let mut renderer = crate::Renderer::with_scene(gpu, wgpu::TextureFormat::Rgba8Unorm, scene)?;
    let vp = request_viewport(scene, req)?;
    crate::render_to_rgba(&mut renderer, req.size, &[vp])
}
