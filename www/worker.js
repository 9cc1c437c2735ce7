// The viewer's worker: it owns the WASM core (parsing, decoding, volumes, SUV, lesions,
// viewer state) and the GPU (wgpu on the OffscreenCanvas the page hands over), and fetches
// studies over DICOMweb. The page only shows DOM controls and forwards input, so loading and
// decoding never freeze the UI.
//
// Protocol: the page posts `{id, op, ...args}`; the worker answers `{id, ok: true, result}`
// or `{id, ok: false, error}`, and posts events without `id`: `{event: "progress", ...}`,
// `{event: "frame", snapshot}`.
import init, { version, estimateMemory, WebViewer, GpuCanvas } from "./pkg/uptake_web.js";
import { seriesOfStudy, retrieveSeries, instancesOfSeries, sliceOrder, DicomwebError } from "./dicomweb.js";

let viewer = null;
let resolveViewer;
/** Resolves once `init` has made the viewer; every other operation waits for it (not for the
 * GPU: a study starts loading while the GPU is still being set up). */
const viewerReady = new Promise((resolve) => { resolveViewer = resolve; });
let gpuApi = "";
let loadAbort = null;
const ready = init();
/** The WASM module's memory (parts are written straight into it). */
let wasmMemory = null;
ready.then((exports) => { wasmMemory = exports.memory; });

/** A file's bytes in the core's memory (`allocPart`), appended by the multipart splitter as
 * the answer arrives and handed over with `addPart`: no JavaScript copy of the file. */
class WasmPart {
  constructor(length) {
    this.length = length;
    this.address = viewer.allocPart(length);
  }
  /** The bytes written so far, in place (a fresh view: a grown memory detaches old ones). */
  subarray(begin = 0, end = this.length) {
    return new Uint8Array(wasmMemory.buffer, this.address + begin, Math.max(0, end - begin));
  }
  set(src, offset = 0) {
    if (!viewer.writePart(this.address, offset, src)) throw new Error("a received image did not fit its buffer");
  }
}

/** Memory a tab can give the core (wasm32 addresses 4 GiB; browsers allow less): a study
 * estimated above it is refused before it is downloaded in full. */
const HARD_LIMIT_BYTES = 3.5e9;

/** Modalities the viewer opens; other series (SR, SEG, SC, …) are not retrieved. */
const IMAGE_MODALITIES = new Set(["PT", "CT"]);

// The shortest time between two progress posts to the page.
const PROGRESS_POST_MS = 200;

// CT slices written to the GPU between two waits for it (8 MB of a 512×512 CT).
const CT_UPLOAD_STEP = 8;

/**
 * Opens the study and uploads the CT in steps, letting the GPU catch up after each: a
 * software GPU (SwiftShader) otherwise holds a staging copy of every slice written until it
 * gets to it (about 130 MB at the peak for a 157 MB CT). At most two steps are in flight; a
 * GPU that does not answer within 250 ms gets the rest at once. Then draws.
 */
async function openInSteps(pet, ct) {
  const open = JSON.parse(viewer.openStaged(pet, ct));
  const t0 = performance.now();
  let idle = viewer.gpuIdle();
  let step = CT_UPLOAD_STEP;
  while (!viewer.uploadCt(step)) {
    const answered = await Promise.race([
      idle.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 250)),
    ]);
    // A GPU that does not say when it is done is not asked again: the rest goes at once.
    if (!answered) step = 0x7fffffff;
    idle = viewer.gpuIdle();
  }
  const t1 = performance.now();
  viewer.draw();
  open.timing_ms = { ...open.timing_ms, upload: t1 - t0, draw: performance.now() - t1 };
  return open;
}

function post(event) {
  self.postMessage(event);
}

function snapshot() {
  return viewer ? JSON.parse(viewer.snapshot()) : null;
}

/** The canvas the GPU draws on, and whether its WebGL context is lost (a driver reset or the
 * browser reclaiming it): wgpu's GL backend reports no loss of its own, so the canvas events
 * are watched. `restored` resolves when the browser gives the context back. */
