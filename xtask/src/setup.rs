//! Installs what the test suites need on a fresh Debian machine, skipping what is present.
//!
//! - Rust target `wasm32-unknown-unknown` (the browser core must build for it).
//! - Debian: `dcmtk` (transcodes phantom slices into every transfer syntax in tests),
//!   `orthanc` + `orthanc-dicomweb` (the real PACS of the DICOMweb end-to-end tests; never
//!   `orthanc-gdcm`, which crashes Orthanc on JPEG 2000), `curl` (baseline of the retrieval
//!   benchmark), `mesa-vulkan-drivers` (lavapipe: the software Vulkan GPU of the renderer tests),
//!   `chromium` + `chromium-driver` (headless browser of the `uptake-web` browser tests).
//! - PyPI: `pydicom`, `numpy`, `pylibjpeg`, `pylibjpeg-openjpeg` (independent reference reader and
//!   JPEG 2000 encoder), `pillow-jpls` (CharLS 2 reference for the JPEG-LS decoder).

use crate::run;
use std::process::Command;

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn have(tool: &str) -> bool {
    succeeds("sh", &["-c", &format!("command -v {tool}")])
}

const APT_PACKAGES: &[(&str, &str)] = &[
    // (package, a file or command that proves it is installed)
    ("dcmtk", "dcmcjpls"),
    ("orthanc", "/usr/sbin/Orthanc"),
    (
        "orthanc-dicomweb",
        "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
    ),
    ("curl", "curl"),
    (
        "mesa-vulkan-drivers",
        "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
    ),
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    // Node.js and npm (skipped when a node is already on PATH): the end-to-end tests, the
    // page's unit tests, wasm-opt from npm `binaryen`.
    ("nodejs", "node"),
    ("npm", "npm"),
];

const PIP_PACKAGES: &[(&str, &str)] = &[
    // (package, module to import)
    ("pydicom", "pydicom"),
    ("numpy", "numpy"),
    ("pylibjpeg", "pylibjpeg"),
    ("pylibjpeg-openjpeg", "openjpeg"),
    ("pillow-jpls", "pillow_jpls"),
];

fn apt_present(probe: &str) -> bool {
    if probe.starts_with('/') {
        std::path::Path::new(probe).exists()
    } else {
        have(probe)
    }
}

/// Installs missing prerequisites. Safe to run repeatedly.
/// `rustup target add wasm32-unknown-unknown` when the target is missing (what `cargo xtask
/// build` and `serve` need on a fresh machine).
pub fn wasm_target() -> Result<(), String> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    if !targets
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        run("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    Ok(())
}

pub fn setup() -> Result<(), String> {
    wasm_target()?;
    let missing_apt: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, probe)| !apt_present(probe))
        .map(|(p, _)| *p)
        .collect();
    if !missing_apt.is_empty() {
        let apt = if have("sudo") && !is_root() {
            "sudo"
        } else {
            "env"
        };
        let mut args = vec!["DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-q"];
        if apt == "sudo" {
            args.insert(0, "env");
        }
        run(apt, &args)?;
        let mut install = vec![
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
        ];
        install.extend(missing_apt.iter().copied());
        if apt == "sudo" {
            install.insert(0, "env");
        }
        run(apt, &install)?;
    }
    let missing_pip: Vec<&str> = PIP_PACKAGES
        .iter()
        .filter(|(_, module)| !succeeds("python3", &["-c", &format!("import {module}")]))
        .map(|(p, _)| *p)
        .collect();
    if !missing_pip.is_empty() {
        let mut args = vec!["-m", "pip", "install", "-q", "--disable-pip-version-check"];
        args.extend(missing_pip.iter().copied());
        run("python3", &args)?;
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
