//! Body-size formulas, decay, and radionuclide half-lives. All in f64.
//!
//! Weights in kg, heights in metres unless a name says `_cm`.

use super::dicom_time::DicomDate;
use super::inputs::Sex;

/// James (1976) male coefficient. calculate-suv uses 120; James, Slicer and IBSI use 128.
pub const JAMES_MALE_COEFFICIENT: f64 = 128.0;
/// James (1976) female coefficient.
pub const JAMES_FEMALE_COEFFICIENT: f64 = 148.0;

/// Fraction of activity remaining after `t_s` seconds: 2^(−t/T½).
pub fn decay_factor(t_s: f64, half_life_s: f64) -> f64 {
    (-(std::f64::consts::LN_2) * t_s / half_life_s).exp()
}

/// Decay-weighted average time within a frame of `duration_s` seconds, measured from the
/// frame start (PS3.3 C.8.9.4.1.5): Tavg = (1/λ)·ln(λT / (1 − e^(−λT))).
///
/// Decaying the dose to frame start + Tavg accounts exactly for decay during the frame.
/// Tends to T/2 for short frames; 0 for a non-positive duration.
pub fn decay_weighted_mean_time(duration_s: f64, half_life_s: f64) -> f64 {
    if duration_s <= 0.0 {
        return 0.0;
    }
    let lambda = std::f64::consts::LN_2 / half_life_s;
    let x = lambda * duration_s;
    // 1 − e^(−x) computed without cancellation.
    let one_minus = -(-x).exp_m1();
    (x / one_minus).ln() / lambda
}

/// Body-mass index, kg/m².
pub fn bmi(weight_kg: f64, height_m: f64) -> f64 {
    weight_kg / (height_m * height_m)
}

/// Lean body mass after Janmahasatian et al. (Clin Pharmacokinet 2005), kg.
///
/// Male: 9270·W / (6680 + 216·BMI); female: 9270·W / (8780 + 244·BMI).
pub fn lbm_janmahasatian_kg(weight_kg: f64, height_m: f64, sex: Sex) -> f64 {
    let b = bmi(weight_kg, height_m);
    match sex {
        Sex::Male => 9270.0 * weight_kg / (6680.0 + 216.0 * b),
        Sex::Female => 9270.0 * weight_kg / (8780.0 + 244.0 * b),
    }
}

/// Lean body mass after James (1976), kg.
///
/// Male: 1.10·W − 128·(W/H_cm)²; female: 1.07·W − 148·(W/H_cm)².
pub fn lbm_james_kg(weight_kg: f64, height_m: f64, sex: Sex) -> f64 {
    let h_cm = height_m * 100.0;
    let r = weight_kg / h_cm;
    match sex {
        Sex::Male => 1.10 * weight_kg - JAMES_MALE_COEFFICIENT * r * r,
        Sex::Female => 1.07 * weight_kg - JAMES_FEMALE_COEFFICIENT * r * r,
    }
}

/// The weight above which James LBM decreases with weight (the parabola's maximum), kg.
pub fn james_weight_at_maximum(height_m: f64, sex: Sex) -> f64 {
    let h_cm = height_m * 100.0;
    match sex {
        Sex::Male => 1.10 * h_cm * h_cm / (2.0 * JAMES_MALE_COEFFICIENT),
        Sex::Female => 1.07 * h_cm * h_cm / (2.0 * JAMES_FEMALE_COEFFICIENT),
    }
}

/// Body surface area after DuBois & DuBois (1916), m²: 0.007184·W^0.425·H_cm^0.725.
pub fn bsa_dubois_m2(weight_kg: f64, height_m: f64) -> f64 {
    0.007184 * weight_kg.powf(0.425) * (height_m * 100.0).powf(0.725)
}

/// Ideal body weight, kg: male 48.0 + 1.06·(H_cm − 152), female 45.5 + 0.91·(H_cm − 152),
/// capped at the actual weight.
pub fn ibw_kg(weight_kg: f64, height_m: f64, sex: Sex) -> f64 {
    let h_cm = height_m * 100.0;
    let ibw = match sex {
        Sex::Male => 48.0 + 1.06 * (h_cm - 152.0),
        Sex::Female => 45.5 + 0.91 * (h_cm - 152.0),
    };
    ibw.min(weight_kg)
}

/// Age in years (fractional) from a DICOM AS value (`045Y`, `006M`, `010W`, `020D`).
pub fn age_years_from_as(value: &str) -> Option<f64> {
    let v = value.trim_matches(|c: char| c == ' ' || c == '\0');
    if v.len() < 2 {
        return None;
    }
    let (num, unit) = v.split_at(v.len() - 1);
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    match unit {
        "Y" | "y" => Some(n),
        "M" | "m" => Some(n / 12.0),
        "W" | "w" => Some(n * 7.0 / 365.25),
        "D" | "d" => Some(n / 365.25),
        _ => None,
    }
}

