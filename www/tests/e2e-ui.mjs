// End-to-end tests of the viewer's own controls (run from `e2e.mjs`, which starts the server
// and Chromium): deep-link parameters, the toolbar, the keyboard on the page, the mouse on the
// views, local files through the file input, the export buttons (real downloads) and the SUV
// panel. Every action goes through the page as a user would (clicks, keys, selects, the file
// chooser); `window.uptake` is only read back to check the result, or used for setup (placing
// the cursor on a lesion before the action under test).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Unit vectors of the single-letter orientation markers. */
const LETTER = { L: [1, 0, 0], R: [-1, 0, 0], P: [0, 1, 0], A: [0, -1, 0], H: [0, 0, 1], F: [0, 0, -1] };
/** Page size: smaller than the 2×2 default of e2e.mjs, so that the software GPU draws each
 * frame (the MIP above all) quicker; every command redraws, and input waits for frames. */
const UI_VIEWPORT = { width: 960, height: 640 };
/** CT presets of keys 1–4 (level, width), as the help and README give them. */
const PRESETS = { 1: [40, 400], 2: [-600, 1500], 3: [300, 1500], 4: [40, 80] };

const sub = (a, b) => a.map((x, i) => x - b[i]);
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const dist = (a, b) => Math.hypot(...sub(a, b));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (e.endsWith(".dcm")) out.push(p);
  }
  return out.sort();
}

/**
 * Runs the UI checks. `env`: {open, check, assert, noErrors, compareQuant, relDiff, pagePngStats,
 * base, truth, phantom, studyUid, name, nhs, cliReports, screenshots}.
 */
