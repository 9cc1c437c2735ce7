// Unit tests of www/dicomweb.js against a local node:http server on 127.0.0.1 (random port).
// No network, no dependencies. Run: cd www && node --test tests/dicomweb.test.mjs
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import {
  DicomwebError, validateBase, boundaryOf, splitMultipart, createPartSplitter,
  searchStudies, seriesOfStudy, retrieveSeries, sliceOrder,
} from "../dicomweb.js";

const enc = new TextEncoder();
const TOKEN = "s3cret.Token-42";
let server;
let origin;
let handler;
let requests;

before(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  requests = [];
  handler = (req, res) => res.writeHead(500).end();
});

const tick = () => new Promise((resolve) => setImmediate(resolve));
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic pseudo-random bytes (xorshift), salted with CR, LF and "-" to tease the parser. */
function bytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const r = (x >>> 0) % 10;
    out[i] = r === 0 ? 13 : r === 1 ? 10 : r === 2 ? 45 : x & 0xff;
  }
  return out;
}

/** A fake DICOM instance: 128-byte preamble, "DICM", its number, then noise. */
function instance(i, n = 300) {
  const b = bytes(n, i + 1);
  b.set(enc.encode(`DICM 1.2.3.${i} `), 128);
  return b;
}

const concat = (arrays) => {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
};

/**
 * A multipart/related body. `sized(i)` says whether part i gets a Content-Length header;
 * `headers: false` gives part 0 no headers at all.
 */
function multipart(parts, boundary, { sized = (i) => i % 2 === 0, preamble = "", epilogue = "", close = true, bareFirst = false } = {}) {
  const chunks = [enc.encode(preamble)];
  parts.forEach((p, i) => {
    const head = bareFirst && i === 0 ? ""
      : `Content-Type: application/dicom\r\n${sized(i) ? `Content-Length: ${p.length}\r\n` : ""}`;
    chunks.push(enc.encode(`${i === 0 && preamble === "" ? "" : "\r\n"}--${boundary}\r\n${head}\r\n`), p);
  });
  if (close) chunks.push(enc.encode(`\r\n--${boundary}--\r\n${epilogue}`));
  return concat(chunks);
}

/** Writes `body` in slices whose sizes cycle through `sizes`, yielding between writes. */
async function writeSlowly(res, body, sizes) {
  for (let o = 0, k = 0; o < body.length; k++) {
    const n = sizes[k % sizes.length];
    res.write(body.subarray(o, o + n));
    o += n;
    await tick();
  }
}

const PARTS = [0, 1, 2, 3, 4].map((i) => instance(i, 200 + 37 * i));
const B = "uptake-b0undary.42";
const series = (extra = {}) => ({
  base: `${origin}/dicom-web`, allowAbsolute: true, study: "1.2", series: "1.2.3", retryDelayMs: 1, ...extra,
});
const sameParts = (got, want) => {
  assert.equal(got.length, want.length, "part count");
  got.forEach((g, i) => assert.deepEqual(g, want[i], `part ${i} differs`));
};

async function collect(options) {
  const got = [];
  const result = await retrieveSeries({ ...options, onPart: (p) => got.push(p) });
  return { got, result };
}

// ---- pure functions ----------------------------------------------------------------------

test("boundaryOf reads quoted and unquoted boundaries", () => {
  assert.equal(boundaryOf('multipart/related; type="application/dicom"; boundary="a b;c"'), "a b;c");
  assert.equal(boundaryOf("multipart/related;boundary=xyz-1; type=application/dicom"), "xyz-1");
  assert.equal(boundaryOf("Multipart/Related; BOUNDARY = Q"), "Q");
  assert.equal(boundaryOf("multipart/related; type=application/dicom"), null);
  assert.equal(boundaryOf(null), null);
});

