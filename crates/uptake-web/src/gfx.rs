//! The GPU in the browser: a wgpu device presenting to an `OffscreenCanvas` (the page hands
//! its canvas to the worker), WebGPU first and WebGL2 as the fallback; the renderer holding
//! the viewer's volumes; and screenshots read back from an offscreen target.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use js_sys::{Function, Reflect};
use uptake_render::{
    wgpu, DetachedVolume, Gpu, LabelStyle, Readback, RenderError, Renderer, Viewport,
    VolumeGeometry, VolumeSlot, Voxels,
};
use uptake_viewer::Viewer;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::OffscreenCanvas;

/// Which browser GPU API to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// WebGPU when the browser offers an adapter, else WebGL2.
    Auto,
    /// WebGPU only.
    WebGpu,
    /// WebGL2 only (what a hospital PC without WebGPU gets).
    WebGl2,
}

impl BackendChoice {
    /// Parses `auto`, `webgpu`, `webgl2` (also `webgl`).
    pub fn parse(s: &str) -> Option<BackendChoice> {
        match s.to_ascii_lowercase().as_str() {
            "" | "auto" => Some(BackendChoice::Auto),
            "webgpu" => Some(BackendChoice::WebGpu),
            "webgl2" | "webgl" | "gl" => Some(BackendChoice::WebGl2),
            _ => None,
        }
    }
}

/// Why the GPU could not be set up. `canvas_used` tells the page that the canvas already
/// has a context of another kind: a fallback needs a fresh canvas.
#[derive(Debug)]
pub struct GfxError {
    /// The message for the status line.
    pub message: String,
    /// Whether the canvas was given a context before the failure.
    pub canvas_used: bool,
}

/// The device, the canvas surface and the renderer.
#[derive(Debug)]
pub struct Gfx {
    gpu: Gpu,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    canvas: OffscreenCanvas,
    renderer: Renderer,
    api: &'static str,
    /// The CT series streamed into the CT texture slice by slice (final slice order known
    /// early), with the SOP Instance UIDs in texture order.
    streamed_ct: Option<(String, Vec<String>)>,
    /// Slices streamed so far into that texture.
    streamed_slices: usize,
    /// The streamed CT texture, set aside while a preview shows another CT.
    stashed_ct: Option<DetachedVolume>,
    /// The next slice of the viewer's CT to write into its allocated texture, while an
    /// upload goes on in steps ([`Gfx::continue_ct_upload`]).
    ct_pending: Option<usize>,
    /// Set by an uncaptured GPU error, a destroyed device or a canvas that gives no frame:
    /// the device is treated as lost (wgpu's GL backend reports no loss of its own).
    broken: Arc<AtomicBool>,
}

fn err(message: impl Into<String>, canvas_used: bool) -> GfxError {
    GfxError {
        message: message.into(),
        canvas_used,
    }
}

fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends;
    wgpu::Instance::new(desc)
}

async fn webgpu(canvas: &OffscreenCanvas) -> Result<(Gpu, wgpu::Surface<'static>), GfxError> {
    let instance = instance(wgpu::Backends::BROWSER_WEBGPU);
    // The adapter first: without one the canvas stays untouched for the WebGL2 fallback.
    let adapter = instance
        .request_adapter(&Gpu::adapter_options(None))
        .await
        .map_err(|e| err(format!("WebGPU offers no adapter ({e})"), false))?;
    if adapter.get_info().backend != wgpu::Backend::BrowserWebGpu {
        return Err(err("WebGPU is not available in this browser", false));
    }
    let gpu = Gpu::from_adapter(instance, adapter)
        .await
        .map_err(|e| err(format!("WebGPU device: {e}"), false))?;
    let surface = gpu
        .instance
        .create_surface(wgpu::SurfaceTarget::OffscreenCanvas(canvas.clone()))
        .map_err(|e| err(format!("WebGPU canvas: {e}"), true))?;
    Ok((gpu, surface))
}

