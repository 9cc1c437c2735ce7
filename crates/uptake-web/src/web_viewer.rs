//! The worker-side JavaScript classes: [`WebViewer`] (the study, the viewer state and its
//! commands) and [`GpuCanvas`] (the GPU on an `OffscreenCanvas`), joined by
//! `viewer.attach(gpu)`. Results cross to JavaScript as JSON strings (snake_case keys, the
//! same as the CLI's `--json`).

use uptake_render::Voxels;
use uptake_viewer::ThresholdChoice;
use wasm_bindgen::prelude::*;
use web_sys::OffscreenCanvas;

use crate::command::{parse_threshold, Command};
use crate::core::Core;
use crate::gfx::{BackendChoice, Gfx};

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, JsError> {
    serde_json::to_string(value).map_err(js_err)
}

/// The memory a CT and a PET of these sizes need (`[columns, rows, slices]`, empty: none),
/// against the viewer's budget: `{ct_bytes, pet_bytes, display_bytes, total_bytes,
/// budget_bytes, warning}` (JSON), for a warning before a huge study is loaded.
#[wasm_bindgen(js_name = estimateMemory)]
pub fn estimate_memory(ct: Vec<u32>, pet: Vec<u32>) -> Result<String, JsError> {
    let dims = |v: &[u32]| match v {
        [c, r, s] => Some(uptake_viewer::SeriesDims {
            columns: *c as usize,
            rows: *r as usize,
            slices: *s as usize,
        }),
        _ => None,
    };
    json(&uptake_viewer::estimate_memory(
        dims(&ct),
        dims(&pet),
        crate::core::MEMORY_BUDGET_BYTES,
    ))
}

/// A GPU device presenting to a canvas; give it to [`WebViewer::attach`].
#[wasm_bindgen]
#[derive(Debug)]
pub struct GpuCanvas {
    gfx: Gfx,
}

#[wasm_bindgen]
impl GpuCanvas {
    /// Sets up the GPU on `canvas` (`backend`: `auto`, `webgpu` or `webgl2`). Rejects with an
    /// `Error` whose message starts with `canvas-used:` when the canvas already received a
    /// context and a fallback needs a fresh canvas.
    pub async fn create(
        canvas: OffscreenCanvas,
        backend: String,
        width: u32,
        height: u32,
    ) -> Result<GpuCanvas, JsError> {
        console_error_panic_hook::set_once();
        let choice = BackendChoice::parse(&backend).ok_or_else(|| {
            JsError::new(&format!(
                "unknown GPU backend \"{backend}\" (auto, webgpu, webgl2)"
            ))
        })?;
        Gfx::create(canvas, choice, [width, height])
            .await
            .map(|gfx| GpuCanvas { gfx })
            .map_err(|e| {
                JsError::new(&if e.canvas_used {
                    format!("canvas-used: {}", e.message)
                } else {
                    e.message
                })
            })
    }

    /// `WebGPU` or `WebGL2`.
    pub fn api(&self) -> String {
        self.gfx.api().to_string()
    }

    /// The API, adapter and 3D texture limit, for the about/status line.
    pub fn describe(&self) -> String {
        self.gfx.describe()
    }
}

/// The viewer in the worker: files in, commands in, snapshots and frames out.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WebViewer {
    core: Core,
    gfx: Option<Gfx>,
    /// Buffers handed out by `allocPart` and not yet given back by `addPart`, by address.
    parts: std::collections::HashMap<u32, Vec<u8>>,
}

#[wasm_bindgen]
impl WebViewer {
    /// A viewer for a canvas of `width × height` device pixels.
    #[wasm_bindgen(constructor)]
    pub fn new(width: u32, height: u32) -> WebViewer {
        console_error_panic_hook::set_once();
        WebViewer {
            core: Core::new([width, height]),
            gfx: None,
            parts: std::collections::HashMap::new(),
        }
    }

    /// Uses `gpu` for drawing (also after a lost device: the volumes are uploaded again
    /// from the CPU copies) and draws.
    pub fn attach(&mut self, gpu: GpuCanvas) -> Result<(), JsError> {
        let mut gfx = gpu.gfx;
        gfx.resize(self.core.size);
        if let Some(v) = &self.core.viewer {
            gfx.upload_volumes(v, self.core.previewing())
                .map_err(js_err)?;
            gfx.upload_labels(v).map_err(js_err)?;
        }
        self.gfx = Some(gfx);
        self.draw()
    }

    /// The GPU in use, or an empty string.
    #[wasm_bindgen(js_name = gpuInfo)]
    pub fn gpu_info(&self) -> String {
        self.gfx.as_ref().map(Gfx::describe).unwrap_or_default()
    }

