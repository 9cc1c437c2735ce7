//! Generator options: what to write, and which real-world quirks to imitate.

use serde::{Deserialize, Serialize};

/// The size of the written grids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// For tests: CT 128×128×100 (3.5 mm pixels, 3 mm slices), PET 96×96×76 (4.5 mm
    /// pixels, 4 mm slices); about 5 MB in all.
    #[default]
    Small,
    /// For benchmarks: CT 512×512×400 (0.9765625 mm pixels, 2.5 mm slices), PET 192×192×400
    /// (700/192 mm pixels, 2.6 mm slices); about 240 MB.
    Clinical,
}

impl Size {
    /// The lower-case name used on command lines and in `truth.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Clinical => "clinical",
        }
    }
}

impl std::str::FromStr for Size {
    type Err = String;

    /// Parses `small` or `clinical` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "small" => Ok(Size::Small),
            "clinical" => Ok(Size::Clinical),
            other => Err(format!(
                "unknown phantom size {other:?} (expected small or clinical)"
            )),
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that selects what [`crate::write_study`] writes.
///
/// `PhantomOptions::default()` is the plain study: small grids, head first supine,
/// axial, Explicit VR Little Endian, one file per slice, Units BQML, injection and scan
/// on the same day. Each option changes only what its documentation says (and, since
/// the files are then different data, the UIDs: see [`PhantomOptions::seed`]).
/// The analytic model (organs, lesions, their positions in patient LPS) is the same for
/// every option set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhantomOptions {
    /// Grid sizes (`--size small|clinical`).
    pub size: Size,
    /// Seed of every generated identifier (UIDs, accession number, permutations).
    /// UIDs are derived from the seed *and* the other options, so two different option
    /// sets never share a SOP Instance UID; the same options give the same bytes.
    pub seed: u64,
    /// Feet first supine (`--ffs`): PatientPosition `FFS`, ImageOrientationPatient
    /// `-1\0\0\0\1\0` and the slice normal pointing to the feet, as a scanner writes
    /// it for a feet-first patient. Voxel centres and all truth in LPS are unchanged.
    pub feet_first: bool,
    /// `--shuffle`: file names and InstanceNumbers follow two independent deterministic
    /// random permutations instead of the slice position.
    pub shuffle_files: bool,
    /// InstanceNumbers count down along the slice normal instead of up.
    pub reverse_instance_numbers: bool,
    /// `--philips-cnts`: PET Units `CNTS`, Manufacturer "Philips Medical Systems" and the
    /// Philips private group (7053) with the SUV Scale Factor (7053,1000) and the
    /// Activity Concentration Scale Factor (7053,1009).
    pub philips_cnts: bool,
    /// `--midnight`: injection at 23:30 the day before the scan, PET series at 00:40,
    /// and only RadiopharmaceuticalStartTime (no RadiopharmaceuticalStartDateTime).
    pub injection_before_midnight: bool,
    /// `--oblique DEG`: both series are written on grids rotated by DEG about the
    /// patient z axis and by DEG/3 about the x axis (rotation Rz(DEG)·Rx(DEG/3) applied
    /// to the axial grid about its centre). Must be within ±45°.
    pub oblique_deg: Option<f64>,
    /// `--tilt DEG`: the CT image planes are tilted by DEG about the patient x axis
    /// (GantryDetectorTilt = DEG) while ImagePositionPatient steps purely along the
    /// table axis: a sheared volume. Must be within ±30°.
    pub ct_gantry_tilt_deg: Option<f64>,
    /// Leave out the CT slice with this index (0-based, in slice position order), as if
    /// one file had been lost.
    pub drop_ct_slice: Option<usize>,
    /// `--implicit`: Implicit VR Little Endian instead of Explicit VR Little Endian.
    pub implicit_vr: bool,
    /// `--enhanced`: one Enhanced CT and one Enhanced PET multi-frame file instead of
    /// one file per slice.
    pub enhanced: bool,
}

impl Default for PhantomOptions {
    fn default() -> Self {
        PhantomOptions {
            size: Size::Small,
            seed: 1,
            feet_first: false,
            shuffle_files: false,
            reverse_instance_numbers: false,
            philips_cnts: false,
            injection_before_midnight: false,
            oblique_deg: None,
            ct_gantry_tilt_deg: None,
            drop_ct_slice: None,
            implicit_vr: false,
            enhanced: false,
        }
    }
}
