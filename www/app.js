// Uptake browser viewer: the page. Plain DOM, no framework, no third-party URLs: nothing
// leaves this origin. Everything heavy (DICOM parsing and decoding, volumes, SUV, lesion
// segmentation, the GPU) runs in `worker.js` on the WASM core; this page forwards input,
// shows the worker's snapshots (text overlays, readouts, tables) and composes exports.
//
// URL parameters: `study` (StudyInstanceUID, opens straight into the PET-CT layout), `series`
// (the PET SeriesInstanceUID), `at=x,y,z` (cursor, LPS mm), `lesion=x,y,z|name`,
// `dicomweb` (same-origin path of the DICOMweb service, default `/dicom-web`), `backend`
// (`auto` | `webgpu` | `webgl2`).
import { searchStudies, validateBase } from "./dicomweb.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const bench = { t_first_image: null, t_loaded: null, done: false, failed: false, errors: [] };
window.__bench = bench;

// ---- worker RPC -------------------------------------------------------------------------

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
let nextId = 1;
const pending = new Map();
/** Operations that may take long (network, whole-study work); others time out. */
const LONG_OPS = new Set(["init", "attachCanvas", "recover", "openStudy", "openFiles"]);
const CALL_TIMEOUT_MS = 60000;
function call(op, args = {}, transfer = []) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = LONG_OPS.has(op) ? null : setTimeout(() => {
      pending.delete(id);
      reject(new Error(`The viewer did not answer "${op}" within ${CALL_TIMEOUT_MS / 1000} s; reload the page.`));
    }, CALL_TIMEOUT_MS);
    pending.set(id, {
      resolve: (v) => { clearTimeout(timer); resolve(v); },
      reject: (e) => { clearTimeout(timer); reject(e); },
    });
    worker.postMessage({ id, op, ...args }, transfer);
  });
}
worker.onmessage = (e) => {
  const m = e.data;
  if (m.id) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (!p) return;
    if (m.ok) p.resolve(m.result);
    else {
      const err = new Error(m.error);
      err.kind = m.kind;
      err.lost = m.lost;
      p.reject(err);
    }
  } else if (m.event === "progress") {
    showProgress(m);
  } else if (m.event === "cleared") {
    // A failed or cancelled load: its preview goes (a study open before stays).
    if (snap?.preview) {
      snap = null;
      overlays.replaceChildren();
      $("banner").textContent = "";
      $("values").textContent = "";
    }
  } else if (m.event === "gpu-lost") {
    // The WebGL context was lost (driver reset, browser reclaiming it): recover at once.
    recoverGpu().catch(() => {});
  } else if (m.event === "preview") {
    // The whole PET and the CT's centre slice while the rest of the CT arrives.
    applySnapshot(m.snapshot);
    setStatus("The PET is in: showing it with the CT's centre slice while the rest of the CT arrives…");
    bench.preview = { t: performance.now(), values: m.snapshot.values, roles: m.snapshot.views.map((v) => v.role) };
    requestAnimationFrame(() => { bench.t_first_image ??= performance.now(); });
  }
};
worker.onerror = (e) => {
  setStatus(`The viewer worker failed: ${e.message ?? e}. Reload the page.`, true);
  for (const p of pending.values()) p.reject(new Error(`the viewer worker failed: ${e.message ?? e}`));
  pending.clear();
};

// ---- status, banner ---------------------------------------------------------------------

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").title = text; // the whole text, when one line cuts it short
  $("status").classList.toggle("error", isError);
  $("status").setAttribute("role", isError ? "alert" : "status");
}

let snap = null; // the last snapshot from the worker
let gpu = { api: null, info: "" };
let coreVersion = "";

// ---- canvas and GPU ---------------------------------------------------------------------

const stage = $("stage");
const overlays = document.createElement("div");
let canvas = null;

function canvasSize() {
  const dpr = window.devicePixelRatio || 1;
  return [Math.max(1, Math.round(stage.clientWidth * dpr)), Math.max(1, Math.round(stage.clientHeight * dpr))];
}

function freshCanvas() {
  canvas?.remove();
  canvas = document.createElement("canvas");
  canvas.setAttribute("aria-hidden", "true");
  stage.prepend(canvas);
  const [w, h] = canvasSize();
  canvas.width = w;
  canvas.height = h;
  return canvas.transferControlToOffscreen();
}

