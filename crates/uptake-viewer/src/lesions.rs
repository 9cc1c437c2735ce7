//! The lesion table: measured lesions, thresholds, totals and the label volume.

use serde::Serialize;
use uptake_quant::{QuantifyReport, Threshold};

/// The threshold rules offered in the lesion tool.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdChoice {
    /// 41 % of the lesion SUVmax (default).
    #[default]
    Percent41,
    /// 50 % of the lesion SUVmax.
    Percent50,
    /// SUV ≥ 2.5.
    Suv2_5,
    /// PERCIST: 1.5 × liver mean + 2 SD (needs the liver reference).
    Percist,
}

impl ThresholdChoice {
    /// The `uptake_quant` threshold; `None` for PERCIST without a liver centre.
    pub fn threshold(self, liver: Option<[f64; 3]>) -> Option<Threshold> {
        match self {
            ThresholdChoice::Percent41 => Some(Threshold::FractionOfMax(0.41)),
            ThresholdChoice::Percent50 => Some(Threshold::FractionOfMax(0.50)),
            ThresholdChoice::Suv2_5 => Some(Threshold::Absolute(2.5)),
            ThresholdChoice::Percist => liver.map(|liver| Threshold::Percist { liver }),
        }
    }

    /// Text for the table and CSV: `41%`, `50%`, `SUV 2.5`, `PERCIST`.
    pub fn label(self) -> &'static str {
        match self {
            ThresholdChoice::Percent41 => "41%",
            ThresholdChoice::Percent50 => "50%",
            ThresholdChoice::Suv2_5 => "SUV 2.5",
            ThresholdChoice::Percist => "PERCIST",
        }
    }
}

/// One measured lesion: how it was asked for and, when measurable, its report.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesion {
    /// User-visible name (`L1`, `L2`, … until renamed).
    pub name: String,
    /// Seed, LPS mm.
    pub seed: [f64; 3],
    /// The threshold rule.
    pub threshold: ThresholdChoice,
    /// The measurement, recomputed whenever the SUV factor or liver reference changes.
    pub report: Option<QuantifyReport>,
    /// Why there is no measurement (e.g. SUV refused after an override).
    pub error: Option<String>,
}

/// One row of `lesions()` / the table (snake_case JSON): `name`, `suvmax`, `suvpeak`,
/// `suvmean`, `mtv_ml`, `tlg`, `seed` (LPS mm), `threshold` (label), `threshold_suv`,
/// `error`. Values are `null` when the lesion cannot be measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LesionRow {
    /// Name.
    pub name: String,
    /// SUVmax.
    pub suvmax: Option<f64>,
    /// SUVpeak.
    pub suvpeak: Option<f64>,
    /// SUVmean.
    pub suvmean: Option<f64>,
    /// MTV, ml.
    pub mtv_ml: Option<f64>,
    /// TLG.
    pub tlg: Option<f64>,
    /// Seed, LPS mm.
    pub seed: [f64; 3],
    /// Threshold rule label.
    pub threshold: String,
    /// The SUV threshold applied.
    pub threshold_suv: Option<f64>,
    /// Why it could not be measured.
    pub error: Option<String>,
}

impl Lesion {
    /// The table row.
    pub fn row(&self) -> LesionRow {
        let l = self.report.as_ref().map(|r| &r.lesion);
        LesionRow {
            name: self.name.clone(),
            suvmax: l.map(|l| l.suvmax),
            suvpeak: l.map(|l| l.suvpeak),
            suvmean: l.map(|l| l.suvmean),
            mtv_ml: l.map(|l| l.mtv_ml),
            tlg: l.map(|l| l.tlg),
            seed: self.seed,
            threshold: self.threshold.label().to_string(),
            threshold_suv: l.map(|l| l.threshold.suv),
            error: self.error.clone(),
        }
    }
}

/// Whole-body totals over the measured lesions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    /// Lesions with a measurement.
    pub lesions: usize,
    /// Sum of MTV, ml.
    pub total_mtv_ml: f64,
    /// Sum of TLG.
    pub total_tlg: f64,
}

/// Sums MTV and TLG over the measured lesions.
pub fn totals(lesions: &[Lesion]) -> Totals {
    let mut t = Totals {
        lesions: 0,
        total_mtv_ml: 0.0,
        total_tlg: 0.0,
    };
    for r in lesions.iter().filter_map(|l| l.report.as_ref()) {
        t.lesions += 1;
        t.total_mtv_ml += r.lesion.mtv_ml;
        t.total_tlg += r.lesion.tlg;
    }
    t
}

/// The label volume on the PET grid (`dims` = `[ni, nj, nk]`, i fastest): lesion row `n` is
/// label `n + 1` (wrapping past 255 to stay non-zero), 0 elsewhere. Later rows win overlaps.
pub fn label_volume(lesions: &[Lesion], dims: [usize; 3]) -> Vec<u8> {
    let [ni, nj, nk] = dims;
    let mut out = vec![0u8; ni * nj * nk];
    for (n, l) in lesions.iter().enumerate() {
        let label = (n % 255) as u8 + 1;
        for v in l.report.iter().flat_map(|r| r.lesion.mask.iter()) {
            if v[0] < ni && v[1] < nj && v[2] < nk {
                out[v[0] + ni * (v[1] + nj * v[2])] = label;
            }
        }
    }
    out
}
