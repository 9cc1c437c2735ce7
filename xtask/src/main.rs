//! `cargo xtask`: the project's build system in Rust.
//!
//! - `cargo xtask setup` — install what the tests need on a Debian machine (idempotent).
//! - `cargo xtask test`  — setup, then every check CI runs: fmt, clippy, all tests, wasm32 builds,
//!   the `uptake-web` browser tests in headless Chromium, and the end-to-end test (`e2e`).
//! - `cargo xtask build` — the WASM bundle into `www/pkg/` (serve `www/` statically).
//! - `cargo xtask test-web` — only the `uptake-web` browser tests (part of `test`).
//! - `cargo xtask e2e`   — the end-to-end browser test: bundle, `uptake serve`, deep link to a
//!   phantom study in Debian's Chromium driven by playwright-core (`www/tests/e2e.mjs`).
//! - `cargo xtask bench` — criterion benchmarks (decode/assembly, JPEG-LS, quantification).
//! - `cargo xtask bench-web` — Uptake vs Cornerstone3D vs plain fetch() in headless Chromium
//!   (`../shared/bench/cs3d-anchor`); report in `target/bench-web/report.md` (`bench/README.md`).
//! - `cargo xtask demo`  — generate the demo phantom study and inspect it with the CLI.
//! - `cargo xtask serve` — serve the demo study over DICOMweb (`uptake serve --dicom-dir`).

mod bench_web;
mod setup;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The repository root (the parent of this crate).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command in the repository root, echoing it; fails with its status.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_env(program, args, &[])
}

fn run_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// Crates that must build for `wasm32-unknown-unknown` (the browser core).
const WASM_CRATES: &[&str] = &[
    "uptake-jpegls",
    "uptake-dicom",
    "uptake-quant",
    "uptake-dicomweb",
];

fn test() -> Result<(), String> {
    setup::setup()?;
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run("cargo", &["test", "--workspace", "--no-fail-fast"])?;
    for krate in WASM_CRATES {
        let args = [
            "build",
            "-p",
            krate,
            "--target",
            "wasm32-unknown-unknown",
            "--release",
        ];
        run("cargo", &args)?;
    }
    // The renderer with both browser backends (WebGPU, and WebGL2 as the fallback).
    let render = [
        "build",
        "-p",
        "uptake-render",
        "--target",
        "wasm32-unknown-unknown",
        "--features",
        "webgpu,webgl",
    ];
    run("cargo", &render)?;
    web::browser_tests()?;
    web::e2e()?;
    eprintln!("xtask: all checks passed");
    Ok(())
}

/// (crate, bench target) of every benchmark.
const BENCHES: &[(&str, &str)] = &[
    ("uptake-dicom", "assemble"),
    ("uptake-jpegls", "decode"),
    ("uptake-quant", "lesion"),
    ("uptake-server", "retrieve"),
    ("uptake-render", "frame"),
];

fn bench() -> Result<(), String> {
    setup::setup()?;
    for (krate, bench) in BENCHES {
        run("cargo", &["bench", "-p", krate, "--bench", bench])?;
    }
    eprintln!("xtask: criterion reports are in target/criterion/");
    Ok(())
}

/// Runs the `uptake` CLI (release build) with `args`.
fn uptake(args: &[&str]) -> Result<(), String> {
    let mut all = vec!["run", "--release", "-q", "-p", "uptake-cli", "--"];
    all.extend_from_slice(args);
    run("cargo", &all)
}

/// The demo study's directory, generated when absent (or always with `fresh`).
fn demo_study(fresh: bool) -> Result<String, String> {
    let out = root().join("test-data/generated/demo");
    let out_s = out.to_string_lossy().to_string();
    if fresh || !out.join("truth.json").exists() {
        uptake(&["phantom", &out_s])?;
    }
    Ok(out_s)
}

fn demo() -> Result<(), String> {
    let out_s = demo_study(true)?;
    uptake(&["inspect", &out_s])?;
    eprintln!("xtask: demo study in {out_s}; try `cargo run -p uptake-cli -- quantify {out_s} --seed 84,-10,85`");
    Ok(())
}

/// The StudyInstanceUID recorded in a phantom's truth.json.
fn demo_study_uid(dir: &str) -> Option<String> {
    let text = std::fs::read_to_string(Path::new(dir).join("truth.json")).ok()?;
    let key = "\"study_instance_uid\": \"";
    let start = text.find(key)? + key.len();
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_string())
}

/// Builds the bundle, generates the demo study (if absent) and serves both with `uptake serve`.
fn serve() -> Result<(), String> {
    web::build()?;
    let out_s = demo_study(false)?;
    if let Some(uid) = demo_study_uid(&out_s) {
        eprintln!("xtask: open http://127.0.0.1:8080/?study={uid}");
    }
    let www = root().join("www").to_string_lossy().to_string();
    uptake(&["serve", "--dicom-dir", &out_s, "--web-root", &www])
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::setup(),
        Some("test") => test(),
        Some("build") => web::build(),
        Some("test-web") => web::browser_tests(),
        Some("e2e") => web::e2e(),
        Some("bench") => bench(),
        Some("bench-web") => bench_web::bench_web(&args[1..]),
        Some("demo") => demo(),
        Some("serve") => serve(),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|test|test-web|e2e|build|bench|bench-web|demo|serve>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
