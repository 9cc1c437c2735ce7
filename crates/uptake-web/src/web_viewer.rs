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
        }
    }

    /// Uses `gpu` for drawing (also after a lost device: the volumes are uploaded again
    /// from the CPU copies) and draws.
    pub fn attach(&mut self, gpu: GpuCanvas) -> Result<(), JsError> {
        let mut gfx = gpu.gfx;
        gfx.resize(self.core.size);
        if let Some(v) = &self.core.viewer {
            gfx.upload_volumes(v).map_err(js_err)?;
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
    #[wasm_bindgen(js_name = expectSeries)]
    pub fn expect_series(&mut self, series_uid: &str, sop_uids: Vec<String>) {
        self.core.expect_series(series_uid, sop_uids);
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
        let added = match self.core.add_file(name, bytes) {
            Ok(a) => a,
            Err(e) => return Some(e),
        };
        // A CT slice whose final place is known goes to the GPU now (a failure only means
        // the whole CT is uploaded at `open`).
        if let (Some(g), Some(i), true, "CT") = (
            &mut self.gfx,
            added.pool_index,
            added.expected_slices > 0,
            added.modality.as_str(),
        ) {
            let order = self.core.expected_order(&added.series_uid).unwrap_or(&[]);
            let dims = [added.columns, added.rows, added.expected_slices];
            if i < added.expected_slices {
                let values = match self.core.pooled_slice(&added.series_uid, i) {
                    Some(uptake_dicom::PoolSlice::I16(v)) => Some(Voxels::I16(v)),
                    Some(uptake_dicom::PoolSlice::F32(v)) => Some(Voxels::F32(v)),
                    None => None,
                };
                if let Some(values) = values {
                    let _ = g.stream_ct_slice(&added.series_uid, order, dims, i, values);
                }
            }
        }
        None
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
    pub fn clear_files(&mut self) {
        self.core.clear_files();
    }

    /// Opens the files added (PET and CT by UID, or the automatic choice): assembles the
    /// volumes, computes SUV, uploads to the GPU and draws. Returns the open report (JSON).
    pub fn open(&mut self, pet: Option<String>, ct: Option<String>) -> Result<String, JsError> {
        let t0 = js_sys::Date::now();
        let report = self
            .core
            .open(pet.as_deref(), ct.as_deref())
            .map_err(js_err)?;
        let t1 = js_sys::Date::now();
        if let (Some(g), Some(v)) = (&mut self.gfx, &self.core.viewer) {
            g.upload_volumes(v).map_err(js_err)?;
            g.upload_labels(v).map_err(js_err)?;
        }
        let t2 = js_sys::Date::now();
        self.draw()?;
        let t3 = js_sys::Date::now();
        let mut value = serde_json::to_value(&report).map_err(js_err)?;
        value["timing_ms"] = serde_json::json!({
            "assemble": t1 - t0, "upload": t2 - t1, "draw": t3 - t2,
        });
        json(&value)
    }

    /// Applies one command (a JSON object with `op`, see `command.rs`), redraws and returns
    /// the snapshot (JSON).
    pub fn command(&mut self, command: &str) -> Result<String, JsError> {
        let cmd: Command = serde_json::from_str(command)
            .map_err(|e| JsError::new(&format!("invalid command {command}: {e}")))?;
        let changes = self.core.command(&cmd).map_err(js_err)?;
        if let (Some(g), Some(v)) = (&mut self.gfx, &self.core.viewer) {
            g.resize(self.core.size);
            if changes.ct {
                g.upload_volumes(v).map_err(js_err)?;
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
            g.draw(v).map_err(js_err)?;
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
        self.core
            .viewer
            .as_ref()
            .ok_or_else(|| JsError::new("no study is open yet"))
    }
}