test("validateBase normalises same-origin paths and refuses everything else", () => {
  assert.equal(validateBase(), "/dicom-web");
  assert.equal(validateBase("/dicom-web/"), "/dicom-web");
  assert.equal(validateBase("/pacs/dicom-web"), "/pacs/dicom-web");
  assert.equal(validateBase("/"), "");
  for (const bad of ["//evil.example/dicom-web", "/\\evil.example", "dicom-web", "", "/a/../b", "/a/./b",
    "/a//b", "/a?x=1", "/a#f", "/a%2e%2e", "http://host/dicom-web", "javascript:alert(1)", " /dicom-web", 42]) {
    assert.throws(() => validateBase(bad), TypeError, `should refuse ${JSON.stringify(bad)}`);
  }
  assert.throws(() => validateBase("http://127.0.0.1:8042/dicom-web"), /only a path on this site/);
  assert.equal(validateBase("http://127.0.0.1:8042/dicom-web/", { allowAbsolute: true }), "http://127.0.0.1:8042/dicom-web");
  for (const bad of ["ftp://h/x", "http://user:pw@h/x", "http:///x", "http://h/a/../b", "http://h/x?y"]) {
    assert.throws(() => validateBase(bad, { allowAbsolute: true }), TypeError, `should refuse ${bad}`);
  }
});

test("splitMultipart: preamble, epilogue, sized, unsized and header-less parts", () => {
  const body = multipart(PARTS, B, { preamble: "This is a preamble --not-a-boundary\r\n", epilogue: "bye", bareFirst: true });
  sameParts(splitMultipart(body, B), PARTS);
  sameParts(splitMultipart(multipart(PARTS, B, { sized: () => false }), B), PARTS);
  sameParts(splitMultipart(multipart(PARTS, B, { sized: () => true }), B), PARTS);
  // A body holding a near-boundary ("\r\n--" + a prefix of the boundary) stays whole.
  const tricky = concat([enc.encode(`x\r\n--${B.slice(0, -1)}y\r\n--`), PARTS[0]]);
  sameParts(splitMultipart(multipart([tricky, PARTS[1]], B, { sized: () => false }), B), [tricky, PARTS[1]]);
  sameParts(splitMultipart(multipart([], B), B), []);
});

test("createPartSplitter: every split point and 1-byte chunks give byte-identical standalone parts", () => {
  const body = multipart(PARTS.slice(0, 3), B, { preamble: "pre\r\n" });
  const want = PARTS.slice(0, 3);
  const feed = (chunks) => {
    const s = createPartSplitter(B);
    const got = chunks.flatMap((c) => s.push(c));
    s.end();
    return got;
  };
  for (let cut = 0; cut <= body.length; cut++) {
    sameParts(feed([body.slice(0, cut), body.slice(cut)]), want);
  }
  const ones = feed([...body].map((b) => Uint8Array.of(b)));
  sameParts(ones, want);
  for (const p of ones) assert.ok(p.byteOffset === 0 && p.buffer.byteLength === p.length, "a part is a standalone array");
});

test("malformed bodies are format errors: truncated, lying Content-Length, parts over the limit", () => {
  const formatErr = (re) => (e) => e instanceof DicomwebError && e.kind === "format" && re.test(e.message);
  assert.throws(() => splitMultipart(multipart(PARTS, B, { close: false }), B), formatErr(/truncated/));
  assert.throws(() => splitMultipart(enc.encode("no boundary here"), B), formatErr(/truncated/));
  const lying = enc.encode(`--${B}\r\nContent-Length: 3\r\n\r\nabcdef\r\n--${B}--`);
  assert.throws(() => splitMultipart(lying, B), formatErr(/longer than its Content-Length/));
  const huge = enc.encode(`--${B}\r\nContent-Length: ${2 ** 30 + 1}\r\n\r\nabc`);
  assert.throws(() => splitMultipart(huge, B), formatErr(/larger than the 1073741824-byte limit/));
  const unsized = multipart([bytes(5000, 9)], B, { sized: () => false });
  assert.throws(() => splitMultipart(unsized, B, { maxPartBytes: 4096 }), formatErr(/larger than/));
  assert.equal(splitMultipart(unsized, B, { maxPartBytes: 5000 })[0].length, 5000);
});

// ---- WADO-RS over HTTP ---------------------------------------------------------------------

