// End-to-end test of the web viewer in Debian's Chromium (run by `cargo xtask e2e`):
// deep link `?study=<UID>` → QIDO-RS + WADO-RS against `uptake serve` → WASM `loadStudy` →
// patient banner. Chromium is started here (never playwright's own browser download or
// launch) and driven over CDP with playwright-core. Both processes are killed on exit.
//
// Environment: UPTAKE_BIN (default: $CARGO_TARGET_DIR or target/, then debug/uptake),
// CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const www = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(www, "..");
const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(repo, process.env.CARGO_TARGET_DIR)
  : join(repo, "target");
const uptakeBin = process.env.UPTAKE_BIN ?? join(targetDir, "debug", "uptake");
const chromiumBin = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshots = join(repo, "target", "e2e-screenshots");

const children = [];
const scratch = mkdtempSync(join(tmpdir(), "uptake-e2e-"));
let passed = 0;
let failed = 0;

function running(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills the server and Chromium (synchronously: also usable in the `exit` handler). */
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

/** Kills both processes, waits until they are gone, then removes the scratch directory. */
async function cleanupAndWait() {
  const gone = children.map((child) =>
    running(child) ? new Promise((r) => child.once("exit", r)) : Promise.resolve());
  cleanup();
  await withTimeout(Promise.all(gone), 5000, "stopping the server and Chromium").catch(() => {});
  cleanup();
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

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
  const found = new Promise((resolvePromise, reject) => {
    const onData = (chunk) => {
      output += chunk.toString();
      const m = pattern.exec(output);
      if (m) resolvePromise(m);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => reject(new Error(`${what}: cannot start ${program}: ${e.message}`)));
    child.on("exit", (code, signal) =>
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${output}`)));
  });
  return withTimeout(found, 30000, what);
}

async function check(name, fn) {
  const start = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** NHS Number digits as shown on the banner: 3-3-4 with spaces. */
function nhs334(raw) {
  const d = String(raw).replace(/\D/g, "");
  return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
}

async function main() {
  assert(existsSync(uptakeBin), `${uptakeBin} is missing (cargo build -p uptake-cli)`);
  assert(existsSync(join(www, "pkg", "uptake_web_bg.wasm")), "www/pkg is missing (cargo xtask build)");

  // The phantom study and its truth.
  const phantom = join(scratch, "phantom");
  const gen = spawnSync(uptakeBin, ["phantom", phantom], { encoding: "utf8" });
  assert(gen.status === 0, `uptake phantom failed: ${gen.stderr}`);
  const truth = JSON.parse(readFileSync(join(phantom, "truth.json"), "utf8"));
  const studyUid = truth.study.study_instance_uid;

  const [, base] = await startAndWait(
    uptakeBin,
    ["serve", "--web-root", www, "--dicom-dir", phantom, "--port", "0"],
    /serving on (http:\/\/127\.0\.0\.1:\d+\/)/,
    "uptake serve",
  );

  const profile = join(scratch, "chromium-profile");
  mkdirSync(profile);
  // Port 0: Chromium picks a free port and prints it (no race for a port chosen here).
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

  /** Opens `url` in a fresh page; returns {page, loaded, pageErrors, offOrigin}. */
  async function open(url) {
    const page = await context.newPage();
    const pageErrors = [];
    const offOrigin = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith("data:") && !u.startsWith("blob:")) offOrigin.push(u);
    });
    await page.goto(url, { waitUntil: "load", timeout: 30000 });
    await page.waitForFunction(() => window.uptake && window.uptake.loaded, null, { timeout: 30000 });
    const loaded = await page.evaluate(async () => {
      const r = await window.uptake.loaded;
      return { ok: r.ok, error: r.error ?? null };
    });
    return { page, loaded, pageErrors, offOrigin };
  }

  await check("deep link loads the study over DICOMweb and shows the banner", async () => {
    const { page, loaded, pageErrors, offOrigin } = await open(`${base}?study=${studyUid}`);
    assert(loaded.ok, `loaded failed: ${loaded.error}`);
    const bannerText = await page.textContent("#banner");
    const visible = await page.isVisible("#banner");
    assert(visible, "#banner is hidden");
    assert(bannerText.includes("PHANTOM"), `banner lacks PHANTOM: ${bannerText}`);
    const nhs = `NHS No. ${nhs334(truth.patient.nhs_number)}`;
    assert(bannerText.includes(nhs), `banner lacks "${nhs}": ${bannerText}`);
    assert(bannerText.includes("DOB "), `banner lacks DOB: ${bannerText}`);
    const summary = await page.evaluate(() => window.uptake.summary());
    assert(summary.studyUid === studyUid, `studyUid ${summary.studyUid}`);
    for (const [mod, t] of [["PT", truth.pet], ["CT", truth.ct]]) {
      const s = summary.series.find((x) => x.modality === mod);
      assert(s, `no ${mod} series in ${JSON.stringify(summary.series)}`);
      assert(s.seriesUid === t.series_instance_uid, `${mod} series UID ${s.seriesUid}`);
      assert(JSON.stringify(s.dims) === JSON.stringify(t.dims),
        `${mod} dims ${JSON.stringify(s.dims)} != truth ${JSON.stringify(t.dims)}`);
    }
    assert(summary.pet === truth.pet.series_instance_uid, `pet choice ${summary.pet}`);
    assert(summary.ct === truth.ct.series_instance_uid, `ct choice ${summary.ct}`);
    assert(summary.errors.length === 0, `errors: ${summary.errors.join("; ")}`);
    const statusText = await page.textContent("#status");
    assert(/^Loaded study/.test(statusText), `status: ${statusText}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
    assert(offOrigin.length === 0, `requests off the origin: ${offOrigin.join(", ")}`);
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, "deep-link-banner.png"), fullPage: true });
    await page.close();
  });

  await check("deep link to an unknown study shows a readable not-found status", async () => {
    const { page, loaded, pageErrors } = await open(`${base}?study=1.2.826.0.1.999999.1`);
    assert(!loaded.ok, "an unknown study loaded");
    const statusText = await page.textContent("#status");
    assert(/not found/i.test(statusText), `status: ${statusText}`);
    assert(await page.isHidden("#banner"), "banner shown for an unknown study");
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, "deep-link-not-found.png") });
    await page.close();
  });

  await check("deep link with a malformed UID is refused without a request", async () => {
    const { page, loaded, pageErrors } = await open(`${base}?study=${encodeURIComponent("../etc")}`);
    assert(!loaded.ok, "a malformed UID loaded");
    const statusText = await page.textContent("#status");
    assert(/no valid study/.test(statusText), `status: ${statusText}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
    await page.close();
  });

  await withTimeout(browser.close(), 10000, "closing the CDP connection").catch(() => {});
}

try {
  await main();
} catch (e) {
  failed += 1;
  console.log(`FAIL setup: ${e?.stack ?? e}`);
}
await cleanupAndWait();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
