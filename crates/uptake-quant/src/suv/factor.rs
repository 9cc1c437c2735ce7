//! [`compute_suv_factor`]: the SUV factor of one PET series, with provenance or a refusal.

use super::dicom_time::{parse_utc_offset, DicomDate, DicomDateTime, DicomTimeError};
use super::formulas::{
    age_years_between, age_years_from_as, bsa_dubois_m2, decay_factor, decay_weighted_mean_time,
    ibw_kg, identify_nuclide, james_weight_at_maximum, lbm_james_kg, lbm_janmahasatian_kg,
};
use super::inputs::{parse_ds, Sex, SuvInputs, SuvOverrides, SuvType};
use super::provenance::{
    Branches, DecayHandling, InjectionTimeSource, InputSource, InputUsed, Provenance, ScanTimeRule,
    SliceDecay, UnitHandling, Warning, WarningCode,
};
use super::refusal::SuvRefusal;
use serde::Serialize;

/// Lowest dose accepted as Bq (1 MBq). Below it a clinical PET dose is implausible.
pub const MIN_PLAUSIBLE_DOSE_BQ: f64 = 1.0e6;
/// Highest dose accepted (100 GBq).
pub const MAX_PLAUSIBLE_DOSE_BQ: f64 = 1.0e11;
/// A header dose in `[MBQ_MISREAD_MIN, MBQ_MISREAD_MAX]` "Bq" is read as MBq (×10⁶) with a
/// warning: 1 MBq to 10 GBq covers every clinical PET dose, Y-90 included.
pub const MBQ_MISREAD_MIN: f64 = 1.0;
/// See [`MBQ_MISREAD_MIN`].
pub const MBQ_MISREAD_MAX: f64 = 1.0e4;
/// Plausible patient weight range, kg (exclusive lower bound 0).
pub const MAX_PLAUSIBLE_WEIGHT_KG: f64 = 650.0;
/// Plausible patient height range, metres.
pub const PLAUSIBLE_HEIGHT_M: (f64, f64) = (0.2, 2.75);
/// Uptake time beyond which a start time without a date is ambiguous, seconds.
pub const MAX_UPTAKE_WITHOUT_DATE_S: f64 = 86_400.0;
/// Age below which adult body-size formulas draw a warning, years.
pub const ADULT_AGE_YEARS: f64 = 18.0;

/// The factor values: one per series, or one per slice.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SuvFactorValues {
    /// One factor for every slice.
    Series(f64),
    /// One factor per slice, in slice order.
    PerSlice(Vec<f64>),
}

/// An SUV factor: multiply a *rescaled* pixel value (stored × RescaleSlope + RescaleIntercept,
/// per slice) in [`SuvFactor::pixel_units`] by the factor to obtain the SUV in
/// [`SuvFactor::result_units`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuvFactor {
    /// The SUV normalisation.
    pub suv_type: SuvType,
    /// Units of the rescaled pixel values the factor applies to (`BQML`, `CNTS`, `GML`, `CM2ML`).
    pub pixel_units: String,
    /// Units of the resulting SUV (`g/ml`, or `cm2/ml` for SUVbsa).
    pub result_units: String,
    /// The factor(s).
    pub values: SuvFactorValues,
    /// How the factor was obtained.
    pub provenance: Provenance,
}

impl SuvFactor {
    /// The factor for slice `i`; a series-level factor applies to every slice. `None` when
    /// `i` is out of range of per-slice factors.
    pub fn factor_for_slice(&self, i: usize) -> Option<f64> {
        match &self.values {
            SuvFactorValues::Series(f) => Some(*f),
            SuvFactorValues::PerSlice(v) => v.get(i).copied(),
        }
    }

    /// The series-level factor, if the factor does not vary by slice.
    pub fn series_factor(&self) -> Option<f64> {
        match &self.values {
            SuvFactorValues::Series(f) => Some(*f),
            SuvFactorValues::PerSlice(_) => None,
        }
    }

