// Uptake's DICOMweb client: QIDO-RS searches and a streamed WADO-RS series retrieve.
// Dependency-free ES module without DOM: it runs in a module Web Worker and in Node 18+
// (tests). It uses only fetch, AbortController/AbortSignal, TextEncoder/TextDecoder and
// ReadableStream. Every failure is a DicomwebError whose message a physician can read;
// a bearer token is sent as a header and never appears in a message or a log.

const DEFAULT_BASE = "/dicom-web";
const WADO_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const QIDO_ACCEPT = "application/dicom+json";
const MAX_PART_BYTES = 1 << 30; // 1 GiB: larger parts are refused, never allocated
const MAX_HEADER_BYTES = 64 * 1024;
const PROGRESS_MS = 50;
const RETRY_STATUS = new Set([429, 502, 503, 504]);
const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A DICOMweb failure with a message readable by a physician, e.g.
 * "Series 1.2.3: the DICOMweb server asks for a login (401)".
 * `status` is the HTTP status, or 0 when no HTTP answer applies (network, format, cancel).
 * `kind` is one of "auth", "not-found", "network", "server", "format", "cancelled".
 */
export class DicomwebError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, kind: "auth"|"not-found"|"network"|"server"|"format"|"cancelled", cause?: unknown}} options
   */
  constructor(message, { status = 0, kind, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "DicomwebError";
    this.status = status;
    this.kind = kind;
  }
}

const retryAfter = new WeakMap(); // DicomwebError → ms the server asked us to wait

/**
 * Checks and normalises a DICOMweb root. Accepted: a same-origin path ("/dicom-web",
 * "/pacs/dicom-web/"), or — only with `allowAbsolute: true` (tests, tools) — an absolute
 * http(s) URL without credentials, query or fragment. Path segments may use only
 * `A-Z a-z 0-9 . _ ~ -` and may not be "." or "..". Returns it without trailing slash
 * ("/" becomes ""). Throws a TypeError otherwise.
 * @param {string} [base="/dicom-web"]
 * @param {{allowAbsolute?: boolean}} [options]
 * @returns {string}
 */
