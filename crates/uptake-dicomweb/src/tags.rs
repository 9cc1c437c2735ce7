//! The tags this crate reads from DICOM JSON, as `0xGGGGEEEE`.
#![allow(missing_docs)]

pub const SPECIFIC_CHARACTER_SET: u32 = 0x0008_0005;
pub const IMAGE_TYPE: u32 = 0x0008_0008;
pub const SOP_CLASS_UID: u32 = 0x0008_0016;
pub const SOP_INSTANCE_UID: u32 = 0x0008_0018;
pub const STUDY_DATE: u32 = 0x0008_0020;
pub const STUDY_TIME: u32 = 0x0008_0030;
pub const ACCESSION_NUMBER: u32 = 0x0008_0050;
pub const MODALITY: u32 = 0x0008_0060;
pub const MODALITIES_IN_STUDY: u32 = 0x0008_0061;
pub const STUDY_DESCRIPTION: u32 = 0x0008_1030;
pub const SERIES_DESCRIPTION: u32 = 0x0008_103E;
pub const PATIENT_NAME: u32 = 0x0010_0010;
pub const PATIENT_ID: u32 = 0x0010_0020;
pub const PATIENT_BIRTH_DATE: u32 = 0x0010_0030;
pub const STUDY_INSTANCE_UID: u32 = 0x0020_000D;
pub const SERIES_INSTANCE_UID: u32 = 0x0020_000E;
pub const STUDY_ID: u32 = 0x0020_0010;
pub const SERIES_NUMBER: u32 = 0x0020_0011;
pub const INSTANCE_NUMBER: u32 = 0x0020_0013;
pub const IMAGE_POSITION_PATIENT: u32 = 0x0020_0032;
pub const IMAGE_ORIENTATION_PATIENT: u32 = 0x0020_0037;
pub const FRAME_OF_REFERENCE_UID: u32 = 0x0020_0052;
pub const NUMBER_OF_STUDY_RELATED_SERIES: u32 = 0x0020_1206;
pub const NUMBER_OF_STUDY_RELATED_INSTANCES: u32 = 0x0020_1208;
pub const NUMBER_OF_SERIES_RELATED_INSTANCES: u32 = 0x0020_1209;
pub const NUMBER_OF_FRAMES: u32 = 0x0028_0008;
pub const ROWS: u32 = 0x0028_0010;
pub const COLUMNS: u32 = 0x0028_0011;
pub const CORRECTED_IMAGE: u32 = 0x0028_0051;
pub const PIXEL_DATA: u32 = 0x7FE0_0010;

/// Formats a tag as the 8 upper-case hex digits used as DICOM JSON keys.
pub fn key(tag: u32) -> String {
    format!("{tag:08X}")
}
