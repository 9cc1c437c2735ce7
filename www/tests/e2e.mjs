// End-to-end test of the web viewer in Debian's Chromium (run by `cargo xtask e2e`).
//
// A phantom study with exact truth (`uptake phantom`) is served two ways: (a) `uptake serve
// --dicom-dir` (embedded DICOMweb) and (b) a real Orthanc behind `uptake serve --pacs` (the
// same-origin proxy of production). The page is opened by deep link `?study=<UID>` with
// `backend=webgl2` and `backend=webgpu`, and checked through `window.uptake` and real input:
// banner and per-view overlays, lesion numbers equal to `uptake quantify --json` (same code, so
// equal), linked cursor by click / wheel / key, the lesion tool and CSV, screenshots of both GPU
// paths (saved to target/e2e-screenshots/, the CI artefact, and compared: same pictures), GPU
// device loss and recovery, readable errors (unknown study, malformed UID, 401 from the PACS).
// `e2e-ui.mjs` then drives the page's own controls: deep-link parameters, toolbar, keys, mouse
// on the views, local files through the file input, the export buttons, the SUV panel.
//
// Chromium is started here with the flags that give both WebGL2 and WebGPU on SwiftShader
// (never playwright's own browser download or launch) and driven over CDP with playwright-core.
// Every child process (server, Chromium, Orthanc) is killed on exit.
//
// Environment: UPTAKE_BIN (default: $CARGO_TARGET_DIR or target/, then debug/uptake),
// CHROMIUM (default /usr/bin/chromium), E2E_SCREENSHOTS (default target/e2e-screenshots).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { findDicomwebPlugin, findOrthanc, startOrthanc, uploadDir } from "./orthanc.mjs";
import { uiTests } from "./e2e-ui.mjs";

const www = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(www, "..");
const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(repo, process.env.CARGO_TARGET_DIR)
  : join(repo, "target");
const uptakeBin = process.env.UPTAKE_BIN ?? join(targetDir, "debug", "uptake");
const chromiumBin = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshots = process.env.E2E_SCREENSHOTS
  ? resolve(process.env.E2E_SCREENSHOTS)
  : join(repo, "target", "e2e-screenshots");
/** Page size: the 2×2 layout at a size SwiftShader draws quickly. */
const VIEWPORT = { width: 1280, height: 800 };
/** The whole run is killed after this long (it takes well under half of it). */
const WATCHDOG_MS = 6 * 60 * 1000;

const children = [];
const scratch = mkdtempSync(join(tmpdir(), "uptake-e2e-"));
const started = Date.now();
let passed = 0;
let failed = 0;
let skipped = 0;

