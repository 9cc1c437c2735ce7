// Uptake browser viewer (first slice): loads the WASM core built by `cargo xtask build`
// (www/pkg/), shows its version, and lists a summary of each opened or dropped DICOM file.
// A deep link `?study=<StudyInstanceUID>` loads that study from this origin's DICOMweb service
// (`/dicom-web/`: QIDO-RS for its series, WADO-RS for their instances) and shows the patient
// banner. Plain DOM, no framework, no third-party URLs: nothing leaves this origin.
import init, { version, decodeInstance, loadStudy } from "./pkg/uptake_web.js";

const status = document.getElementById("status");
const input = document.getElementById("files");
const drop = document.getElementById("drop");
const list = document.getElementById("list");
const study = document.getElementById("study");

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
}

async function openFiles(files) {
  list.replaceChildren();
  study.textContent = "";
  const buffers = [];
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    buffers.push(bytes);
    const row = document.createElement("tr");
    cell(row, file.name);
    try {
      const s = decodeInstance(bytes);
      cell(row, s.modality);
      cell(row, `${s.columns}×${s.rows}${s.frames > 1 ? ` ×${s.frames}` : ""}`);
      cell(row, s.transferSyntax);
      cell(row, `${s.min} … ${s.max}`);
      cell(row, s.checksum.toString(16).padStart(8, "0"));
    } catch (e) {
      cell(row, String(e.message ?? e), "error").colSpan = 5;
    }
    list.appendChild(row);
  }
  try {
    const s = loadStudy(buffers);
    lastSummary = s;
    const p = s.patient;
    const lines = [
      `Patient: ${p.name ?? "(no name)"}  NHS Number: ${p.nhsNumber ?? "none"}` +
        (p.nhsNumberValid === false ? " (fails check digit)" : "") +
        `  ID: ${p.id ?? "none"}`,
      `PET: ${s.pet ?? "none"}`,
      `CT:  ${s.ct ?? "none"}`,
      ...s.series.map((x) =>
        `${x.modality} ${x.dims.join("×")} @ ${x.spacing.map((v) => v.toFixed(2)).join("×")} mm` +
          `  ${x.description ?? ""}  ${x.seriesUid}` +
          (x.problems ? `  (${x.problems} slice problems)` : "")),
      ...s.errors.map((e) => `Error: ${e}`),
    ];
    study.textContent = lines.join("\n");
  } catch (e) {
    study.textContent = `Error: ${e.message ?? e}`;
  }
}

input.addEventListener("change", () => openFiles([...input.files]));
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  openFiles([...e.dataTransfer.files]);
});

const banner = document.getElementById("banner");
const DICOMWEB = "/dicom-web";
const WADO_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';

let lastSummary = null;

function setStatus(text, isError = false) {
  status.textContent = text;
  status.classList.toggle("error", isError);
}

/** The boundary parameter of a multipart Content-Type (quoted or not), or null. */
export function boundaryOf(contentType) {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
  return m ? (m[1] ?? m[2]) : null;
}