async fn webgl2(canvas: &OffscreenCanvas) -> Result<(Gpu, wgpu::Surface<'static>), GfxError> {
    let instance = instance(wgpu::Backends::GL);
    // With WebGL2 the context comes from the canvas: surface before adapter.
    let surface = instance
        .create_surface(wgpu::SurfaceTarget::OffscreenCanvas(canvas.clone()))
        .map_err(|e| err(format!("WebGL2 is not available on this canvas: {e}"), true))?;
    let adapter = instance
        .request_adapter(&Gpu::adapter_options(Some(&surface)))
        .await
        .map_err(|e| err(format!("WebGL2 offers no adapter ({e})"), true))?;
    let gpu = Gpu::from_adapter(instance, adapter)
        .await
        .map_err(|e| err(format!("WebGL2 device: {e}"), true))?;
    Ok((gpu, surface))
}

impl Gfx {
    /// Sets up the GPU on `canvas` of `size` device pixels.
    pub async fn create(
        canvas: OffscreenCanvas,
        choice: BackendChoice,
        size: [u32; 2],
    ) -> Result<Gfx, GfxError> {
        let (gpu, surface, api) = match choice {
            BackendChoice::WebGl2 => {
                let (g, s) = webgl2(&canvas).await?;
                (g, s, "WebGL2")
            }
            BackendChoice::WebGpu => {
                let (g, s) = webgpu(&canvas).await?;
                (g, s, "WebGPU")
            }
            BackendChoice::Auto => match webgpu(&canvas).await {
                Ok((g, s)) => (g, s, "WebGPU"),
                Err(e) if e.canvas_used => return Err(e),
                Err(_) => {
                    let (g, s) = webgl2(&canvas).await?;
                    (g, s, "WebGL2")
                }
            },
        };
        let caps = surface.get_capabilities(&gpu.adapter);
        // A non-sRGB format: the renderer writes display values as computed.
        let format = caps
            .formats
            .iter()
            .copied()
            .find(|f| !f.is_srgb())
            .or_else(|| caps.formats.first().copied())
            .ok_or_else(|| err(format!("{api}: the canvas offers no format"), true))?;
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: size[0].max(1),
            height: size[1].max(1),
            present_mode: wgpu::PresentMode::Fifo,
            desired_maximum_frame_latency: 2,
            alpha_mode: caps
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        canvas.set_width(config.width);
        canvas.set_height(config.height);
        surface.configure(&gpu.device, &config);
        let renderer = Renderer::new(&gpu, format).map_err(|e| err(e.to_string(), true))?;
        // wgpu's default handler panics on an uncaptured error, which would kill the worker
        // with the study in it: mark the device broken instead (the page then recovers).
        let broken = Arc::new(AtomicBool::new(false));
        let flag = broken.clone();
        gpu.device.on_uncaptured_error(Arc::new(move |e| {
            flag.store(true, Ordering::SeqCst);
            web_sys::console::error_1(&JsValue::from_str(&format!("GPU error: {e}")));
        }));
        Ok(Gfx {
            gpu,
            surface,
            config,
            canvas,
            renderer,
            api,
            broken,
            streamed_ct: None,
            streamed_slices: 0,
            stashed_ct: None,
            ct_pending: None,
        })
    }

    /// `WebGPU` or `WebGL2`, with the adapter, e.g. `WebGL2 · ANGLE (SwiftShader…)`.
    pub fn describe(&self) -> String {
        let info = self.gpu.adapter.get_info();
        let name = if info.name.is_empty() {
            "adapter name hidden by the browser"
        } else {
            info.name.as_str()
        };
        format!(
            "{} · {name} · max 3D texture {}",
            self.api,
            self.gpu.max_texture_3d()
        )
    }