    /// Whether the GPU device was lost (then create a new [`GpuCanvas`] and `attach` it).
    #[wasm_bindgen(js_name = gpuLost)]
    pub fn gpu_lost(&self) -> bool {
        self.gfx.as_ref().is_some_and(Gfx::is_lost)
    }

    /// Destroys the GPU device, to exercise recovery.
    #[wasm_bindgen(js_name = loseDevice)]
    pub fn lose_device(&self) {
        if let Some(g) = &self.gfx {
            g.destroy_device();
        }
    }

    /// Detaches the GPU and returns its canvas (to build a new device on it).
    #[wasm_bindgen(js_name = detachCanvas)]
    pub fn detach_canvas(&mut self) -> Option<OffscreenCanvas> {
        self.gfx.take().map(|g| g.canvas().clone())
    }

    /// The expected final order of a series' slices (SOP Instance UIDs sorted along the
    /// slice normal, from a QIDO-RS instance query), before its files arrive: slices then go
    /// straight to their place, and CT slices to the GPU while the rest is still arriving.
    /// It may come after some of them: those move to their place (and CT ones to the GPU).
    #[wasm_bindgen(js_name = expectSeries)]
    pub fn expect_series(&mut self, series_uid: &str, sop_uids: Vec<String>) {
        let placed = self.core.expect_series(series_uid, sop_uids);
        let ct_shape = self
            .core
            .series_shape(series_uid)
            .filter(|_| self.core.series_modality(series_uid) == Some("CT"));
        if let Some(shape) = ct_shape {
            for index in placed {
                self.stream_ct_slice(series_uid, shape, index);
            }
        }
    }

    /// The number of instances a series will bring (NumberOfSeriesRelatedInstances), before
    /// its files arrive: its buffer is then allocated once.
    #[wasm_bindgen(js_name = expectCount)]
    pub fn expect_count(&mut self, series_uid: &str, instances: u32) {
        self.core.expect_count(series_uid, instances as usize);
    }