function running(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills every child (synchronously: also usable in the `exit` handler), removes the scratch. */
function cleanup() {
  for (const child of children) {
    if (running(child)) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  try {
    rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // Chromium may still be writing its profile while it dies; the OS cleans /tmp.
  }
}

/** Kills every child, waits until they are gone, then removes the scratch directory. */
async function cleanupAndWait() {
  const gone = children.map((child) =>
    running(child) ? new Promise((r) => child.once("exit", r)) : Promise.resolve());
  cleanup();
  await withTimeout(Promise.all(gone), 5000, "stopping the child processes").catch(() => {});
  cleanup();
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}
setTimeout(() => {
  console.log(`FAIL watchdog: the end-to-end run took more than ${WATCHDOG_MS / 1000} s`);
  cleanup();
  process.exit(1);
}, WATCHDOG_MS).unref();

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts `program`; resolves with the first match of `pattern` in its stdout/stderr. */
function startAndWait(program, args, pattern, what) {
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  let seen = false;
  const found = new Promise((resolvePromise, reject) => {
    const onData = (chunk) => {
      if (seen) return; // keep draining the pipe, stop keeping the text
      output += chunk.toString();
      const m = pattern.exec(output);
      if (m) {
        seen = true;
        resolvePromise(m);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => reject(new Error(`${what}: cannot start ${program}: ${e.message}`)));
    child.on("exit", (code, signal) =>
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${output}`)));
  });
  return withTimeout(found, 30000, what);
}

/** Runs `program` to completion; resolves with its stdout, rejects with its stderr. */
function runCli(program, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("error", reject);
    // "close", not "exit": the output may still be arriving when the process has exited.
    child.on("close", (code) =>
      code === 0 ? resolvePromise(out) : reject(new Error(`${program} ${args.join(" ")}: exit ${code}: ${err}`)));
  });
}

/** `E2E_ONLY=text` runs only the tests whose name contains it (while working on one). */
const only = process.env.E2E_ONLY ?? "";

async function check(name, fn, ms = 90000) {
  if (only && !name.includes(only)) return;
  const start = Date.now();
  try {
    await withTimeout(Promise.resolve().then(fn), ms, name);
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}

function skip(name, why) {
  skipped += 1;
  console.log(`SKIPPED: ${name}: ${why}`);
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** NHS Number digits as shown on the banner: 3-3-4 with spaces. */
function nhs334(raw) {
  const d = String(raw).replace(/\D/g, "");
  return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
}

/** `1961-03-14` → `14-Mar-1961` (the NHS banner form). */
function nhsDate(iso) {
  const [y, m, d] = iso.split("-");
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(m) - 1];
  return `${d}-${mon}-${y}`;
}

/** `FAMILY^Given` → `FAMILY, Given` as the banner shows it. */
function displayName(dicomName) {
  const [family, given] = dicomName.split("^");
  return given ? `${family}, ${given}` : family;
}

/** Relative difference, 0 when both are 0. */
function relDiff(a, b) {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

const QUANT_KEYS = ["suvmax", "suvpeak", "suvmean", "mtv_ml", "tlg", "voxels"];

/** Every lesion statistic of `web` against the CLI report `cli`, to 1e-9 relative. */
function compareQuant(web, cli, what) {
  const problems = [];
  const inexact = [];
  for (const k of QUANT_KEYS) {
    const a = web?.[k];
    const b = cli[k];
    if (b === null || b === undefined) {
      if (a !== b && !(a === null && b === undefined)) problems.push(`${k}: page ${a}, CLI ${b}`);
      continue;
    }
    if (typeof a !== "number") {
      problems.push(`${k}: page ${JSON.stringify(a)}, CLI ${b}`);
    } else if (relDiff(a, b) > 1e-9) {
      problems.push(`${k}: page ${a}, CLI ${b}`);
    } else if (a !== b) {
      inexact.push(`${k}: page ${a}, CLI ${b}`);
    }
  }
  assert(problems.length === 0, `${what}: ${problems.join("; ")}`);
  if (inexact.length) console.log(`     note: ${what} equal to 1e-9 but not exactly: ${inexact.join("; ")}`);
}

function save(name, bytes) {
  mkdirSync(screenshots, { recursive: true });
  writeFileSync(join(screenshots, name), bytes);
}

// ---- functions run inside the page (playwright serialises them) ---------------------------

/** `window.uptake.screenshot()` as base64 PNG. */
async function pageScreenshotB64() {
  const blob = await window.uptake.screenshot();
  if (!(blob instanceof Blob)) throw new Error(`screenshot() gave ${Object.prototype.toString.call(blob)}`);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Decodes PNGs (base64) in the page. With two: their size and the mean absolute difference per
 * channel (0–255) over the whole picture. `rect` ([x, y, w, h] in the picture): how many of its
 * pixels of the first PNG are PET-coloured (hot iron: red clearly above blue) and how many are
 * not black.
 */
async function pagePngStats([a64, b64, rect]) {
  async function decode(b) {
    const bin = atob(b);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const img = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const c = new OffscreenCanvas(img.width, img.height);
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    return { w: img.width, h: img.height, data: g.getImageData(0, 0, img.width, img.height).data };
  }
  const a = await decode(a64);
  const out = { a: [a.w, a.h] };
  if (b64) {
    const b = await decode(b64);
    out.b = [b.w, b.h];
    if (a.w === b.w && a.h === b.h) {
      const sum = [0, 0, 0, 0];
      let maxd = 0;
      for (let i = 0; i < a.data.length; i++) {
        const d = Math.abs(a.data[i] - b.data[i]);
        sum[i % 4] += d;
        if (d > maxd) maxd = d;
      }
      const n = a.w * a.h;
      out.meanAbsDiff = sum.map((s) => s / n);
      out.maxDiff = maxd;
    }
  }
  if (rect) {
    const [x0, y0, w, h] = rect;
    let pet = 0;
    let lit = 0;
    for (let y = y0; y < Math.min(y0 + h, a.h); y++) {
      for (let x = x0; x < Math.min(x0 + w, a.w); x++) {
        const i = (y * a.w + x) * 4;
        const [r, g, bl] = [a.data[i], a.data[i + 1], a.data[i + 2]];
        if (r > 60 && r > bl + 40) pet++;
        if (r + g + bl > 30) lit++;
      }
    }
    out.petPixels = pet;
    out.litPixels = lit;
    out.rectPixels = w * h;
  }
  return out;
}

// ---- the run ------------------------------------------------------------------------------

async function main() {
  assert(existsSync(uptakeBin), `${uptakeBin} is missing (cargo build -p uptake-cli)`);
  assert(existsSync(join(www, "pkg", "uptake_web_bg.wasm")), "www/pkg is missing (cargo xtask build)");
  mkdirSync(screenshots, { recursive: true });

  // The phantom study and its truth.
  const phantom = join(scratch, "phantom");
  const gen = spawnSync(uptakeBin, ["phantom", phantom], { encoding: "utf8" });
  assert(gen.status === 0, `uptake phantom failed: ${gen.stderr}`);
  const truth = JSON.parse(readFileSync(join(phantom, "truth.json"), "utf8"));
  const studyUid = truth.study.study_instance_uid;
  const name = displayName(truth.patient.name);
  const nhs = nhs334(truth.patient.nhs_number);
  const dob = nhsDate(truth.patient.birth_date);
  const lesions = truth.lesions;
  assert(lesions.length > 0, "truth.json has no lesions");
  const biggest = lesions.reduce((a, b) => (b.diameter_mm > a.diameter_mm ? b : a));
  const ctSpacingZ = truth.ct.slice_spacing_mm;

  // The CLI's numbers for every lesion (the reference the page must equal), in the background.
  const cliReports = Promise.all(lesions.map(async (l) => {
    const out = await runCli(uptakeBin, ["quantify", phantom, "--seed", l.centre_lps.join(","), "--json"]);
    return JSON.parse(out);
  }));
  cliReports.catch(() => {}); // awaited by the tests that need it

  const [, baseA] = await startAndWait(
    uptakeBin,
    ["serve", "--web-root", www, "--dicom-dir", phantom, "--port", "0"],
    /serving on (http:\/\/127\.0\.0\.1:\d+\/)/,
    "uptake serve --dicom-dir",
  );

  // (b) Orthanc, started and filled in the background while (a) runs. Two of them: one open
  // (the study uploaded) and one with HTTP authentication (for the 401 case; empty).
  const orthancExe = findOrthanc();
  const orthancPlugin = findDicomwebPlugin();
  let pacs = null;
  if (orthancExe && orthancPlugin) {
    pacs = (async () => {
      const t0 = Date.now();
      const onChild = (c) => children.push(c);
      const [open, locked] = await Promise.all([
        startOrthanc({ exe: orthancExe, plugin: orthancPlugin, dir: join(scratch, "orthanc"), onChild }),
        startOrthanc({
          exe: orthancExe, plugin: orthancPlugin, dir: join(scratch, "orthanc-auth"), onChild,
          user: ["uptake", "e2e-secret"],
        }),
      ]);
      const uploaded = await uploadDir(open, phantom);
      const [, baseB] = await startAndWait(
        uptakeBin,
        ["serve", "--web-root", www, "--pacs", open.dicomweb, "--port", "0"],
        /serving on (http:\/\/127\.0\.0\.1:\d+\/)/,
        "uptake serve --pacs",
      );
      const [, baseAuth] = await startAndWait(
        uptakeBin,
        ["serve", "--web-root", www, "--pacs", locked.dicomweb, "--port", "0"],
        /serving on (http:\/\/127\.0\.0\.1:\d+\/)/,
        "uptake serve --pacs (authenticated Orthanc)",
      );
      return { baseB, baseAuth, uploaded, ms: Date.now() - t0 };
    })();
    pacs.catch(() => {});
  }

  const profile = join(scratch, "chromium-profile");
  mkdirSync(profile);
  // Port 0: Chromium picks a free port and prints it (no race for a port chosen here).
  // WebGPU on SwiftShader needs the four flags after --disable-sync and no --disable-gpu;
  // the same browser serves WebGL2 (SwiftShader through ANGLE).
  const [, wsPort] = await startAndWait(
    chromiumBin,
    [
      "--headless",
      "--no-sandbox",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--enable-unsafe-webgpu",
      "--enable-features=Vulkan",
      "--use-vulkan=swiftshader",
      "--use-angle=swiftshader",
      `--user-data-dir=${profile}`,
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      "about:blank",
    ],
    /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//,
    "chromium",
  );
  const browser = await withTimeout(
    chromium.connectOverCDP(`http://127.0.0.1:${wsPort}`),
    30000,
    "connectOverCDP",
  );
  const context = browser.contexts()[0] ?? (await browser.newContext());
  console.log(`     setup ${Date.now() - started} ms (phantom, server, Chromium)`);

  /**
   * Opens `base + query` in a fresh page; resolves with {page, loaded, pageErrors,
   * consoleErrors, offOrigin, dicomweb (same-origin DICOMweb requests seen), ms}.
   */
  async function open(base, query, ctx = context, viewport = VIEWPORT, before = null) {
    const t0 = Date.now();
    const page = await ctx.newPage();
    await page.setViewportSize(viewport);
    if (before) await before(page);
    const v = { page, base, pageErrors: [], consoleErrors: [], consoleWarnings: [], offOrigin: [], dicomweb: 0 };
    page.on("pageerror", (e) => v.pageErrors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") v.consoleErrors.push(m.text());
      if (m.type() === "warning") v.consoleWarnings.push(m.text());
    });
    page.on("request", (r) => {
      const u = r.url();
      if (u.startsWith(`${base}dicom-web/`)) v.dicomweb += 1;
      if (!u.startsWith(base) && !u.startsWith("data:") && !u.startsWith("blob:")) v.offOrigin.push(u);
    });
    await page.goto(`${base}${query}`, { waitUntil: "load", timeout: 30000 });
    await page.waitForFunction(() => Boolean(window.uptake?.loaded), null, { timeout: 30000 });
    v.loaded = await withTimeout(page.evaluate(async () => {
      const r = await window.uptake.loaded;
      return { ok: r.ok, error: r.error ?? null, summary: r.summary ?? null };
    }), 60000, `loading ${query}`);
    v.ms = Date.now() - t0;
    return v;
  }

  function noErrors(v) {
    assert(v.pageErrors.length === 0, `page errors: ${v.pageErrors.join("; ")}`);
    assert(v.offOrigin.length === 0, `requests off the origin: ${v.offOrigin.join(", ")}`);
  }

  /** Test 1 on an open viewer: loaded, banner, one overlay banner per view, no errors. */
  async function checkLoaded(v, label) {
    assert(v.loaded.ok, `loaded failed: ${v.loaded.error} (status: ${await v.page.textContent("#status")}; ` +
      `console: ${v.consoleErrors.join("; ")})`);
    const page = v.page;
    assert(await page.isVisible("#banner"), "#banner is hidden");
    const banner = await page.textContent("#banner");
    for (const want of [name, `NHS No. ${nhs}`, `DOB ${dob}`]) {
      assert(banner.includes(want), `banner lacks "${want}": ${banner}`);
    }
    const snap = await page.evaluate(() => window.uptake.snapshot());
    assert(snap.views.length >= 2, `only ${snap.views.length} view(s)`);
    const roles = snap.views.map((x) => x.role).sort().join(",");
    assert(roles === "ct,fused,mip,pet", `views of the PET-CT layout: ${roles}`);
    const overlays = await page.$$eval(".view", (els) =>
      els.map((e) => ({ role: e.dataset.role, vbanners: [...e.querySelectorAll(".vbanner")].map((b) => b.textContent) })));
    assert(overlays.length === snap.views.length, `${overlays.length} view overlays for ${snap.views.length} views`);
    for (const o of overlays) {
      assert(o.vbanners.length === 1, `view ${o.role}: ${o.vbanners.length} .vbanner elements`);
      assert(o.vbanners[0].includes(name) && o.vbanners[0].includes(nhs),
        `view ${o.role} overlay banner lacks name or NHS number: ${o.vbanners[0]}`);
    }
    const status = await page.textContent("#status");
    assert(/^Study .*images/.test(status), `status: ${status}`);
    assert(v.dicomweb > 0, "no DICOMweb request was seen (the same-origin check would be hollow)");
    noErrors(v);
    await page.screenshot({ path: join(screenshots, `${label}-page.png`) });
  }

  /** Test 2: every truth lesion measured in the page equals the CLI. */
  async function checkQuant(v) {
    assert(v?.loaded.ok, "the page did not load");
    const cli = await cliReports;
    for (const [i, l] of lesions.entries()) {
      const web = await v.page.evaluate((p) => window.uptake.measureLesion(p), l.centre_lps);
      compareQuant(web, cli[i], `lesion ${l.name} at ${l.centre_lps}`);
    }
    noErrors(v);
  }

  /** Test 6: lose the GPU device, recover; same API, same picture, cursor and lesions kept. */
  async function checkDeviceLoss(v, label) {
    assert(v?.loaded.ok, "the page did not load");
    const page = v.page;
    const before = await page.evaluate(async () => ({
      gpu: window.uptake.gpu(), snap: await window.uptake.snapshot(),
    }));
    const shotBefore = await page.evaluate(pageScreenshotB64);
    // WebGPU reports the loss asynchronously (GPUDevice.lost), so `lost` may still be false here.
    await page.evaluate(() => window.uptake.loseDevice());
    const r = await page.evaluate(async () => {
      const r = await window.uptake.recover();
      return { api: r.api, gpu: r.gpu };
    });
    const after = await page.evaluate(async () => ({
      gpu: window.uptake.gpu(), snap: await window.uptake.snapshot(), status: document.getElementById("status").textContent,
    }));
    assert(after.gpu.api === before.gpu.api && r.api === before.gpu.api,
      `GPU API changed: ${before.gpu.api} → ${after.gpu.api} (recover said ${r.api})`);
    assert(/GPU recovered/.test(after.status), `status after recover: ${after.status}`);
    assert(JSON.stringify(after.snap.values.point) === JSON.stringify(before.snap.values.point),
      `cursor moved: ${before.snap.values.point} → ${after.snap.values.point}`);
    assert(JSON.stringify(after.snap.lesions) === JSON.stringify(before.snap.lesions),
      `lesions changed: ${JSON.stringify(before.snap.lesions)} → ${JSON.stringify(after.snap.lesions)}`);
    const shot = await page.evaluate(pageScreenshotB64);
    save(`${label}-after-device-loss.png`, Buffer.from(shot, "base64"));
    const petView = after.snap.views.find((x) => x.role === "pet");
    const [x, y, w, h] = petView.rect;
    const pad = 28; // screenshot(): the banner strip above the images
    const stats = await page.evaluate(pagePngStats, [shot, shotBefore, [x, y + pad, w, h]]);
    assert(stats.petPixels > 50, `PET view after recovery has ${stats.petPixels} PET-coloured pixels ` +
      `(${stats.litPixels} not black of ${stats.rectPixels})`);
    assert(stats.meanAbsDiff, `screenshot size changed: ${stats.a} vs ${stats.b}`);
    const worst = Math.max(...stats.meanAbsDiff.slice(0, 3));
    assert(worst < 2, `picture after recovery differs from before: mean |Δ| ${stats.meanAbsDiff.map((d) => d.toFixed(3))}`);
    // And it still answers commands on the new device.
    await page.evaluate((p) => window.uptake.setCursor(p), before.snap.values.point);
    noErrors(v);
  }

  /**
   * Test 6c: the WebGL context itself is lost (WEBGL_lose_context, as a driver reset does) and
   * given back by the browser a moment later: the page notices without any command, waits for
   * the context and recovers; picture, cursor and lesions as before.
   */
  async function checkContextLoss(v, label) {
    assert(v?.loaded.ok, "the page did not load");
    const page = v.page;
    const before = await page.evaluate(async () => ({ snap: await window.uptake.snapshot() }));
    const shotBefore = await page.evaluate(pageScreenshotB64);
    await page.evaluate(() => { document.getElementById("status").textContent = ""; });
    await page.evaluate(() => window.uptake.loseContext());
    await page.waitForFunction(() => /GPU recovered|could not be recovered/.test(document.getElementById("status").textContent),
      null, { timeout: 30000 });
    const after = await page.evaluate(async () => ({
      gpu: window.uptake.gpu(), snap: await window.uptake.snapshot(), status: document.getElementById("status").textContent,
    }));
    assert(/GPU recovered/.test(after.status), `status: ${after.status}`);
    assert(after.gpu.api === "WebGL2", `GPU API after recovery: ${after.gpu.api}`);
    assert(JSON.stringify(after.snap.values.point) === JSON.stringify(before.snap.values.point), "cursor moved");
    assert(JSON.stringify(after.snap.lesions) === JSON.stringify(before.snap.lesions), "lesions changed");
    const shot = await page.evaluate(pageScreenshotB64);
    save(`${label}-after-context-loss.png`, Buffer.from(shot, "base64"));
    const [x, y, w, h] = after.snap.views.find((vv) => vv.role === "pet").rect;
    const stats = await page.evaluate(pagePngStats, [shot, shotBefore, [x, y + 28, w, h]]);
    assert(stats.petPixels > 50, `PET view after recovery has ${stats.petPixels} PET-coloured pixels`);
    const worst = Math.max(...stats.meanAbsDiff.slice(0, 3));
    assert(worst < 2, `picture after recovery differs from before: mean |Δ| ${stats.meanAbsDiff.map((d) => d.toFixed(3))}`);
    noErrors(v);
  }

  /**
   * Test 6b: the device is lost while the viewer is in use (no explicit recover()): the next
   * command fails as "lost", the page recovers by itself, pictures and state come back.
   */
  async function checkLossDuringUse(v, label) {
    assert(v?.loaded.ok, "the page did not load");
    const page = v.page;
    const before = await page.evaluate(async () => ({ gpu: window.uptake.gpu(), snap: await window.uptake.snapshot() }));
    let lost = false;
    const deadline = Date.now() + 3000;
    while (!lost && Date.now() < deadline) {
      lost = (await page.evaluate(() => window.uptake.loseDevice())).lost;
      if (!lost) await new Promise((r) => setTimeout(r, 100));
    }
    const p = before.snap.values.point.map((x, i) => (i === 2 ? x - ctSpacingZ : x));
    const failure = await page.evaluate((pt) => window.uptake.setCursor(pt).then(() => null,
      (e) => ({ message: e.message, lost: e.lost })), p);
    const status = await page.textContent("#status");
    assert(lost, `${before.gpu.api}: loseDevice() never reports the device lost (gpuLost() stays false); ` +
      `the next command ${failure ? `failed with "${failure.message}" (lost: ${failure.lost})` : "succeeded"}; ` +
      `status: "${status}" — the page cannot tell the device is gone and does not recover by itself`);
    assert(failure?.lost === true, `the first command after the loss: ${JSON.stringify(failure)}`);
    await page.waitForFunction(() => /GPU recovered|could not be recovered/.test(document.getElementById("status").textContent),
      null, { timeout: 30000 });
    const after = await page.evaluate(async () => ({
      gpu: window.uptake.gpu(), snap: await window.uptake.snapshot(), status: document.getElementById("status").textContent,
    }));
    assert(/GPU recovered/.test(after.status), `status: ${after.status}`);
    assert(after.gpu.api === before.gpu.api, `GPU API changed: ${before.gpu.api} → ${after.gpu.api}`);
    assert(JSON.stringify(after.snap.lesions) === JSON.stringify(before.snap.lesions), "lesions changed");
    await page.evaluate((pt) => window.uptake.setCursor(pt), p);
    const shot = await page.evaluate(pageScreenshotB64);
    save(`${label}-after-loss-during-use.png`, Buffer.from(shot, "base64"));
    const [x, y, w, h] = after.snap.views.find((vv) => vv.role === "pet").rect;
    const stats = await page.evaluate(pagePngStats, [shot, null, [x, y + 28, w, h]]);
    assert(stats.petPixels > 50, `PET view after recovery has ${stats.petPixels} PET-coloured pixels`);
    noErrors(v);
  }

  // ---- (a) the embedded DICOMweb server, WebGL2 -------------------------------------------

  let gl = null;
  let glShot = null;
  await check("(a) webgl2: deep link loads; banner and every view overlay show name + NHS number; no errors; same origin", async () => {
    gl = await open(baseA, `?study=${studyUid}&backend=webgl2`);
    await checkLoaded(gl, "a-webgl2");
    const api = (await gl.page.evaluate(() => window.uptake.gpu())).api;
    assert(api === "WebGL2", `backend=webgl2 gave ${api}`);
    glShot = await gl.page.evaluate(pageScreenshotB64);
    save("a-webgl2-screenshot.png", Buffer.from(glShot, "base64"));
    console.log(`     loaded in ${gl.ms} ms`);
  });

  await check("(a) measureLesion equals `uptake quantify --json` for every truth lesion", () => checkQuant(gl));

  await check("(a) linked cursor: click on CT, wheel over fused, ArrowUp", async () => {
    assert(gl?.loaded.ok, "the page did not load");
    const page = gl.page;
    const point = async () => (await page.evaluate(() => window.uptake.getCursorValues())).point;
    const waitPoint = async (old, what) => {
      const deadline = Date.now() + 15000;
      for (;;) {
        const p = await point();
        if (JSON.stringify(p) !== JSON.stringify(old)) return p;
        assert(Date.now() < deadline, `${what}: the cursor did not move from ${old}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const p0 = await point();
    const snap0 = await page.evaluate(() => window.uptake.snapshot());
    const ctView = snap0.views.find((x) => x.role === "ct");
    assert(ctView.plane === "axial", `CT view plane ${ctView.plane}`);
    const c = await page.evaluate(() => window.uptake.viewCentre("ct"));
    const [dx, dy] = [40, -30];
    await page.mouse.click(c.x + dx, c.y + dy);
    const p1 = await waitPoint(p0, "click on the CT view");
    assert(p1[2] === p0[2], `a click on the axial CT view moved z: ${p0} → ${p1}`);
    // Right of centre is the marker on the right edge (radiological: patient left, +x).
    const [, right, top] = ctView.markers;
    const xSign = right === "L" ? 1 : right === "R" ? -1 : 0;
    // Up the screen is towards the top marker: anterior is −y, posterior +y.
    const upSign = top === "A" ? -1 : top === "P" ? 1 : 0;
    assert(xSign !== 0 && upSign !== 0, `axial markers ${ctView.markers}`);
    const mmPerPx = (p1[0] - p0[0]) / (xSign * dx);
    assert(mmPerPx > 0, `click right of centre moved x the wrong way: ${p0} → ${p1} (markers ${ctView.markers})`);
    assert(Math.sign(p1[1] - p0[1]) === upSign * Math.sign(-dy),
      `click above centre moved y the wrong way: ${p0} → ${p1} (markers ${ctView.markers})`);
    // One cursor: one point in the snapshot, every view overlay reads the values at it, and the
    // same click offset in the PET view (same camera through the cursor) picks the same point.
    const snap1 = await page.evaluate(() => window.uptake.snapshot());
    assert(JSON.stringify(snap1.values.point) === JSON.stringify(p1), "snapshot cursor differs from getCursorValues");
    const readouts = await page.$$eval(".view .readout", (els) => els.map((e) => e.textContent));
    assert(readouts.length === snap1.views.length && readouts.every((t) => t === snap1.values.text),
      `view readouts ${JSON.stringify(readouts)} vs cursor values "${snap1.values.text}"`);
    const cp = await page.evaluate(() => window.uptake.viewCentre("pet"));
    await page.mouse.click(cp.x + dx + 3, cp.y + dy);
    const p1b = await waitPoint(p1, "click on the PET view");
    await page.mouse.click(cp.x + dx, cp.y + dy);
    const p1c = await waitPoint(p1b, "second click on the PET view");
    const tol = Math.abs(mmPerPx) * 1.01 + 1e-9;
    assert(p1c[2] === p1[2] && Math.abs(p1c[0] - p1[0]) <= tol && Math.abs(p1c[1] - p1[1]) <= tol,
      `the PET view's cursor is not the CT view's: CT click ${p1}, same offset on PET ${p1c} (1 px = ${mmPerPx} mm)`);
    // Wheel over the fused (axial) view: one CT slice towards the head per notch up.
    const f = await page.evaluate(() => window.uptake.viewCentre("fused"));
    await page.mouse.move(f.x, f.y);
    await page.mouse.wheel(0, -100);
    const p2 = await waitPoint(p1c, "wheel over the fused view");
    const dz = p2[2] - p1c[2];
    assert(Math.abs(Math.abs(dz) - ctSpacingZ) < 1e-9 && p2[0] === p1c[0] && p2[1] === p1c[1],
      `wheel moved the cursor ${p1c} → ${p2}, expected ±${ctSpacingZ} mm along z only`);
    assert(dz > 0, `wheel up moved the cursor away from the head: dz ${dz}`);
    // Keyboard: ArrowUp steps a slice in the active view.
    await page.keyboard.press("ArrowUp");
    const p3 = await waitPoint(p2, "ArrowUp");
    assert(Math.abs(Math.abs(p3[2] - p2[2]) - ctSpacingZ) < 1e-9 && p3[0] === p2[0] && p3[1] === p2[1],
      `ArrowUp moved the cursor ${p2} → ${p3}, expected ±${ctSpacingZ} mm along z only`);
    noErrors(gl);
    await page.screenshot({ path: join(screenshots, "a-webgl2-after-cursor.png") });
  });

  await check("(a) lesion tool: addLesion, lesions(), exportCsv() with NHS number, screenshot() PNG", async () => {
    assert(gl?.loaded.ok, "the page did not load");
    const page = gl.page;
    const m = await page.evaluate((p) => window.uptake.measureLesion(p), biggest.centre_lps);
    const cli = (await cliReports)[lesions.indexOf(biggest)];
    compareQuant(m, cli, `measureLesion(${biggest.name})`);
    await page.evaluate((p) => window.uptake.addLesion(p), biggest.centre_lps);
    const rows = await page.evaluate(() => window.uptake.lesions());
    assert(rows.length === 1, `lesions(): ${JSON.stringify(rows)}`);
    assert(rows[0].suvmax === m.suvmax, `lesion row suvmax ${rows[0].suvmax} != measureLesion ${m.suvmax}`);
    for (const k of ["suvpeak", "suvmean", "mtv_ml", "tlg"]) {
      if (k in rows[0]) assert(rows[0][k] === m[k], `lesion row ${k} ${rows[0][k]} != measureLesion ${m[k]}`);
    }
    const tableRows = await page.$$eval("#lesion-rows tr", (els) => els.length);
    assert(tableRows === 1, `${tableRows} rows in the lesion table`);
    const csv = await page.evaluate(() => window.uptake.exportCsv());
    writeFileSync(join(screenshots, "a-lesions.csv"), csv);
    const digits = String(truth.patient.nhs_number);
    assert(csv.includes(nhs) || csv.includes(digits), `CSV lacks the NHS number:\n${csv}`);
    // The lesion table: a header line `name,suvmax,…` then one line per lesion (no quoted
    // commas in these fields).
    const lines = csv.split(/\r?\n/).filter((l) => l && !l.startsWith("#"));
    const header = lines[0]?.split(",") ?? [];
    assert(header[0] === "name" && header.includes("suvmax"), `CSV lesion header: ${lines[0]}`);
    const table = lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((f, i) => [header[i], f])));
    assert(table.length === 1 && table[0].name === rows[0].name,
      `CSV lesion rows ${JSON.stringify(table)}, expected one named "${rows[0].name}"`);
    for (const k of ["suvmax", "suvpeak", "suvmean", "mtv_ml", "tlg"]) {
      if (k in table[0]) assert(Number(table[0][k]) === m[k], `CSV ${k} ${table[0][k]} != measureLesion ${m[k]}`);
    }
    const shot = await page.evaluate(pageScreenshotB64);
    const bytes = Buffer.from(shot, "base64");
    assert(bytes.length > 0 && bytes.subarray(1, 4).toString() === "PNG", "screenshot() is not a PNG");
    const stats = await page.evaluate(pagePngStats, [shot, null, null]);
    assert(stats.a[0] > 0 && stats.a[1] > 0, `screenshot() decodes to ${stats.a}`);
    save("a-webgl2-lesion-screenshot.png", bytes);
    noErrors(gl);
  });

  await check("(a) webgl2: GPU device lost → recover(): same API, same picture, cursor and lesions kept",
    () => checkDeviceLoss(gl, "a-webgl2"));
  await check("(a) webgl2: GPU device lost during use → the next command recovers by itself",
    () => checkLossDuringUse(gl, "a-webgl2"), 45000);
  await check("(a) webgl2: the WebGL context lost as in a driver reset → recovered by itself when it comes back",
    () => checkContextLoss(gl, "a-webgl2"), 45000);
  await gl?.page.close().catch(() => {});

  // ---- (a) WebGPU: the same pictures as WebGL2 --------------------------------------------

  let gpuV = null;
  let webgpu = false;
  await check("(a) webgpu: deep link loads; screenshot() equals the WebGL2 one", async () => {
    gpuV = await open(baseA, `?study=${studyUid}&backend=webgpu`);
    const api = gpuV.loaded.ok ? (await gpuV.page.evaluate(() => window.uptake.gpu())).api : null;
    if (!gpuV.loaded.ok || api !== "WebGPU") {
      const status = await gpuV.page.textContent("#status");
      console.log(`     WebGPU path: no adapter (api ${api}; ${gpuV.loaded.error ?? ""}; status: ${status})`);
      await gpuV.page.screenshot({ path: join(screenshots, "a-webgpu-page.png") });
      assert(gpuV.pageErrors.length === 0, `page errors: ${gpuV.pageErrors.join("; ")}`);
      return;
    }
    webgpu = true;
    await checkLoaded(gpuV, "a-webgpu");
    const shot = await gpuV.page.evaluate(pageScreenshotB64);
    save("a-webgpu-screenshot.png", Buffer.from(shot, "base64"));
    console.log(`     loaded in ${gpuV.ms} ms (${(await gpuV.page.evaluate(() => window.uptake.gpu())).info})`);
    assert(glShot, "no WebGL2 screenshot to compare with");
    const stats = await gpuV.page.evaluate(pagePngStats, [glShot, shot, null]);
    assert(stats.meanAbsDiff, `screenshot sizes differ: WebGL2 ${stats.a}, WebGPU ${stats.b}`);
    const worst = Math.max(...stats.meanAbsDiff.slice(0, 3));
    console.log(`     WebGL2 vs WebGPU: mean |Δ| per channel ${stats.meanAbsDiff.map((d) => d.toFixed(3)).join(" ")}` +
      ` (of 255), max ${stats.maxDiff}`);
    assert(worst < 2, `WebGL2 and WebGPU pictures differ: mean |Δ| ${stats.meanAbsDiff.map((d) => d.toFixed(3))}`);
  });

  if (webgpu) {
    await check("(a) webgpu: GPU device lost → recover(): same API, same picture, cursor and lesions kept", async () => {
      await gpuV.page.evaluate((p) => window.uptake.setCursor(p), biggest.centre_lps);
      await gpuV.page.evaluate((p) => window.uptake.addLesion(p), biggest.centre_lps);
      await checkDeviceLoss(gpuV, "a-webgpu");
    });
    await check("(a) webgpu: GPU device lost during use → the next command recovers by itself",
      () => checkLossDuringUse(gpuV, "a-webgpu"), 45000);
  } else {
    skip("(a) webgpu: GPU device lost", "WebGPU path: no adapter");
  }
  await gpuV?.page.close().catch(() => {});

  // ---- (a) errors -------------------------------------------------------------------------

  await check("(a) unknown study → readable not-found status, loaded.ok false, no page error", async () => {
    const v = await open(baseA, "?study=1.2.826.0.1.999999.1&backend=webgl2");
    assert(!v.loaded.ok, "an unknown study loaded");
    const statusText = await v.page.textContent("#status");
    assert(/not found/i.test(statusText), `status: ${statusText}`);
    noErrors(v);
    await v.page.screenshot({ path: join(screenshots, "a-not-found-page.png") });
    await v.page.close();
  });

  await check("(a) malformed UID → refused without a DICOMweb request", async () => {
    const v = await open(baseA, `?study=${encodeURIComponent("../etc")}&backend=webgl2`);
    assert(!v.loaded.ok, "a malformed UID loaded");
    const statusText = await v.page.textContent("#status");
    assert(/no valid study/.test(statusText), `status: ${statusText}`);
    assert(v.dicomweb === 0, `${v.dicomweb} DICOMweb request(s) for a malformed UID`);
    noErrors(v);
    await v.page.close();
  });

  await check("(a) progressive: with the CT held back, the whole PET shows with the CT's centre slice first", async () => {
    // The CT's retrieval waits until the PET is in (its progress row ticked; at most 20 s):
    // the preview must then come as the CT's centre slice arrives, before the study is
    // loaded. (A fixed wait let a slow machine release the CT before the PET was complete;
    // a CT that completes first makes a preview pointless, and the viewer then shows none.)
    const ctSeries = truth.ct.series_instance_uid;
    let release;
    const held = new Promise((r) => { release = r; });
    const v = await open(baseA, `?study=${studyUid}&backend=webgl2`, context, VIEWPORT, async (page) => {
      await page.route(new RegExp(`/series/${ctSeries.replace(/\./g, "\\.")}$`), async (route) => {
        await held;
        await route.continue();
      });
      const petDone = () => [...document.querySelectorAll("#progress-rows > div")]
        .some((row) => /^\s*PT .*✓/.test(row.textContent));
      (async () => {
        for (const until = Date.now() + 20000; Date.now() < until;) {
          if (await page.evaluate(petDone).catch(() => false)) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        release();
      })();
    });
    assert(v.loaded.ok, `loaded failed: ${v.loaded.error}`);
    const b = await v.page.evaluate(() => window.__bench);
    assert(b.preview, `no preview was shown (console warnings: ${JSON.stringify(v.consoleWarnings)})`);
    assert(b.preview.t < b.t_loaded, `preview at ${b.preview.t} ms, loaded at ${b.t_loaded} ms`);
    assert(Math.abs(b.t_first_image - b.preview.t) < 100, `first image ${b.t_first_image} ms, preview ${b.preview.t} ms`);
    assert(b.preview.roles.sort().join(",") === "ct,fused,mip,pet", `preview views ${b.preview.roles}`);
    // The preview's readout is the study's: the same PET value and CT HU at its cursor.
    const p = b.preview.values;
    assert(p.pet_value !== null && p.ct_hu !== null, `preview readout ${JSON.stringify(p)}`);
    await v.page.evaluate((pt) => window.uptake.setCursor(pt), p.point);
    const after = await v.page.evaluate(() => window.uptake.getCursorValues());
    assert(after.pet_value === p.pet_value && after.ct_hu === p.ct_hu,
      `preview ${p.pet_value} / ${p.ct_hu} HU, study ${after.pet_value} / ${after.ct_hu} HU`);
    const snap = await v.page.evaluate(() => window.uptake.snapshot());
    assert(snap.preview === false, "still a preview after loading");
    noErrors(v);
    await v.page.close();
  });

  await check("(a) a study too large for a tab is refused with its size once the first images are in", async () => {
    // The server's series query claims 400 000 CT instances: the estimate from the first
    // image's size must stop the download with a readable refusal, and the worker survives.
    const v = await open(baseA, `?study=${studyUid}&backend=webgl2`, context, VIEWPORT, async (page) => {
      await page.route(new RegExp(`/studies/${studyUid.replace(/\./g, "\\.")}/series(\\?|$)`), async (route) => {
        const answer = await route.fetch();
        const series = await answer.json();
        for (const s of series) {
          if (s["00080060"]?.Value?.[0] === "CT") s["00201209"] = { vr: "IS", Value: [400000] };
        }
        await route.fulfill({ response: answer, json: series });
      });
    });
    assert(!v.loaded.ok, "the study loaded");
    const statusText = await v.page.textContent("#status");
    assert(/needs about [0-9.]+ GB of memory, more than a browser tab can hold/.test(statusText), `status: ${statusText}`);
    assert(/GB of memory/.test(v.loaded.error ?? ""), `loaded error: ${v.loaded.error}`);
    // The worker is alive: the same page opens the real study next.
    await v.page.unrouteAll();
    const again = await v.page.evaluate(async (uid) => {
      const r = await window.uptake.openStudy(uid);
      return r.open.images;
    }, studyUid);
    assert(again > 0, `reopening gave ${again} images`);
    noErrors(v);
    await v.page.close();
  });

  // ---- (a) the viewer's own controls, driven as a user would (e2e-ui.mjs) -----------------

  await uiTests({
    open, check, assert, noErrors, compareQuant, relDiff, pagePngStats,
    base: baseA, truth, phantom, studyUid, name, nhs, cliReports, screenshots,
  });

  // ---- (b) Orthanc behind `uptake serve --pacs` --------------------------------------------

  if (!pacs) {
    const why = orthancExe ? "the Orthanc DICOMweb plugin is missing" : "orthanc not installed";
    console.log(`SKIPPED: ${why} (apt-get install -y orthanc orthanc-dicomweb): (b) tests not run`);
    skipped += 1;
  } else {
    let b = null;
    let orth = null;
    await check("(b) orthanc: deep link loads through the proxy; banner and view overlays; no errors; same origin", async () => {
      orth = await withTimeout(pacs, 60000, "starting Orthanc and uploading the phantom");
      console.log(`     Orthanc ready, ${orth.uploaded} instances uploaded (${orth.ms} ms in the background)`);
      b = await open(orth.baseB, `?study=${studyUid}`);
      await checkLoaded(b, "b-orthanc");
      console.log(`     loaded in ${b.ms} ms (${(await b.page.evaluate(() => window.uptake.gpu())).api})`);
      const shot = await b.page.evaluate(pageScreenshotB64);
      save("b-orthanc-screenshot.png", Buffer.from(shot, "base64"));
    });
    await check("(b) orthanc: measureLesion equals `uptake quantify --json` for every truth lesion", () => checkQuant(b));
    await b?.page.close().catch(() => {});

    await check("(b) orthanc: unknown study → readable not-found status, loaded.ok false, no page error", async () => {
      assert(orth, "Orthanc did not start");
      const v = await open(orth.baseB, "?study=1.2.826.0.1.999999.1&backend=webgl2");
      assert(!v.loaded.ok, "an unknown study loaded");
      const statusText = await v.page.textContent("#status");
      assert(/not found/i.test(statusText), `status: ${statusText}`);
      noErrors(v);
      await v.page.close();
    });

    await check("(b) orthanc with authentication, wrong password: 401 → readable login status, loaded.ok false, no page error", async () => {
      assert(orth, "Orthanc did not start");
      // Orthanc answers 401 with `WWW-Authenticate: Basic`, which the proxy passes on, so the
      // browser itself asks for a login first (headless over CDP: the request would wait
      // forever). A context with wrong credentials answers that challenge once, as a user
      // typing a wrong password would; the second 401 then reaches the page.
      const ctx = await browser.newContext({ httpCredentials: { username: "nobody", password: "wrong" } });
      try {
        const v = await open(orth.baseAuth, `?study=${studyUid}&backend=webgl2`, ctx);
        assert(!v.loaded.ok, "a study loaded from a PACS that asks for a login");
        const statusText = await v.page.textContent("#status");
        assert(/401|log ?in/i.test(statusText), `status: ${statusText}`);
        noErrors(v);
        await v.page.screenshot({ path: join(screenshots, "b-orthanc-401-page.png") });
      } finally {
        await ctx.close().catch(() => {});
      }
    });
  }

  await withTimeout(browser.close(), 10000, "closing the CDP connection").catch(() => {});
}

try {
  await main();
} catch (e) {
  failed += 1;
  console.log(`FAIL setup: ${e?.stack ?? e}`);
}
await cleanupAndWait();
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s` +
  ` (screenshots: ${screenshots})`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
