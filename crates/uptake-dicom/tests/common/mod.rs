//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use uptake_dicom::{load_paths, LoadedStudy, StackPlan, Volume};
use uptake_phantom::{PhantomOptions, Truth};

/// `../shared/data` beside the repository.
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Writes a phantom study into a fresh temporary directory.
pub fn phantom(opts: &PhantomOptions) -> (tempfile::TempDir, Truth) {
    let dir = tempfile::tempdir().expect("temp dir");
    let truth = uptake_phantom::write_study(dir.path(), opts).expect("phantom written");
    (dir, truth)
}

/// Loads a directory and asserts that nothing went wrong.
pub fn load_clean(dir: &Path) -> LoadedStudy {
    let study = load_paths(&[dir.to_path_buf()]);
    assert!(study.errors.is_empty(), "errors: {:?}", study.errors);
    assert!(study.refused.is_empty(), "refused: {:?}", study.refused);
    study
}

/// The CT and PET volumes of a loaded phantom.
pub fn volumes(study: &LoadedStudy) -> (Volume, Volume) {
    let pet_plan: &StackPlan = study.pet_plan().expect("a PET series");
    let ct_plan: &StackPlan = study.ct_plan(Some(pet_plan)).expect("a CT series");
    let pet = study.volume(pet_plan).expect("PET volume");
    let ct = study.volume(ct_plan).expect("CT volume");
    (ct, pet)
}

/// Whether an external tool is on PATH. Tests that need one fail (not skip) when it is absent:
/// `cargo xtask test` installs them.
pub fn require_tool(name: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(found, "{name} is required for this test; `cargo xtask test` installs it (Debian dcmtk / PyPI pydicom)");
}

/// Runs a command and asserts success.
pub fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