async function startGpu() {
  const backend = params.get("backend") ?? "auto";
  const [width, height] = canvasSize();
  const off = freshCanvas();
  let r = await call("init", { canvas: off, backend, width, height }, [off]);
  coreVersion = r.version;
  if (r.needFreshCanvas) {
    // WebGPU touched the canvas and failed: WebGL2 on a new one.
    const off2 = freshCanvas();
    r = await call("attachCanvas", { canvas: off2, backend: "webgl2", width, height }, [off2]);
  }
  if (!r.gpu) throw new Error(`no GPU for drawing: ${r.error}`);
  gpu = { api: r.api, info: r.gpu };
  $("about").textContent = `Uptake ${coreVersion} · ${r.gpu}`;
  return r;
}

// ---- commands -----------------------------------------------------------------------------

let inFlight = 0;
let queuedMove = null;
async function command(cmd) {
  if (snap?.preview && cmd.op !== "resize") {
    setStatus("The CT is still arriving: the views respond once it is in.");
    return snap;
  }
  inFlight++;
  try {
    const s = await call("command", { command: cmd });
    applySnapshot(s);
    return s;
  } catch (e) {
    if (e.lost) recoverGpu();
    setStatus(e.message, true);
    throw e;
  } finally {
    inFlight--;
    if (queuedMove && inFlight === 0) {
      const m = queuedMove;
      queuedMove = null;
      command(m).catch(() => {});
    }
  }
}
/** Pointer moves coalesce: at most one in flight, the latest waits. */
function move(cmd) {
  if (inFlight > 0) queuedMove = cmd;
  else command(cmd).catch(() => {});
}

let recovering = null;
/** Recovers from a lost GPU device (one recovery at a time; callers share it). */
function recoverGpu() {
  recovering ??= recoverOnce().finally(() => { recovering = null; });
  return recovering;
}
async function recoverOnce() {
  setStatus("The GPU device was lost; recovering (the images stay in memory)…");
  try {
    const r = await call("recover", {});
    gpu = { api: r.api, info: r.gpu };
    applySnapshot(r.snapshot);
    setStatus(`GPU recovered: ${r.gpu}`);
    return r;
  } catch (e) {
    setStatus(`The GPU could not be recovered: ${e.message}. Reload the page.`, true);
    throw e;
  }
}

// ---- snapshot → DOM ---------------------------------------------------------------------

function fmt(v, digits = 2) {
  return v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits);
}

function shortBanner(s) {
  // Name and identifier: the first two fields of the banner.
  return s.banner.split(" | ").slice(0, 2).join(" | ");
}