    /// Whether the factor differs per slice.
    pub fn is_per_slice(&self) -> bool {
        matches!(self.values, SuvFactorValues::PerSlice(_))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Units {
    Bqml,
    Cnts,
    Gml,
    Cm2ml,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum DecayCorr {
    Start,
    Admin,
    None,
}

struct Ctx {
    inputs: Vec<InputUsed>,
    warnings: Vec<Warning>,
}

impl Ctx {
    fn input(&mut self, name: &str, value: impl ToString, source: InputSource) {
        self.inputs.push(InputUsed {
            name: name.to_string(),
            value: value.to_string(),
            source,
        });
    }
    fn warn(&mut self, code: WarningCode, message: String) {
        self.warnings.push(Warning { code, message });
    }
}

fn header(tag: &str) -> InputSource {
    InputSource::Header {
        tag: tag.to_string(),
    }
}

fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

fn unreadable(attribute: &str, value: &str, e: DicomTimeError) -> SuvRefusal {
    SuvRefusal::UnreadableDateTime {
        attribute: attribute.to_string(),
        value: value.to_string(),
        reason: e.to_string(),
    }
}

/// Parses an optional DICOM time value; empty counts as absent, garbage refuses.
fn parse_opt<T>(
    attribute: &str,
    value: Option<&String>,
    f: impl Fn(&str) -> Result<T, DicomTimeError>,
) -> Result<Option<T>, SuvRefusal> {
    match value {
        None => Ok(None),
        Some(v) => match f(v) {
            Ok(t) => Ok(Some(t)),
            Err(DicomTimeError::Empty) => Ok(None),
            Err(e) => Err(unreadable(attribute, v, e)),
        },
    }
}

/// Reads a Philips DS factor: absent, empty or zero → `None`; garbage refuses.
fn philips_factor(attribute: &str, value: Option<&String>) -> Result<Option<f64>, SuvRefusal> {
    match value {
        None => Ok(None),
        Some(v) if clean(v).is_empty() => Ok(None),
        Some(v) => match parse_ds(v) {
            Some(0.0) => Ok(None),
            Some(x) if x > 0.0 => Ok(Some(x)),
            _ => Err(SuvRefusal::UnreadableNumber {
                attribute: attribute.to_string(),
                value: v.clone(),
            }),
        },
    }
}

fn check_weight(kg: Option<f64>) -> Result<f64, SuvRefusal> {
    match kg {
        None => Err(SuvRefusal::MissingWeight),
        Some(0.0) => Err(SuvRefusal::MissingWeight),
        Some(w) if !(w.is_finite() && (0.0..=MAX_PLAUSIBLE_WEIGHT_KG).contains(&w)) => {
            Err(SuvRefusal::ImplausibleWeight { kg: w })
        }
        Some(w) => Ok(w),
    }
}

fn check_height(m: Option<f64>, suv_type: SuvType) -> Result<f64, SuvRefusal> {
    match m {
        None => Err(SuvRefusal::MissingHeight { suv_type }),
        Some(0.0) => Err(SuvRefusal::MissingHeight { suv_type }),
        Some(h) if !h.is_finite() || h < PLAUSIBLE_HEIGHT_M.0 || h > PLAUSIBLE_HEIGHT_M.1 => {
            Err(SuvRefusal::ImplausibleHeight { suv_type, m: h })
        }
        Some(h) => Ok(h),
    }
}

/// The normaliser of `suv_type` in grams (cm² for SUVbsa).
fn normaliser(
    suv_type: SuvType,
    w: f64,
    h: Option<f64>,
    sex: Option<Sex>,
    ctx: &mut Ctx,
) -> Result<f64, SuvRefusal> {
    let need_h = || h.ok_or(SuvRefusal::MissingHeight { suv_type });
    let need_s = || {
        sex.ok_or(SuvRefusal::SexRequired {
            suv_type,
            found: "missing".into(),
        })
    };
    let (value, grams) = match suv_type {
        SuvType::Bw => (w, w * 1000.0),
        SuvType::LbmJanmahasatian => {
            let l = lbm_janmahasatian_kg(w, need_h()?, need_s()?);
            (l, l * 1000.0)
        }
        SuvType::LbmJames => {
            let (hh, s) = (need_h()?, need_s()?);
            if w > james_weight_at_maximum(hh, s) {
                ctx.warn(
                    WarningCode::JamesFormulaBeyondMaximum,
                    format!("The James lean body mass formula is beyond its maximum at {w} kg and {hh} m (it decreases as weight rises); SUL (Janmahasatian) is more reliable for this patient."),
                );
            }
            let l = lbm_james_kg(w, hh, s);
            (l, l * 1000.0)
        }
        SuvType::Bsa => {
            let a = bsa_dubois_m2(w, need_h()?);
            (a, a * 1.0e4)
        }
        SuvType::Ibw => {
            let i = ibw_kg(w, need_h()?, need_s()?);
            (i, i * 1000.0)
        }
    };
    if !(value.is_finite() && value > 0.0) {
        return Err(SuvRefusal::BodySizeOutOfRange { suv_type, value });
    }
    Ok(grams)
}

/// Computes the SUV factor of one PET series.
///
/// Returns the factor(s) with their provenance, or a [`SuvRefusal`] saying why the header
/// values do not allow an SUV. `overrides` replace header values; each used one is recorded.
///
/// Branches (see `shared/reference/suv-algorithm.md`):
/// * scan time: SeriesDate+SeriesTime unless later than the earliest acquisition; then
///   the GE private scan date-time (0009,100D) if readable, else for Siemens with
///   FrameReferenceTime and ActualFrameDuration on every slice the per-slice
///   AcquisitionDT − FrameReferenceTime + Tavg (QIBA option B), else the earliest
///   acquisition (option A). Each with a warning.
/// * injection: override, else RadiopharmaceuticalStartDateTime, else SeriesDate +
///   RadiopharmaceuticalStartTime rolled back one day if that is after the scan.
/// * DecayCorrection START decays the dose to the scan time, ADMIN does not decay, NONE
///   decays to each slice's acquisition time + Tavg.
/// * Units BQML; CNTS with Philips (7053,1000) (SUVbw directly) or (7053,1009) (→ Bq/ml);
///   GML (pixels are SUVbw) and CM2ML (pixels are SUVbsa) convert by normaliser ratios.
pub fn compute_suv_factor(
    inputs: &SuvInputs,
    suv_type: SuvType,
    overrides: &SuvOverrides,
) -> Result<SuvFactor, SuvRefusal> {
    let mut ctx = Ctx {
        inputs: Vec::new(),
        warnings: Vec::new(),
    };

    // 0. One series.
    if let Some(c) = inputs.series_conflicts.first() {
        return Err(SuvRefusal::InconsistentSeries {
            attribute: c.attribute.clone(),
            values: c.values.join(" vs "),
        });
    }

    // 1. Units.
    let units_raw = inputs.units.as_deref().map(clean).unwrap_or("");
    let units = match units_raw.to_ascii_uppercase().as_str() {
        "" => return Err(SuvRefusal::MissingUnits),
        "BQML" => Units::Bqml,
        "CNTS" => Units::Cnts,
        "GML" => Units::Gml,
        "CM2ML" => Units::Cm2ml,
        _ => {
            return Err(SuvRefusal::UnsupportedUnits {
                units: units_raw.to_string(),
            })
        }
    };
    ctx.input("units", units_raw, header("(0054,1001) Units"));
    let precomputed = matches!(units, Units::Gml | Units::Cm2ml);

    // 2. Corrections.
    let corrected: Vec<String> = inputs
        .corrected_image
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|s| clean(s).to_ascii_uppercase())
        .collect();
    let found = if corrected.is_empty() {
        "absent".to_string()
    } else {
        corrected.join("\\")
    };
    let has_attn = corrected.iter().any(|c| c == "ATTN");
    let has_decy = corrected.iter().any(|c| c == "DECY" || c == "DECAY");
    let dc_raw = inputs.decay_correction.as_deref().map(clean).unwrap_or("");
    let dc = match dc_raw.to_ascii_uppercase().as_str() {
        "START" => Some(DecayCorr::Start),
        "ADMIN" => Some(DecayCorr::Admin),
        "NONE" => Some(DecayCorr::None),
        "" => None,
        _ => {
            return Err(SuvRefusal::UnsupportedDecayCorrection {
                value: dc_raw.to_string(),
            })
        }
    };
    let decy_needed = dc != Some(DecayCorr::None);
    if !has_attn || (decy_needed && !has_decy) {
        let mut missing = Vec::new();
        if !has_attn {
            missing.push("attenuation corrected (ATTN)");
        }
        if decy_needed && !has_decy {
            missing.push("decay corrected (DECY)");
        }
        return Err(SuvRefusal::NotCorrected {
            missing: missing.join(" and "),
            found,
        });
    }
    ctx.input(
        "corrected_image",
        &found,
        header("(0028,0051) CorrectedImage"),
    );
    let dc = match dc {
        Some(d) => {
            ctx.input(
                "decay_correction",
                dc_raw,
                header("(0054,1102) DecayCorrection"),
            );
            Some(d)
        }
        None if precomputed => None,
        None => return Err(SuvRefusal::MissingDecayCorrection),
    };
    if dc == Some(DecayCorr::None) && has_decy {
        return Err(SuvRefusal::ContradictoryDecayCorrection {
            detail: "DecayCorrection is NONE but CorrectedImage says the images are decay corrected (DECY)".into(),
        });
    }

    // 3. CNTS route (decides whether dose and times are needed).
    let dose_or_time_override =
        overrides.dose_bq.is_some() || overrides.injection_date_time.is_some();
    let mut cnts_scale: Option<Vec<f64>> = None; // per-slice multiplier to Bq/ml
    let mut suvsf: Option<Vec<f64>> = None; // per-slice SUVbw factor
    let unit_handling = match units {
        Units::Bqml => {
            if inputs.slices.iter().any(|s| {
                s.philips_suv_scale_factor.is_some()
                    || s.philips_activity_concentration_scale_factor.is_some()
            }) {
                ctx.warn(WarningCode::PhilipsFactorsIgnored, "Philips private scale factors are present but ignored: the images are already in Bq/ml (Units BQML).".into());
            }
            UnitHandling::Bqml
        }
        Units::Gml => UnitHandling::GmlPrecomputedSuvBw,
        Units::Cm2ml => UnitHandling::Cm2mlPrecomputedSuvBsa,
        Units::Cnts => {
            if inputs.slices.is_empty() {
                return Err(SuvRefusal::CntsWithoutPhilipsFactors {
                    slice_note: " (no slices were provided)".into(),
                });
            }
            let mut sf = Vec::new();
            let mut acsf = Vec::new();
            for (i, s) in inputs.slices.iter().enumerate() {
                sf.push(philips_factor(
                    &format!("Philips SUV scale factor (7053,1000) of slice {i}"),
                    s.philips_suv_scale_factor.as_ref(),
                )?);
                acsf.push(philips_factor(
                    &format!(
                        "Philips activity concentration scale factor (7053,1009) of slice {i}"
                    ),
                    s.philips_activity_concentration_scale_factor.as_ref(),
                )?);
            }
            let all_sf: Option<Vec<f64>> = sf.iter().copied().collect();
            let all_acsf: Option<Vec<f64>> = acsf.iter().copied().collect();
            match (all_sf, all_acsf) {
                (Some(v), _) if !dose_or_time_override => {
                    ctx.input(
                        "philips_suv_scale_factor",
                        format_list(&v),
                        header("(7053,1000) Philips SUV Scale Factor"),
                    );
                    suvsf = Some(v);
                    UnitHandling::CntsPhilipsSuvScaleFactor
                }
                (sf_opt, Some(v)) => {
                    if sf_opt.is_some() {
                        ctx.warn(WarningCode::PhilipsSuvScaleFactorBypassed, "The Philips SUV scale factor (7053,1000) was computed with the header dose and injection time; because they are overridden, the activity concentration factor (7053,1009) is used instead.".into());
                    }
                    ctx.input(
                        "philips_activity_concentration_scale_factor",
                        format_list(&v),
                        header("(7053,1009) Philips Activity Concentration Scale Factor"),
                    );
                    cnts_scale = Some(v);
                    UnitHandling::CntsPhilipsActivityConcentrationFactor
                }
                (Some(_), None) => {
                    return Err(SuvRefusal::OverrideNotApplicable {
                        name: "dose or injection time".into(),
                        reason: "the images are in counts with only the Philips SUV scale factor (7053,1000), which already contains the header dose and injection time".into(),
                    })
                }
                (None, None) => {
                    let bad = sf
                        .iter()
                        .zip(&acsf)
                        .position(|(a, b)| a.is_none() && b.is_none());
                    return Err(SuvRefusal::CntsWithoutPhilipsFactors {
                        slice_note: match bad {
                            Some(i) if inputs.slices.len() > 1 => format!(" (slice {i})"),
                            _ => String::new(),
                        },
                    });
                }
            }
        }
    };
    let pre_scaled = precomputed || suvsf.is_some();
    if pre_scaled && dose_or_time_override && suvsf.is_none() {
        return Err(SuvRefusal::OverrideNotApplicable {
            name: "dose or injection time".into(),
            reason: "the scanner stored the images already as SUV, computed with the header dose and injection time".into(),
        });
    }

    // 4. Patient body size.
    let header_weight = inputs.patient_weight_kg;
    let header_height = inputs.patient_size_m;
    let eff_weight = overrides.weight_kg.or(header_weight);
    let eff_height = overrides.height_m.or(header_height);
    let record_override = |ctx: &mut Ctx, name: &str, hdr: Option<String>, new: String| {
        ctx.warn(
            WarningCode::OverrideApplied,
            format!(
                "The {name} was entered by the user ({new}) instead of the header value ({}).",
                hdr.unwrap_or_else(|| "absent".into())
            ),
        );
    };
    // Pixel values already normalised by the scanner need no body size for their own type.
    let identity = match units {
        Units::Gml => suv_type == SuvType::Bw && overrides.weight_kg.is_none(),
        Units::Cm2ml => {
            suv_type == SuvType::Bsa
                && overrides.weight_kg.is_none()
                && overrides.height_m.is_none()
        }
        Units::Cnts => suv_type == SuvType::Bw && overrides.weight_kg.is_none() && suvsf.is_some(),
        Units::Bqml => false,
    };
    let mut norm_g = 1.0;
    if !identity {
        let w = check_weight(eff_weight)?;
        match overrides.weight_kg {
            Some(o) => {
                ctx.input("patient_weight_kg", o, InputSource::Override);
                record_override(
                    &mut ctx,
                    "weight",
                    header_weight.map(|h| format!("{h} kg")),
                    format!("{o} kg"),
                );
            }
            None => ctx.input("patient_weight_kg", w, header("(0010,1030) PatientWeight")),
        }
        let h = if suv_type.needs_height() {
            let h = check_height(eff_height, suv_type)?;
            match overrides.height_m {
                Some(o) => {
                    ctx.input("patient_size_m", o, InputSource::Override);
                    record_override(
                        &mut ctx,
                        "height",
                        header_height.map(|h| format!("{h} m")),
                        format!("{o} m"),
                    );
                }
                None => ctx.input("patient_size_m", h, header("(0010,1020) PatientSize")),
            }
            Some(h)
        } else {
            None
        };
        let sex = if suv_type.needs_sex() {
            let s = match overrides.sex {
                Some(s) => {
                    ctx.input("patient_sex", sex_letter(s), InputSource::Override);
                    record_override(
                        &mut ctx,
                        "sex",
                        inputs.patient_sex.clone(),
                        sex_letter(s).into(),
                    );
                    s
                }
                None => {
                    let raw = inputs.patient_sex.as_deref().map(clean).unwrap_or("");
                    let s = Sex::from_dicom(raw).ok_or_else(|| SuvRefusal::SexRequired {
                        suv_type,
                        found: if raw.is_empty() {
                            "missing".into()
                        } else {
                            format!("'{raw}'")
                        },
                    })?;
                    ctx.input("patient_sex", raw, header("(0010,0040) PatientSex"));
                    s
                }
            };
            Some(s)
        } else {
            None
        };
        norm_g = normaliser(suv_type, w, h, sex, &mut ctx)?;
        if suv_type != SuvType::Bw {
            ctx.input(
                "normaliser",
                norm_g,
                InputSource::Derived {
                    how: format!(
                        "{} in {}",
                        suv_type.label(),
                        if suv_type == SuvType::Bsa { "cm2" } else { "g" }
                    ),
                },
            );
        }
    }
    if suv_type.is_adult_formula() {
        paediatric_check(inputs, suv_type, &mut ctx)?;
    }

    // 5. Pre-computed pixels: ratio of normalisers, no dose or times.
    if pre_scaled {
        let (scanner_normaliser, scanner_bsa) = match units {
            Units::Cm2ml => ("BSA (DuBois, header weight and height)", true),
            _ => ("body weight (header weight)", false),
        };
        let base: Vec<f64> = match &suvsf {
            Some(v) => v.clone(),
            None => vec![1.0],
        };
        let ratio = if identity {
            1.0
        } else {
            let hw = check_weight(header_weight).map_err(|_| SuvRefusal::OverrideNotApplicable {
                name: "SUV type or weight".into(),
                reason: "the scanner stored SUV computed with a header weight that is missing, so it cannot be converted".into(),
            })?;
            let denom = if scanner_bsa {
                let hh = check_height(header_height, SuvType::Bsa)?;
                bsa_dubois_m2(hw, hh) * 1.0e4
            } else {
                hw * 1000.0
            };
            if units == Units::Cm2ml || suv_type != SuvType::Bw {
                ctx.warn(WarningCode::PrecomputedSuvConversion, format!("The scanner stored the images already normalised by {scanner_normaliser}; they were converted to {} by the ratio of normalisers.", suv_type.label()));
            }
            norm_g / denom
        };
        let values: Vec<f64> = base.iter().map(|b| b * ratio).collect();
        let provenance = Provenance {
            inputs: ctx.inputs,
            branches: Branches {
                scan_time_rule: ScanTimeRule::NotNeeded,
                injection_time_source: InjectionTimeSource::NotNeeded,
                decay_correction: DecayHandling::NotNeeded,
                units: unit_handling,
            },
            injection_date_time: None,
            scan_date_time: None,
            decay_time_s: None,
            decay_factor: None,
            per_slice_decay: Vec::new(),
            dose_bq: None,
            warnings: ctx.warnings,
        };
        return Ok(finish(suv_type, units_raw, values, provenance));
    }
    let dc = dc.unwrap_or(DecayCorr::Start); // always Some here: checked above for BQML/CNTS.

    // 6. Dose.
    let dose_bq = match overrides.dose_bq {
        Some(d) => {
            if !(d.is_finite() && d > 0.0) {
                return Err(SuvRefusal::NonPositiveDose { value: d });
            }
            if !(MIN_PLAUSIBLE_DOSE_BQ..=MAX_PLAUSIBLE_DOSE_BQ).contains(&d) {
                return Err(SuvRefusal::ImplausibleDose { value: d });
            }
            ctx.input("dose_bq", d, InputSource::Override);
            record_override(
                &mut ctx,
                "injected dose",
                inputs.radionuclide_total_dose.map(|h| format!("{h} Bq")),
                format!("{d} Bq"),
            );
            d
        }
        None => {
            let d = inputs
                .radionuclide_total_dose
                .ok_or(SuvRefusal::MissingDose)?;
            if !(d.is_finite() && d > 0.0) {
                return Err(SuvRefusal::NonPositiveDose { value: d });
            }
            let src = header("(0018,1074) RadionuclideTotalDose");
            if (MIN_PLAUSIBLE_DOSE_BQ..=MAX_PLAUSIBLE_DOSE_BQ).contains(&d) {
                ctx.input("dose_bq", d, src);
                d
            } else if (MBQ_MISREAD_MIN..=MBQ_MISREAD_MAX).contains(&d) {
                let bq = d * 1.0e6;
                ctx.input("dose_as_found", d, src);
                ctx.input(
                    "dose_bq",
                    bq,
                    InputSource::Derived {
                        how: "header value read as MBq (x 1e6)".into(),
                    },
                );
                ctx.warn(WarningCode::DoseInMegabecquerel, format!("The injected dose is recorded as {d} Bq, which is physically implausible for a PET scan; it was read as {d} MBq. Check the dose."));
                bq
            } else {
                return Err(SuvRefusal::ImplausibleDose { value: d });
            }
        }
    };

    // 7. Half-life.
    let half_life = inputs
        .radionuclide_half_life
        .ok_or(SuvRefusal::MissingHalfLife)?;
    if !(half_life.is_finite() && half_life > 0.0) {
        return Err(SuvRefusal::InvalidHalfLife { value: half_life });
    }
    ctx.input(
        "half_life_s",
        half_life,
        header("(0018,1075) RadionuclideHalfLife"),
    );
    let nuclide_text = inputs
        .radionuclide_code
        .as_ref()
        .and_then(|c| c.code_meaning.clone())
        .or_else(|| inputs.radionuclide_name.clone());
    if let Some(n) = nuclide_text.as_deref().and_then(identify_nuclide) {
        ctx.input(
            "radionuclide",
            n.name,
            header("(0054,0300) RadionuclideCodeSequence"),
        );
        if ((half_life - n.half_life_s) / n.half_life_s).abs() > 0.01 {
            ctx.warn(WarningCode::HalfLifeMismatch, format!("The header half-life {half_life} s differs by more than 1 % from that of {} ({} s); the header value was used. Check the radionuclide.", n.name, n.half_life_s));
        }
    }

    // 8. Times.
    let tz = match inputs.timezone_offset_from_utc.as_ref() {
        None => None,
        Some(v) => match parse_utc_offset(v) {
            Ok(o) => Some(o),
            Err(DicomTimeError::Empty) => None,
            Err(e) => return Err(unreadable("TimezoneOffsetFromUTC", v, e)),
        },
    };
    let series_date = parse_opt(
        "SeriesDate",
        inputs.series_date.as_ref(),
        DicomDate::parse_da,
    )?;
    let series_time = parse_opt(
        "SeriesTime",
        inputs.series_time.as_ref(),
        super::dicom_time::DicomTime::parse_tm,
    )?;
    let mut acq: Vec<Option<DicomDateTime>> = Vec::with_capacity(inputs.slices.len());
    for (i, s) in inputs.slices.iter().enumerate() {
        let dt = parse_opt(
            &format!("AcquisitionDateTime (slice {i})"),
            s.acquisition_date_time.as_ref(),
            DicomDateTime::parse_dt,
        )?;
        let v = match dt {
            Some(d) => Some(d),
            None => {
                let t = parse_opt(
                    &format!("AcquisitionTime (slice {i})"),
                    s.acquisition_time.as_ref(),
                    super::dicom_time::DicomTime::parse_tm,
                )?;
                let d = parse_opt(
                    &format!("AcquisitionDate (slice {i})"),
                    s.acquisition_date.as_ref(),
                    DicomDate::parse_da,
                )?;
                match (d.or(series_date), t) {
                    (Some(d), Some(t)) => Some(DicomDateTime::from_date_time(d, t)),
                    _ => None,
                }
            }
        };
        acq.push(v);
    }
    // Infer the local zone from an explicit offset when the header gives none.
    let tz = tz.or_else(|| {
        let inferred = acq
            .iter()
            .flatten()
            .find_map(|d| d.utc_offset_minutes)
            .or_else(|| overrides.injection_date_time.and_then(|d| d.utc_offset_minutes));
        if let Some(o) = inferred {
            ctx.warn(WarningCode::TimeZoneInferred, format!("Times without a time zone were taken to be in UTC{:+03}:{:02}, the offset found on another date-time.", o / 60, o.abs() % 60));
        }
        inferred
    });
    let earliest = acq
        .iter()
        .flatten()
        .min_by_key(|d| d.instant_micros(tz))
        .copied();

    // Reference time(s): `refs[i]` = (reference date-time, offset in s to add to it).
    enum Refs {
        Series(DicomDateTime),
        PerSlice(Vec<(DicomDateTime, f64)>),
    }
    let (scan_rule, refs) = if dc == DecayCorr::None {
        if inputs.slices.is_empty() {
            return Err(SuvRefusal::NoSlices);
        }
        let mut v = Vec::with_capacity(acq.len());
        let mut missing_duration = false;
        for (i, a) in acq.iter().enumerate() {
            let a = a.ok_or(SuvRefusal::MissingSliceTime { slice: i })?;
            let tavg = match inputs.slices[i].actual_frame_duration_ms {
                Some(d) if d.is_finite() && d > 0.0 => {
                    decay_weighted_mean_time(d / 1000.0, half_life)
                }
                _ => {
                    missing_duration = true;
                    0.0
                }
            };
            v.push((a, tavg));
        }
        if missing_duration {
            ctx.warn(WarningCode::NoFrameDuration, "The images are not decay corrected and some slices have no frame duration (ActualFrameDuration): the dose was decayed to the start of those frames, which overestimates their SUV slightly (under 1 % for F-18 frames up to 3 minutes).".into());
        }
        (ScanTimeRule::PerSliceAcquisition, Refs::PerSlice(v))
    } else {
        let series_dt = match (series_date, series_time) {
            (Some(d), Some(t)) => DicomDateTime::from_date_time(d, t),
            _ => {
                return Err(SuvRefusal::NoScanTime {
                    detail: "SeriesDate or SeriesTime is missing".into(),
                })
            }
        };
        match earliest {
            None => (
                ScanTimeRule::SeriesDateTimeUnchecked,
                Refs::Series(series_dt),
            ),
            Some(e) if series_dt.instant_micros(tz) <= e.instant_micros(tz) => {
                (ScanTimeRule::SeriesDateTime, Refs::Series(series_dt))
            }
            Some(e) => {
                let ge = match inputs.ge_private_scan_date_time.as_ref() {
                    None => None,
                    Some(v) => match DicomDateTime::parse_dt(v) {
                        Ok(d) => Some(d),
                        Err(DicomTimeError::Empty) => None,
                        Err(err) => {
                            ctx.warn(WarningCode::GePrivateTimeUnusable, format!("The GE private scan date-time (0009,100D) '{v}' could not be read ({err}) and was not used."));
                            None
                        }
                    },
                };
                let siemens = inputs
                    .manufacturer
                    .as_deref()
                    .is_some_and(|m| m.to_ascii_uppercase().contains("SIEMENS"));
                let option_b: Option<Vec<(DicomDateTime, f64)>> = if siemens {
                    inputs
                        .slices
                        .iter()
                        .zip(&acq)
                        .map(|(s, a)| {
                            match (a, s.frame_reference_time_ms, s.actual_frame_duration_ms) {
                                (Some(a), Some(frt), Some(afd))
                                    if frt.is_finite()
                                        && afd.is_finite()
                                        && frt > 0.0
                                        && afd > 0.0 =>
                                {
                                    Some((
                                        *a,
                                        -frt / 1000.0
                                            + decay_weighted_mean_time(afd / 1000.0, half_life),
                                    ))
                                }
                                _ => None,
                            }
                        })
                        .collect()
                } else {
                    None
                };
                let series_s = series_dt.to_string();
                if let Some(g) = ge {
                    ctx.warn(WarningCode::SeriesTimeAfterAcquisition, format!("The series time {series_s} is after the first acquisition {e} (the series was probably re-processed); the GE private scan date-time {g} was used."));
                    ctx.input(
                        "scan_date_time",
                        g,
                        header("(0009,100D) GE private scan DateTime"),
                    );
                    (ScanTimeRule::GePrivateScanDateTime, Refs::Series(g))
                } else if let Some(v) = option_b.filter(|v| !v.is_empty()) {
                    ctx.warn(WarningCode::SeriesTimeAfterAcquisition, format!("The series time {series_s} is after the first acquisition {e} (the series was probably re-processed); the scan start was recovered per slice from AcquisitionTime, FrameReferenceTime and ActualFrameDuration (Siemens)."));
                    (ScanTimeRule::SiemensFrameReferenceTime, Refs::PerSlice(v))
                } else {
                    ctx.warn(WarningCode::SeriesTimeAfterAcquisition, format!("The series time {series_s} is after the first acquisition {e} (the series was probably re-processed); the first acquisition time was used as the scan start."));
                    (ScanTimeRule::EarliestAcquisition, Refs::Series(e))
                }
            }
        }
    };
    if let Refs::Series(s) = &refs {
        if scan_rule != ScanTimeRule::GePrivateScanDateTime {
            let tag = if scan_rule == ScanTimeRule::EarliestAcquisition {
                "(0008,0022)/(0008,0032) earliest AcquisitionDate/Time"
            } else {
                "(0008,0021)/(0008,0031) SeriesDate/SeriesTime"
            };
            ctx.input("scan_date_time", s, header(tag));
        }
    }
    // The earliest reference instant (for the midnight rule).
    // Instants are kept as seconds relative to an anchor so that f64 keeps microseconds.
    let anchor: i64 = match &refs {
        Refs::Series(s) => s.instant_micros(tz),
        Refs::PerSlice(v) => v.first().map_or(0, |(d, _)| d.instant_micros(tz)),
    };
    let rel = |d: &DicomDateTime| (d.instant_micros(tz) - anchor) as f64 / 1e6;
    let ref_instants: Vec<f64> = match &refs {
        Refs::Series(s) => vec![rel(s)],
        Refs::PerSlice(v) => v.iter().map(|(d, off)| rel(d) + off).collect(),
    };
    let first_ref = ref_instants.iter().copied().fold(f64::INFINITY, f64::min);

    // 9. Injection time.
    let (injection, inj_source) = if let Some(o) = overrides.injection_date_time {
        ctx.input("injection_date_time", o, InputSource::Override);
        record_override(
            &mut ctx,
            "injection time",
            inputs
                .radiopharmaceutical_start_date_time
                .clone()
                .or_else(|| inputs.radiopharmaceutical_start_time.clone()),
            o.to_string(),
        );
        (o, InjectionTimeSource::Override)
    } else if let Some(d) = parse_opt(
        "RadiopharmaceuticalStartDateTime",
        inputs.radiopharmaceutical_start_date_time.as_ref(),
        DicomDateTime::parse_dt,
    )? {
        ctx.input(
            "injection_date_time",
            d,
            header("(0018,1078) RadiopharmaceuticalStartDateTime"),
        );
        (d, InjectionTimeSource::StartDateTime)
    } else if let Some(t) = parse_opt(
        "RadiopharmaceuticalStartTime",
        inputs.radiopharmaceutical_start_time.as_ref(),
        super::dicom_time::DicomTime::parse_tm,
    )? {
        let date = series_date
            .or_else(|| acq.iter().flatten().next().map(|d| d.date))
            .ok_or(SuvRefusal::NoScanTime {
                detail: "no SeriesDate to date the injection time".into(),
            })?;
        let mut inj = DicomDateTime::from_date_time(date, t);
        let mut src = InjectionTimeSource::SeriesDatePlusStartTime;
        if rel(&inj) > first_ref {
            inj = inj.add_days(-1);
            src = InjectionTimeSource::StartTimeRolledBackOneDay;
            ctx.warn(WarningCode::InjectionBeforeMidnight, format!("Only the time of injection is recorded and it is later in the day than the scan; the injection was taken to be the evening before ({inj})."));
        }
        let uptake = first_ref - rel(&inj);
        if uptake > MAX_UPTAKE_WITHOUT_DATE_S {
            return Err(SuvRefusal::AmbiguousInjectionDay {
                hours: uptake / 3600.0,
            });
        }
        ctx.input(
            "injection_date_time",
            inj,
            InputSource::Derived {
                how: if src == InjectionTimeSource::SeriesDatePlusStartTime {
                    "SeriesDate + (0018,1072) RadiopharmaceuticalStartTime".into()
                } else {
                    "SeriesDate - 1 day + (0018,1072) RadiopharmaceuticalStartTime".into()
                },
            },
        );
        (inj, src)
    } else {
        return Err(SuvRefusal::NoInjectionTime);
    };
    let inj_s = rel(&injection);

    // 10. Decay.
    let decay_times: Vec<f64> = ref_instants.iter().map(|r| r - inj_s).collect();
    for (k, t) in decay_times.iter().enumerate() {
        if *t < 0.0 {
            let scan = match &refs {
                Refs::Series(s) => s.to_string(),
                Refs::PerSlice(v) => v
                    .get(k)
                    .map(|(d, off)| d.add_seconds(*off).to_string())
                    .unwrap_or_default(),
            };
            return Err(SuvRefusal::NegativeDecayTime {
                injection: injection.to_string(),
                scan,
                seconds: *t,
            });
        }
    }
    let decay_factors: Vec<f64> = decay_times
        .iter()
        .map(|t| match dc {
            DecayCorr::Admin => 1.0,
            _ => decay_factor(*t, half_life),
        })
        .collect();
    let decay_handling = match dc {
        DecayCorr::Start => DecayHandling::DecayDoseToScanStart,
        DecayCorr::Admin => DecayHandling::NoDecayAdmin,
        DecayCorr::None => DecayHandling::PerSliceDecay,
    };

    // 11. Factors: scale_i × normaliser / (dose × decay_i).
    let n = decay_factors
        .len()
        .max(cnts_scale.as_ref().map_or(1, Vec::len));
    let values: Vec<f64> = (0..n)
        .map(|i| {
            let df = if decay_factors.len() == 1 {
                decay_factors[0]
            } else {
                decay_factors.get(i).copied().unwrap_or(f64::NAN)
            };
            let scale = cnts_scale
                .as_ref()
                .map_or(1.0, |v| v.get(i).copied().unwrap_or(f64::NAN));
            scale * norm_g / (dose_bq * df)
        })
        .collect();
    let (scan_date_time, decay_time_s, decay_factor_series, per_slice_decay) = match &refs {
        Refs::Series(s) => (
            Some(*s),
            Some(decay_times[0]),
            Some(decay_factors[0]),
            Vec::new(),
        ),
        Refs::PerSlice(v) => {
            let spread = ref_instants
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
                - first_ref;
            if scan_rule == ScanTimeRule::SiemensFrameReferenceTime && spread > 1.0 {
                ctx.warn(WarningCode::PerSliceScanTimesDiffer, format!("The scan start recovered per slice differs by up to {spread:.1} s between slices (e.g. several injections or beds); each slice was decayed to its own time."));
            }
            let per = v
                .iter()
                .enumerate()
                .map(|(i, (d, off))| SliceDecay {
                    slice: i,
                    reference_date_time: d.add_seconds(*off),
                    decay_time_s: decay_times[i],
                    decay_factor: decay_factors[i],
                })
                .collect();
            (None, None, None, per)
        }
    };
    let provenance = Provenance {
        inputs: ctx.inputs,
        branches: Branches {
            scan_time_rule: scan_rule,
            injection_time_source: inj_source,
            decay_correction: decay_handling,
            units: unit_handling,
        },
        injection_date_time: Some(injection),
        scan_date_time,
        decay_time_s,
        decay_factor: decay_factor_series,
        per_slice_decay,
        dose_bq: Some(dose_bq),
        warnings: ctx.warnings,
    };
    Ok(finish(suv_type, units_raw, values, provenance))
}

fn finish(suv_type: SuvType, units: &str, values: Vec<f64>, provenance: Provenance) -> SuvFactor {
    let values = match values.first() {
        Some(f) if values.iter().all(|v| v == f) => SuvFactorValues::Series(*f),
        _ => SuvFactorValues::PerSlice(values),
    };
    SuvFactor {
        suv_type,
        pixel_units: units.to_ascii_uppercase(),
        result_units: suv_type.result_units().to_string(),
        values,
        provenance,
    }
}

fn sex_letter(s: Sex) -> &'static str {
    match s {
        Sex::Male => "M",
        Sex::Female => "F",
    }
}

fn format_list(v: &[f64]) -> String {
    match v.first() {
        Some(f) if v.iter().all(|x| x == f) => f.to_string(),
        _ => v
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\\"),
    }
}

fn paediatric_check(
    inputs: &SuvInputs,
    suv_type: SuvType,
    ctx: &mut Ctx,
) -> Result<(), SuvRefusal> {
    let from_as = inputs.patient_age.as_deref().and_then(age_years_from_as);
    let age = match from_as {
        Some(a) => Some(a),
        None => {
            let birth = parse_opt(
                "PatientBirthDate",
                inputs.patient_birth_date.as_ref(),
                DicomDate::parse_da,
            )
            .ok()
            .flatten();
            let on = parse_opt("StudyDate", inputs.study_date.as_ref(), DicomDate::parse_da)
                .ok()
                .flatten()
                .or_else(|| {
                    parse_opt(
                        "SeriesDate",
                        inputs.series_date.as_ref(),
                        DicomDate::parse_da,
                    )
                    .ok()
                    .flatten()
                });
            match (birth, on) {
                (Some(b), Some(o)) => Some(f64::from(age_years_between(b, o))),
                _ => None,
            }
        }
    };
    match age {
        Some(a) if a < ADULT_AGE_YEARS => {
            ctx.input("patient_age_years", a, header("(0010,1010) PatientAge or (0010,0030) PatientBirthDate"));
            ctx.warn(WarningCode::PaediatricAdultFormula, format!("The patient is a child ({} years); {} uses an adult formula that is not validated in children. SUVbw is recommended.", (a * 10.0).floor() / 10.0, suv_type.label()));
        }
        Some(a) => ctx.input("patient_age_years", a, header("(0010,1010) PatientAge or (0010,0030) PatientBirthDate")),
        None => ctx.warn(WarningCode::AgeUnknown, format!("The patient's age is not recorded, so it could not be checked that the adult formula of {} is appropriate.", suv_type.label())),
    }
    Ok(())
}
