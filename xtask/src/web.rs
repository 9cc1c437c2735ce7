//! The browser side of the build: `cargo xtask build` (WASM bundle into `www/pkg/`) and the
//! `wasm-bindgen-test` browser tests run by `cargo xtask test` in headless Chromium.
//!
//! - The bindgen step uses `wasm-bindgen-cli-support` as a library, pinned to
//!   [`WASM_BINDGEN_VERSION`], the same version as the `wasm-bindgen` pin of `uptake-web`.
//! - `wasm-opt -Oz` runs only if npm's `binaryen` is installed (`node_modules/.bin` of the repo
//!   or the global npm root); Debian's `binaryen` is never used (it emits a broken module).
//! - The test runner (`wasm-bindgen-test-runner`) is installed from the crate
//!   `wasm-bindgen-cli` at the same version into `target/tools` when missing.
//!
//! Works from the real workspace and from an overlay workspace whose members are symlinks:
//! cargo runs in the workspace of this xtask, files are found through the canonical repo root.

use crate::{root, run_env};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The wasm-bindgen version of the crate pin, the bindgen library and the test runner.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Chromium flags of the browser tests (DESIGN.md, "Browser"); `--user-data-dir` is added.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The repository on disk (symlinks resolved), where `www/` and `target/tools` live.
fn repo_root() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_MANIFEST_DIR"))
        .ok()
        .and_then(|xtask| xtask.parent().map(Path::to_path_buf))
        .unwrap_or_else(root)
}

/// Cargo's target directory for this workspace.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}

/// Fails unless `crates/uptake-web/Cargo.toml` pins wasm-bindgen to [`WASM_BINDGEN_VERSION`].
fn check_pin() -> Result<(), String> {
    let manifest = repo_root().join("crates/uptake-web/Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let pin = format!("wasm-bindgen = \"={WASM_BINDGEN_VERSION}\"");
    if text.contains(&pin) {
        Ok(())
    } else {
        Err(format!(
            "{} must pin `{pin}` (the version of xtask's bindgen library and test runner)",
            manifest.display()
        ))
    }
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Size of `path` compressed with `gzip -9`, if gzip is available.
fn gzip_size(path: &Path) -> Option<u64> {
    let out = Command::new("gzip").arg("-9c").arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

/// `npm ci` in `www/` when a pinned package (playwright-core, binaryen) is missing: the
/// versions come from `www/package-lock.json`; no browser is downloaded (`--ignore-scripts`).
pub fn npm_ci_www() -> Result<(), String> {
    let www = repo_root().join("www");
    let modules = www.join("node_modules");
    if modules.join("playwright-core").exists() && modules.join("binaryen/bin/wasm-opt").exists() {
        return Ok(());
    }
    eprintln!("xtask: $ npm ci (in {})", www.display());
    let status = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(&www)
        .status()
        .map_err(|e| format!("cannot start npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`npm ci` in {} failed ({status})", www.display()))
    }
}

/// `wasm-opt`'s size limit (in binaryen's expression count) for inlining a function that has
/// one caller.
const ONE_CALLER_INLINE_LIMIT: [&str; 2] = ["--one-caller-inline-max-function-size", "250"];

/// npm's `wasm-opt` (package `binaryen`, pinned in `www/package.json`), never Debian's.
fn npm_wasm_opt() -> Option<PathBuf> {
    let mut candidates = vec![
        repo_root().join("www/node_modules/binaryen/bin/wasm-opt"),
        repo_root().join("node_modules/binaryen/bin/wasm-opt"),
    ];
    if let Ok(out) = Command::new("npm").args(["root", "-g"]).output() {
        let global = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !global.is_empty() {
            candidates.push(Path::new(&global).join("binaryen/bin/wasm-opt"));
        }
    }
    candidates.into_iter().find(|p| p.exists())
}

/// `cargo xtask build`: the release WASM bundle into `www/pkg/` (+ `www/index.html`, `app.js`).
pub fn build() -> Result<(), String> {
    check_pin()?;
    crate::setup::wasm_target()?;
    // wasm-opt comes from npm; without npm the bundle is built unoptimised (and says so).
    if let Err(e) = npm_ci_www() {
        eprintln!("xtask: {e}: building without wasm-opt");
    }
    let start = Instant::now();
    run_env(
        "cargo",
        &[
            "build",
            "-p",
            "uptake-web",
            "--lib",
            "--target",
            WASM_TARGET,
            "--profile",
            "wasm-release",
        ],
        &[],
    )?;
    let input = target_dir()
        .join(WASM_TARGET)
        .join("wasm-release/uptake_web.wasm");
    let out_dir = repo_root().join("www/pkg");
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    }
    eprintln!(
        "xtask: wasm-bindgen {WASM_BINDGEN_VERSION} (library) → {}",
        out_dir.display()
    );
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&input)
        .out_name("uptake_web")
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?
        .typescript(true)
        // As the CLI does: `init()` without arguments fetches `uptake_web_bg.wasm` next to the JS.
        .omit_default_module_path(false)
        .generate(&out_dir)
        .map_err(|e| format!("wasm-bindgen on {}: {e:#}", input.display()))?;
    let wasm = out_dir.join("uptake_web_bg.wasm");
    match npm_wasm_opt() {
        Some(opt) => {
            let opt_s = opt.to_string_lossy().to_string();
            let wasm_s = wasm.to_string_lossy().to_string();
            // `UPTAKE_WASM_NAMES=1` keeps function names (bigger bundle) for browser profiles.
            let names = std::env::var_os("UPTAKE_WASM_NAMES").is_some_and(|v| v == "1");
            let mut args = vec![
                "-Oz",
                // A function with one caller is inlined only when small: binaryen's default
                // (any size) merged whole call trees into single functions of 20–130 KB, and
                // when one of them runs a hot loop Chromium's optimising tier recompiles all
                // of it during a load (about 1 s of CPU for the study on a 2-core machine).
                ONE_CALLER_INLINE_LIMIT[0],
                ONE_CALLER_INLINE_LIMIT[1],
                // The features rustc enables by default for wasm32 (all in Chromium).
                "--enable-bulk-memory",
                "--enable-sign-ext",
                "--enable-nontrapping-float-to-int",
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
                &wasm_s,
                "-o",
                &wasm_s,
            ];
            if names {
                args.insert(0, "-g");
            }
            run_env(&opt_s, &args, &[])?;
        }
        None => eprintln!(
            "xtask: wasm-opt skipped (install npm's binaryen: `npm install binaryen` in the repo; \
             never Debian's)"
        ),
    }
    let raw = file_size(&wasm);
    let gz = gzip_size(&wasm)
        .map(|g| format!("{:.2} MB gzip", g as f64 / 1e6))
        .unwrap_or_else(|| "gzip size unknown".into());
    eprintln!(
        "xtask: bundle {} — {:.2} MB raw, {gz} ({:.0} s); serve `www/` statically",
        wasm.display(),
        raw as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `wasm-bindgen-test-runner` of [`WASM_BINDGEN_VERSION`], installed when missing.
fn test_runner() -> Result<PathBuf, String> {
    let tools = repo_root().join("target/tools");
    let runner = tools.join("bin/wasm-bindgen-test-runner");
    let version_ok = Command::new(&runner)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(WASM_BINDGEN_VERSION))
        .unwrap_or(false);
    if !version_ok {
        // Not `--locked`: the registry lacks one of its locked dependencies (DESIGN.md).
        let tools_s = tools.to_string_lossy().to_string();
        let build_dir = target_dir()
            .join("tools-build")
            .to_string_lossy()
            .to_string();
        run_env(
            "cargo",
            &[
                "install",
                "wasm-bindgen-cli",
                "--version",
                WASM_BINDGEN_VERSION,
                "--root",
                &tools_s,
            ],
            &[("CARGO_TARGET_DIR", &build_dir)],
        )?;
    }
    Ok(runner)
}