test("retrieveSeries streams parts from awkward chunks (1 byte, quoted boundary, preamble)", async () => {
  const body = multipart(PARTS, B, { preamble: "preamble text\r\n" });
  handler = async (req, res) => {
    res.writeHead(200, { "Content-Type": `multipart/related; type="application/dicom"; boundary="${B}"` });
    await writeSlowly(res, body, [1, 1, 1, 7, 1, B.length + 1, 2, 3, 64]);
    res.end();
  };
  const seenBeforeEnd = [];
  const progress = [];
  const got = [];
  const result = await retrieveSeries(series({
    onPart: (p) => { got.push(p); seenBeforeEnd.push(requests.length); },
    onProgress: (p) => progress.push({ ...p, at: Date.now() }),
  }));
  sameParts(got, PARTS);
  assert.deepEqual(result, { parts: PARTS.length, bytes: body.length });
  assert.deepEqual(progress.at(-1).bytes, body.length);
  assert.equal(progress.at(-1).totalBytes, null, "chunked answer: total unknown");
  assert.equal(progress.at(-1).parts, PARTS.length);
  for (let i = 1; i < progress.length - 1; i++) {
    assert.ok(progress[i].at - progress[i - 1].at >= 45, "progress is reported at most every ~50 ms");
  }
  const r = requests[0];
  assert.equal(r.url, "/dicom-web/studies/1.2/series/1.2.3");
  assert.equal(r.headers.accept, 'multipart/related; type="application/dicom"; transfer-syntax=*');
  assert.equal(r.headers.authorization, undefined, "no token, no Authorization header");
});

test("retrieveSeries delivers each part before the response ends", async () => {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const body = multipart(PARTS.slice(0, 2), B, { sized: () => false });
  const cut = body.length - 10; // the second part is not complete before the gate opens
  handler = async (req, res) => {
    res.writeHead(200, { "Content-Type": `multipart/related; type=application/dicom; boundary=${B}` });
    res.write(body.subarray(0, cut));
    await gate;
    res.end(body.subarray(cut));
  };
  const got = [];
  await retrieveSeries(series({ onPart: (p) => { got.push(p); if (got.length === 1) release(); } }));
  sameParts(got, PARTS.slice(0, 2));
});

test("retrieveSeries reports Content-Length as totalBytes and sends the token as a header", async () => {
  const body = multipart(PARTS, B, { sized: () => true });
  handler = (req, res) => {
    res.writeHead(200, { "Content-Type": `multipart/related; type="application/dicom"; boundary=${B}`, "Content-Length": body.length });
    res.end(body);
  };
  const progress = [];
  const { got } = await collect(series({ token: TOKEN, onProgress: (p) => progress.push(p) }));
  sameParts(got, PARTS);
  assert.deepEqual(progress.at(-1), { bytes: body.length, totalBytes: body.length, parts: PARTS.length });
  assert.equal(requests[0].headers.authorization, `Bearer ${TOKEN}`);
});

test("HTTP errors give readable messages, the right kind, no token, and no retry", async () => {
  const cases = [
    [401, "auth", "Series 1.2.3: the DICOMweb server asks for a login (401)"],
    [403, "auth", "Series 1.2.3: the DICOMweb server refuses access to it (403)"],
    [404, "not-found", "Series 1.2.3: not found on the DICOMweb server (404)"],
    [500, "server", "Series 1.2.3: the DICOMweb server failed (500); if this persists, call IT support"],
  ];
  for (const [status, kind, message] of cases) {
    requests = [];
    handler = (req, res) => res.writeHead(status, { "Content-Type": "text/plain" }).end(`denied ${TOKEN}`);
    await assert.rejects(retrieveSeries(series({ token: TOKEN })), (e) => {
      assert.ok(e instanceof DicomwebError);
      assert.deepEqual({ status: e.status, kind: e.kind, message: e.message }, { status, kind, message });
      assert.ok(!e.message.includes(TOKEN) && !e.stack.includes(TOKEN));
      return true;
    });
    assert.equal(requests.length, 1, `${status} is not retried`);
  }
});

test("a non-multipart answer is a format error naming its content type", async () => {
  handler = (req, res) => res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end("<html>login</html>");
  await assert.rejects(retrieveSeries(series()), (e) =>
    e.kind === "format" && e.message.startsWith("Series 1.2.3: ") && e.message.includes('"text/html; charset=utf-8"'));
  assert.equal(requests.length, 1);
});