function indexOf(hay, needle, from) {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Splits a multipart body into the bodies of its parts (Uint8Array views, no copy). */
export function splitMultipart(body, boundary) {
  const enc = new TextEncoder();
  const delim = enc.encode(`--${boundary}`);
  const next = enc.encode(`\r\n--${boundary}`);
  const parts = [];
  let pos = indexOf(body, delim, 0);
  if (pos < 0) throw new Error("the response has no multipart boundary");
  for (;;) {
    pos += delim.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // closing "--"
    const headEnd = indexOf(body, enc.encode("\r\n\r\n"), pos);
    if (headEnd < 0) throw new Error("a multipart part has no header end");
    const head = new TextDecoder().decode(body.subarray(pos, headEnd));
    const start = headEnd + 4;
    const len = /^content-length:\s*(\d+)\s*$/im.exec(head);
    let end;
    if (len && start + Number(len[1]) <= body.length) {
      end = start + Number(len[1]);
    } else {
      end = indexOf(body, next, start);
      if (end < 0) throw new Error("the multipart body is truncated");
    }
    parts.push(body.subarray(start, end));
    pos = indexOf(body, delim, end);
    if (pos < 0) throw new Error("the multipart body has no closing boundary");
  }
}

function httpError(what, res) {
  const reasons = {
    401: "the DICOMweb server asks for a login (401)",
    403: "access to it is refused (403)",
    404: "not found on this server (404)",
  };
  return new Error(`${what}: ${reasons[res.status] ?? `HTTP ${res.status} ${res.statusText}`}`);
}

async function seriesOfStudy(studyUid) {
  const url = `${DICOMWEB}/studies/${encodeURIComponent(studyUid)}/series`;
  const res = await fetch(url, { headers: { Accept: "application/dicom+json" } });
  if (!res.ok) throw httpError(`Study ${studyUid}`, res);
  if (res.status === 204) throw new Error(`Study ${studyUid}: not found on this server (no series)`);
  const json = await res.json();
  if (!Array.isArray(json) || json.length === 0) {
    throw new Error(`Study ${studyUid}: not found on this server (no series)`);
  }
  // SeriesInstanceUID is (0020,000E).
  return json.map((ds) => ds?.["0020000E"]?.Value?.[0]).filter((v) => typeof v === "string");
}

async function retrieveSeries(studyUid, seriesUid) {
  const url = `${DICOMWEB}/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`;
  const res = await fetch(url, { headers: { Accept: WADO_ACCEPT } });
  if (!res.ok) throw httpError(`Series ${seriesUid}`, res);
  const type = res.headers.get("Content-Type") ?? "";
  const boundary = boundaryOf(type);
  if (!/^multipart\/related/i.test(type) || !boundary) {
    throw new Error(`Series ${seriesUid}: unexpected response type "${type}"`);
  }
  return splitMultipart(new Uint8Array(await res.arrayBuffer()), boundary);
}

function showBanner(summary) {
  banner.textContent = summary.banner;
  banner.hidden = false;
}

/** Loads `?study=` over DICOMweb; resolves with the summary, or null when there is no link. */
async function openDeepLink() {
  const studyUid = new URLSearchParams(location.search).get("study");
  if (studyUid === null) return null;
  if (!/^[0-9]+(\.[0-9]+)*$/.test(studyUid) || studyUid.length > 64) {
    throw new Error(`The link names no valid study (StudyInstanceUID "${studyUid}")`);
  }
  setStatus(`Finding study ${studyUid}…`);
  const series = await seriesOfStudy(studyUid);
  const parts = [];
  for (const [i, s] of series.entries()) {
    setStatus(`Retrieving series ${i + 1} of ${series.length}…`);
    parts.push(...(await retrieveSeries(studyUid, s)));
  }
  setStatus(`Reading ${parts.length} images…`);
  const summary = loadStudy(parts);
  lastSummary = summary;
  showBanner(summary);
  study.textContent = summary.series
    .map((x) => `${x.modality} ${x.dims.join("×")}  ${x.description ?? ""}  ${x.seriesUid}`)
    .concat(summary.errors.map((e) => `Error: ${e}`))
    .join("\n");
  const problems = summary.errors.length ? ` (${summary.errors.length} problems)` : "";
  setStatus(`Loaded study ${studyUid}: ${summary.series.map((x) => x.modality).join(" + ")}, ${parts.length} images${problems}.`);
  return summary;
}

let coreFailed = false;
const ready = init().then(
  () => {
    setStatus(`Uptake core ${version()} ready.`);
    input.disabled = false;
  },
  (e) => {
    coreFailed = true;
    setStatus(`The viewer core could not start: ${e?.message ?? e}`, true);
    throw e;
  },
);
ready.catch(() => {}); // reported in the status line
// Never rejects: failures become a readable status line, and `loaded` resolves with
// `{ok: false, error}` so a page or test waiting on it is never left hanging.
const loaded = ready
  .then(openDeepLink)
  .then((summary) => ({ ok: true, summary }))
  .catch((e) => {
    const error = String(e?.message ?? e);
    if (coreFailed) return { ok: false, error };
    setStatus(error.startsWith("Study") || error.startsWith("Series") || error.startsWith("The link")
      ? error
      : `The study could not be loaded: ${error}`, true);
    return { ok: false, error };
  });
window.uptake = {
  version, decodeInstance, loadStudy, ready, loaded,
  summary: () => lastSummary,
};