    /// Parses one file (its bytes are copied into the module once, and that copy is what the
    /// parser keeps) and decodes its slice. Returns the error message when the file is not a
    /// usable DICOM image, else `undefined`.
    #[wasm_bindgen(js_name = addFile)]
    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) -> Option<String> {
        self.add_owned(name, bytes)
    }

    /// An empty buffer with room for `len` bytes in the core's memory, for a file that is
    /// still arriving: the page appends its bytes with `writePart` as they come and hands it
    /// over with `addPart`. The file then never exists as a JavaScript copy, and the buffer
    /// is never cleared first.
    #[wasm_bindgen(js_name = allocPart)]
    pub fn alloc_part(&mut self, len: usize) -> u32 {
        let buffer = Vec::<u8>::with_capacity(len);
        // The address is the key: on wasm32 a pointer is 32 bits.
        let address = buffer.as_ptr() as usize as u32;
        self.parts.insert(address, buffer);
        address
    }

    /// Appends `bytes` to the buffer at `address` (from `allocPart`) at `offset`, which must
    /// be its length so far; false when there is no such buffer, the offset is not its end or
    /// the bytes would pass its size. The buffer never moves: its bytes can be read in place.
    #[wasm_bindgen(js_name = writePart)]
    pub fn write_part(&mut self, address: u32, offset: usize, bytes: &[u8]) -> bool {
        match self.parts.get_mut(&address) {
            Some(b) if b.len() == offset && offset + bytes.len() <= b.capacity() => {
                b.extend_from_slice(bytes);
                true
            }
            _ => false,
        }
    }

    /// Adds the file written into the buffer at `address` (from `allocPart`), as `addFile`.
    #[wasm_bindgen(js_name = addPart)]
    pub fn add_part(&mut self, name: &str, address: u32) -> Option<String> {
        match self.parts.remove(&address) {
            Some(bytes) => self.add_owned(name, bytes),
            None => Some(format!("{name}: no buffer at address {address}")),
        }
    }

    /// Frees the buffer at `address` (a file that never arrived in full).
    #[wasm_bindgen(js_name = freePart)]
    pub fn free_part(&mut self, address: u32) {
        self.parts.remove(&address);
    }

    fn add_owned(&mut self, name: &str, bytes: Vec<u8>) -> Option<String> {
        let added = match self.core.add_file(name, bytes) {
            Ok(a) => a,
            Err(e) => return Some(e),
        };
        if let (Some(i), "CT") = (added.pool_index, added.modality.as_str()) {
            self.stream_ct_slice(&added.series_uid, [added.columns, added.rows], i);
        }
        None
    }

    /// Sends CT slice `index` of a series with an expected order (its final place) to the
    /// GPU now. A failure only means the whole CT is uploaded at `open`.
    fn stream_ct_slice(&mut self, series_uid: &str, shape: [usize; 2], index: usize) {
        let Some(g) = &mut self.gfx else { return };
        let order = self.core.expected_order(series_uid).unwrap_or(&[]);
        if index >= order.len() {
            return;
        }
        let (unpacked, scaled): (Vec<i16>, Vec<f32>);
        let values = match self.core.pooled_slice(series_uid, index) {
            Some(uptake_dicom::PoolSlice::I16(v)) => Voxels::I16(v),
            Some(uptake_dicom::PoolSlice::F32(v)) => Voxels::F32(v),
            Some(uptake_dicom::PoolSlice::Packed(p)) => {
                unpacked = p.unpack();
                Voxels::I16(&unpacked)
            }
            Some(uptake_dicom::PoolSlice::Scaled(bits, s)) => {
                scaled = bits.iter().map(|&b| s.value(b)).collect();
                Voxels::F32(&scaled)
            }
            None => return,
        };
        let dims = [shape[0], shape[1], order.len()];
        let _ = g.stream_ct_slice(series_uid, order, dims, index, values);
    }

    /// `[columns, rows]` of a series once its first file was added, else `undefined`.
    #[wasm_bindgen(js_name = seriesShape)]
    pub fn series_shape(&self, series_uid: &str) -> Option<Vec<u32>> {
        self.core
            .series_shape(series_uid)
            .map(|s| s.iter().map(|&v| v as u32).collect())
    }

    /// Forgets the files added so far.
    #[wasm_bindgen(js_name = clearFiles)]
    /// A preview on screen is dropped and the canvas blanked.
    pub fn clear_files(&mut self) {
        let previewing = self.core.previewing();
        self.core.clear_files();
        self.parts.clear();
        if let (true, Some(g)) = (previewing, &mut self.gfx) {
            // A blank frame is all there is to show; a GPU failure here shows at the next draw.
            let _ = g.blank();
        }
    }

    /// Opens the files added (PET and CT by UID, or the automatic choice): assembles the
    /// volumes, computes SUV, uploads to the GPU and draws. Returns the open report (JSON).
    pub fn open(&mut self, pet: Option<String>, ct: Option<String>) -> Result<String, JsError> {
        let mut value = self.open_staged(pet, ct)?;
        let t0 = js_sys::Date::now();
        self.upload_ct(u32::MAX)?;
        let t1 = js_sys::Date::now();
        self.draw()?;
        let t2 = js_sys::Date::now();
        value["timing_ms"]["upload"] = serde_json::json!(t1 - t0);
        value["timing_ms"]["draw"] = serde_json::json!(t2 - t1);
        json(&value)
    }

    /// [`WebViewer::open`] without the CT's slices and the draw: the PET goes to the GPU and
    /// the CT texture is allocated; then call `uploadCt(n)` until it answers `true`,
    /// awaiting `gpuIdle()` in between, and `draw()`. On a software GPU this keeps the
    /// staging copies of the upload to a few slices (the whole CT otherwise, for a moment).
    /// Returns the open report (JSON).
    #[wasm_bindgen(js_name = openStaged)]
    pub fn open_staged_js(
        &mut self,
        pet: Option<String>,
        ct: Option<String>,
    ) -> Result<String, JsError> {
        json(&self.open_staged(pet, ct)?)
    }

    fn open_staged(
        &mut self,
        pet: Option<String>,
        ct: Option<String>,
    ) -> Result<serde_json::Value, JsError> {
        let t0 = js_sys::Date::now();
        let report = self
            .core
            .open(pet.as_deref(), ct.as_deref())
            .map_err(js_err)?;
        let t1 = js_sys::Date::now();
        if let (Some(g), Some(v)) = (&mut self.gfx, &self.core.viewer) {
            g.start_ct_upload(v, false).map_err(js_err)?;
            // The PET on the GPU is still right after a preview that showed it the same.
            if !self.core.pet_as_previewed() {
                g.upload_pet(v).map_err(js_err)?;
            }
            g.upload_labels(v).map_err(js_err)?;
        }
        let t2 = js_sys::Date::now();
        let mut value = serde_json::to_value(&report).map_err(js_err)?;
        value["timing_ms"] = serde_json::json!({ "assemble": t1 - t0, "upload_pet": t2 - t1 });
        Ok(value)
    }

    /// Writes up to `slices` more slices of the CT upload begun by `openStaged`; `true` once
    /// it is complete (or without a GPU or a study).
    #[wasm_bindgen(js_name = uploadCt)]
    pub fn upload_ct(&mut self, slices: u32) -> Result<bool, JsError> {
        match (&mut self.gfx, &self.core.viewer) {
            (Some(g), Some(v)) => g.continue_ct_upload(v, slices as usize).map_err(js_err),
            _ => Ok(true),
        }
    }

    /// Resolves once the GPU has done the work submitted so far (at once without a GPU or
    /// on WebGL2); it paces `uploadCt`, so pair it with a timeout.
    #[wasm_bindgen(js_name = gpuIdle)]
    pub fn gpu_idle(&self) -> js_sys::Promise {
        match &self.gfx {
            Some(g) => g.when_idle(),
            None => js_sys::Promise::resolve(&JsValue::UNDEFINED),
        }
    }

    /// A first picture while the CT still arrives (see `Core::preview`): call it once every
    /// PET series has arrived and after each CT part until it answers. Uploads and draws the
    /// whole PET with the CT's centre slice; returns the snapshot (JSON, with `preview:
    /// true`), or `undefined` when the centre slice has not arrived yet.
    pub fn preview(
        &mut self,
        pet: Option<String>,
        ct: Option<String>,
    ) -> Result<Option<String>, JsError> {
        if !self
            .core
            .preview(pet.as_deref(), ct.as_deref())
            .map_err(js_err)?
        {
            return Ok(None);
        }
        if let (Some(g), Some(v)) = (&mut self.gfx, &self.core.viewer) {
            g.upload_volumes(v, true).map_err(js_err)?;
        }
        self.draw()?;
        self.snapshot().map(Some)
    }

    /// Applies one command (a JSON object with `op`, see `command.rs`), redraws and returns
    /// the snapshot (JSON).
    pub fn command(&mut self, command: &str) -> Result<String, JsError> {
        let cmd: Command = serde_json::from_str(command)
            .map_err(|e| JsError::new(&format!("invalid command {command}: {e}")))?;
        let changes = self.core.command(&cmd).map_err(js_err)?;
        // The canvas follows the page's size even before a study is open, so that a first
        // picture is drawn at its size once, not drawn and then drawn again.
        if let Some(g) = &mut self.gfx {
            g.resize(self.core.size);
        }
        if let (Some(g), Some(v)) = (&mut self.gfx, &self.core.viewer) {
            if changes.ct {
                g.upload_volumes(v, false).map_err(js_err)?;
            } else if changes.pet {
                g.upload_pet(v).map_err(js_err)?;
            }
            if changes.labels {
                g.upload_labels(v).map_err(js_err)?;
            }
        }
        self.draw()?;
        self.snapshot()
    }

    /// The snapshot (JSON; `null` before a study is open).
    pub fn snapshot(&self) -> Result<String, JsError> {
        json(&self.core.snapshot())
    }

    /// Draws the layout (nothing before a study is open or without a GPU).
    pub fn draw(&mut self) -> Result<(), JsError> {
        if let (Some(g), Some(v)) = (&mut self.gfx, &self.core.viewer) {
            g.draw(v, self.core.previewing()).map_err(js_err)?;
        }
        Ok(())
    }

    /// Measures the lesion at `(x, y, z)` LPS mm with `threshold` (`41`, `50`, `suv2.5`,
    /// `percist`; empty: the current one) without adding it: the report of
    /// `uptake quantify --json` (JSON).
    #[wasm_bindgen(js_name = measureLesion)]
    pub fn measure_lesion(
        &self,
        x: f64,
        y: f64,
        z: f64,
        threshold: &str,
    ) -> Result<String, JsError> {
        let v = self.viewer()?;
        let t: ThresholdChoice = if threshold.is_empty() {
            v.threshold()
        } else {
            parse_threshold(threshold).map_err(js_err)?
        };
        json(&v.measure_lesion([x, y, z], t).map_err(js_err)?)
    }

    /// The lesion table as CSV, with the patient banner.
    #[wasm_bindgen(js_name = exportCsv)]
    pub fn export_csv(&self) -> Result<String, JsError> {
        Ok(self.viewer()?.export_csv())
    }

    /// Renders the layout offscreen and resolves with PNG bytes (`Uint8Array`).
    pub fn screenshot(&mut self) -> Result<js_sys::Promise, JsError> {
        if self.core.previewing() {
            return Err(JsError::new("the study is still loading"));
        }
        let v = self
            .core
            .viewer
            .as_ref()
            .ok_or_else(|| JsError::new("no study is open yet"))?;
        let g = self
            .gfx
            .as_mut()
            .ok_or_else(|| JsError::new("no GPU is attached"))?;
        let pending = g.screenshot(v).map_err(js_err)?;
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            match pending.await {
                Ok(png) => Ok(js_sys::Uint8Array::from(png.as_slice()).into()),
                Err(e) => Err(JsValue::from(js_sys::Error::new(&e.to_string()))),
            }
        }))
    }

    fn viewer(&self) -> Result<&uptake_viewer::Viewer, JsError> {
        if self.core.previewing() {
            return Err(JsError::new("the study is still loading"));
        }
        self.core
            .viewer
            .as_ref()
            .ok_or_else(|| JsError::new("no study is open yet"))
    }
}