export function validateBase(base = DEFAULT_BASE, { allowAbsolute = false } = {}) {
  const refuse = (why) => new TypeError(`DICOMweb root ${JSON.stringify(String(base))} refused: ${why}`);
  if (typeof base !== "string") throw refuse("not a string");
  let origin = "";
  let path = base;
  const abs = /^(https?):\/\/([^/?#\\]*)(.*)$/is.exec(base);
  if (abs) {
    if (!allowAbsolute) throw refuse("only a path on this site (starting with /) is allowed");
    if (abs[2] === "") throw refuse("no host");
    let url;
    try {
      url = new URL(`${abs[1]}://${abs[2]}/`);
    } catch {
      throw refuse("not a valid URL");
    }
    if (url.username || url.password || abs[2].includes("@")) throw refuse("credentials in a URL are not allowed");
    origin = url.origin;
    path = abs[3] || "/";
  }
  if (!path.startsWith("/") || path.startsWith("//")) throw refuse("it must be a path on this site, starting with a single /");
  const segments = path.split("/").slice(1);
  if (segments.at(-1) === "") segments.pop(); // one trailing slash
  for (const s of segments) {
    if (!/^[A-Za-z0-9._~-]+$/.test(s)) throw refuse("it may contain only letters, digits, . _ ~ - and single slashes");
    if (s === "." || s === "..") throw refuse('"." and ".." are not allowed');
  }
  return origin + segments.map((s) => `/${s}`).join("");
}

/**
 * The boundary parameter of a multipart Content-Type (quoted or not), or null.
 * @param {string|null|undefined} contentType
 * @returns {string|null}
 */
export function boundaryOf(contentType) {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s"]+))/i.exec(contentType ?? "");
  return m ? (m[1] ?? m[2]) : null;
}

/** Position of `needle` in `hay` at or after `from`, or -1. */
function indexOf(hay, needle, from) {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const formatError = (message) => new DicomwebError(message, { kind: "format" });
const CRLF = Uint8Array.of(13, 10);
const CRLFCRLF = Uint8Array.of(13, 10, 13, 10);

/**
 * Where a part's bytes go: a Uint8Array, or any object with the same `length`,
 * `set(src, offset)` and `subarray(begin, end)` (e.g. a buffer in WASM memory).
 * @typedef {{length: number, set(src: Uint8Array, offset?: number): void,
 *   subarray(begin: number, end: number): Uint8Array}} PartBuffer
 */
const [PREAMBLE, AFTER_DELIM, HEADERS, BODY, BODY_SIZED, AFTER_BODY, DONE] = [0, 1, 2, 3, 4, 5, 6];

/**
 * Incremental multipart/related splitter. `push(chunk)` returns the parts completed by that
 * chunk, each a standalone Uint8Array that is never written again; `end()` throws when the
 * closing boundary never came. Bytes are scanned once (plus a boundary-length overlap); a
 * part with a Content-Length header is copied straight into its own array, which
 * `allocPart(length)` makes when given: anything with `length`, `set(src, offset)` and
 * `subarray(begin, end)` (a Uint8Array, or a buffer in a WASM module's memory, so that the
 * part is never a JavaScript copy).
 * @param {string} boundary
 * @param {{maxPartBytes?: number, allocPart?: (n: number) => PartBuffer}} [options] parts over
 *   `maxPartBytes` are a format error (default 1 GiB)
 * @returns {{push(chunk: Uint8Array): PartBuffer[], end(): void}}
 */
export function createPartSplitter(boundary, { maxPartBytes = MAX_PART_BYTES, allocPart = (n) => new Uint8Array(n) } = {}) {
  const delim = enc.encode(`\r\n--${boundary}`);
  let buf = new Uint8Array(64 * 1024);
  let head = 0; // live pending bytes are buf[head, tail)
  let tail = 0;
  let scan = 0; // where the next search in the pending bytes starts (relative to head)
  let state = PREAMBLE;
  let part = null; // the part being filled when its Content-Length is known
  let filled = 0;
  const tooLarge = (n) => formatError(`an image of ${n} bytes is larger than the ${maxPartBytes}-byte limit`);

  function append(bytes) {
    const live = tail - head;
    if (tail + bytes.length > buf.length) {
      if (live + bytes.length <= buf.length >> 1) {
        buf.copyWithin(0, head, tail);
      } else {
        const grown = new Uint8Array(Math.max(buf.length * 2, live + bytes.length));
        grown.set(buf.subarray(head, tail));
        buf = grown;
      }
      head = 0;
      tail = live;
    }
    buf.set(bytes, tail);
    tail += bytes.length;
  }
  function consume(n) {
    head += n;
    scan = 0;
    if (head === tail) head = tail = 0;
    if (buf.length > 4 << 20 && tail - head < buf.length >> 2) { // let a big buffer go
      const small = new Uint8Array(Math.max(64 * 1024, 2 * (tail - head)));
      small.set(buf.subarray(head, tail));
      buf = small;
      tail -= head;
      head = 0;
    }
  }
  /** Copies bytes of `src` into the sized part; returns how many were taken. */
  function fill(src, out) {
    const n = Math.min(part.length - filled, src.length);
    part.set(src.subarray(0, n), filled);
    filled += n;
    if (filled === part.length) {
      out.push(part);
      part = null;
      state = AFTER_BODY;
    }
    return n;
  }
  function parse(out) {
    for (;;) {
      const p = buf.subarray(head, tail);
      switch (state) {
        case PREAMBLE: { // the stream is seeded with CRLF, so the first delimiter matches too
          const i = indexOf(p, delim, scan);
          if (i < 0) {
            consume(Math.max(0, p.length - (delim.length - 1))); // drop the preamble
            return;
          }
          consume(i + delim.length);
          state = AFTER_DELIM;
          break;
        }
        case AFTER_DELIM: {
          if (p.length < 2) return;
          if (p[0] === 45 && p[1] === 45) { // "--": the closing delimiter; ignore the epilogue
            state = DONE;
            head = tail = 0;
            return;
          }
          const i = indexOf(p, CRLF, 0);
          if (i < 0 && p.length <= 1024) return;
          if (i < 0 || p.subarray(0, i).some((b) => b !== 32 && b !== 9)) {
            throw formatError("a multipart boundary line is malformed");
          }
          consume(i + 2);
          state = HEADERS;
          break;
        }
        case HEADERS: {
          if (p.length < 2) return;
          let start = 2; // a part without headers starts right after an empty line
          let headers = "";
          if (p[0] !== 13 || p[1] !== 10) {
            const i = indexOf(p, CRLFCRLF, scan);
            if (i < 0) {
              if (p.length > MAX_HEADER_BYTES) throw formatError("a multipart part header is too long");
              scan = Math.max(0, p.length - 3);
              return;
            }
            headers = dec.decode(p.subarray(0, i));
            start = i + 4;
          }
          consume(start);
          const len = /^content-length[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(headers);
          if (!len) {
            state = BODY;
            break;
          }
          const n = Number(len[1]);
          if (n > maxPartBytes) throw tooLarge(n);
          part = allocPart(n);
          filled = 0;
          state = BODY_SIZED;
          consume(fill(buf.subarray(head, tail), out));
          if (state === BODY_SIZED) return; // pending is empty; later chunks go straight in
          break;
        }
        case AFTER_BODY: { // a sized part must be followed by the delimiter
          if (p.length < delim.length) return;
          for (let k = 0; k < delim.length; k++) {
            if (p[k] !== delim[k]) throw formatError("an image is longer than its Content-Length header says");
          }
          consume(delim.length);
          state = AFTER_DELIM;
          break;
        }
        case BODY: {
          const i = indexOf(p, delim, scan);
          if (i < 0) {
            if (p.length - delim.length > maxPartBytes) throw tooLarge(p.length - delim.length);
            scan = Math.max(0, p.length - delim.length + 1);
            return;
          }
          if (i > maxPartBytes) throw tooLarge(i);
          out.push(p.slice(0, i));
          consume(i + delim.length);
          state = AFTER_DELIM;
          break;
        }
        default:
          return;
      }
    }
  }
  append(CRLF);
  return {
    push(chunk) {
      const out = [];
      if (state === DONE) return out;
      let off = 0;
      if (state === BODY_SIZED) off = fill(chunk, out);
      if (off < chunk.length) {
        append(off ? chunk.subarray(off) : chunk);
        parse(out);
      }
      return out;
    },
    end() {
      if (state !== DONE) throw formatError("the answer ended before the last image was complete (truncated multipart body)");
    },
  };
}

/**
 * Splits a complete multipart body into the bodies of its parts (copies). Throws a
 * DicomwebError of kind "format" when the body is malformed or truncated.
 * @param {Uint8Array} body
 * @param {string} boundary
 * @param {{maxPartBytes?: number}} [options]
 * @returns {Uint8Array[]}
 */
export function splitMultipart(body, boundary, options) {
  const splitter = createPartSplitter(boundary, options);
  const parts = splitter.push(body);
  splitter.end();
  return parts;
}

// ---- HTTP --------------------------------------------------------------------------------

function httpError(what, res) {
  const s = res.status;
  const [kind, text] =
    s === 401 ? ["auth", "the DICOMweb server asks for a login (401)"]
    : s === 403 ? ["auth", "the DICOMweb server refuses access to it (403)"]
    : s === 404 ? ["not-found", "not found on the DICOMweb server (404)"]
    : s === 429 ? ["server", "the DICOMweb server is busy (429); try again in a moment"]
    : s === 502 || s === 503 || s === 504 ? ["server", `the DICOMweb server is unavailable (${s}); try again in a moment`]
    : s >= 500 ? ["server", `the DICOMweb server failed (${s}); if this persists, call IT support`]
    : ["server", `the DICOMweb server refused the request (${s})`];
  const err = new DicomwebError(`${what}: ${text}`, { status: s, kind });
  const wait = Number(res.headers.get("retry-after"));
  if (res.headers.has("retry-after") && Number.isFinite(wait) && wait >= 0) retryAfter.set(err, Math.min(wait, 10) * 1000);
  return err;
}

function cancelled(what, cause) {
  return new DicomwebError(`${what}: loading was cancelled`, { kind: "cancelled", cause });
}

/** Maps an exception from fetch or a body read to a DicomwebError (caller errors pass through). */
function transportError(e, what, signal, during) {
  if (e instanceof DicomwebError) return e;
  if (signal?.aborted || e?.name === "AbortError") return cancelled(what, e);
  return new DicomwebError(
    during ? `${what}: the connection to the DICOMweb server broke during the download`
      : `${what}: the DICOMweb server could not be reached (network error)`,
    { kind: "network", cause: e });
}

function headersFor(accept, token, what) {
  const headers = { Accept: accept };
  if (token != null && token !== "") {
    if (typeof token !== "string" || !/^[\x21-\x7e]+$/.test(token)) {
      throw new DicomwebError(`${what}: the login token is malformed`, { kind: "auth" });
    }
    headers.Authorization = `Bearer ${token}`;
  }
  return headers;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => { clearTimeout(t); reject(signal.reason); };
    const t = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, retrying network errors and 429/502/503/504 with
 * exponential backoff (or the server's Retry-After, up to 10 s). Never retries on abort.
 */
async function withRetries(what, { retries = 3, retryDelayMs = 400, signal }, attempt) {
  for (let n = 0; ; n++) {
    if (signal?.aborted) throw cancelled(what, signal.reason);
    try {
      return await attempt();
    } catch (err) {
      // Errors that are not ours (thrown by onPart) pass through untouched.
      const retryable = err instanceof DicomwebError && (err.kind === "network" || RETRY_STATUS.has(err.status));
      if (!retryable || n >= retries) throw err;
      try {
        await sleep(retryAfter.get(err) ?? retryDelayMs * 2 ** n, signal);
      } catch (reason) {
        throw cancelled(what, reason);
      }
    }
  }
}

async function fetchOk(url, headers, what, signal) {
  let res;
  try {
    res = await fetch(url, { headers, signal });
  } catch (e) {
    throw transportError(e, what, signal, false);
  }
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw httpError(what, res);
  }
  return res;
}

const seg = (uid) => encodeURIComponent(String(uid));

/** GET a QIDO-RS URL; resolves with the parsed array, or [] for 204 / an empty body. */
function qido(url, what, opts) {
  const headers = headersFor(QIDO_ACCEPT, opts.token, what);
  return withRetries(what, opts, async () => {
    const res = await fetchOk(url, headers, what, opts.signal);
    if (res.status === 204) return [];
    let text;
    try {
      text = await res.text();
    } catch (e) {
      throw transportError(e, what, opts.signal, true);
    }
    if (text.trim() === "") return [];
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw formatError(`${what}: the DICOMweb server's answer is not DICOM JSON`);
    }
    if (!Array.isArray(json)) throw formatError(`${what}: the DICOMweb server's answer is not a list of results`);
    return json.filter((ds) => ds && typeof ds === "object");
  });
}

// DICOM JSON attribute access (PS3.18 F.2).
const values = (ds, tag) => (Array.isArray(ds?.[tag]?.Value) ? ds[tag].Value : []);
function str(ds, tag) {
  const v = values(ds, tag)[0];
  if (v && typeof v === "object") { // PN: {Alphabetic, Ideographic, Phonetic}
    const name = v.Alphabetic ?? v.Ideographic ?? v.Phonetic;
    return typeof name === "string" && name !== "" ? name : null;
  }
  return v === undefined || v === null || v === "" ? null : String(v);
}
function num(ds, tag) {
  const v = values(ds, tag)[0];
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function baseUrl(opts) {
  return validateBase(opts.base ?? DEFAULT_BASE, { allowAbsolute: opts.allowAbsolute === true });
}

/**
 * @typedef {object} StudyMatch
 * @property {string} studyUid
 * @property {string|null} patientName DICOM PN, Alphabetic group ("FAMILY^GIVEN")
 * @property {string|null} patientId
 * @property {string|null} birthDate YYYYMMDD
 * @property {string|null} sex
 * @property {string|null} studyDate YYYYMMDD
 * @property {string|null} description
 * @property {string[]} modalities
 * @property {string|null} accession
 * @property {number|null} seriesCount
 * @property {number|null} instanceCount
 */

/**
 * QIDO-RS study search. Empty filters are left out. `patientName` keeps the user's wildcards
 * (`*`, `?`) and gets a trailing `*` when it has none. `studyDate` is YYYYMMDD or a range
 * (YYYYMMDD-YYYYMMDD, open ends allowed; anything else is a DicomwebError of kind "format").
 * `limit` (default 100) must be a positive integer. A 204 or an empty answer is an empty array.
 * @param {{base?: string, allowAbsolute?: boolean, patientId?: string, patientName?: string,
 *   studyDate?: string, limit?: number, token?: string, signal?: AbortSignal,
 *   retries?: number, retryDelayMs?: number}} options
 * @returns {Promise<StudyMatch[]>}
 */
export async function searchStudies(options = {}) {
  const { patientId, patientName, studyDate, limit = 100 } = options;
  const what = "Study search";
  const q = new URLSearchParams();
  if (patientId?.trim()) q.append("PatientID", patientId.trim());
  if (patientName?.trim()) {
    const name = patientName.trim();
    q.append("PatientName", /[*?]/.test(name) ? name : `${name}*`);
  }
  if (studyDate?.trim()) {
    const d = studyDate.trim();
    if (!/^(\d{8}|\d{8}-|-\d{8}|\d{8}-\d{8})$/.test(d)) {
      throw formatError(`${what}: the study date "${d}" is not a date (YYYYMMDD) or range (YYYYMMDD-YYYYMMDD)`);
    }
    q.append("StudyDate", d);
  }
  // StudyDescription, ModalitiesInStudy, and the series/instance counts (not default on Orthanc).
  for (const tag of ["00081030", "00080061", "00201206", "00201208"]) q.append("includefield", tag);
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError("limit must be a positive integer");
  q.append("limit", String(limit));
  const list = await qido(`${baseUrl(options)}/studies?${q}`, what, options);
  return list
    .map((ds) => ({
      studyUid: str(ds, "0020000D"),
      patientName: str(ds, "00100010"),
      patientId: str(ds, "00100020"),
      birthDate: str(ds, "00100030"),
      sex: str(ds, "00100040"),
      studyDate: str(ds, "00080020"),
      description: str(ds, "00081030"),
      modalities: values(ds, "00080061").filter((m) => typeof m === "string" && m !== ""),
      accession: str(ds, "00080050"),
      seriesCount: num(ds, "00201206"),
      instanceCount: num(ds, "00201208"),
    }))
    .filter((s) => s.studyUid !== null);
}

/**
 * @typedef {object} SeriesInfo
 * @property {string} seriesUid
 * @property {string|null} modality
 * @property {string|null} description
 * @property {number|null} number SeriesNumber
 * @property {number|null} instanceCount
 */

/**
 * QIDO-RS series of a study. A study without series (204 or empty) is a DicomwebError of
 * kind "not-found".
 * @param {{base?: string, allowAbsolute?: boolean, study: string, token?: string,
 *   signal?: AbortSignal, retries?: number, retryDelayMs?: number}} options
 * @returns {Promise<SeriesInfo[]>}
 */
export async function seriesOfStudy(options) {
  const { study } = options;
  const what = `Study ${study}`;
  const url = `${baseUrl(options)}/studies/${seg(study)}/series?includefield=00201209`;
  const series = (await qido(url, what, options))
    .map((ds) => ({
      seriesUid: str(ds, "0020000E"),
      modality: str(ds, "00080060"),
      description: str(ds, "0008103E"),
      number: num(ds, "00200011"),
      instanceCount: num(ds, "00201209"),
    }))
    .filter((s) => s.seriesUid !== null);
  if (series.length === 0) {
    throw new DicomwebError(`${what}: not found on the DICOMweb server (no series)`, { kind: "not-found" });
  }
  return series;
}

/**
 * @typedef {object} InstanceInfo
 * @property {string} sopUid SOPInstanceUID
 * @property {number[]|null} position ImagePositionPatient (3 numbers) when given
 * @property {number[]|null} orientation ImageOrientationPatient (6 numbers) when given
 */

/**
 * QIDO-RS instances of a series with their position and orientation (from the PACS index,
 * no pixel data): lets a viewer place each slice as it arrives. Servers that do not return
 * the positions give `position: null`.
 * @param {{base?: string, allowAbsolute?: boolean, study: string, series: string,
 *   token?: string, signal?: AbortSignal, retries?: number, retryDelayMs?: number}} options
 * @returns {Promise<InstanceInfo[]>}
 */
export async function instancesOfSeries(options) {
  const { study, series } = options;
  const url = `${baseUrl(options)}/studies/${seg(study)}/series/${seg(series)}/instances` +
    "?includefield=00200032&includefield=00200037";
  const numbers = (ds, tag, n) => {
    const v = ds?.[tag]?.Value;
    return Array.isArray(v) && v.length === n && v.every((x) => Number.isFinite(Number(x)))
      ? v.map(Number) : null;
  };
  return (await qido(url, `Series ${series}`, options))
    .map((ds) => ({
      sopUid: str(ds, "00080018"),
      position: numbers(ds, "00200032", 3),
      orientation: numbers(ds, "00200037", 6),
    }))
    .filter((i) => i.sopUid !== null);
}

/**
 * SOP Instance UIDs sorted along the slice normal (the order a viewer's volume has), or null
 * when a position or the orientation is missing or the orientations differ.
 * @param {InstanceInfo[]} instances
 * @returns {string[]|null}
 */
export function sliceOrder(instances) {
  const first = instances[0]?.orientation;
  if (!first || instances.some((i) => !i.position || !i.orientation ||
      i.orientation.some((v, k) => Math.abs(v - first[k]) > 1e-4))) {
    return null;
  }
  const [r0, r1, r2, c0, c1, c2] = first;
  const n = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
  const along = (p) => p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
  return instances
    .map((i) => ({ uid: i.sopUid, d: along(i.position) }))
    .sort((a, b) => a.d - b.d)
    .map((x) => x.uid);
}

/** A cheap identity of a part for skipping re-sent parts on a retry: its length and two
 * 32-bit hashes of its first 1 KiB (the File Meta header, which holds the SOP Instance UID)
 * and of its last 64 bytes. */
function fingerprint(p) {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const headEnd = Math.min(p.length, 1024);
  for (const bytes of [p.subarray(0, headEnd), p.subarray(Math.max(headEnd, p.length - 64), p.length)]) {
    for (let i = 0; i < bytes.length; i++) {
      const x = bytes[i];
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 15);
    }
  }
  return `${p.length}:${a >>> 0}:${b >>> 0}`;
}

/** Bytes read per chunk into the reused buffer of a BYOB reader. */
const READ_BUFFER_BYTES = 1 << 20;

/**
 * A reader of a response body whose chunks are only valid until the next read: a BYOB reader
 * reading into one reused buffer where the body is a byte stream (no garbage per chunk while
 * hundreds of megabytes stream through), else the default reader.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {{reader: ReadableStreamDefaultReader|ReadableStreamBYOBReader, read: () => Promise<ReadableStreamReadResult<Uint8Array>>}}
 */
function bodyReader(body) {
  let reader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    reader = body.getReader();
    return { reader, read: () => reader.read() };
  }
  let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
  return {
    reader,
    read: async () => {
      const r = await reader.read(new Uint8Array(buffer));
      // The buffer was transferred into the read and comes back with the bytes.
      if (r.value) buffer = r.value.buffer;
      return r;
    },
  };
}

/**
 * WADO-RS retrieve of one series, streamed: each DICOM instance is handed to `onPart` as
 * soon as its multipart part is complete (a standalone Uint8Array the module never touches
 * again; if `onPart` returns a promise it is awaited, which throttles the download).
 * `onProgress({bytes, totalBytes, parts})` comes at most every 50 ms and once at the end;
 * `bytes` counts the current response's body, `totalBytes` is its Content-Length or null.
 * Network errors and 429/502/503/504 are retried with exponential backoff
 * (`retryDelayMs` × 2^n); a retry after parts were delivered re-requests the series and
 * skips the instances already delivered, so `onPart` sees each instance once. Other 4xx,
 * malformed answers, errors thrown by `onPart` (rethrown unchanged) and aborts are not
 * retried. Aborting `signal` rejects with kind "cancelled". When it finally fails, the parts
 * already delivered stay delivered; a new call starts the series again from its first part.
 * `allocPart` is passed to the splitter (parts sized by Content-Length are written into what
 * it makes); `releasePart(part)` gets those skipped as already delivered.
 * @param {{base?: string, allowAbsolute?: boolean, study: string, series: string,
 *   token?: string, signal?: AbortSignal, onPart?: (part: PartBuffer) => (void|Promise<void>),
 *   allocPart?: (n: number) => PartBuffer, releasePart?: (part: PartBuffer) => void,
 *   onProgress?: (p: {bytes: number, totalBytes: number|null, parts: number}) => void,
 *   retries?: number, retryDelayMs?: number}} options
 * @returns {Promise<{parts: number, bytes: number}>} parts delivered, body bytes of the last response
 */
export async function retrieveSeries(options) {
  const { study, series, token, signal, onPart, onProgress } = options;
  const what = `Series ${series}`;
  const url = `${baseUrl(options)}/studies/${seg(study)}/series/${seg(series)}`;
  const headers = headersFor(WADO_ACCEPT, token, what);
  const delivered = new Map(); // fingerprint → times delivered
  let parts = 0;

  return withRetries(what, options, async () => {
    const res = await fetchOk(url, headers, what, signal);
    const type = res.headers.get("content-type") ?? "";
    const boundary = /^\s*multipart\/related\s*;/i.test(type) ? boundaryOf(type) : null;
    if (res.status === 204 || !res.body || !boundary) {
      res.body?.cancel().catch(() => {});
      if (res.status === 204) {
        throw new DicomwebError(`${what}: not found on the DICOMweb server (no images)`, { status: 204, kind: "not-found" });
      }
      throw formatError(`${what}: the DICOMweb server did not send DICOM images (its answer is "${type || "without a type"}", not multipart/related)`);
    }
    const length = res.headers.get("content-length");
    const totalBytes = length !== null && /^\d+$/.test(length) ? Number(length) : null;
    const splitter = createPartSplitter(boundary, options.allocPart ? { allocPart: options.allocPart } : {});
    const skip = new Map(delivered);
    const { reader, read } = bodyReader(res.body);
    let bytes = 0;
    let lastReport = 0;
    let done = false;
    try {
      for (;;) {
        let r;
        try {
          r = await read();
        } catch (e) {
          done = true;
          throw transportError(e, what, signal, true);
        }
        if (r.done) {
          done = true;
          break;
        }
        bytes += r.value.length;
        let ready;
        try {
          ready = splitter.push(r.value);
        } catch (e) {
          throw formatError(`${what}: ${e.message}`);
        }
        for (const p of ready) {
          const key = fingerprint(p);
          const left = skip.get(key) ?? 0;
          if (left > 0) { // already delivered by an earlier attempt
            skip.set(key, left - 1);
            options.releasePart?.(p);
            continue;
          }
          delivered.set(key, (delivered.get(key) ?? 0) + 1);
          parts++;
          if (onPart) await onPart(p);
          if (signal?.aborted) throw cancelled(what, signal.reason);
        }
        const now = Date.now();
        if (onProgress && now - lastReport >= PROGRESS_MS) {
          lastReport = now;
          onProgress({ bytes, totalBytes, parts });
        }
      }
    } finally {
      if (!done) reader.cancel().catch(() => {});
    }
    try {
      splitter.end();
    } catch (e) {
      throw formatError(`${what}: ${e.message}`);
    }
    onProgress?.({ bytes, totalBytes, parts });
    return { parts, bytes };
  });
}