/// Age in whole completed years on `on` for someone born on `birth`.
pub fn age_years_between(birth: DicomDate, on: DicomDate) -> i32 {
    let mut years = on.year - birth.year;
    if (on.month, on.day) < (birth.month, birth.day) {
        years -= 1;
    }
    years
}

/// A radionuclide the engine recognises, with its half-life.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnownNuclide {
    /// Display name, e.g. `F-18`.
    pub name: &'static str,
    /// Half-life in seconds (rounded published values; used only for a consistency check).
    pub half_life_s: f64,
    keys: &'static [&'static str],
}

/// PET radionuclides recognised for the half-life consistency check.
pub const KNOWN_NUCLIDES: &[KnownNuclide] = &[
    KnownNuclide {
        name: "F-18",
        half_life_s: 6586.2,
        keys: &["18f", "f18", "fluorine18", "18fluorine"],
    },
    KnownNuclide {
        name: "Ga-68",
        half_life_s: 4062.6,
        keys: &["68ga", "ga68", "gallium68", "68gallium"],
    },
    KnownNuclide {
        name: "Zr-89",
        half_life_s: 282_276.0,
        keys: &["89zr", "zr89", "zirconium89", "89zirconium"],
    },
    KnownNuclide {
        name: "Cu-64",
        half_life_s: 45_721.0,
        keys: &["64cu", "cu64", "copper64", "64copper"],
    },
    KnownNuclide {
        name: "C-11",
        half_life_s: 1221.7,
        keys: &["11c", "c11", "carbon11", "11carbon"],
    },
    KnownNuclide {
        name: "N-13",
        half_life_s: 597.9,
        keys: &["13n", "n13", "nitrogen13", "13nitrogen"],
    },
    KnownNuclide {
        name: "O-15",
        half_life_s: 122.24,
        keys: &["15o", "o15", "oxygen15", "15oxygen"],
    },
    KnownNuclide {
        name: "Rb-82",
        half_life_s: 76.4,
        keys: &["82rb", "rb82", "rubidium82", "82rubidium"],
    },
    KnownNuclide {
        name: "I-124",
        half_life_s: 360_806.0,
        keys: &["124i", "i124", "iodine124", "124iodine"],
    },
    KnownNuclide {
        name: "Y-90",
        half_life_s: 230_400.0,
        keys: &["90y", "y90", "yttrium90", "90yttrium"],
    },
];

/// Recognises a radionuclide from a name or code meaning such as `^18^Fluorine`, `F-18`,
/// `18F` or `Gallium-68` (case, `^`, `-`, `_` and spaces ignored).
pub fn identify_nuclide(text: &str) -> Option<&'static KnownNuclide> {
    let norm: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if norm.is_empty() {
        return None;
    }
    KNOWN_NUCLIDES
        .iter()
        .find(|n| n.keys.iter().any(|k| norm == *k || norm.starts_with(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tavg_limits() {
        let hl = 6586.2;
        let t = decay_weighted_mean_time(120.0, hl);
        assert!((t - 59.9369).abs() < 1e-3, "{t}");
        assert!((decay_weighted_mean_time(1e-3, hl) - 5e-4).abs() < 1e-9);
        assert_eq!(decay_weighted_mean_time(0.0, hl), 0.0);
    }

    #[test]
    fn james_maximum_and_ibw_cap() {
        let wmax = james_weight_at_maximum(1.70, Sex::Male);
        let lbm = |w: f64| lbm_james_kg(w, 1.70, Sex::Male);
        assert!(lbm(wmax) >= lbm(wmax - 1.0) && lbm(wmax) >= lbm(wmax + 1.0));
        assert_eq!(ibw_kg(50.0, 1.85, Sex::Male), 50.0);
        assert!((ibw_kg(90.0, 1.85, Sex::Male) - (48.0 + 1.06 * 33.0)).abs() < 1e-9);
    }

    #[test]
    fn ages() {
        assert_eq!(age_years_from_as("045Y"), Some(45.0));
        assert_eq!(age_years_from_as("006M"), Some(0.5));
        assert_eq!(age_years_from_as("Y"), None);
        assert_eq!(age_years_from_as("0x5Y"), None);
        let b = DicomDate::new(2008, 11, 29).unwrap();
        assert_eq!(
            age_years_between(b, DicomDate::new(2026, 11, 28).unwrap()),
            17
        );
        assert_eq!(
            age_years_between(b, DicomDate::new(2026, 11, 29).unwrap()),
            18
        );
    }

    #[test]
    fn nuclides() {
        assert_eq!(
            identify_nuclide("^18^Fluorine").map(|n| n.name),
            Some("F-18")
        );
        assert_eq!(identify_nuclide("Ga-68").map(|n| n.name), Some("Ga-68"));
        assert_eq!(identify_nuclide("89Zr").map(|n| n.name), Some("Zr-89"));
        assert_eq!(identify_nuclide("Copper-64").map(|n| n.name), Some("Cu-64"));
        assert_eq!(identify_nuclide("Technetium"), None);
    }
}