export async function uiTests(env) {
  const { open, check, assert, noErrors, base, truth, studyUid, name, nhs } = env;
  const lesions = truth.lesions;
  const petUid = truth.pet.series_instance_uid;
  const petSpacingZ = truth.pet.slice_spacing_mm;
  const ctSpacingZ = truth.ct.slice_spacing_mm;
  // The hottest lesion (the MIP shows it over anything along its rays) and the biggest.
  const hottest = lesions.reduce((a, b) => (b.suv > a.suv ? b : a));
  const biggest = lesions.reduce((a, b) => (b.diameter_mm > a.diameter_mm ? b : a));
  const background = Math.max(...truth.tissues.map((t) => t.suv));

  /** Centre of a series' voxel grid (the views' camera centre), LPS mm. */
  function gridCentre(series) {
    assert(same(series.orientation, [1, 0, 0, 0, 1, 0]), `truth: oblique ${series.modality} not handled here`);
    const [rowSp, colSp] = series.pixel_spacing_mm;
    const f = series.first_position_lps;
    const l = series.last_position_lps;
    return [f[0] + ((series.dims[0] - 1) * colSp) / 2, f[1] + ((series.dims[1] - 1) * rowSp) / 2, (f[2] + l[2]) / 2];
  }
  const ctCentre = gridCentre(truth.ct);
  const petCentre = gridCentre(truth.pet);

  const snap = (page) => page.evaluate(() => window.uptake.snapshot());
  const point = async (page) => (await page.evaluate(() => window.uptake.getCursorValues())).point;

  /** Polls `read()` until `ok(value)`; returns the value or throws with the last one. */
  async function until(read, ok, what, ms = 30000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)?.slice(0, 600)} after ${ms} ms`);
      await sleep(50);
    }
  }
  /** The parts of a snapshot the checks look at (for failure messages). */
  const brief = (x) => x && ({
    layout: x.layout, plane: x.plane, tool: x.tool, threshold: x.threshold, fusion: x.fusion_percent,
    ct_window: x.ct_window, colormap: x.colormap, mip_angle: x.mip_angle, cine: x.cine, help: x.help,
    maximised: x.maximised, views: x.views.length, point: x.values.point, pet_value: x.values.pet_value,
    suv_type: x.suv.suv_type, lesions: x.lesions.map((l) => `${l.name} ${l.threshold}`),
  });
  async function untilSnap(page, ok, what, ms) {
    let last = null;
    try {
      return await until(async () => (last = await snap(page)), ok, what, ms);
    } catch (e) {
      throw new Error(`${what}: still ${JSON.stringify(brief(last))}`);
    }
  }
  /**
   * Setup through the API (so that a check starts from a known state even after another
   * failed): no help, no cine, the 2×2 axial layout, cursor tool, views reset.
   */
  async function baseState(page) {
    const commands = [{ op: "set_cine", playing: false }, { op: "set_layout", layout: "two_by_two" },
      { op: "set_plane", plane: "axial" }, { op: "set_tool", tool: "cursor" }, { op: "reset" }];
    if ((await snap(page)).help) commands.unshift({ op: "key", key: "?" });
    for (const c of commands) await page.evaluate((x) => window.uptake.command(x), c);
  }
  const viewTitles = (page) => page.$$eval(".view .title", (els) => els.map((e) => e.textContent));
  const untilViews = (page, n, what) => until(() => viewTitles(page), (t) => t.length === n, what);
  /** Focus on the page body (not a control): what the key handler listens to. */
  const focusBody = (page) => page.click("#values-h");

  /**
   * Page (CSS px) position of LPS point `p` projected on the view of `role` whose camera is
   * centred on `centre`; from the view's orientation markers and scale bar.
   */
  async function pageXY(page, role, p, centre) {
    const s = await snap(page);
    const v = s.views.find((x) => x.role === role);
    assert(v, `no ${role} view in ${s.views.map((x) => x.role)}`);
    const right = LETTER[v.markers[1]];
    const down = LETTER[v.markers[3]];
    assert(right && down, `${role} view markers ${v.markers}: not single patient directions`);
    const bar = v.scale_bar;
    const mmPerPx = parseFloat(bar.label) / (bar.end[0] - bar.start[0]);
    assert(mmPerPx > 0, `${role} scale bar ${JSON.stringify(bar)}`);
    const c = await page.evaluate((r) => window.uptake.viewCentre(r), role);
    const dpr = await page.evaluate(() => window.devicePixelRatio || 1);
    const d = sub(p, centre);
    return { x: c.x + dot(d, right) / mmPerPx / dpr, y: c.y + dot(d, down) / mmPerPx / dpr, mmPerPx };
  }

  // ---- 1. deep-link parameters ------------------------------------------------------------

  await check("(ui) deep link &lesion=x,y,z: one lesion in the table, equal to measureLesion there", async () => {
    const l = lesions.find((x) => x !== hottest && x.diameter_mm >= 20) ?? biggest;
    const v = await open(base, `?study=${studyUid}&lesion=${l.centre_lps.join(",")}&backend=webgl2`, undefined, UI_VIEWPORT);
    try {
      assert(v.loaded.ok, `loaded failed: ${v.loaded.error}`);
      const page = v.page;
      const rows = await page.evaluate(() => window.uptake.lesions());
      assert(rows.length === 1, `lesions(): ${JSON.stringify(rows)}`);
      const m = await page.evaluate((q) => window.uptake.measureLesion(q), l.centre_lps);
      assert(rows[0].suvmax === m.suvmax && rows[0].mtv_ml === m.mtv_ml,
        `lesion row suvmax ${rows[0].suvmax} / MTV ${rows[0].mtv_ml} != measureLesion ${m.suvmax} / ${m.mtv_ml}`);
      assert(same(rows[0].seed, l.centre_lps), `lesion seed ${rows[0].seed}, link ${l.centre_lps}`);
      const cells = await page.$$eval("#lesion-rows tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
      assert(cells.length === 1, `${cells.length} rows in #lesion-rows`);
      assert(cells[0][1] === m.suvmax.toFixed(2), `table SUVmax "${cells[0][1]}", measureLesion ${m.suvmax}`);
      assert(same(await point(page), l.centre_lps), "the cursor is not at the linked lesion");
      assert(/1 lesion/.test(await page.textContent("#total-n")), `#total-n: ${await page.textContent("#total-n")}`);
      noErrors(v);
    } finally {
      await v.page.close().catch(() => {});
    }
  });

  const at = [12.5, -30.25, 40];
  let a = null;
  await check("(ui) deep link &series=PET &at=x,y,z &backend=webgl2: cursor at the point, that series, WebGL2 in #about", async () => {
    a = await open(base, `?study=${studyUid}&series=${petUid}&at=${at.join(",")}&backend=webgl2`, undefined, UI_VIEWPORT);
    // The tab in front: a headless background tab gets no animation frames (the cine and
    // every frame the worker presents wait for them).
    await a.page.bringToFront();
    assert(a.loaded.ok, `loaded failed: ${a.loaded.error} (status: ${await a.page.textContent("#status")})`);
    const page = a.page;
    const p = await point(page);
    assert(same(p, at), `at=${at}: cursor at ${p}`);
    const values = await page.textContent("#values");
    assert(values.includes(`(${at.map((x) => x.toFixed(1)).join(", ")}) mm LPS`), `#values: ${values}`);
    const s = await snap(page);
    assert(s.choice.pet_series_uid === petUid, `PET series ${s.choice.pet_series_uid}, link asked ${petUid}`);
    const choice = await page.textContent("#choice");
    assert(choice.includes(petUid) && /chosen by the user/.test(choice), `#choice: ${choice}`);
    assert((await page.inputValue("#pet-series")) === petUid, "#pet-series does not show the linked series");
    const about = await page.textContent("#about");
    assert(/WebGL2/.test(about), `#about: ${about}`);
    assert(s.lesions.length === 0, `lesions without &lesion: ${JSON.stringify(s.lesions)}`);
    noErrors(a);
  });

  // ---- 2. toolbar -----------------------------------------------------------------------

  await check("(ui) toolbar: #layout 1×1 / 3 planes / 2×2 and #plane change the views and their titles", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    await page.selectOption("#layout", "one_by_one");
    let titles = await untilViews(page, 1, "#layout one_by_one");
    assert((await snap(page)).layout === "one_by_one", "snapshot layout is not one_by_one");
    await page.selectOption("#layout", "three_plane");
    titles = await untilViews(page, 3, "#layout three_plane");
    for (const plane of ["axial", "coronal", "sagittal"]) {
      assert(titles.filter((t) => t.toLowerCase().includes(plane)).length === 1, `three_plane titles ${titles}: no single ${plane}`);
    }
    await page.selectOption("#layout", "two_by_two");
    titles = await untilViews(page, 4, "#layout two_by_two");
    const roles = await page.$$eval(".view", (els) => els.map((e) => e.dataset.role).sort().join(","));
    assert(roles === "ct,fused,mip,pet", `two_by_two roles ${roles}`);
    assert(titles.filter((t) => /axial/.test(t)).length === 3, `two_by_two axial titles ${titles}`);
    await page.selectOption("#plane", "coronal");
    titles = await until(() => viewTitles(page), (t) => t.filter((x) => /coronal/.test(x)).length === 3, "#plane coronal");
    assert(!titles.some((t) => /axial/.test(t)), `coronal titles ${titles}`);
    const s = await snap(page);
    assert(s.plane === "coronal" && s.views.filter((x) => x.plane === "coronal").length === 3, `snapshot plane ${s.plane}`);
    await page.selectOption("#plane", "axial");
    await until(() => viewTitles(page), (t) => t.filter((x) => /axial/.test(x)).length === 3, "#plane axial");
    noErrors(a);
  });

  await check("(ui) toolbar: tool buttons set aria-pressed; #threshold 50 % + lesion tool click on the PET view → row with 50%", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    const pressed = () => page.$$eval(".tool", (els) => els.filter((e) => e.getAttribute("aria-pressed") === "true").map((e) => e.dataset.tool));
    for (const tool of ["window_level", "zoom", "pan", "lesion", "cursor"]) {
      await page.click(`.tool[data-tool=${tool}]`);
      await until(pressed, (p) => same(p, [tool]), `click on the ${tool} tool button`);
      assert((await snap(page)).tool === tool, `snapshot tool after clicking ${tool}`);
    }
    await page.selectOption("#threshold", "50");
    await untilSnap(page, (s) => s.threshold === "50%", "#threshold 50");
    const l = biggest;
    // Setup: the axial planes through the lesion centre.
    await page.evaluate((q) => window.uptake.setCursor(q), l.centre_lps);
    const before = (await snap(page)).lesions.length;
    const xy = await pageXY(page, "pet", l.centre_lps, ctCentre);
    await page.click(".tool[data-tool=lesion]");
    await until(pressed, (p) => same(p, ["lesion"]), "lesion tool");
    await page.mouse.click(xy.x, xy.y);
    const s = await untilSnap(page, (x) => x.lesions.length === before + 1, "lesion tool click on the PET view");
    const row = s.lesions[before];
    assert(row.threshold === "50%", `new lesion threshold ${row.threshold}`);
    assert(Math.abs(row.seed[2] - l.centre_lps[2]) < 1e-9 && dist(row.seed, l.centre_lps) <= 2 * xy.mmPerPx,
      `the click at the projected lesion centre seeded ${row.seed}, lesion at ${l.centre_lps} (1 px = ${xy.mmPerPx} mm)`);
    const m = await page.evaluate((q) => window.uptake.measureLesion(q, { threshold: "50" }), row.seed);
    assert(row.suvmax === m.suvmax && row.mtv_ml === m.mtv_ml && row.threshold_suv === m.threshold.suv,
      `row ${JSON.stringify(row)} != measureLesion(seed, 50 %) ${JSON.stringify(m)}`);
    assert(Math.abs(row.suvmax - l.suv) < 0.05 * l.suv, `clicked lesion SUVmax ${row.suvmax}, truth ${l.suv}`);
    const cells = await page.$$eval("#lesion-rows tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert(cells.length === before + 1, `${cells.length} table rows`);
    assert(cells[before][6] === "50%", `threshold column "${cells[before][6]}" (row ${cells[before]})`);
    // The side panel (lesion table, series lists with UIDs) never needs a horizontal scroll.
    const overflow = await page.$eval("#panel", (p) => [p.scrollWidth, p.clientWidth]);
    assert(overflow[0] <= overflow[1], `#panel content ${overflow[0]} px wide in ${overflow[1]} px`);
    await page.click(".tool[data-tool=cursor]");
    await until(pressed, (p) => same(p, ["cursor"]), "cursor tool");
    await page.selectOption("#threshold", "41");
    await untilSnap(page, (x) => x.threshold === "41%", "#threshold 41");
    noErrors(a);
  });

  await check("(ui) toolbar: #fusion slider and #colormap change the snapshot and the legend", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    const f0 = (await snap(page)).fusion_percent;
    const box = await page.locator("#fusion").boundingBox();
    await page.mouse.click(box.x + box.width * 0.9, box.y + box.height / 2);
    const shown = Number(await page.inputValue("#fusion"));
    const s1 = await untilSnap(page, (s) => s.fusion_percent !== f0, `click at 90 % of #fusion (was ${f0})`);
    assert(s1.fusion_percent === shown && shown >= 75, `fusion ${s1.fusion_percent} %, slider ${shown}`);
    await page.focus("#fusion");
    await page.keyboard.press("ArrowLeft");
    await untilSnap(page, (s) => s.fusion_percent === shown - 5, "ArrowLeft on #fusion");

    const legend = () => page.$eval("#legend-bar", (e) => e.style.backgroundImage || e.style.background);
    const norm = (t) => t.replace(/\s+/g, "");
    const l0 = await legend();
    assert(/linear-gradient/.test(l0), `#legend-bar: ${l0}`);
    for (const map of ["rainbow", "grey", "hot-iron"]) {
      await page.selectOption("#colormap", map);
      const s = await untilSnap(page, (x) => x.colormap === map, `#colormap ${map}`);
      const l = await until(legend, (x) => norm(x).includes(norm(s.colormap_stops[5])) && norm(x).includes(norm(s.colormap_stops[10])), `legend for ${map}`);
      if (map === "grey") {
        assert(norm(l).includes("rgb(0,0,0)") && norm(l).includes("rgb(255,255,255)"), `grey legend: ${l}`);
      }
      if (map === "rainbow") assert(norm(l) !== norm(l0), "the legend did not change with the colour map");
    }
    assert(norm(await legend()) === norm(l0), "the hot-iron legend differs from the first one");
    noErrors(a);
  });

  // ---- 3. keyboard ----------------------------------------------------------------------

  await check("(ui) keys: 1–4 CT presets, F fusion steps, M cine (MIP turns), R reset", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    await focusBody(page);
    const windows = [];
    for (const k of ["2", "3", "4", "1"]) {
      await page.keyboard.press(k);
      const s = await untilSnap(page, (x) => same(x.ct_window, PRESETS[k]), `key ${k}`);
      windows.push(s.ct_window.join("/"));
      // The preset menu follows the key.
      const shown = await page.$eval("#preset", (e) => e.value);
      assert(shown === k, `#preset shows "${shown}" after key ${k}`);
    }
    assert(new Set(windows).size === 4, `presets not distinct: ${windows}`);
    const steps = [];
    for (let i = 0; i < 5; i++) {
      const prev = (await snap(page)).fusion_percent;
      await page.keyboard.press("f");
      steps.push((await untilSnap(page, (x) => x.fusion_percent !== prev, `F press ${i + 1}`)).fusion_percent);
    }
    assert(same(steps, [75, 100, 0, 25, 50]), `F from 50 % (after the reset): ${steps}`);

    const a0 = (await snap(page)).mip_angle;
    const mipTitle = () => page.textContent(".view[data-role=mip] .title");
    const title0 = await mipTitle();
    const t0 = Date.now();
    await page.keyboard.press("m");
    await untilSnap(page, (x) => x.cine, "M starts the cine");
    assert((await page.getAttribute("#cine", "aria-pressed")) === "true", "#cine is not pressed while playing");
    // About a second of cine; each tick is one frame of the worker, so on a slow software
    // GPU the first may come later: then wait for it.
    await sleep(1000);
    const s1 = await untilSnap(page, (x) => (x.mip_angle - a0 + 360) % 360 >= 1, "the MIP angle while the cine plays").catch(async (e) => {
      const diag = await page.evaluate(() => new Promise((res) => {
        const t = setTimeout(() => res(`page ${document.visibilityState}, no animation frame within 1 s`), 1000);
        requestAnimationFrame(() => { clearTimeout(t); res(`page ${document.visibilityState}, animation frames run`); });
      }));
      throw new Error(`${e.message} (${diag})`);
    });
    await page.keyboard.press("m");
    await untilSnap(page, (x) => !x.cine, "M pauses the cine");
    const elapsed = (Date.now() - t0) / 1000;
    const a1 = (await snap(page)).mip_angle;
    const turned = (a1 - a0 + 360) % 360;
    assert(s1.cine && turned >= 1 && turned <= 45 * elapsed + 5,
      `MIP turned ${turned.toFixed(1)}° in ${elapsed.toFixed(1)} s of cine (45°/s)`);
    const title1 = await until(mipTitle, (t) => t !== title0, "MIP title during cine");
    assert(/\d+°/.test(title1), `MIP title ${title1}`);
    await sleep(300);
    const a2 = (await snap(page)).mip_angle;
    assert(a2 === a1, `the MIP still turns after M paused it: ${a1} → ${a2}`);
    assert((await page.getAttribute("#cine", "aria-pressed")) === "false", "#cine still pressed after pause");

    // R: windows, fusion, MIP angle, cursor back (after changing them).
    await page.keyboard.press("3");
    await page.keyboard.press("f");
    await page.keyboard.press("PageUp");
    await untilSnap(page, (x) => same(x.ct_window, PRESETS[3]) && x.fusion_percent !== 50, "3 and F before R");
    await page.keyboard.press("r");
    const s = await untilSnap(page, (x) => same(x.ct_window, PRESETS[1]) && x.fusion_percent === 50 && x.mip_angle === 0, "R resets");
    assert(dist(s.values.point, ctCentre) < 1e-6, `R: cursor at ${s.values.point}, the CT centre is ${ctCentre}`);
    assert(s.maximised === null, "R left a view maximised");
    noErrors(a);
  });

  await check("(ui) keys: ? opens the help, Escape and Close hide it; ArrowUp / PageUp move the cursor", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    await focusBody(page);
    const helpOpen = () => page.$eval("#help", (d) => d.open);
    for (const how of ["Escape", "Close"]) {
      await page.keyboard.press("?");
      await until(helpOpen, (o) => o === true, `? opens #help (then ${how})`);
      assert((await snap(page)).help === true, "snapshot help false while #help is open");
      if (how === "Escape") await page.keyboard.press("Escape");
      else await page.click("#help form button");
      await until(helpOpen, (o) => o === false, `${how} closes #help`);
      await untilSnap(page, (x) => x.help === false, `${how}: snapshot help`);
      await focusBody(page);
    }

    const s0 = await snap(page);
    const p0 = s0.values.point;
    const specs = s0.views.filter((x) => x.role !== "mip");
    const active = specs.find((x) => x.index === s0.active_view) ?? specs[0];
    const step = active.role === "pet" ? petSpacingZ : ctSpacingZ;
    assert(active.plane === "axial", `active view ${active.title}`);
    await page.keyboard.press("ArrowUp");
    const p1 = await until(() => point(page), (p) => !same(p, p0), "ArrowUp");
    const dz = p1[2] - p0[2];
    assert(Math.abs(Math.abs(dz) - step) < 1e-9 && p1[0] === p0[0] && p1[1] === p0[1],
      `ArrowUp in ${active.title}: ${p0} → ${p1}, expected ±${step} mm along z`);
    await page.keyboard.press("PageUp");
    const p2 = await until(() => point(page), (p) => !same(p, p1), "PageUp");
    assert(Math.abs(p2[2] - p1[2] - 10 * dz) < 1e-6 && p2[0] === p1[0] && p2[1] === p1[1],
      `PageUp: ${p1} → ${p2}, expected 10 × ${dz} mm along z`);
    await page.keyboard.press("PageDown");
    const p3 = await until(() => point(page), (p) => !same(p, p2), "PageDown");
    assert(Math.abs(p3[2] - p1[2]) < 1e-6, `PageDown did not undo PageUp: ${p1} → ${p2} → ${p3}`);
    noErrors(a);
  });

  await check("(ui) keys: Ctrl+Z removes the lesion just added, Ctrl+Y restores it", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    const l = lesions.find((x) => x !== biggest) ?? biggest;
    await page.evaluate((q) => window.uptake.addLesion(q), l.centre_lps); // setup
    const s0 = await snap(page);
    const n = s0.lesions.length;
    const added = s0.lesions[n - 1];
    const tableRows = () => page.$$eval("#lesion-rows tr", (trs) => trs.length);
    assert((await tableRows()) === n, `${await tableRows()} table rows for ${n} lesions`);
    await focusBody(page);
    await page.keyboard.press("Control+z");
    const s1 = await untilSnap(page, (x) => x.lesions.length === n - 1, "Ctrl+Z");
    assert(!s1.lesions.some((x) => x.name === added.name), `Ctrl+Z removed another lesion: ${s1.lesions.map((x) => x.name)}`);
    await until(tableRows, (r) => r === n - 1, "table after Ctrl+Z");
    await page.keyboard.press("Control+y");
    const s2 = await untilSnap(page, (x) => x.lesions.length === n, "Ctrl+Y");
    assert(same(s2.lesions[n - 1], added), `Ctrl+Y restored ${JSON.stringify(s2.lesions[n - 1])}, was ${JSON.stringify(added)}`);
    await until(tableRows, (r) => r === n, "table after Ctrl+Y");
    noErrors(a);
  });

  // ---- 4. mouse ---------------------------------------------------------------------------

  await check("(ui) mouse: double-click maximises a view and restores; click on the MIP jumps to the hot lesion; wheel over PET = one PET slice", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    const ct = await page.evaluate(() => window.uptake.viewCentre("ct"));
    await page.mouse.dblclick(ct.x, ct.y);
    await untilViews(page, 1, "double-click on the CT view");
    const s1 = await snap(page);
    assert(s1.views.length === 1 && s1.views[0].role === "ct" && s1.maximised === s1.views[0].index,
      `maximised: ${JSON.stringify(s1.views.map((x) => x.role))}, maximised ${s1.maximised}`);
    assert(s1.views[0].rect[2] === s1.canvas[0] && s1.views[0].rect[3] === s1.canvas[1], `maximised rect ${s1.views[0].rect}`);
    const full = await page.evaluate(() => window.uptake.viewCentre("ct"));
    await page.mouse.dblclick(full.x + 50, full.y + 50);
    await untilViews(page, 4, "second double-click");
    assert((await snap(page)).maximised === null, "still maximised after the second double-click");

    // The MIP at 0°: the ray through the hottest lesion's projection meets it before anything
    // as hot, so the cursor jumps to that lesion (depth included).
    const l = hottest;
    const before = await point(page);
    const xy = await pageXY(page, "mip", l.centre_lps, petCentre);
    await page.mouse.click(xy.x, xy.y);
    const p = await until(() => point(page), (q) => !same(q, before), "click on the MIP");
    const v = await page.evaluate(() => window.uptake.getCursorValues());
    const r = l.diameter_mm / 2 + Math.hypot(...truth.pet.pixel_spacing_mm, petSpacingZ);
    assert(dist(p, l.centre_lps) <= r, `MIP click at lesion ${l.name} ${l.centre_lps}: cursor at ${p} (${dist(p, l.centre_lps).toFixed(1)} mm away)`);
    assert(v.pet_value >= 2 && v.pet_value > background, `PET at the MIP pick ${v.pet_value} (background ≤ ${background})`);
    // And on a background ray (over the centre of the MIP) it is not that hot.
    const c = await page.evaluate(() => window.uptake.viewCentre("mip"));
    await page.mouse.click(c.x, c.y - 2);
    const pc = await until(() => point(page), (q) => !same(q, p), "click on the MIP centre");
    assert(dist(pc, l.centre_lps) > r, `the click on the MIP centre also went to ${pc}`);

    const pet = await page.evaluate(() => window.uptake.viewCentre("pet"));
    await page.mouse.move(pet.x + 10, pet.y + 10);
    const w0 = await point(page);
    await page.mouse.wheel(0, -100);
    const w1 = await until(() => point(page), (q) => !same(q, w0), "wheel up over the PET view");
    assert(Math.abs(w1[2] - w0[2] - petSpacingZ) < 1e-9 && w1[0] === w0[0] && w1[1] === w0[1],
      `wheel up over PET: ${w0} → ${w1}, expected +${petSpacingZ} mm (one PET slice) along z`);
    await page.mouse.wheel(0, 100);
    const w2 = await until(() => point(page), (q) => !same(q, w1), "wheel down over the PET view");
    assert(Math.abs(w2[2] - w0[2]) < 1e-9, `wheel down over PET: ${w1} → ${w2}, expected back to z ${w0[2]}`);
    noErrors(a);
  });

  // ---- 6. exports -------------------------------------------------------------------------

  /** Clicks `selector`; resolves with the download it starts. */
  async function downloadOf(page, selector) {
    const [d] = await Promise.all([
      page.waitForEvent("download", { timeout: 20000 }).catch(() => {
        throw new Error(`a click on ${selector} started no download within 20 s`);
      }),
      page.click(selector),
    ]);
    return d;
  }

  await check("(ui) #csv and #shot download the CSV (NHS number, lesion rows) and a PNG that decodes", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    if ((await snap(page)).lesions.length === 0) await page.evaluate((q) => window.uptake.addLesion(q), biggest.centre_lps);
    const rows = await page.evaluate(() => window.uptake.lesions());
    const csvDl = await downloadOf(page, "#csv");
    assert(/^uptake-.*\.csv$/.test(csvDl.suggestedFilename()), `CSV file name ${csvDl.suggestedFilename()}`);
    const csvPath = join(env.screenshots, "ui-export.csv");
    await csvDl.saveAs(csvPath);
    const csv = readFileSync(csvPath, "utf8");
    assert(csv.includes(nhs) || csv.includes(String(truth.patient.nhs_number)), `CSV lacks the NHS number:\n${csv}`);
    const lines = csv.split(/\r?\n/).filter((x) => x && !x.startsWith("#"));
    assert(lines.length === rows.length + 1, `CSV has ${lines.length - 1} lesion lines for ${rows.length} lesions:\n${csv}`);
    for (const r of rows) assert(lines.some((x) => x.startsWith(`${r.name},`)), `CSV lacks lesion ${r.name}`);

    const pngDl = await downloadOf(page, "#shot");
    assert(/^uptake-.*\.png$/.test(pngDl.suggestedFilename()), `PNG file name ${pngDl.suggestedFilename()}`);
    const pngPath = join(env.screenshots, "ui-export.png");
    await pngDl.saveAs(pngPath);
    const png = readFileSync(pngPath);
    assert(png.length > 0 && png.subarray(1, 4).toString() === "PNG", `the download is not a PNG (${png.length} bytes)`);
    const stats = await page.evaluate(env.pagePngStats, [png.toString("base64"), null, null]);
    const s = await snap(page);
    assert(stats.a[0] === s.canvas[0] && stats.a[1] > s.canvas[1], `PNG ${stats.a}, canvas ${s.canvas} (+ banner)`);
    noErrors(a);
  });

  // ---- 7. SUV panel -----------------------------------------------------------------------

  await check("(ui) SUV panel: weight override ×2 doubles the PET value, Clear restores it; #suv-type SUL", async () => {
    assert(a?.loaded.ok, "the page did not load");
    const page = a.page;
    await baseState(page);
    const here = truth.liver_centre_lps;
    await page.evaluate((q) => window.uptake.setCursor(q), here); // setup: a fixed cursor
    const value = async () => (await page.evaluate(() => window.uptake.getCursorValues())).pet_value;
    const v0 = await value();
    assert(v0 > 0, `PET value at ${here}: ${v0}`);
    const w = truth.patient.weight_kg * 2;
    await page.fill("#ov-weight", String(w));
    await page.click("#overrides button[type=submit]");
    const v1 = await until(value, (x) => x !== v0, "Apply weight override");
    assert(env.relDiff(v1, 2 * v0) < 1e-5, `weight ×2: PET ${v0} → ${v1}, expected ${2 * v0}`);
    const info = await page.evaluate(() => window.uptake.suvInfo());
    assert(info.overrides.weight_kg === w, `suvInfo overrides ${JSON.stringify(info.overrides)}`);
    const prov = await page.textContent("#suv-provenance");
    assert(prov.includes(String(w)), `#suv-provenance does not show the ${w} kg override: ${prov}`);
    await page.click("#ov-clear");
    const v2 = await until(value, (x) => x !== v1, "#ov-clear");
    assert(env.relDiff(v2, v0) < 1e-9, `after Clear: ${v2}, before the override ${v0}`);
    assert((await page.inputValue("#ov-weight")) === "", "#ov-weight not emptied by Clear");

    await page.selectOption("#suv-type", "lbm_janmahasatian");
    const s = await untilSnap(page, (x) => x.suv.suv_type === "lbm_janmahasatian", "#suv-type SUL");
    assert(s.values.suv_type === "lbm_janmahasatian", `cursor values suv_type ${s.values.suv_type}`);
    const v3 = s.values.pet_value;
    assert(v3 < v0 && v3 > 0.5 * v0, `SUL ${v3} vs SUVbw ${v0}: lean body mass should be below the weight`);
    await page.selectOption("#suv-type", "bw");
    await untilSnap(page, (x) => x.suv.suv_type === "bw", "#suv-type back to bw");
    assert(env.relDiff(await value(), v0) < 1e-9, "SUVbw differs after switching back");
    noErrors(a);
  });
  await a?.page.close().catch(() => {});

  // ---- 5. local files ---------------------------------------------------------------------

  await check("(ui) local files: #files with every phantom file on a page without ?study → study open, measureLesion works", async () => {
    const files = filesUnder(env.phantom);
    assert(files.length === truth.ct.files + truth.pet.files, `${files.length} .dcm files in the phantom`);
    const v = await open(base, "?backend=webgl2", undefined, UI_VIEWPORT);
    try {
      const page = v.page;
      await until(() => page.textContent("#status"), (t) => /ready/.test(t), "the viewer without a study (#status)");
      assert(!(await page.isHidden("#drop")), "the drop zone is hidden before any study is open");
      await page.setInputFiles("#files", files);
      const status = await until(() => page.textContent("#status"),
        (t) => /images/.test(t) || /could not|failed|error/i.test(t), "opening the files (#status)", 60000);
      assert(new RegExp(`^${files.length} local files: ${files.length} images, .*PT.*CT|^${files.length} local files: ${files.length} images, .*CT.*PT`).test(status),
        `status: ${status}`);
      const banner = await page.textContent("#banner");
      assert(banner.includes(name) && banner.includes(nhs), `banner: ${banner}`);
      assert(await page.isHidden("#drop"), "the drop zone still shows");
      const s = await snap(page);
      assert(s.views.map((x) => x.role).sort().join(",") === "ct,fused,mip,pet", `views ${s.views.map((x) => x.role)}`);
      const m = await page.evaluate((q) => window.uptake.measureLesion(q), biggest.centre_lps);
      env.compareQuant(m, (await env.cliReports)[lesions.indexOf(biggest)], `local files: measureLesion(${biggest.name})`);
      noErrors(v);
    } finally {
      await v.page.close().catch(() => {});
    }
  });
}