test("a truncated multipart answer is a format error naming the series, not retried", async () => {
  handler = (req, res) => {
    res.writeHead(200, { "Content-Type": `multipart/related; type="application/dicom"; boundary=${B}` });
    res.end(multipart(PARTS, B, { close: false, sized: () => false }));
  };
  const got = [];
  await assert.rejects(retrieveSeries(series({ onPart: (p) => got.push(p) })), (e) =>
    e.kind === "format" && /^Series 1\.2\.3: .*truncated/.test(e.message));
  assert.equal(requests.length, 1);
  sameParts(got, PARTS.slice(0, 4)); // the complete ones still arrived; the unsized last one cannot be known complete
});

test("a part announced over 1 GB is a format error", async () => {
  handler = (req, res) => {
    res.writeHead(200, { "Content-Type": `multipart/related; boundary=${B}` });
    res.end(enc.encode(`--${B}\r\nContent-Length: 1500000000\r\n\r\nabc`));
  };
  await assert.rejects(retrieveSeries(series()), (e) => e.kind === "format" && /Series 1\.2\.3: .*larger than/.test(e.message));
});

test("503 then success: retried with backoff, parts delivered once", async () => {
  const body = multipart(PARTS, B);
  handler = (req, res) => {
    if (requests.length === 1) return res.writeHead(503).end();
    if (requests.length === 2) return res.writeHead(429, { "Retry-After": "0" }).end();
    res.writeHead(200, { "Content-Type": `multipart/related; boundary=${B}` }).end(body);
  };
  const { got, result } = await collect(series({ token: TOKEN }));
  sameParts(got, PARTS);
  assert.equal(result.parts, PARTS.length);
  assert.equal(requests.length, 3);
  assert.ok(requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`));
});

test("retries are bounded: persistent 503 fails after retries + 1 requests", async () => {
  handler = (req, res) => res.writeHead(503).end();
  await assert.rejects(retrieveSeries(series({ retries: 2 })), (e) =>
    e.kind === "server" && e.status === 503 && e.message === "Series 1.2.3: the DICOMweb server is unavailable (503); try again in a moment");
  assert.equal(requests.length, 3);
});

test("connection refused is a network error after retries", async () => {
  const closed = http.createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(retrieveSeries(series({ base: `http://127.0.0.1:${port}/dicom-web`, retries: 1 })), (e) =>
    e.kind === "network" && e.status === 0 && e.message === "Series 1.2.3: the DICOMweb server could not be reached (network error)");
});

for (const reorder of [false, true]) {
  test(`a connection reset mid-body is retried and every part is delivered exactly once${reorder ? " (server reorders)" : ""}`, async () => {
    const full = multipart(PARTS, B);
    const twoAndAHalf = multipart(PARTS.slice(0, 3), B, { close: false });
    const firstCut = twoAndAHalf.subarray(0, twoAndAHalf.length - 100);
    let deliveredBeforeRetry = -1;
    const got = [];
    handler = async (req, res) => {
      res.writeHead(200, { "Content-Type": `multipart/related; type="application/dicom"; boundary=${B}` });
      if (requests.length === 1) {
        res.write(firstCut);
        await wait(100);
        res.socket.destroy();
        return;
      }
      deliveredBeforeRetry = got.length;
      res.end(reorder ? multipart([...PARTS].reverse(), B) : full);
    };
    const result = await retrieveSeries(series({ onPart: (p) => got.push(p) }));
    assert.equal(requests.length, 2);
    assert.equal(deliveredBeforeRetry, 2, "two parts arrived before the reset");
    assert.equal(result.parts, PARTS.length);
    const want = reorder ? [PARTS[0], PARTS[1], PARTS[4], PARTS[3], PARTS[2]] : PARTS;
    sameParts(got, want);
  });
}

test("an error thrown by onPart propagates unchanged and is not retried", async () => {
  handler = (req, res) => res.writeHead(200, { "Content-Type": `multipart/related; boundary=${B}` }).end(multipart(PARTS, B));
  const boom = new Error("WASM out of memory");
  await assert.rejects(retrieveSeries(series({ onPart: () => { throw boom; } })), (e) => e === boom);
  assert.equal(requests.length, 1);
});