    /// `WebGPU` or `WebGL2`.
    pub fn api(&self) -> &'static str {
        self.api
    }

    /// The canvas (kept for recovery after a lost device).
    pub fn canvas(&self) -> &OffscreenCanvas {
        &self.canvas
    }

    /// Whether the device was lost (or is unusable: see `broken`).
    pub fn is_lost(&self) -> bool {
        self.gpu.is_lost() || self.broken.load(Ordering::SeqCst)
    }

    /// Destroys the device (tests of the recovery path).
    pub fn destroy_device(&self) {
        self.broken.store(true, Ordering::SeqCst);
        self.gpu.device.destroy();
    }

    fn lost_error(&self) -> Result<(), RenderError> {
        if self.is_lost() {
            Err(RenderError::DeviceLost)
        } else {
            Ok(())
        }
    }

    /// Resizes the canvas and the surface.
    pub fn resize(&mut self, size: [u32; 2]) {
        let (w, h) = (size[0].max(1), size[1].max(1));
        if (w, h) != (self.config.width, self.config.height) {
            self.config.width = w;
            self.config.height = h;
            self.canvas.set_width(w);
            self.canvas.set_height(h);
            self.surface.configure(&self.gpu.device, &self.config);
        }
    }

    /// Writes CT slice `index` of `series_uid` (its final index: the series' order, `order`,
    /// was known before its files) while the study is still arriving; the texture is
    /// allocated at the first slice with `dims` and placed once the plan is known.
    pub fn stream_ct_slice(
        &mut self,
        series_uid: &str,
        order: &[String],
        dims: [usize; 3],
        index: usize,
        values: Voxels<'_>,
    ) -> Result<(), RenderError> {
        if self
            .streamed_ct
            .as_ref()
            .is_none_or(|(s, _)| s != series_uid)
        {
            let provisional = VolumeGeometry {
                dims,
                origin: [0.0; 3],
                spacing: [1.0; 3],
                axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            };
            self.stashed_ct = None;
            self.renderer
                .allocate_volume(VolumeSlot::Ct, &provisional)?;
            self.streamed_ct = Some((series_uid.to_string(), order.to_vec()));
            self.streamed_slices = 0;
        }
        match &self.stashed_ct {
            Some(stashed) => self
                .renderer
                .write_detached_slices(stashed, index, values)?,
            None => self.renderer.write_slices(VolumeSlot::Ct, index, values)?,
        }
        // Hand the queued slices to the browser now and then (an empty submit flushes the
        // queue's writes): the GPU process converts them while more arrive, and wgpu's
        // staging copies do not pile up to a whole volume.
        self.streamed_slices += 1;
        if self.streamed_slices % 8 == 0 {
            self.gpu.queue.submit([]);
        }
        Ok(())
    }

    /// Uploads the CT and the PET of `viewer` (display copies, R16Float): see
    /// [`Gfx::upload_ct`].
    pub fn upload_volumes(&mut self, viewer: &Viewer, preview: bool) -> Result<(), RenderError> {
        self.upload_ct(viewer, preview)?;
        self.upload_pet(viewer)
    }

    /// Uploads the CT of `viewer`. A CT streamed in its final order (every slice of it) is
    /// only placed (its geometry set), not uploaded again. For a `preview` (a one-slice CT
    /// while the CT still arrives) the streamed texture is set aside and goes on filling.
    pub fn upload_ct(&mut self, viewer: &Viewer, preview: bool) -> Result<(), RenderError> {
        self.start_ct_upload(viewer, preview)?;
        self.continue_ct_upload(viewer, usize::MAX).map(|_| ())
    }

    /// [`Gfx::upload_ct`] in steps: places a streamed CT or allocates the texture, and leaves
    /// the slices to [`Gfx::continue_ct_upload`] (a draw finishes what is left first).
    pub fn start_ct_upload(&mut self, viewer: &Viewer, preview: bool) -> Result<(), RenderError> {
        self.ct_pending = None;
        if preview {
            if self.streamed_ct.is_some() && self.stashed_ct.is_none() {
                self.stashed_ct = self.renderer.detach_volume(VolumeSlot::Ct);
            }
            match viewer.ct_desc() {
                Some(ct) => self.renderer.set_volume(VolumeSlot::Ct, &ct)?,
                None => self.renderer.clear_volume(VolumeSlot::Ct),
            }
            return Ok(());
        }
        if let Some(stashed) = self.stashed_ct.take() {
            self.renderer.attach_volume(VolumeSlot::Ct, stashed);
        }
        let complete = self
            .streamed_ct
            .as_ref()
            .is_some_and(|(_, order)| order.len() == self.streamed_slices);
        let streamed = self.streamed_ct.take().filter(|_| complete);
        match viewer.ct_desc() {
            Some(ct) => {
                let reuse = viewer
                    .session
                    .ct
                    .as_ref()
                    .zip(streamed.as_ref())
                    .is_some_and(|(v, (series, order))| {
                        &v.series_uid == series
                            && v.slices.len() == order.len()
                            && v.slices.iter().zip(order).all(|(s, uid)| {
                                s.as_ref().is_some_and(|s| &s.sop_instance_uid == uid)
                            })
                    });
                if !(reuse
                    && self
                        .renderer
                        .set_volume_geometry(VolumeSlot::Ct, &ct.geometry)
                        .is_ok())
                {
                    self.renderer
                        .allocate_volume(VolumeSlot::Ct, &ct.geometry)?;
                    self.ct_pending = Some(0);
                }
            }
            None => self.renderer.clear_volume(VolumeSlot::Ct),
        }
        Ok(())
    }

    /// Writes up to `max_slices` more slices of the CT upload started by
    /// [`Gfx::start_ct_upload`], ending with a submit; `true` once every slice is written
    /// (or none was pending). Between steps the caller can wait for the GPU
    /// ([`Gfx::when_idle`]): a software GPU otherwise holds a staging copy of every slice
    /// written until it gets to it, which on SwiftShader was about 130 MB at the peak.
    pub fn continue_ct_upload(
        &mut self,
        viewer: &Viewer,
        max_slices: usize,
    ) -> Result<bool, RenderError> {
        let Some(next) = self.ct_pending else {
            return Ok(true);
        };
        let Some(ct) = viewer.ct_desc() else {
            self.ct_pending = None;
            return Ok(true);
        };
        let slices = ct.geometry.dims[2];
        let end = next.saturating_add(max_slices.max(1)).min(slices);
        // On failure the upload is dropped: the next draw reports the GPU's state.
        self.ct_pending = None;
        self.renderer
            .write_volume_slices(VolumeSlot::Ct, &ct, next..end)?;
        self.ct_pending = (end < slices).then_some(end);
        Ok(end == slices)
    }

    /// A promise resolved once the GPU has done the work submitted so far (WebGPU); resolved
    /// at once on WebGL2, where writes are not queued that way. Pair it with a timeout: it
    /// only paces uploads.
    pub fn when_idle(&self) -> js_sys::Promise {
        if self.api != "WebGPU" {
            return js_sys::Promise::resolve(&JsValue::UNDEFINED);
        }
        let queue = self.renderer.queue().clone();
        js_sys::Promise::new(&mut |resolve, _reject| {
            queue.on_submitted_work_done(move || {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            });
        })
    }

    /// Uploads the PET of `viewer` (after the SUV factor or the series changed).
    pub fn upload_pet(&mut self, viewer: &Viewer) -> Result<(), RenderError> {
        match viewer.pet_desc() {
            Some(pet) => self.renderer.set_volume(VolumeSlot::Pet, &pet),
            None => {
                self.renderer.clear_volume(VolumeSlot::Pet);
                Ok(())
            }
        }
    }

    /// Uploads the lesion outlines of `viewer` (none: cleared).
    pub fn upload_labels(&mut self, viewer: &Viewer) -> Result<(), RenderError> {
        if viewer.lesion_list().is_empty() {
            self.renderer.clear_labels();
            return Ok(());
        }
        let labels = viewer.label_volume();
        self.renderer.set_labels(&viewer.label_desc(&labels))
    }

    /// Presents an empty (black) frame.
    pub fn blank(&mut self) -> Result<(), RenderError> {
        self.present(&[])
    }

    /// Draws `viewer`'s layout and presents it. A `preview` leaves the MIP out: it is the
    /// costly view on a software GPU, and the preview is drawn while the data still arrives.
    pub fn draw(&mut self, viewer: &Viewer, preview: bool) -> Result<(), RenderError> {
        self.continue_ct_upload(viewer, usize::MAX)?;
        let size = [self.config.width, self.config.height];
        let mut viewports = frame_viewports(viewer, size);
        if preview {
            viewports.retain(|v| !matches!(v.kind, uptake_render::ViewKind::Mip));
        }
        self.present(&viewports)
    }

    /// Renders `viewports` on a black canvas frame and presents it. A surface that gives no
    /// frame even after being configured again marks the device lost.
    fn present(&mut self, viewports: &[Viewport]) -> Result<(), RenderError> {
        self.lost_error()?;
        let size = [self.config.width, self.config.height];
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(t)
            | wgpu::CurrentSurfaceTexture::Suboptimal(t) => t,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.gpu.device, &self.config);
                match self.surface.get_current_texture() {
                    wgpu::CurrentSurfaceTexture::Success(t)
                    | wgpu::CurrentSurfaceTexture::Suboptimal(t) => t,
                    _ => {
                        self.broken.store(true, Ordering::SeqCst);
                        return Err(RenderError::DeviceLost);
                    }
                }
            }
            wgpu::CurrentSurfaceTexture::Validation => {
                self.broken.store(true, Ordering::SeqCst);
                return Err(RenderError::DeviceLost);
            }
            other => {
                self.lost_error()?;
                return Err(RenderError::Surface(format!("no frame: {other:?}")));
            }
        };
        let view = frame
            .texture
            .create_view(&wgpu::TextureViewDescriptor::default());
        self.renderer
            .render(&view, size, viewports, [0.0, 0.0, 0.0, 1.0])?;
        self.gpu.queue.present(frame);
        Ok(())
    }

    /// Renders the layout offscreen and returns a future of the PNG bytes.
    pub fn screenshot(
        &mut self,
        viewer: &Viewer,
    ) -> Result<impl std::future::Future<Output = Result<Vec<u8>, RenderError>>, RenderError> {
        self.lost_error()?;
        self.continue_ct_upload(viewer, usize::MAX)?;
        let size = [self.config.width, self.config.height];
        let viewports = frame_viewports(viewer, size);
        let readback = Readback::begin(&mut self.renderer, size, &viewports)?;
        let device = self.gpu.device.clone();
        Ok(async move {
            let done: Rc<Cell<Option<Result<(), wgpu::BufferAsyncError>>>> =
                Rc::new(Cell::new(None));
            let flag = done.clone();
            readback
                .buffer()
                .slice(..)
                .map_async(wgpu::MapMode::Read, move |r| flag.set(Some(r)));
            // WebGPU resolves the map from the browser's event loop; WebGL2 needs polling.
            for _ in 0..5000 {
                let _ = device.poll(wgpu::PollType::Poll);
                if let Some(r) = done.take() {
                    r.map_err(|e| RenderError::Readback(e.to_string()))?;
                    return readback.finish()?.to_png();
                }
                sleep_ms(2).await;
            }
            Err(RenderError::Readback(
                "the GPU did not finish the screenshot within 10 s".into(),
            ))
        })
    }
}

/// The viewer's viewports, with lesion outlines switched on when there are lesions.
fn frame_viewports(viewer: &Viewer, size: [u32; 2]) -> Vec<Viewport> {
    let mut viewports = viewer.viewports(size[0], size[1]);
    if !viewer.lesion_list().is_empty() {
        for vp in &mut viewports {
            vp.display.labels = Some(LabelStyle {
                fill_alpha: 0.0,
                ..LabelStyle::default()
            });
        }
    }
    viewports
}

/// Yields to the event loop for `ms` milliseconds (`setTimeout`, in a window or a worker).
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let global = js_sys::global();
        let set_timeout = Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        match set_timeout {
            Some(f) => {
                let _ = f.call2(&global, &resolve, &JsValue::from(ms));
            }
            None => {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