function drawOverlays(s) {
  const dpr = window.devicePixelRatio || 1;
  overlays.replaceChildren();
  for (const v of s.views) {
    const d = document.createElement("div");
    d.className = "view" + (v.index === s.active_view ? " active" : "");
    const [x, y, w, h] = v.rect.map((n) => n / dpr);
    Object.assign(d.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${h}px` });
    const add = (cls, text) => {
      const e = document.createElement("span");
      e.className = cls;
      e.textContent = text;
      d.appendChild(e);
    };
    // A preview draws the MPR views of the CT's centre slice; the MIP comes with the study.
    add("title", s.preview ? `${v.title} · ${v.plane ? "preview, CT loading" : "shown once loaded"}` : v.title);
    add("vbanner", shortBanner(s));
    add("readout", s.values.text);
    if (v.scale_bar) add("bar", v.scale_bar.label);
    if (v.markers?.some((m) => m)) {
      add("m l", v.markers[0]);
      add("m r", v.markers[1]);
      add("m t", v.markers[2]);
      add("m b", v.markers[3]);
    }
    d.dataset.role = v.role;
    overlays.appendChild(d);
  }
}

function drawLesions(s) {
  const body = $("lesion-rows");
  body.replaceChildren();
  s.lesions.forEach((l, i) => {
    const tr = document.createElement("tr");
    const name = document.createElement("input");
    name.value = l.name;
    name.setAttribute("aria-label", `Name of lesion ${i + 1}`);
    name.addEventListener("change", () => command({ op: "rename_lesion", index: i, name: name.value }));
    const td0 = document.createElement("td");
    td0.appendChild(name);
    tr.appendChild(td0);
    const cells = l.error
      ? [l.error]
      : [fmt(l.suvmax), fmt(l.suvpeak), fmt(l.suvmean), fmt(l.mtv_ml), fmt(l.tlg), l.threshold];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      if (l.error) { td.colSpan = 6; td.className = "error"; }
      tr.appendChild(td);
    }
    const del = document.createElement("button");
    del.type = "button";
    del.textContent = "✕";
    del.setAttribute("aria-label", `Delete lesion ${l.name}`);
    del.addEventListener("click", () => command({ op: "delete_lesion", index: i }));
    const td = document.createElement("td");
    td.appendChild(del);
    tr.appendChild(td);
    tr.addEventListener("click", (e) => {
      if (e.target === name || e.target === del) return;
      command({ op: "set_cursor", point: l.seed });
    });
    body.appendChild(tr);
  });
  $("total-n").textContent = `${s.totals.lesions} lesion(s)`;
  $("total-mtv").textContent = fmt(s.totals.total_mtv_ml);
  $("total-tlg").textContent = fmt(s.totals.total_tlg);
  const liver = s.suv.liver;
  $("liver-info").textContent = liver
    ? `Liver reference: mean ${fmt(liver.mean)} SD ${fmt(liver.sd)} (${liver.voxels ?? "?"} voxels)`
    : "";
}

function sourceText(src) {
  if (!src) return "";
  if (src.kind === "header") return src.tag ?? "header";
  return src.kind;
}

function drawSuv(s) {
  const suv = s.suv;
  $("suv-type").value = suv.suv_type;
  const refused = $("suv-refused");
  refused.hidden = !suv.refused;
  refused.textContent = suv.refused ? `SUV refused: ${suv.refused} — PET values are shown in Bq/ml.` : "";
  const dl = $("suv-provenance");
  dl.replaceChildren();
  const row = (k, v) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    dl.append(dt, dd);
  };
  const f = suv.factor;
  if (!f) return;
  row("factor", f.value === null ? "per slice" : `${Number(f.value).toPrecision(6)} (${f.pixel_units} → ${f.result_units})`);
  const p = f.provenance ?? {};
  row("dose", p.dose_bq ? `${(p.dose_bq / 1e6).toFixed(1)} MBq` : "–");
  row("injection", p.injection_date_time ?? "–");
  row("scan", p.scan_date_time ?? "–");
  row("decay", p.decay_time_s !== null && p.decay_time_s !== undefined
    ? `${(p.decay_time_s / 60).toFixed(1)} min, factor ${Number(p.decay_factor).toFixed(4)}` : "–");
  for (const [k, v] of Object.entries(p.branches ?? {})) row(k.replaceAll("_", " "), String(v).replaceAll("_", " "));
  for (const i of p.inputs ?? []) row(i.name.replaceAll("_", " "), `${i.value} (${sourceText(i.source)})`);
  for (const w of p.warnings ?? []) row("warning", typeof w === "string" ? w : (w.message ?? JSON.stringify(w)));
}

function drawSeries(s) {
  $("choice").textContent = s.choice.explanation;
  for (const [id, list, current] of [
    ["pet-series", s.choice.pet_candidates, s.choice.pet_series_uid],
    ["ct-series", s.choice.ct_candidates, s.choice.ct_series_uid],
  ]) {
    const sel = $(id);
    sel.replaceChildren();
    for (const [uid, desc] of list) {
      const o = document.createElement("option");
      o.value = uid;
      o.textContent = `${desc || "(no description)"} — ${uid}`;
      o.selected = uid === current;
      sel.appendChild(o);
    }
  }
}

function drawLegend(s) {
  $("legend-bar").style.background = `linear-gradient(to right, ${s.colormap_stops.join(", ")})`;
  const unit = s.values.suv_type ? `SUV (${s.values.pet_units})` : s.values.pet_units;
  $("legend-low").textContent = `${fmt(s.pet_range[0], 1)}`;
  $("legend-high").textContent = `${fmt(s.pet_range[1], 1)} ${unit}`;
}

function applySnapshot(s) {
  if (!s) return;
  snap = s;
  $("banner").textContent = s.banner;
  $("warnings").textContent = s.warnings.map((w) => w.message).join(" · ");
  $("values").textContent = `${s.values.text} @ (${s.values.point.map((v) => v.toFixed(1)).join(", ")}) mm LPS`;
  $("layout").value = s.layout;
  $("plane").value = s.plane;
  for (const b of document.querySelectorAll(".tool")) b.setAttribute("aria-pressed", String(b.dataset.tool === s.tool));
  $("threshold").value = { "41%": "41", "50%": "50", "SUV 2.5": "suv2.5", PERCIST: "percist" }[s.threshold];
  // The preset menu follows the window (keys 1–4, reset, W/L drags): "Custom" otherwise.
  const presets = { "40/400": "1", "-600/1500": "2", "300/1500": "3", "40/80": "4" };
  $("preset").value = presets[`${Math.round(s.ct_window[0])}/${Math.round(s.ct_window[1])}`] ?? "";
  $("fusion").value = s.fusion_percent;
  $("pet-max").value = s.pet_range[1];
  $("colormap").value = s.colormap;
  $("cine").setAttribute("aria-pressed", String(s.cine));
  const help = $("help");
  if (s.help && !help.open) help.showModal();
  if (!s.help && help.open) help.close();
  drawOverlays(s);
  drawLesions(s);
  drawSuv(s);
  drawSeries(s);
  drawLegend(s);
  if (s.cine) startCine();
}

// ---- progress -----------------------------------------------------------------------------

/** One row per series (a bar and its text), made when a load starts and then updated in place:
 * progress arrives several times a second, and rebuilding the rows each time cost the page a
 * layout and paint it does not need. The box floats over the views, so showing, growing and
 * hiding it never resizes the canvas (each resize redraws the study). */
function showProgress(m) {
  const box = $("progress");
  box.hidden = false;
  const rows = $("progress-rows");
  if (m.files) {
    delete rows.dataset.key; // a later retrieval makes its rows again
    rows.textContent = `Reading files: ${m.files.done}/${m.files.total}`;
    return;
  }
  const items = m.series ?? [];
  const key = items.map((s) => s.seriesUid).join(",") + (m.study ?? "");
  if (rows.dataset.key !== key) {
    rows.replaceChildren();
    rows.dataset.key = key;
    for (const s of items) {
      const row = document.createElement("div");
      const bar = document.createElement("progress");
      bar.setAttribute("aria-label", `${s.modality} series`);
      row.append(bar, document.createElement("span"));
      rows.appendChild(row);
    }
    const memory = document.createElement("div");
    memory.className = "memory";
    memory.hidden = true;
    rows.appendChild(memory);
  }
  items.forEach((s, i) => {
    const [bar, text] = rows.children[i].children;
    const total = s.totalBytes ?? null;
    if (total) { bar.max = total; bar.value = s.bytes; }
    else if (s.expected) { bar.max = s.expected; bar.value = s.parts; }
    else bar.removeAttribute("value");
    text.textContent = ` ${s.modality} ${s.description}: ${s.parts}${s.expected ? `/${s.expected}` : ""} images, ` +
      `${(s.bytes / 1e6).toFixed(1)}${total ? `/${(total / 1e6).toFixed(1)}` : ""} MB${s.done ? " ✓" : ""}`;
  });
  const memory = rows.lastElementChild;
  if (m.memory) {
    memory.hidden = false;
    memory.textContent = `Memory for the volumes: about ${(m.memory.total_bytes / 1e6).toFixed(0)} MB` +
      (m.memory.warning ? ` — ${m.memory.warning}` : "");
    memory.classList.toggle("error", Boolean(m.memory.warning));
  }
}

function hideProgress() {
  $("progress").hidden = true;
  $("retry").hidden = true;
}

// ---- opening studies ------------------------------------------------------------------------

let lastOpen = null;

function dicomwebBase() {
  return validateBase(params.get("dicomweb") ?? "/dicom-web");
}

async function afterOpen(r, label) {
  $("drop").hidden = true;
  applySnapshot(r.snapshot);
  hideProgress();
  const problems = r.open.errors.length + r.fileErrors.length;
  const mem = r.open.memory;
  const held = r.open.held;
  const volumes = held
    ? `volumes ${(held.cpu_bytes / 1e6).toFixed(0)} MB in memory + ${(held.gpu_bytes / 1e6).toFixed(0)} MB on the GPU`
    : `volumes ≈ ${(mem.total_bytes / 1e6).toFixed(0)} MB`;
  setStatus(`${label}: ${r.open.images} images, ${r.open.series.map((x) => x.modality).join(" + ")}` +
    ` · ${volumes}${mem.warning ? ` (${mem.warning})` : ""}` +
    (problems ? ` · ${problems} problem(s): ${[...r.open.errors, ...r.fileErrors].slice(0, 3).join("; ")}` : ""));
  // The frame is on screen at the next animation frame.
  await new Promise((res) => requestAnimationFrame(() => res()));
  return r;
}

/** Opens a study from the PACS by StudyInstanceUID. */
async function openStudy(uid, opts = {}) {
  if (!/^[0-9]+(\.[0-9]+)*$/.test(uid) || uid.length > 64) {
    throw new Error(`The link names no valid study (StudyInstanceUID "${uid}")`);
  }
  // No wait for the GPU: the worker retrieves and decodes while the GPU is being set up.
  lastOpen = () => openStudy(uid, opts);
  setStatus(`Retrieving study ${uid}…`);
  $("retry").hidden = true;
  try {
    const r = await call("openStudy", {
      base: opts.dicomweb ? validateBase(opts.dicomweb) : dicomwebBase(),
      study: uid,
      token: opts.token ?? null,
      pet: opts.series ?? null,
      ct: opts.ct ?? null,
      // `stream=1`: ask the PACS for the CT's slice order (QIDO-RS positions) and write CT
      // slices to the GPU while they arrive. Off by default: measured slower on a 2-core
      // machine (the query costs the PACS a read of every file, and the uploads compete with
      // the download); see bench/README.md.
      streamCt: params.get("stream") === "1",
      // `preview=0`: no early picture of the PET and one CT slice (for comparison).
      preview: params.get("preview") !== "0",
    });
    await ready;
    return await afterOpen(r, `Study ${uid}`);
  } catch (e) {
    $("retry").hidden = false;
    throw e;
  }
}

async function collectEntry(entry, out) {
  if (entry.isFile) {
    out.push(await new Promise((res, rej) => entry.file(res, rej)));
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const e of batch) await collectEntry(e, out);
    }
  }
}

/** Opens local files (a FileList or an array of File). */
async function openFiles(fileList) {
  await ready;
  const files = [...fileList].filter((f) => !f.name.startsWith(".") && f.name !== "DICOMDIR");
  if (files.length === 0) throw new Error("no files were given");
  lastOpen = null;
  setStatus(`Reading ${files.length} files…`);
  const items = [];
  for (const f of files) items.push({ name: f.name, buffer: await f.arrayBuffer() });
  const r = await call("openFiles", { files: items }, items.map((i) => i.buffer));
  return afterOpen(r, `${files.length} local files`);
}

// ---- exports --------------------------------------------------------------------------------

/** The layout as PNG, with the patient banner drawn above the images. */
async function screenshot() {
  const png = await call("screenshot");
  const img = await createImageBitmap(new Blob([png], { type: "image/png" }));
  // The banner in as many lines as the width needs: never cut off.
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = "bold 15px system-ui, sans-serif";
  const lines = [];
  for (const field of (snap?.banner ?? "").split(" | ")) {
    const last = lines.length ? lines[lines.length - 1] : null;
    if (last !== null && measure.measureText(`${last} | ${field}`).width < img.width - 16) {
      lines[lines.length - 1] = `${last} | ${field}`;
    } else {
      lines.push(field);
    }
  }
  const pad = 8 + 20 * Math.max(1, lines.length);
  const c = document.createElement("canvas");
  c.width = img.width;
  c.height = img.height + pad;
  const g = c.getContext("2d");
  g.fillStyle = "#005eb8";
  g.fillRect(0, 0, c.width, pad);
  g.fillStyle = "#fff";
  g.font = "bold 15px system-ui, sans-serif";
  lines.forEach((line, i) => g.fillText(line, 8, 19 + 20 * i));
  g.drawImage(img, 0, pad);
  g.font = "12px system-ui, sans-serif";
  for (const v of snap?.views ?? []) {
    const [x, y, w, h] = [v.rect[0], pad + v.rect[1], v.rect[2], v.rect[3]];
    g.fillStyle = "#fff";
    g.fillText(`${v.title} · ${snap.values.text}`, x + 6, y + h - 6);
    g.fillStyle = "#cfe4ff";
    g.fillText(shortBanner(snap), x + 6, y + 14);
    if (v.markers?.some((m) => m)) {
      // Orientation letters at the edges, as on screen.
      g.fillStyle = "#ffeb3b";
      g.font = "bold 13px system-ui, sans-serif";
      g.fillText(v.markers[0], x + 3, y + h / 2);
      g.fillText(v.markers[1], x + w - 3 - g.measureText(v.markers[1]).width, y + h / 2);
      g.fillText(v.markers[2], x + w / 2, y + 30);
      g.fillText(v.markers[3], x + w / 2, y + h - 22);
      g.font = "12px system-ui, sans-serif";
    }
    if (v.scale_bar) {
      g.fillStyle = "#fff";
      // Above the readout line, which can be as wide as the view.
      g.fillText(v.scale_bar.label, x + w - 6 - g.measureText(v.scale_bar.label).width, y + h - 22);
    }
  }
  return new Promise((res, rej) => c.toBlob((b) => (b ? res(b) : rej(new Error("PNG encoding failed"))), "image/png"));
}

function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

function exportName(ext) {
  const id = (snap?.banner ?? "study").split(" | ")[1]?.replace(/[^0-9A-Za-z]+/g, "") ?? "study";
  return `uptake-${id}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "")}.${ext}`;
}

// ---- input ----------------------------------------------------------------------------------

function stagePoint(e) {
  const r = stage.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  return { x: (e.clientX - r.left) * dpr, y: (e.clientY - r.top) * dpr };
}

stage.addEventListener("pointerdown", (e) => {
  if (!snap || e.button !== 0) return;
  stage.setPointerCapture(e.pointerId);
  command({ op: "pointer_down", ...stagePoint(e) }).catch(() => {});
});
stage.addEventListener("pointermove", (e) => {
  if (!snap || !(e.buttons & 1)) return;
  move({ op: "pointer_move", ...stagePoint(e) });
});
stage.addEventListener("pointerup", () => snap && command({ op: "pointer_up" }).catch(() => {}));
stage.addEventListener("wheel", (e) => {
  if (!snap) return;
  e.preventDefault();
  const slices = e.deltaY < 0 ? 1 : -1;
  move({ op: "wheel", ...stagePoint(e), slices });
}, { passive: false });
stage.addEventListener("dblclick", (e) => snap && command({ op: "double_click", ...stagePoint(e) }).catch(() => {}));

document.addEventListener("keydown", (e) => {
  if (!snap || e.target.closest?.("input, select, textarea, dialog")) return;
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && (e.key === "z" || e.key === "y")) {
    e.preventDefault();
    command({ op: e.key === "z" ? "undo" : "redo" }).catch(() => {});
    return;
  }
  if (ctrl) return;
  const keys = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown"];
  if (keys.includes(e.key) || /^[1-4fFmMrR?]$/.test(e.key)) {
    e.preventDefault();
    command({ op: "key", key: e.key.length === 1 ? e.key.toLowerCase() : e.key }).catch(() => {});
  }
});
$("help").addEventListener("close", () => snap?.help && command({ op: "key", key: "?" }).catch(() => {}));

const on = (id, ev, f) => $(id).addEventListener(ev, f);
on("layout", "change", (e) => command({ op: "set_layout", layout: e.target.value }));
on("plane", "change", (e) => command({ op: "set_plane", plane: e.target.value }));
on("threshold", "change", (e) => command({ op: "set_threshold", threshold: e.target.value }));
on("preset", "change", (e) => e.target.value && command({ op: "key", key: e.target.value }));
on("fusion", "input", (e) => move({ op: "set_fusion", percent: Number(e.target.value) }));
on("pet-max", "change", (e) => command({ op: "set_pet_range", low: snap?.pet_range[0] ?? 0, high: Number(e.target.value) }));
on("colormap", "change", (e) => command({ op: "set_colormap", colormap: e.target.value }));
on("cine", "click", () => command({ op: "set_cine", playing: !snap?.cine }));
on("undo", "click", () => command({ op: "undo" }));
on("redo", "click", () => command({ op: "redo" }));
on("reset", "click", () => command({ op: "reset" }));
on("help-btn", "click", () => command({ op: "key", key: "?" }));
on("liver", "click", () => command({ op: "set_liver", point: snap.values.point }));
on("liver-clear", "click", () => command({ op: "set_liver", point: null }));
on("suv-type", "change", (e) => command({ op: "set_suv_type", suv_type: e.target.value }));
on("pet-series", "change", (e) => command({ op: "switch_series", pet: e.target.value, ct: $("ct-series").value || null }));
on("ct-series", "change", (e) => command({ op: "switch_series", pet: $("pet-series").value || null, ct: e.target.value }));
on("shot", "click", async () => download(await screenshot(), exportName("png")));
on("csv", "click", async () => download(new Blob([await call("exportCsv")], { type: "text/csv" }), exportName("csv")));
on("copy-link", "click", async () => {
  const link = `${location.origin}${location.pathname}${snap.link}`;
  try { await navigator.clipboard.writeText(link); setStatus(`Link copied: ${link}`); } catch { setStatus(link); }
});
on("cancel", "click", async () => { await call("cancel"); setStatus("Loading cancelled."); $("retry").hidden = false; });
on("retry", "click", () => lastOpen && lastOpen().catch(showError));
for (const b of document.querySelectorAll(".tool")) {
  b.addEventListener("click", () => command({ op: "set_tool", tool: b.dataset.tool }));
}
on("overrides", "submit", (e) => {
  e.preventDefault();
  const num = (id, scale = 1) => ($(id).value === "" ? null : Number($(id).value) * scale);
  command({
    op: "set_overrides",
    weight_kg: num("ov-weight"),
    height_m: num("ov-height"),
    dose_bq: num("ov-dose", 1e6),
    injection: $("ov-inj").value || null,
    sex: $("ov-sex").value || null,
  }).catch(() => {});
});
on("ov-clear", "click", () => {
  for (const id of ["ov-weight", "ov-height", "ov-dose", "ov-inj", "ov-sex"]) $(id).value = "";
  command({ op: "set_overrides" }).catch(() => {});
});

on("files", "change", (e) => openFiles(e.target.files).catch(showError));
on("folder", "change", (e) => openFiles(e.target.files).catch(showError));
const drop = $("drop");
stage.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); drop.hidden = false; });
stage.addEventListener("dragleave", () => drop.classList.remove("over"));
stage.addEventListener("drop", async (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  const files = [];
  if (entries.length) for (const en of entries) await collectEntry(en, files);
  else files.push(...e.dataTransfer.files);
  openFiles(files).catch(showError);
});

on("show-search", "click", () => {
  const s = $("search");
  s.hidden = !s.hidden;
  $("show-search").setAttribute("aria-expanded", String(!s.hidden));
  if (!s.hidden) $("q-id").focus();
});
on("search-form", "submit", async (e) => {
  e.preventDefault();
  const body = $("search-results");
  body.replaceChildren();
  try {
    const id = $("q-id").value.replace(/\s+/g, "");
    const found = await searchStudies({
      base: dicomwebBase(), patientId: id || undefined,
      patientName: $("q-name").value || undefined, studyDate: $("q-date").value || undefined,
    });
    if (found.length === 0) setStatus("No study matches.");
    for (const st of found) {
      const tr = document.createElement("tr");
      for (const t of [st.patientName, st.patientId, st.studyDate, st.description, st.modalities.join("/"), st.seriesCount]) {
        const td = document.createElement("td");
        td.textContent = t ?? "";
        tr.appendChild(td);
      }
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Open";
      b.addEventListener("click", () => openStudy(st.studyUid).catch(showError));
      const td = document.createElement("td");
      td.appendChild(b);
      tr.appendChild(td);
      body.appendChild(tr);
    }
  } catch (err) {
    showError(err);
  }
});

new ResizeObserver(() => {
  const [width, height] = canvasSize();
  if (!snap) {
    // No study yet: the worker only notes the size (a preview is then drawn at it once).
    call("command", { command: { op: "resize", width, height } }).catch(() => {});
    return;
  }
  move({ op: "resize", width, height });
}).observe(stage);

let cineRunning = false;
function startCine() {
  if (cineRunning) return;
  cineRunning = true;
  let last = performance.now();
  const step = async (now) => {
    if (!snap?.cine) { cineRunning = false; return; }
    const dt = (now - last) / 1000;
    last = now;
    if (inFlight === 0) await command({ op: "tick", dt }).catch(() => {});
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

function showError(e) {
  const msg = String(e?.message ?? e);
  setStatus(msg.startsWith("Study") || msg.startsWith("Series") || msg.startsWith("The ")
    ? msg : `Could not open the study: ${msg}`, true);
  bench.failed = true;
  bench.errors.push(msg);
}

// ---- start ----------------------------------------------------------------------------------

stage.appendChild(overlays);
const ready = startGpu().then(
  (r) => {
    if (!params.has("study")) setStatus(`Uptake ${coreVersion} ready (${r.api}). Open files, drop a folder or search the PACS.`);
  },
  (e) => { showError(e); throw e; },
);
ready.catch(() => {});

async function openDeepLink() {
  const uid = params.get("study");
  if (uid === null) return null;
  const r = await openStudy(uid, { series: params.get("series") ?? undefined });
  if (params.has("at") || params.has("lesion")) await command({ op: "deep_link", link: location.search });
  return r;
}

const loaded = openDeepLink()
  .then((r) => {
    if (r) {
      // Fully loaded, in the runner's terms "every slice of both series in memory and
      // usable": when the worker has both volumes in memory and on the GPU (its clock turned
      // into this page's). The first frame showing them is on screen at `t_displayed`.
      bench.t_displayed = performance.now();
      const loadedAt = r.timing?.loaded_at;
      bench.t_loaded = typeof loadedAt === "number" ? loadedAt - performance.timeOrigin : bench.t_displayed;
      bench.t_first_image ??= bench.t_displayed;
      bench.timing = r.timing;
    }
    bench.done = true;
    return { ok: true, summary: r ? { open: r.open, banner: snap.banner } : null };
  })
  .catch((e) => {
    showError(e);
    bench.done = true;
    return { ok: false, error: String(e?.message ?? e) };
  });

const snapshotNow = () => call("snapshot");
window.uptake = {
  ready,
  loaded,
  version: () => coreVersion,
  gpu: () => ({ ...gpu }),
  openStudy,
  openFiles,
  /** Moves the linked cursor (LPS mm); resolves with the snapshot. */
  setCursor: (p) => command({ op: "set_cursor", point: p }),
  /** `{point, ct_hu, pet_value, pet_units, suv_type, suv_refused, text}` at the cursor. */
  getCursorValues: async () => (await snapshotNow())?.values ?? null,
  /** The lesion at `p` (LPS mm), measured without adding it: the `uptake quantify --json` report. */
  measureLesion: (p, opts = {}) => call("measureLesion", { point: p, threshold: opts.threshold ?? "" }),
  /** Measures and adds the lesion at `p` to the table; resolves with the snapshot. */
  addLesion: (p) => command({ op: "add_lesion", point: p }),
  lesions: async () => (await snapshotNow())?.lesions ?? [],
  totals: async () => (await snapshotNow())?.totals ?? null,
  suvInfo: async () => (await snapshotNow())?.suv ?? null,
  snapshot: snapshotNow,
  command,
  screenshot,
  exportCsv: () => call("exportCsv"),
  cancel: () => call("cancel"),
  loseDevice: () => call("loseDevice"),
  /** Test hook: loses the WebGL2 context as a driver reset would; the page recovers. */
  loseContext: () => call("loseContext"),
  recover: recoverGpu,
  /** Canvas pixel (device px) of a view's centre, for tests that click. */
  viewCentre: (role) => {
    const v = snap?.views.find((x) => x.role === role);
    if (!v) return null;
    const r = stage.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    return { x: r.left + (v.rect[0] + v.rect[2] / 2) / dpr, y: r.top + (v.rect[1] + v.rect[3] / 2) / dpr };
  },
};
