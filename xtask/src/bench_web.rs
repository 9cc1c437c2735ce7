//! `cargo xtask bench-web`: Uptake side by side with Cornerstone3D and the plain-fetch transfer
//! baseline, in one invocation of the shared runner (`../shared/bench/cs3d-anchor`).
//!
//! 1. `../shared/bench/cs3d-anchor` (read-only in CI) is mirrored into
//!    `target/bench-web/cs3d-anchor`: only files whose bytes differ are rewritten, files gone from
//!    the source are removed, and the copy's `node_modules/`, `data/`, `db/` (Orthanc storage) and
//!    `out/` (the vite build of the Cornerstone3D page) are kept. `npm ci` runs only when
//!    `node_modules/` is missing or `package-lock.json` changed since the last `npm ci`;
//!    `python3 make_study.py [--small]` only when the study is missing.
//! 2. The viewer bundle is built (`web::build`, as `cargo xtask build`) and the target file of
//!    Uptake is generated from `bench/uptake.json`, the mount `@WWW@` replaced by the absolute
//!    path of `www/`, into `target/bench-web/targets/uptake.json`; likewise the GPU floor
//!    `bench/fetch-upload.json` (`@FLOOR@` → `bench/floor/`: the baseline's fetch, then the
//!    bytes of both volumes written to WebGPU 3D textures, nothing parsed).
//! 3. `node run_bench.mjs --targets <uptake.json>,cs3d,baseline-series,<fetch-upload.json>
//!    --tag uptake` runs in the copy; its `out/results-uptake.json` becomes `target/bench-web/report.md` (also printed),
//!    with the goal ratios and the gzip size of `www/pkg/*.wasm`; screenshots are copied next
//!    to it. A target with no successful run is reported as `failed: reason` and makes the
//!    command fail after the report is written.

use crate::{root, setup, web};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "usage: cargo xtask bench-web [--runs N] [--study default|small] [--no-cs3d] \
                     [--extra k=v]... [--timeout SEC] [--warmup N]";

/// Top-level entries of the anchor folder that belong to the copy, never to the source.
const KEEP_IN_COPY: &[&str] = &["node_modules", "out", "data", "db"];

/// The target name of each runner target, as it appears in the results.
const UPTAKE: &str = "uptake";
const CS3D: &str = "cs3d";
const BASELINE: &str = "fetch-series";
const FLOOR: &str = "fetch-upload";

/// Goals (the project's targets for the viewer).
const GOAL_FIRST_VS_CS3D: f64 = 0.33;
const GOAL_LOADED_VS_BASELINE: f64 = 1.5;
const GOAL_MEMORY_VS_CS3D: f64 = 0.33;
const GOAL_WASM_GZIP_BYTES: u64 = 2_000_000;

