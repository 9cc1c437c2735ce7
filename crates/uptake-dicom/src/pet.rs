//! PET acquisition attributes: the raw inputs SUV needs, as found (no interpretation here —
//! `uptake-quant` decides what they mean and refuses when they do not allow a number).

use crate::attrs::{self, Object};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use serde::Serialize;

/// Radiopharmaceutical administration (first item of RadiopharmaceuticalInformationSequence).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Radiopharmaceutical {
    /// Radiopharmaceutical (e.g. "Fluorodeoxyglucose").
    pub name: Option<String>,
    /// Code meaning of RadionuclideCodeSequence (e.g. "^18^Fluorine").
    pub radionuclide: Option<String>,
    /// Code value of RadionuclideCodeSequence (e.g. "C-111A1").
    pub radionuclide_code_value: Option<String>,
    /// Coding scheme designator of RadionuclideCodeSequence (e.g. "SRT").
    pub radionuclide_coding_scheme: Option<String>,
    /// RadiopharmaceuticalStartTime (TM) as found.
    pub start_time: Option<String>,
    /// RadiopharmaceuticalStartDateTime (DT) as found.
    pub start_datetime: Option<String>,
    /// RadionuclideTotalDose (Bq, as declared).
    pub total_dose: Option<f64>,
    /// RadionuclideHalfLife (s).
    pub half_life_s: Option<f64>,
    /// RadionuclidePositronFraction.
    pub positron_fraction: Option<f64>,
}

/// The PET-specific part of an instance header.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PetHeader {
    /// Units (BQML, CNTS, GML, CM2ML, PROPCNTS…).
    pub units: Option<String>,
    /// DecayCorrection (START, ADMIN, NONE).
    pub decay_correction: Option<String>,
    /// CorrectedImage values (ATTN, DECY, …).
    pub corrected_image: Vec<String>,
    /// SeriesType values (e.g. WHOLE BODY\IMAGE).
    pub series_type: Vec<String>,
    /// SeriesDate (DA).
    pub series_date: Option<String>,
    /// SeriesTime (TM).
    pub series_time: Option<String>,
    /// The radiopharmaceutical given.
    pub radiopharmaceutical: Radiopharmaceutical,
    /// Philips (7053,1000) SUV Scale Factor, as the DS text found.
    pub philips_suv_scale_factor: Option<String>,
    /// Philips (7053,1009) Activity Concentration Scale Factor, as the DS text found.
    pub philips_activity_concentration_factor: Option<String>,
    /// GE (0009,100D) private scan DateTime, as found.
    pub ge_scan_datetime: Option<String>,
    /// TimezoneOffsetFromUTC (0008,0201), e.g. "+0100", as found.
    pub timezone_offset_from_utc: Option<String>,
}

/// Finds a private element by its creator string: the block reserved by `creator` in `group`,
/// element offset `offset` within it (e.g. group 0x7053, "Philips PET Private Group", 0x00 → (7053,10xx)).
pub fn private_value(obj: &Object, group: u16, creator: &str, offset: u8) -> Option<String> {
    for block in 0x10u16..=0xFF {
        if let Some(name) = attrs::string(obj, Tag(group, block)) {
            if name.eq_ignore_ascii_case(creator) {
                return attrs::string(obj, Tag(group, (block << 8) | offset as u16));
            }
        }
    }
    None
}

impl PetHeader {
    /// Reads the PET attributes of a data set.
    pub fn from_object(obj: &Object) -> Self {
        let rp = attrs::first_item(obj, tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE);
        let radiopharmaceutical = rp
            .map(|item| Radiopharmaceutical {
                name: attrs::string(item, tags::RADIOPHARMACEUTICAL),
                radionuclide: attrs::first_item(item, tags::RADIONUCLIDE_CODE_SEQUENCE)
                    .and_then(|code| attrs::string(code, tags::CODE_MEANING)),
                radionuclide_code_value: attrs::first_item(item, tags::RADIONUCLIDE_CODE_SEQUENCE)
                    .and_then(|code| attrs::string(code, tags::CODE_VALUE)),
                radionuclide_coding_scheme: attrs::first_item(
                    item,
                    tags::RADIONUCLIDE_CODE_SEQUENCE,
                )
                .and_then(|code| attrs::string(code, tags::CODING_SCHEME_DESIGNATOR)),
                start_time: attrs::string(item, tags::RADIOPHARMACEUTICAL_START_TIME),
                start_datetime: attrs::string(item, tags::RADIOPHARMACEUTICAL_START_DATE_TIME),
                total_dose: attrs::number(item, tags::RADIONUCLIDE_TOTAL_DOSE),
                half_life_s: attrs::number(item, tags::RADIONUCLIDE_HALF_LIFE),
                positron_fraction: attrs::number(item, tags::RADIONUCLIDE_POSITRON_FRACTION),
            })
            .unwrap_or_default();
        PetHeader {
            units: attrs::string(obj, tags::UNITS),
            decay_correction: attrs::string(obj, tags::DECAY_CORRECTION),
            corrected_image: attrs::strings(obj, tags::CORRECTED_IMAGE),
            series_type: attrs::strings(obj, tags::SERIES_TYPE),
            series_date: attrs::string(obj, tags::SERIES_DATE),
            series_time: attrs::string(obj, tags::SERIES_TIME),
            radiopharmaceutical,
            philips_suv_scale_factor: private_value(obj, 0x7053, "Philips PET Private Group", 0x00),
            philips_activity_concentration_factor: private_value(
                obj,
                0x7053,
                "Philips PET Private Group",
                0x09,
            ),
            ge_scan_datetime: private_value(obj, 0x0009, "GEMS_PETD_01", 0x0D),
            timezone_offset_from_utc: attrs::string(obj, tags::TIMEZONE_OFFSET_FROM_UTC),
        }
    }
}
