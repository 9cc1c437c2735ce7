// A real Orthanc (Debian packages `orthanc` + `orthanc-dicomweb`) for the end-to-end test,
// started the way the Rust tests start it (crates/uptake-server/tests/common/mod.rs): a temp
// directory, a JSON config on loopback only (RemoteAccessAllowed false, DICOM port off), the
// DICOMweb plugin from the Debian locations, storage in the temp directory, upload with
// `POST /instances`. The caller owns the child process (kill it on exit).
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

/** The Orthanc executable, or null when it is not installed. */
export function findOrthanc() {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  dirs.push("/usr/sbin", "/usr/bin", "/usr/local/bin");
  for (const d of dirs) {
    const p = join(d, "Orthanc");
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

/** The DICOMweb plugin, or null. */
export function findDicomwebPlugin() {
  for (const dir of ["/usr/share/orthanc/plugins", "/usr/lib/orthanc", "/usr/lib/x86_64-linux-gnu/orthanc"]) {
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const hits = names.filter((n) => n.startsWith("libOrthancDicomWeb.so")).sort();
    if (hits.length) return join(dir, hits[0]);
  }
  return null;
}

/** A free loopback TCP port (Orthanc cannot be told to pick one itself). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function basic(user) {
  return user ? `Basic ${Buffer.from(`${user[0]}:${user[1]}`).toString("base64")}` : null;
}

/**
 * Starts Orthanc in `dir` (created). `user`: `[name, password]` turns HTTP authentication on.
 * `onChild(child)` is called as soon as the process exists (register it for cleanup).
 * Resolves with `{child, url, dicomweb, log, authorization}` once `GET /system` answers.
 */
export async function startOrthanc({ exe, plugin, dir, user = null, onChild }) {
  mkdirSync(join(dir, "db"), { recursive: true });
  const port = await freePort();
  const config = {
    Name: "uptake-e2e",
    StorageDirectory: join(dir, "db"),
    IndexDirectory: join(dir, "db"),
    HttpPort: port,
    HttpServerEnabled: true,
    DicomServerEnabled: false,
    DicomPort: await freePort(),
    RemoteAccessAllowed: false,
    AuthenticationEnabled: user !== null,
    RegisteredUsers: user ? { [user[0]]: user[1] } : {},
    Plugins: [plugin],
    DicomWeb: { Enable: true, Root: "/dicom-web/" },
    ConcurrentJobs: 1,
    HttpThreadsCount: 8,
  };
  const cfg = join(dir, "orthanc.json");
  writeFileSync(cfg, JSON.stringify(config, null, 2));
  const log = join(dir, "orthanc.log");
  const fd = openSync(log, "w");
  const child = spawn(exe, [cfg], { cwd: dir, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  onChild?.(child);
  const url = `http://127.0.0.1:${port}`;
  const authorization = basic(user);
  const headers = authorization ? { Authorization: authorization } : {};
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = code ?? signal;
  });
  child.on("error", (e) => {
    exited = e.message;
  });
  const deadline = Date.now() + 30000;
  for (;;) {
    if (exited !== null) {
      throw new Error(`Orthanc exited (${exited}) during start:\n${readLog(log)}`);
    }
    try {
      const r = await fetch(`${url}/system`, { headers, signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Orthanc did not answer within 30 s:\n${readLog(log)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, dicomweb: `${url}/dicom-web/`, log, authorization };
}

function readLog(path) {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "(no log)";
  }
}

function dicomFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) dicomFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Uploads every DICOM Part-10 file under `dir` with `POST /instances`; resolves with the count. */
export async function uploadDir(orthanc, dir, concurrency = 4) {
  const files = dicomFiles(dir).filter((f) => {
    const b = readFileSync(f);
    return b.length >= 132 && b.toString("latin1", 128, 132) === "DICM";
  });
  let next = 0;
  let n = 0;
  const headers = { "Content-Type": "application/dicom" };
  if (orthanc.authorization) headers.Authorization = orthanc.authorization;
  async function lane() {
    while (next < files.length) {
      const f = files[next++];
      const r = await fetch(`${orthanc.url}/instances`, {
        method: "POST",
        headers,
        body: readFileSync(f),
        signal: AbortSignal.timeout(30000),
      });
      if (!r.ok) throw new Error(`POST /instances ${f}: HTTP ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
      n += 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return n;
}