test("abort: before the start, mid-body, and during a retry wait → cancelled", async () => {
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(retrieveSeries(series({ signal: pre.signal })), (e) => e.kind === "cancelled" && e.status === 0);
  assert.equal(requests.length, 0);

  handler = (req, res) => { // one part, then the server stalls
    res.writeHead(200, { "Content-Type": `multipart/related; boundary=${B}` });
    res.write(multipart(PARTS.slice(0, 2), B, { close: false }));
  };
  const mid = new AbortController();
  const got = [];
  const t0 = Date.now();
  await assert.rejects(
    retrieveSeries(series({ signal: mid.signal, onPart: (p) => { got.push(p); setTimeout(() => mid.abort(), 30); } })),
    (e) => e.kind === "cancelled" && e.message === "Series 1.2.3: loading was cancelled");
  assert.equal(got.length, 1);
  assert.equal(requests.length, 1, "an abort is not retried");
  assert.ok(Date.now() - t0 < 2000);

  requests = [];
  handler = (req, res) => res.writeHead(503).end();
  const backoff = new AbortController();
  setTimeout(() => backoff.abort(), 50);
  const t1 = Date.now();
  await assert.rejects(retrieveSeries(series({ signal: backoff.signal, retryDelayMs: 60_000 })), (e) => e.kind === "cancelled");
  assert.ok(Date.now() - t1 < 2000, "the retry wait ends on abort");
  assert.equal(requests.length, 1);
});

// ---- QIDO-RS ----------------------------------------------------------------------------

const json = (res, body) => res.writeHead(200, { "Content-Type": "application/dicom+json" }).end(JSON.stringify(body));

test("searchStudies sends the filters and decodes DICOM JSON (PN, multi-valued, counts)", async () => {
  handler = (req, res) => json(res, [
    {
      "0020000D": { vr: "UI", Value: ["1.2.840.1"] },
      "00100010": { vr: "PN", Value: [{ Alphabetic: "SMITH^JOHN" }] },
      "00100020": { vr: "LO", Value: ["9434765919"] },
      "00100030": { vr: "DA", Value: ["19600101"] },
      "00100040": { vr: "CS", Value: ["M"] },
      "00080020": { vr: "DA", Value: ["20240315"] },
      "00081030": { vr: "LO", Value: ["PET-CT skull base to thigh"] },
      "00080061": { vr: "CS", Value: ["CT", "PT"] },
      "00080050": { vr: "SH", Value: ["ACC1"] },
      "00201206": { vr: "IS", Value: [2] },
      "00201208": { vr: "IS", Value: ["347"] },
    },
    { "0020000D": { vr: "UI", Value: ["1.2.840.2"] }, "00100010": { vr: "PN" } },
    { "00100010": { vr: "PN", Value: [{ Alphabetic: "NO^UID" }] } },
  ]);
  const found = await searchStudies({
    base: `${origin}/dicom-web`, allowAbsolute: true, patientName: "smith", patientId: "9434765919",
    studyDate: "20240101-20241231", limit: 25, token: TOKEN,
  });
  assert.deepEqual(found, [
    {
      studyUid: "1.2.840.1", patientName: "SMITH^JOHN", patientId: "9434765919", birthDate: "19600101", sex: "M",
      studyDate: "20240315", description: "PET-CT skull base to thigh", modalities: ["CT", "PT"], accession: "ACC1",
      seriesCount: 2, instanceCount: 347,
    },
    {
      studyUid: "1.2.840.2", patientName: null, patientId: null, birthDate: null, sex: null, studyDate: null,
      description: null, modalities: [], accession: null, seriesCount: null, instanceCount: null,
    },
  ]);
  const url = new URL(requests[0].url, origin);
  assert.equal(url.pathname, "/dicom-web/studies");
  assert.equal(url.searchParams.get("PatientName"), "smith*");
  assert.equal(url.searchParams.get("PatientID"), "9434765919");
  assert.equal(url.searchParams.get("StudyDate"), "20240101-20241231");
  assert.equal(url.searchParams.get("limit"), "25");
  const fields = url.searchParams.getAll("includefield");
  assert.ok(fields.includes("00081030") && fields.includes("00080061"));
  assert.equal(requests[0].headers.accept, "application/dicom+json");
  assert.equal(requests[0].headers.authorization, `Bearer ${TOKEN}`);
});