struct Options {
    runs: u32,
    study: String,
    cs3d: bool,
    extra: Vec<String>,
    timeout: Option<u32>,
    warmup: Option<u32>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        runs: 3,
        study: "default".into(),
        cs3d: true,
        extra: Vec::new(),
        timeout: None,
        warmup: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let number = |name: &str, v: String| {
            v.parse::<u32>()
                .map_err(|_| format!("{name} wants a whole number, not `{v}`\n{USAGE}"))
        };
        match arg.as_str() {
            "--runs" => {
                o.runs = number("--runs", value("--runs")?)?;
                if o.runs == 0 {
                    return Err(format!("--runs must be at least 1\n{USAGE}"));
                }
            }
            "--study" => {
                o.study = value("--study")?;
                if o.study != "default" && o.study != "small" {
                    return Err(format!(
                        "--study is `default` or `small`, not `{}`\n{USAGE}",
                        o.study
                    ));
                }
            }
            "--no-cs3d" => o.cs3d = false,
            "--extra" => o.extra.push(value("--extra")?),
            "--timeout" => o.timeout = Some(number("--timeout", value("--timeout")?)?),
            "--warmup" => o.warmup = Some(number("--warmup", value("--warmup")?)?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    // A viewer that never reports (page not ready) waits out the timeout on every run; on the
    // small study every working target finishes in seconds.
    if o.timeout.is_none() && o.study == "small" {
        o.timeout = Some(60);
    }
    Ok(o)
}

/// The repository on disk (symlinks resolved): `www/`, `bench/` and `target/` live here.
fn repo_root() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_MANIFEST_DIR"))
        .ok()
        .and_then(|xtask| xtask.parent().map(Path::to_path_buf))
        .unwrap_or_else(root)
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// Output of `program args` when it starts and succeeds.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs `program args` in `dir` with inherited stdio, echoing it.
fn run_in(dir: &Path, program: &str, args: &[&str], hint: &str) -> Result<(), String> {
    eprintln!(
        "xtask: $ {program} {} (in {})",
        args.join(" "),
        dir.display()
    );
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot start {program}: {e}; {hint}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` in {} failed ({status}); {hint}",
            args.join(" "),
            dir.display()
        ))
    }
}

/// What the runner needs on this machine; `None` when everything is present.
fn missing_tools() -> Option<String> {
    let mut missing = Vec::new();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        missing.push(format!("Chromium ({chromium})"));
    }
    if std::env::var_os("ORTHANC_URL").is_none() {
        let orthanc = std::env::var("ORTHANC_BIN").unwrap_or_else(|_| "/usr/sbin/Orthanc".into());
        if !Path::new(&orthanc).exists() {
            missing.push(format!("Orthanc ({orthanc})"));
        }
        let plugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
        if !Path::new(plugin).exists() {
            missing.push(format!("the Orthanc DICOMweb plugin ({plugin})"));
        }
    }
    if output_of("python3", &["-c", "import pydicom, numpy"]).is_none() {
        missing.push("python3 with pydicom and numpy".into());
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// Node.js (≥ 20, for vite 8) and npm, with a readable error when absent.
fn check_node() -> Result<(), String> {
    let hint = "install Node.js 20.19 or newer with npm (Debian: `apt-get install nodejs npm`)";
    let version = output_of("node", &["--version"])
        .ok_or_else(|| format!("`node` not found or not working: {hint}"))?;
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if major < 20 {
        return Err(format!("node {version} is too old: {hint}"));
    }
    output_of("npm", &["--version"])
        .ok_or_else(|| format!("`npm` not found or not working: {hint}"))?;
    Ok(())
}

/// Every file under `dir` as a path relative to `base`, skipping [`KEEP_IN_COPY`] at the top.
fn files_under(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(io_err(dir))?;
    for entry in entries {
        let entry = entry.map_err(io_err(dir))?;
        let path = entry.path();
        let rel = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
        if dir == base
            && KEEP_IN_COPY
                .iter()
                .any(|k| entry.file_name().to_str() == Some(k))
        {
            continue;
        }
        if std::fs::metadata(&path).map_err(io_err(&path))?.is_dir() {
            files_under(base, &path, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

/// Mirrors `src` into `dst` (see the module doc); returns how many files were written or removed.
fn sync_anchor(src: &Path, dst: &Path) -> Result<usize, String> {
    let mut wanted = Vec::new();
    files_under(src, src, &mut wanted)?;
    std::fs::create_dir_all(dst).map_err(io_err(dst))?;
    let mut changed = 0;
    for rel in &wanted {
        let from = src.join(rel);
        let to = dst.join(rel);
        let bytes = std::fs::read(&from).map_err(io_err(&from))?;
        if std::fs::read(&to).ok().as_deref() == Some(&bytes[..]) {
            continue; // unchanged: keep its mtime, so the runner does not rebuild the CS3D page
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        // The source is read-only and a copy of its permissions would be too: write afresh.
        if to.exists() {
            std::fs::remove_file(&to).map_err(io_err(&to))?;
        }
        std::fs::write(&to, &bytes).map_err(io_err(&to))?;
        changed += 1;
    }
    let mut present = Vec::new();
    files_under(dst, dst, &mut present)?;
    for rel in present.iter().filter(|rel| !wanted.contains(rel)) {
        let stale = dst.join(rel);
        std::fs::remove_file(&stale).map_err(io_err(&stale))?;
        changed += 1;
    }
    Ok(changed)
}

/// `npm ci` in the copy when `node_modules/` is missing or the lock file changed since.
fn npm_ci(anchor: &Path) -> Result<(), String> {
    let lock = anchor.join("package-lock.json");
    let stamp = anchor.join("node_modules/.uptake-bench-package-lock.json");
    let lock_bytes = std::fs::read(&lock).map_err(io_err(&lock))?;
    if std::fs::read(&stamp).ok().as_deref() == Some(&lock_bytes[..]) {
        return Ok(());
    }
    run_in(
        anchor,
        "npm",
        &["ci", "--no-audit", "--no-fund"],
        "the benchmark needs its npm packages (Cornerstone3D, vite, playwright-core) from the \
         npm registry; check network access and the npm output above",
    )?;
    std::fs::write(&stamp, &lock_bytes).map_err(io_err(&stamp))
}

/// `python3 make_study.py [--small]` when `data/<study>/study.txt` (written last) is missing.
fn make_study(anchor: &Path, study: &str) -> Result<(), String> {
    if anchor.join("data").join(study).join("study.txt").exists() {
        return Ok(());
    }
    let mut args = vec!["make_study.py"];
    if study == "small" {
        args.push("--small");
    }
    run_in(
        anchor,
        "python3",
        &args,
        "the study generator needs python3 with pydicom and numpy (`cargo xtask setup`)",
    )
}

/// A target file from its template in `bench/`: `template` with the mount placeholder
/// (`"@WWW@"`, `"@FLOOR@"`) replaced by the absolute path of `folder` (JSON-escaped), written
/// to `target/bench-web/targets/<template>`.
fn write_target(
    repo: &Path,
    out: &Path,
    template: &str,
    placeholder: &str,
    folder: &Path,
) -> Result<PathBuf, String> {
    let template_path = repo.join("bench").join(template);
    let text = std::fs::read_to_string(&template_path).map_err(io_err(&template_path))?;
    let quoted = format!("\"{placeholder}\"");
    if !text.contains(&quoted) {
        return Err(format!(
            "{} must mount `{quoted}` (replaced by the path of {})",
            template_path.display(),
            folder.display()
        ));
    }
    let folder_json = Value::String(folder.to_string_lossy().to_string()).to_string();
    let filled = text.replace(&quoted, &folder_json);
    serde_json::from_str::<Value>(&filled)
        .map_err(|e| format!("{} is not valid JSON: {e}", template_path.display()))?;
    let dir = out.join("targets");
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let file = dir.join(template);
    std::fs::write(&file, filled).map_err(io_err(&file))?;
    Ok(file)
}

fn wasm_gzip_sizes(pkg: &Path) -> Result<Vec<(String, u64, u64)>, String> {
    use flate2::{write::GzEncoder, Compression};
    let mut sizes = Vec::new();
    for entry in std::fs::read_dir(pkg).map_err(io_err(pkg))? {
        let path = entry.map_err(io_err(pkg))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("wasm") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(io_err(&path))?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&bytes)
            .and_then(|()| gz.finish())
            .map(|z| {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                sizes.push((name.to_string(), bytes.len() as u64, z.len() as u64));
            })
            .map_err(io_err(&path))?;
    }
    sizes.sort();
    Ok(sizes)
}

/// `cargo xtask bench-web [options]`.
pub fn bench_web(args: &[String]) -> Result<(), String> {
    let opts = parse(args)?;
    let repo = repo_root();
    let shared = repo
        .parent()
        .map(|p| p.join("shared/bench/cs3d-anchor"))
        .unwrap_or_default();
    if !shared.join("run_bench.mjs").exists() {
        return Err(format!(
            "the shared benchmark is missing: expected {} (the `shared` folder next to this \
             repository, with bench/cs3d-anchor/run_bench.mjs)",
            shared.display()
        ));
    }
    check_node()?;
    if let Some(missing) = missing_tools() {
        eprintln!("xtask: missing {missing}; running `cargo xtask setup`");
        setup::setup()?;
        if let Some(missing) = missing_tools() {
            return Err(format!(
                "the benchmark needs {missing}, still missing after `cargo xtask setup`"
            ));
        }
    }

    let out = repo.join("target/bench-web");
    let anchor = out.join("cs3d-anchor");
    let changed = sync_anchor(&shared, &anchor)?;
    eprintln!(
        "xtask: {} → {} ({changed} file(s) updated)",
        shared.display(),
        anchor.display()
    );
    npm_ci(&anchor)?;
    make_study(&anchor, &opts.study)?;

    web::build()?;
    let www = repo.join("www");
    if !www.join("index.html").exists() {
        return Err(format!("{} is missing", www.join("index.html").display()));
    }
    let wasm = wasm_gzip_sizes(&www.join("pkg"))?;
    let target_file = write_target(&repo, &out, "uptake.json", "@WWW@", &www)?;
    let floor_file = write_target(
        &repo,
        &out,
        "fetch-upload.json",
        "@FLOOR@",
        &repo.join("bench/floor"),
    )?;

    // Results of an earlier invocation must never be read as this one's.
    let results = anchor.join("out/results-uptake.json");
    let _ = std::fs::remove_file(&results);
    remove_pngs(&anchor.join("out"))?;
    remove_pngs(&out)?;

    let mut targets = vec![target_file.to_string_lossy().to_string()];
    if opts.cs3d {
        targets.push(CS3D.into());
    }
    targets.push("baseline-series".into());
    targets.push(floor_file.to_string_lossy().to_string());
    let mut runner_args = vec![
        "run_bench.mjs".to_string(),
        "--targets".into(),
        targets.join(","),
        "--runs".into(),
        opts.runs.to_string(),
        "--study".into(),
        opts.study.clone(),
        "--tag".into(),
        "uptake".into(),
    ];
    if !opts.extra.is_empty() {
        runner_args.extend(["--extra".into(), opts.extra.join("&")]);
    }
    if let Some(t) = opts.timeout {
        runner_args.extend(["--timeout".into(), t.to_string()]);
    }
    if let Some(w) = opts.warmup {
        runner_args.extend(["--warmup".into(), w.to_string()]);
    }
    let arg_refs: Vec<&str> = runner_args.iter().map(String::as_str).collect();
    // The runner exits 1 when a target has no successful run, but still writes its results.
    let runner = run_in(&anchor, "node", &arg_refs, "see the runner output above");
    let text = match std::fs::read_to_string(&results) {
        Ok(text) => text,
        Err(_) => {
            return Err(format!(
                "{}; it wrote no {} (logs in {})",
                runner
                    .err()
                    .unwrap_or_else(|| "the runner succeeded".into()),
                results.display(),
                anchor.join("out/logs").display()
            ))
        }
    };
    let results_json: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not valid JSON: {e}", results.display()))?;

    let mut shots = Vec::new();
    for entry in std::fs::read_dir(anchor.join("out")).map_err(io_err(&anchor))? {
        let path = entry.map_err(io_err(&anchor))?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("png") {
            if let Some(name) = path.file_name() {
                let to = out.join(name);
                std::fs::copy(&path, &to).map_err(io_err(&to))?;
                shots.push(name.to_string_lossy().to_string());
            }
        }
    }
    shots.sort();
    let copied_results = out.join("results-uptake.json");
    std::fs::write(&copied_results, &text).map_err(io_err(&copied_results))?;

    let report = render_report(&results_json, &opts, &wasm, &shots);
    let report_file = out.join("report.md");
    std::fs::write(&report_file, &report).map_err(io_err(&report_file))?;
    println!("\n{report}");
    eprintln!(
        "xtask: wrote {} (raw results: {})",
        report_file.display(),
        copied_results.display()
    );

    let failed = failed_targets(&results_json);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "no successful run of {} (see {})",
            failed.join(", "),
            report_file.display()
        ))
    }
}

fn remove_pngs(dir: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("png") {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    Ok(())
}

/// Targets of the results with no successful run.
fn failed_targets(results: &Value) -> Vec<String> {
    let Some(summary) = results["summary"].as_object() else {
        return vec!["(no summary in the results)".into()];
    };
    summary
        .iter()
        .filter(|(_, s)| s["ok_runs"].as_u64().unwrap_or(0) == 0)
        .map(|(name, _)| name.clone())
        .collect()
}

/// Why the runs of `target` failed: the first failed measured run's reason.
fn failure_reason(results: &Value, target: &str) -> String {
    let runs = results["runs"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let failed_run = runs.iter().find(|r| {
        r["target"] == target
            && r["warmup"] != true
            && [&r["failed"], &r["error"]]
                .iter()
                .any(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    });
    let Some(run) = failed_run else {
        return "no successful run".into();
    };
    let mut reason = [&run["failed"], &run["error"]]
        .into_iter()
        .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
        .unwrap_or_default()
        .to_string();
    if run["bench"].is_null() {
        reason.push_str(" — the page never set window.__bench (does it support bench=1?)");
    }
    // The first error the page logged (warm-up runs included: a cached page may log less).
    let console_error = runs
        .iter()
        .filter(|r| r["target"] == target)
        .flat_map(|r| r["console"].as_array().map(Vec::as_slice).unwrap_or(&[]))
        .filter_map(Value::as_str)
        .find(|line| line.starts_with("pageerror:") || line.starts_with("error:"));
    if let Some(line) = console_error {
        reason.push_str("; console: ");
        reason.push_str(line);
    }
    let one_line: String = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = one_line.chars().take(300).collect();
    if short.len() < one_line.len() {
        short.push('…');
    }
    short.replace('|', "\\|")
}

fn median(summary: &Value, field: &str) -> Option<f64> {
    summary[field]["median"].as_f64()
}

/// `median [min–max]` (just the median for one run), with `digits` decimals below 100 (the
/// runner rounds values of 100 and more to whole numbers).
fn stat(summary: &Value, field: &str, digits: usize) -> String {
    let s = &summary[field];
    let digits = if s["median"].as_f64().is_some_and(|m| m.abs() >= 100.0) {
        0
    } else {
        digits
    };
    match (s["median"].as_f64(), s["min"].as_f64(), s["max"].as_f64()) {
        (Some(m), Some(lo), Some(hi)) if s["n"].as_u64().unwrap_or(1) > 1 => {
            format!("{m:.digits$} [{lo:.digits$}–{hi:.digits$}]")
        }
        (Some(m), _, _) => format!("{m:.digits$}"),
        _ => "–".into(),
    }
}

fn ratio_row(
    name: &str,
    num: Option<f64>,
    den: Option<f64>,
    goal: f64,
    why_missing: &str,
) -> String {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 => {
            let r = n / d;
            let met = if r <= goal { "yes" } else { "no" };
            format!("| {name} | {r:.2} | ≤ {goal} | {met} |\n")
        }
        _ => format!("| {name} | – ({why_missing}) | ≤ {goal} | – |\n"),
    }
}

fn render_report(
    results: &Value,
    opts: &Options,
    wasm: &[(String, u64, u64)],
    shots: &[String],
) -> String {
    let mut r = String::new();
    let study = &results["study"];
    let versions = &results["versions"];
    let machine = &results["machine"];
    r.push_str("# Uptake vs Cornerstone3D: `cargo xtask bench-web`\n\n");
    r.push_str(&format!(
        "{} · study `{}`: CT {} + PET {} ({} instances, {:.0} MB) · {} measured run(s) per target, \
         {} warm-up · {} · Orthanc {} · {} CPUs ({}) · {}\n\n",
        results["created"].as_str().unwrap_or("?"),
        opts.study,
        study["ct"].as_str().unwrap_or("?"),
        study["pt"].as_str().unwrap_or("?"),
        study["instances"],
        study["bytes_on_disk"].as_f64().unwrap_or(0.0) / 1e6,
        opts.runs,
        results["options"]["warmup"],
        versions["chromium"].as_str().unwrap_or("Chromium ?"),
        versions["orthanc"].as_str().unwrap_or("?"),
        machine["cpus"],
        machine["cpu_model"].as_str().unwrap_or("?").trim(),
        results["command"].as_str().unwrap_or(""),
    ));
    r.push_str(
        "Medians [min–max] of the measured runs; times are ms since navigation start in a fresh \
         browser context. Compare only numbers from this one invocation.\n\n",
    );
    r.push_str(
        "| target | ok runs | first image ms | fully loaded ms | browser PSS Δ MB | \
         Chromium CPU s | DICOMweb requests | DICOMweb MB |\n|---|---|---|---|---|---|---|---|\n",
    );
    let empty = serde_json::Map::new();
    let summary = results["summary"].as_object().unwrap_or(&empty);
    let mut notes = Vec::new();
    // The runner's order of targets (the summary object is read back sorted by name).
    let mut names: Vec<&str> = results["targets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|t| t["name"].as_str())
        .filter(|n| summary.contains_key(*n))
        .collect();
    for name in summary.keys() {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    for name in names {
        let s = &summary[name];
        let ok = s["ok_runs"].as_u64().unwrap_or(0);
        let total = ok + s["failed_runs"].as_u64().unwrap_or(0);
        if ok == 0 {
            r.push_str(&format!(
                "| {name} | 0/{total} | failed: {} | – | – | – | – | – |\n",
                failure_reason(results, name)
            ));
            continue;
        }
        let first = if s["first_image_ms"].is_null() {
            "–".to_string()
        } else {
            stat(s, "first_image_ms", 0)
        };
        r.push_str(&format!(
            "| {name} | {ok}/{total} | {first} | {} | {} | {} | {} | {} |\n",
            stat(s, "fully_loaded_ms", 0),
            stat(s, "browser_pss_peak_delta_mb", 0),
            stat(s, "cpu_s_browser", 1),
            stat(s, "net_requests", 0),
            stat(s, "net_mb", 1),
        ));
        if ok < total {
            notes.push(format!(
                "{name}: {} of {total} run(s) failed (not in the medians): {}",
                total - ok,
                failure_reason(results, name)
            ));
        }
    }
    for note in &notes {
        r.push_str(&format!("\n{note}\n"));
    }

    let get = |t: &str, f: &str| summary.get(t).and_then(|s| median(s, f));
    let missing = |t: &str| {
        if !summary.contains_key(t) {
            format!("{t} not run")
        } else {
            format!("no {t} value")
        }
    };
    let uptake_missing = if summary.get(UPTAKE).is_some_and(|s| s["ok_runs"] == 0) {
        "uptake failed".to_string()
    } else {
        missing(UPTAKE)
    };
    let why = |other: &str, num: Option<f64>| {
        if num.is_none() {
            uptake_missing.clone()
        } else {
            missing(other)
        }
    };
    r.push_str("\n## Goals\n\n| ratio | value | goal | met |\n|---|---|---|---|\n");
    let first = get(UPTAKE, "first_image_ms");
    r.push_str(&ratio_row(
        "Uptake first image / CS3D first image",
        first,
        get(CS3D, "first_image_ms"),
        GOAL_FIRST_VS_CS3D,
        &why(CS3D, first),
    ));
    let loaded = get(UPTAKE, "fully_loaded_ms");
    r.push_str(&ratio_row(
        "Uptake fully loaded / baseline-series fully loaded",
        loaded,
        get(BASELINE, "fully_loaded_ms"),
        GOAL_LOADED_VS_BASELINE,
        &why(BASELINE, loaded),
    ));
    let memory = get(UPTAKE, "browser_pss_peak_delta_mb");
    r.push_str(&ratio_row(
        "Uptake browser PSS Δ / CS3D browser PSS Δ",
        memory,
        get(CS3D, "browser_pss_peak_delta_mb"),
        GOAL_MEMORY_VS_CS3D,
        &why(CS3D, memory),
    ));
    let gz: u64 = wasm.iter().map(|w| w.2).sum();
    let names: Vec<&str> = wasm.iter().map(|w| w.0.as_str()).collect();
    if wasm.is_empty() {
        r.push_str("| WASM gzip (www/pkg/*.wasm) | – (no .wasm in www/pkg) | ≤ 2 MB | – |\n");
    } else {
        let met = if gz <= GOAL_WASM_GZIP_BYTES {
            "yes"
        } else {
            "no"
        };
        r.push_str(&format!(
            "| WASM gzip ({}; {:.2} MB raw) | {:.3} MB ({gz} B) | ≤ 2 MB | {met} |\n",
            names.join(", "),
            wasm.iter().map(|w| w.1).sum::<u64>() as f64 / 1e6,
            gz as f64 / 1e6,
        ));
    }
    if let (Some(floor), Some(fetch)) = (
        get(FLOOR, "fully_loaded_ms"),
        get(BASELINE, "fully_loaded_ms"),
    ) {
        r.push_str(&format!(
            "\nGPU floor: `{FLOOR}` (the same fetch, then the bytes of both 16-bit volumes written \
             to 3D textures and waited for; nothing parsed, decoded or drawn) took {:.2} × the \
             fetch in this invocation: a floor for a viewer that counts its volumes as loaded \
             once both are on this GPU at 16 bits.\n",
            floor / fetch
        ));
    }
    if let Some(shown) = summary
        .get(UPTAKE)
        .map(|s| &s["bench"])
        .filter(|b| b.get("t_displayed").is_some())
    {
        r.push_str(&format!(
            "\nUptake fully loaded = both volumes in memory and on the GPU (the worker's time); \
             the first frame of the loaded study was on screen at {} ms (`t_displayed`).\n",
            stat(shown, "t_displayed", 0)
        ));
    }
    r.push_str(
        "\nbrowser PSS Δ: peak PSS of the whole Chromium process tree minus its value before \
         navigation (MiB). Chromium CPU s: CPU time of that tree during the run. DICOMweb: \
         requests and bytes through the runner's proxy (`fetch-series` is the \
         `baseline-series` target: plain fetch() of both series, the transfer lower bound).\n",
    );
    if !shots.is_empty() {
        r.push_str("\nScreenshots (after the last run): ");
        let links: Vec<String> = shots.iter().map(|s| format!("[{s}]({s})")).collect();
        r.push_str(&links.join(", "));
        r.push('\n');
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results() -> Value {
        serde_json::json!({
            "created": "2025-01-01T00:00:00Z",
            "study": {"ct": "128x128x60", "pt": "64x64x60", "instances": 120, "bytes_on_disk": 3.0e6},
            "options": {"warmup": 1},
            "versions": {"chromium": "Chrome/1", "orthanc": "1.10.1"},
            "machine": {"cpus": 2, "cpu_model": "cpu"},
            "targets": [{"name": "uptake"}, {"name": "cs3d"}, {"name": "fetch-series"}],
            "summary": {
                "uptake": {"ok_runs": 0, "failed_runs": 1},
                "cs3d": {"ok_runs": 1, "failed_runs": 0,
                    "first_image_ms": {"median": 900.0, "min": 900.0, "max": 900.0, "n": 1},
                    "fully_loaded_ms": {"median": 1000.0, "min": 1000.0, "max": 1000.0, "n": 1},
                    "browser_pss_peak_delta_mb": {"median": 300.0, "n": 1},
                    "cpu_s_browser": {"median": 2.5, "n": 1},
                    "net_requests": {"median": 122.0, "n": 1},
                    "net_mb": {"median": 3.1, "n": 1}},
                "fetch-series": {"ok_runs": 1, "failed_runs": 0, "first_image_ms": null,
                    "fully_loaded_ms": {"median": 200.0, "min": 150.0, "max": 250.0, "n": 3}}
            },
            "runs": [
                {"target": "uptake", "warmup": true, "error": "warm-up timeout"},
                {"target": "uptake", "failed": null, "error": "Timeout 120000ms | exceeded\nmore",
                 "bench": null, "console": ["log: x", "error: 404"]}
            ]
        })
    }

    #[test]
    fn failed_target_is_reported_with_its_reason() {
        let r = results();
        let opts = parse(&["--study".into(), "small".into()]).unwrap();
        let report = render_report(&r, &opts, &[("a.wasm".into(), 3_000_000, 1_000_000)], &[]);
        assert!(report.contains(
            "| uptake | 0/1 | failed: Timeout 120000ms \\| exceeded more — the page never set \
             window.__bench (does it support bench=1?); console: error: 404 |"
        ));
        assert!(report.contains("| cs3d | 1/1 | 900 | 1000 | 300 | 2.5 | 122 | 3.1 |"));
        assert!(report.contains("| fetch-series | 1/1 | – | 200 [150–250] |"));
        assert!(report.contains("– (uptake failed)"));
        assert!(report.contains("| 1.000 MB (1000000 B) | ≤ 2 MB | yes |"));
        assert!(
            report.find("| uptake |") < report.find("| cs3d |"),
            "runner order"
        );
        assert_eq!(failed_targets(&r), vec!["uptake".to_string()]);
    }

    #[test]
    fn ratios_when_every_target_ran() {
        let mut r = results();
        r["summary"]["uptake"] = serde_json::json!({"ok_runs": 1, "failed_runs": 0,
            "first_image_ms": {"median": 270.0, "n": 1},
            "fully_loaded_ms": {"median": 400.0, "n": 1},
            "browser_pss_peak_delta_mb": {"median": 150.0, "n": 1}});
        let opts = parse(&[]).unwrap();
        let report = render_report(&r, &opts, &[], &[]);
        assert!(report.contains("| Uptake first image / CS3D first image | 0.30 | ≤ 0.33 | yes |"));
        assert!(report.contains("| 2.00 | ≤ 1.5 | no |"));
        assert!(report.contains("| 0.50 | ≤ 0.33 | no |"));
        assert!(
            !report.contains("GPU floor"),
            "no floor line without the floor target"
        );
        assert!(failed_targets(&r).is_empty());
        r["summary"]["fetch-upload"] = serde_json::json!({"ok_runs": 1, "failed_runs": 0,
            "first_image_ms": null, "fully_loaded_ms": {"median": 290.0, "n": 1}});
        let report = render_report(&r, &opts, &[], &[]);
        assert!(report.contains("took 1.45 × the fetch"));
        assert!(report.contains("| fetch-upload | 1/1 | – | 290 |"));
    }

    #[test]
    fn arguments() {
        let o = parse(&["--runs".into(), "1".into(), "--no-cs3d".into()]).unwrap();
        assert_eq!((o.runs, o.cs3d, o.timeout), (1, false, None));
        assert_eq!(
            parse(&["--study".into(), "small".into()]).unwrap().timeout,
            Some(60)
        );
        assert!(parse(&["--runs".into(), "x".into()]).is_err());
        assert!(parse(&["--study".into(), "huge".into()]).is_err());
        assert!(parse(&["--bogus".into()]).is_err());
    }

    #[test]
    fn sync_keeps_copy_state_and_removes_stale_files() {
        let tmp = std::env::temp_dir().join(format!("xtask-bench-sync-{}", std::process::id()));
        let (src, dst) = (tmp.join("src"), tmp.join("dst"));
        std::fs::create_dir_all(src.join("harness/cs3d")).unwrap();
        std::fs::create_dir_all(src.join("node_modules")).unwrap();
        std::fs::write(src.join("run_bench.mjs"), "a").unwrap();
        std::fs::write(src.join("harness/cs3d/main.js"), "b").unwrap();
        std::fs::write(src.join("node_modules/x"), "skip").unwrap();
        assert_eq!(sync_anchor(&src, &dst).unwrap(), 2);
        assert!(!dst.join("node_modules/x").exists());
        std::fs::create_dir_all(dst.join("data/small")).unwrap();
        std::fs::write(dst.join("data/small/study.txt"), "kept").unwrap();
        std::fs::write(dst.join("old.txt"), "stale").unwrap();
        assert_eq!(sync_anchor(&src, &dst).unwrap(), 1);
        assert!(!dst.join("old.txt").exists());
        assert!(dst.join("data/small/study.txt").exists());
        std::fs::write(src.join("run_bench.mjs"), "changed").unwrap();
        assert_eq!(sync_anchor(&src, &dst).unwrap(), 1);
        assert_eq!(
            std::fs::read(dst.join("run_bench.mjs")).unwrap(),
            b"changed"
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