/// Whether `uptake-web` is a member of the workspace cargo runs in.
fn web_is_member() -> bool {
    std::fs::read_to_string(root().join("Cargo.toml"))
        .map(|t| t.contains("\"crates/uptake-web\""))
        .unwrap_or(false)
}

/// Runs clippy on `uptake-web` for wasm32 (its wasm-only code and browser tests), then its
/// browser tests in headless Chromium (through chromedriver).
pub fn browser_tests() -> Result<(), String> {
    if !web_is_member() {
        eprintln!("xtask: browser tests skipped: crates/uptake-web is not a workspace member");
        return Ok(());
    }
    check_pin()?;
    let start = Instant::now();
    run_env(
        "cargo",
        &[
            "clippy",
            "-p",
            "uptake-web",
            "--all-targets",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ],
        &[("CARGO_PROFILE_DEV_DEBUG", "false")],
    )?;
    let runner = test_runner()?;
    let scratch = target_dir().join("browser-test");
    let profile = scratch.join(format!("chromium-profile-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let args_json: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    let config = format!(
        "{{\"goog:chromeOptions\": {{\"binary\": \"/usr/bin/chromium\", \"args\": [{}]}}}}\n",
        args_json.join(", ")
    );
    let webdriver_json = scratch.join("webdriver.json");
    std::fs::write(&webdriver_json, config)
        .map_err(|e| format!("{}: {e}", webdriver_json.display()))?;
    let runner_s = runner.to_string_lossy().to_string();
    let webdriver_s = webdriver_json.to_string_lossy().to_string();
    let result = run_env(
        "cargo",
        &[
            "test",
            "-p",
            "uptake-web",
            "--target",
            WASM_TARGET,
            "--test",
            "browser",
        ],
        &[
            ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner_s),
            ("CHROMEDRIVER", "/usr/bin/chromedriver"),
            ("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_s),
            ("WASM_BINDGEN_TEST_TIMEOUT", "120"),
            ("CARGO_PROFILE_DEV_DEBUG", "false"),
        ],
    );
    let _ = std::fs::remove_dir_all(&profile);
    eprintln!(
        "xtask: browser tests took {:.0} s",
        start.elapsed().as_secs_f64()
    );
    result
}

/// `cargo xtask e2e`: the WASM bundle, `npm ci` in `www/` when a pinned package is missing
/// (`www/package-lock.json`; no browser is downloaded), the debug `uptake` binary, the unit
/// tests of `www/dicomweb.js`, then `node www/tests/e2e.mjs` against Debian's Chromium.
pub fn e2e() -> Result<(), String> {
    let start = Instant::now();
    build()?;
    let www = repo_root().join("www");
    npm_ci_www()?;
    run_env("cargo", &["build", "-p", "uptake-cli"], &[])?;
    let uptake = target_dir().join("debug/uptake");
    let uptake_s = uptake.to_string_lossy().to_string();
    // The page's DICOMweb client first (node:test against a local server; no browser).
    let unit = www
        .join("tests/dicomweb.test.mjs")
        .to_string_lossy()
        .to_string();
    run_env("node", &["--test", &unit], &[])?;
    let script = www.join("tests/e2e.mjs").to_string_lossy().to_string();
    let result = run_env("node", &[&script], &[("UPTAKE_BIN", &uptake_s)]);
    eprintln!("xtask: e2e took {:.0} s", start.elapsed().as_secs_f64());
    result
}