test("searchStudies keeps typed wildcards, omits empty filters, and maps 204 to no results", async () => {
  handler = (req, res) => res.writeHead(204).end();
  assert.deepEqual(await searchStudies({ base: `${origin}/dicom-web`, allowAbsolute: true, patientName: "SM?TH*JO", patientId: " " }), []);
  const q = new URL(requests[0].url, origin).searchParams;
  assert.equal(q.get("PatientName"), "SM?TH*JO");
  assert.equal(q.has("PatientID"), false);
  assert.equal(q.has("StudyDate"), false);
  await assert.rejects(searchStudies({ base: `${origin}/dicom-web`, allowAbsolute: true, studyDate: "15/03/2024" }),
    (e) => e.kind === "format" && e.message.includes("15/03/2024"));
  await assert.rejects(searchStudies({ base: `${origin}/dicom-web` }), TypeError, "absolute base needs allowAbsolute");
  handler = (req, res) => res.writeHead(401).end();
  await assert.rejects(searchStudies({ base: `${origin}/dicom-web`, allowAbsolute: true }),
    (e) => e.kind === "auth" && e.message === "Study search: the DICOMweb server asks for a login (401)");
});

test("seriesOfStudy decodes series; 204, [] and 404 are not-found", async () => {
  handler = (req, res) => json(res, [
    {
      "0020000E": { vr: "UI", Value: ["1.2.3.1"] }, "00080060": { vr: "CS", Value: ["PT"] },
      "0008103E": { vr: "LO", Value: ["PET WB AC"] }, "00200011": { vr: "IS", Value: [3] },
      "00201209": { vr: "IS", Value: [211] },
    },
    { "0020000E": { vr: "UI", Value: ["1.2.3.2"] }, "00080060": { vr: "CS", Value: ["CT"] }, "00200011": { vr: "IS", Value: ["2"] } },
  ]);
  const opts = { base: `${origin}/dicom-web/`, allowAbsolute: true, study: "1.2.3" };
  assert.deepEqual(await seriesOfStudy(opts), [
    { seriesUid: "1.2.3.1", modality: "PT", description: "PET WB AC", number: 3, instanceCount: 211 },
    { seriesUid: "1.2.3.2", modality: "CT", description: null, number: 2, instanceCount: null },
  ]);
  const url = new URL(requests[0].url, origin);
  assert.equal(url.pathname, "/dicom-web/studies/1.2.3/series");
  assert.equal(url.searchParams.get("includefield"), "00201209");
  for (const answer of [(res) => res.writeHead(204).end(), (res) => json(res, [])]) {
    handler = (req, res) => answer(res);
    await assert.rejects(seriesOfStudy(opts), (e) =>
      e.kind === "not-found" && e.message === "Study 1.2.3: not found on the DICOMweb server (no series)");
  }
  handler = (req, res) => res.writeHead(404).end();
  await assert.rejects(seriesOfStudy(opts), (e) =>
    e.kind === "not-found" && e.status === 404 && e.message === "Study 1.2.3: not found on the DICOMweb server (404)");
  handler = (req, res) => res.writeHead(200, { "Content-Type": "application/dicom+json" }).end("{not json");
  await assert.rejects(seriesOfStudy(opts), (e) => e.kind === "format");
});

test("sliceOrder sorts along the slice normal and refuses what it cannot place", () => {
  const axial = [1, 0, 0, 0, 1, 0];
  const at = (uid, z, orientation = axial) => ({ sopUid: uid, position: [1, 2, z], orientation });
  assert.deepEqual(sliceOrder([at("c", 10), at("a", -10), at("b", 0)]), ["a", "b", "c"]);
  // Coronal slices (row +x, column −z): the normal row × column is +y, so smaller y first.
  const cor = [1, 0, 0, 0, 0, -1];
  const c = (uid, y) => ({ sopUid: uid, position: [0, y, 0], orientation: cor });
  assert.deepEqual(sliceOrder([c("p", 5), c("q", -5)]), ["q", "p"]);
  assert.equal(sliceOrder([at("a", 0), { sopUid: "b", position: null, orientation: axial }]), null);
  assert.equal(sliceOrder([at("a", 0), at("b", 1, cor)]), null);
  assert.equal(sliceOrder([]), null);
});