let glCanvas = null;
let contextLost = null; // { restored: Promise } while lost
const watched = new WeakSet();
function watchContext(canvas) {
  glCanvas = canvas;
  if (watched.has(canvas)) return;
  watched.add(canvas);
  canvas.addEventListener("webglcontextlost", (e) => {
    e.preventDefault(); // asks the browser to restore the context
    let restored;
    contextLost = { restored: new Promise((r) => { restored = r; }) };
    contextLost.resolve = restored;
    viewer?.loseDevice();
    post({ event: "gpu-lost" });
  });
  canvas.addEventListener("webglcontextrestored", () => {
    contextLost?.resolve();
    contextLost = null;
  });
}

/** Forgets a study being loaded (and blanks its preview). */
function clearLoad() {
  viewer.clearFiles();
  post({ event: "cleared" });
}

/** Waits (at most `ms`) for a lost WebGL context to come back before a new device uses it. */
async function contextBack(ms = 15000) {
  if (!contextLost) return;
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("the browser did not give the WebGL context back")), ms);
  });
  try {
    await Promise.race([contextLost.restored, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function makeGpu(canvas, backend, width, height) {
  watchContext(canvas);
  await contextBack();
  const gpu = await GpuCanvas.create(canvas, backend, width, height);
  gpuApi = gpu.api();
  return gpu;
}

const ops = {
  /** Starts the core and the GPU on `canvas`; `{needFreshCanvas}` when a fallback needs one. */
  async init({ canvas, backend = "auto", width, height }) {
    await ready;
    viewer = new WebViewer(width, height);
    resolveViewer(viewer);
    try {
      viewer.attach(await makeGpu(canvas, backend, width, height));
    } catch (e) {
      const message = String(e?.message ?? e);
      if (message.startsWith("canvas-used:") && backend === "auto") {
        return { version: version(), needFreshCanvas: true, error: message };
      }
      return { version: version(), gpu: null, error: message };
    }
    return { version: version(), gpu: viewer.gpuInfo(), api: gpuApi };
  },

  /** A fresh canvas after a failed WebGPU set-up, or after a lost device. */
  async attachCanvas({ canvas, backend, width, height }) {
    await ready;
    viewer.attach(await makeGpu(canvas, backend, width, height));
    return { gpu: viewer.gpuInfo(), api: gpuApi, snapshot: snapshot() };
  },

  /** Recovers from a lost GPU device on the same canvas: new device, volumes re-uploaded. */
  async recover({ backend }) {
    const canvas = viewer.detachCanvas();
    if (!canvas) throw new Error("no GPU canvas to recover");
    const w = canvas.width;
    const h = canvas.height;
    viewer.attach(await makeGpu(canvas, backend ?? gpuApi.toLowerCase(), w, h));
    return { gpu: viewer.gpuInfo(), api: gpuApi, snapshot: snapshot() };
  },

  loseDevice() {
    viewer.loseDevice();
    return { lost: viewer.gpuLost() };
  },

  /** Test hook: loses the WebGL2 context as a driver reset would (`WEBGL_lose_context`); the
   * "browser" gives it back after `restoreAfterMs`. */
  loseContext({ restoreAfterMs = 300 } = {}) {
    const ext = glCanvas?.getContext("webgl2")?.getExtension("WEBGL_lose_context");
    if (!ext) throw new Error("no WebGL2 context to lose (WebGPU in use?)");
    ext.loseContext();
    setTimeout(() => ext.restoreContext(), restoreAfterMs);
    return { lost: true };
  },

  /** Retrieves a study over DICOMweb (PET and CT series in parallel) and opens it. */
  async openStudy({ base, study, token, pet = null, ct = null, streamCt = false, preview = true }) {
    loadAbort?.abort();
    const abort = new AbortController();
    loadAbort = abort;
    try {
      const started = performance.now();
      const wasmMb = () => (wasmMemory ? wasmMemory.buffer.byteLength / 2 ** 20 : null);
      const wasmAtStart = wasmMb();
      viewer.clearFiles();
      const all = await seriesOfStudy({ base, study, token, signal: abort.signal });
      const series = all.filter((s) => IMAGE_MODALITIES.has(s.modality));
      if (series.length === 0) {
        const found = [...new Set(all.map((s) => s.modality))].join(", ") || "none";
        throw new DicomwebError(
          `Study ${study} has no PET or CT series (modalities: ${found})`, { kind: "not-found", status: 0 });
      }
      const fileErrors = [];
      let addMs = 0;
      const qidoMs = {};
      const progress = series.map((s) => ({
        seriesUid: s.seriesUid, modality: s.modality, description: s.description ?? "",
        expected: s.instanceCount ?? null, parts: 0, bytes: 0, totalBytes: null, done: false,
      }));
      let memory = null;
      // Progress goes to the page at most every PROGRESS_POST_MS (each post costs the page a
      // paint), and at once when `now` is asked for: a series done, the memory estimate.
      let lastPost = -Infinity;
      const report = (now = false) => {
        const t = performance.now();
        if (!now && t - lastPost < PROGRESS_POST_MS) return;
        lastPost = t;
        post({ event: "progress", study, series: progress, memory });
      };
      // The memory estimate once every series' image size is known (its first instance):
      // a warning over the budget, and a refusal before the rest is downloaded when the
      // study cannot fit in this tab at all.
      const checkMemory = () => {
        if (!progress.every((p) => p.shape)) return;
        let total = 0;
        let warning = null;
        for (const p of progress) {
          const e = JSON.parse(p.modality === "CT" ? estimateMemory(p.shape, []) : estimateMemory([], p.shape));
          total += e.total_bytes;
          warning ??= e.warning;
        }
        memory = { total_bytes: total, warning: total > 2 * 1024 ** 3
          ? `this study needs about ${(total / 1e9).toFixed(1)} GB of memory; the browser may run out` : warning };
        report(true);
        if (total > HARD_LIMIT_BYTES) {
          abort.abort();
          tooLarge = `Study ${study} needs about ${(total / 1e9).toFixed(1)} GB of memory, more than a ` +
            `browser tab can hold (${(HARD_LIMIT_BYTES / 1e9).toFixed(1)} GB): open it on a workstation viewer or load fewer series`;
        }
      };
      let tooLarge = null;
      report(true);
      // A first picture once the PET is in and the CT's centre slice has arrived (the CT's
      // order comes from its QIDO query): the whole PET with that CT slice.
      const petSeries = new Set(series.filter((s) => s.modality === "PT").map((s) => s.seriesUid));
      let previewed = petSeries.size === 0 || !preview;
      const tryPreview = () => {
        if (previewed || abort.signal.aborted || progress.some((p) => petSeries.has(p.seriesUid) && !p.done)) return;
        // Everything in already: the study itself comes next, a preview would only delay it.
        if (progress.every((p) => p.done)) {
          previewed = true;
          return;
        }
        try {
          const shown = viewer.preview(pet, ct);
          if (shown) {
            previewed = true;
            post({ event: "preview", snapshot: JSON.parse(shown), at_ms: performance.now() - started });
          }
        } catch (e) {
          previewed = true;
          console.warn(`no preview: ${e?.message ?? e}`);
        }
      };
      let retrieved = false;
      // PET first: it is smaller and what the reader looks at first.
      const order = series.map((s, i) => i).sort((a, b) =>
        (series[a].modality === "PT" ? 0 : 1) - (series[b].modality === "PT" ? 0 : 1));
      const retrieving = Promise.all(order.map(async (i) => {
        const s = series[i];
        let n = 0;
        if (s.instanceCount > 0) viewer.expectCount(s.seriesUid, s.instanceCount);
        const add = (bytes) => {
          n += 1;
          const t = performance.now();
          const name = `${s.modality} series ${s.seriesUid} #${n}`;
          const err = bytes instanceof WasmPart ? viewer.addPart(name, bytes.address) : viewer.addFile(name, bytes);
          addMs += performance.now() - t;
          if (err) fileErrors.push(err);
          progress[i].parts = n;
          if (!previewed && s.modality === "CT") tryPreview();
          if (!progress[i].shape) {
            const shape = viewer.seriesShape(s.seriesUid);
            if (shape) {
              progress[i].shape = [...shape, Math.max(s.instanceCount ?? 0, 1)];
              checkMemory();
            }
          }
        };
        // CT: the slice order from the PACS index (QIDO-RS positions), asked for alongside the
        // retrieval. Slices are decoded as they arrive either way; once the order is known,
        // those already in move to their place and go to the GPU, and each later one goes
        // straight there while the rest still arrives. Without it (a server that gives no
        // positions, or PET, which is small) slices are placed when the series is complete.
        if (s.modality === "CT" && streamCt) {
          const t = performance.now();
          instancesOfSeries({ base, study, series: s.seriesUid, token, signal: abort.signal })
            .then((found) => {
              const order = sliceOrder(found);
              if (!order || abort.signal.aborted || retrieved) return;
              viewer.expectSeries(s.seriesUid, order);
              tryPreview();
            })
            .catch(() => {})
            .finally(() => { qidoMs[s.modality] = performance.now() - t; });
        }
        await retrieveSeries({
          base, study, series: s.seriesUid, token, signal: abort.signal,
          onPart: add,
          allocPart: (length) => new WasmPart(length),
          releasePart: (part) => part instanceof WasmPart && viewer.freePart(part.address),
          onProgress: ({ bytes, totalBytes }) => {
            progress[i].bytes = bytes;
            progress[i].totalBytes = totalBytes;
            report();
          },
        });
        // An order query that outlasts the retrieval is not waited for: the slices are all
        // in, and placing them at open costs no more than the order would save.
        progress[i].done = true;
        report(true);
        tryPreview();
      }));
      try {
        await retrieving;
        retrieved = true;
      } catch (e) {
        if (tooLarge) throw new Error(tooLarge);
        throw e;
      }
      if (tooLarge) throw new Error(tooLarge);
      if (abort.signal.aborted) throw new DicomwebError("Loading was cancelled", { kind: "cancelled", status: 0 });
      loadAbort = null;
      const t_fetched = performance.now() - started;
      const wasmAtFetched = wasmMb();
      const open = await openInSteps(pet, ct);
      const t_opened = performance.now() - started;
      // Both volumes in memory and on the GPU, as an absolute time the page can convert.
      const loadedAt = performance.timeOrigin + performance.now();
      return { open, fileErrors, snapshot: snapshot(), timing: { fetched_ms: t_fetched, add_file_ms: addMs, qido_instances_ms: qidoMs, opened_ms: t_opened, open_ms: t_opened - t_fetched, wasm_memory_mb: wasmMb(), wasm_memory_start_mb: wasmAtStart, wasm_memory_fetched_mb: wasmAtFetched, loaded_at: loadedAt, ...open.timing_ms } };
    } catch (e) {
      // A failed or cancelled load keeps nothing: no preview on screen, no half-filled
      // buffers in memory (unless a newer load has started meanwhile).
      if (loadAbort === abort || loadAbort === null) clearLoad();
      throw e;
    }
  },

  cancel() {
    const had = loadAbort !== null;
    loadAbort?.abort();
    loadAbort = null;
    return { cancelled: had };
  },

  /** Opens local files: `files` is an array of `{name, buffer}` (ArrayBuffers, transferred). */
  async openFiles({ files, pet = null, ct = null }) {
    viewer.clearFiles();
    const fileErrors = [];
    files.forEach(({ name, buffer }, i) => {
      const err = viewer.addFile(name, new Uint8Array(buffer));
      if (err) fileErrors.push(err);
      if (i % 20 === 0 || i === files.length - 1) {
        post({ event: "progress", files: { done: i + 1, total: files.length } });
      }
    });
    const open = await openInSteps(pet, ct);
    return { open, fileErrors, snapshot: snapshot() };
  },

  command({ command }) {
    return JSON.parse(viewer.command(JSON.stringify(command)));
  },

  snapshot() {
    return snapshot();
  },

  measureLesion({ point, threshold = "" }) {
    const [x, y, z] = point;
    return JSON.parse(viewer.measureLesion(x, y, z, threshold));
  },

  exportCsv() {
    return viewer.exportCsv();
  },

  async screenshot() {
    const png = await viewer.screenshot();
    return png;
  },
};

self.onmessage = async (e) => {
  const { id, op, ...args } = e.data;
  try {
    const fn = ops[op];
    if (!fn) throw new Error(`unknown operation ${op}`);
    if (op !== "init") await viewerReady;
    const result = await fn(args);
    const transfer = result instanceof Uint8Array ? [result.buffer] : [];
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (err) {
    let error = String(err?.message ?? err);
    if (viewer?.gpuLost?.() && !/device was lost/.test(error)) error = `the GPU device was lost: ${error}`;
    self.postMessage({ id, ok: false, error, kind: err?.kind ?? null, lost: viewer?.gpuLost?.() ?? false });
  }
};
