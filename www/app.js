// Uptake browser viewer (first slice): loads the WASM core built by `cargo xtask build`
// (www/pkg/), shows its version, and lists a summary of each opened or dropped DICOM file.
// Plain DOM, no framework, no third-party URLs: files are read locally and never uploaded.
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

try {
  await init();
  status.textContent = `Uptake core ${version()} ready.`;
  input.disabled = false;
  window.uptake = { version, decodeInstance, loadStudy, ready: Promise.resolve() };
} catch (e) {
  status.textContent = `The viewer core could not start: ${e.message ?? e}`;
}
