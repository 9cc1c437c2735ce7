//! The typed header of one image instance: identity, pixel format, per-frame geometry and
//! rescale, and (for PET) the raw inputs that SUV needs.

use crate::attrs::{self, Object};
use crate::error::Problem;
use crate::patient::PatientInfo;
use crate::pet::PetHeader;
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use serde::Serialize;

/// How stored samples are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PixelFormat {
    /// Rows (image height).
    pub rows: u32,
    /// Columns (image width).
    pub columns: u32,
    /// SamplesPerPixel (1 for CT/PET).
    pub samples_per_pixel: u32,
    /// BitsAllocated (8, 16 or 32).
    pub bits_allocated: u32,
    /// BitsStored.
    pub bits_stored: u32,
    /// HighBit.
    pub high_bit: u32,
    /// PixelRepresentation = 1 (two's complement).
    pub signed: bool,
}

impl PixelFormat {
    /// Bytes of one stored sample.
    pub fn bytes_per_sample(&self) -> usize {
        self.bits_allocated.div_ceil(8) as usize
    }

    /// Samples in one frame.
    pub fn samples_per_frame(&self) -> usize {
        self.rows as usize * self.columns as usize * self.samples_per_pixel as usize
    }
}

/// Geometry, rescale and timing of one frame (the only frame of a classic single-frame image).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameInfo {
    /// ImagePositionPatient: LPS mm of the centre of the first transmitted pixel.
    pub position: Option<[f64; 3]>,
    /// ImageOrientationPatient: row direction then column direction.
    pub orientation: Option<[f64; 6]>,
    /// PixelSpacing: [between rows, between columns] in mm.
    pub pixel_spacing: Option<[f64; 2]>,
    /// SliceThickness in mm.
    pub slice_thickness: Option<f64>,
    /// RescaleSlope (1 if absent).
    pub rescale_slope: f64,
    /// RescaleIntercept (0 if absent).
    pub rescale_intercept: f64,
    /// AcquisitionDate (DA) as found.
    pub acquisition_date: Option<String>,
    /// AcquisitionTime (TM) as found.
    pub acquisition_time: Option<String>,
    /// AcquisitionDateTime / FrameAcquisitionDateTime (DT) as found.
    pub acquisition_datetime: Option<String>,
    /// FrameReferenceTime in ms (PET).
    pub frame_reference_time_ms: Option<f64>,
    /// ActualFrameDuration / FrameAcquisitionDuration in ms (PET).
    pub frame_duration_ms: Option<f64>,
    /// DecayFactor (0054,1321) (PET).
    pub decay_factor: Option<f64>,
    /// InstanceNumber of the instance (same for every frame of a multi-frame).
    pub instance_number: Option<i64>,
}

/// Everything this crate reads from one image instance, without its pixels.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceHeader {
    /// File path or name of the byte source.
    pub source_name: String,
    /// Transfer syntax UID of the data set.
    pub transfer_syntax: String,
    /// SOPClassUID.
    pub sop_class_uid: String,
    /// SOPInstanceUID.
    pub sop_instance_uid: String,
    /// Modality (`CT`, `PT`, …).
    pub modality: String,
    /// StudyInstanceUID.
    pub study_uid: String,
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// FrameOfReferenceUID.
    pub frame_of_reference_uid: Option<String>,
    /// SeriesNumber.
    pub series_number: Option<i64>,
    /// AcquisitionNumber.
    pub acquisition_number: Option<i64>,
    /// SeriesDescription.
    pub series_description: Option<String>,
    /// StudyDescription.
    pub study_description: Option<String>,
    /// StudyDate (DA).
    pub study_date: Option<String>,
    /// StudyTime (TM).
    pub study_time: Option<String>,
    /// AccessionNumber.
    pub accession_number: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// ManufacturerModelName.
    pub model: Option<String>,
    /// PatientPosition (`HFS`, `FFS`, …).
    pub patient_position: Option<String>,
    /// ImageType values.
    pub image_type: Vec<String>,
    /// GantryDetectorTilt in degrees (CT).
    pub gantry_tilt_deg: Option<f64>,
    /// RescaleType (e.g. `HU`).
    pub rescale_type: Option<String>,
    /// PhotometricInterpretation.
    pub photometric: String,
    /// Stored sample layout.
    pub pixel: PixelFormat,
    /// One entry per frame.
    pub frames: Vec<FrameInfo>,
    /// Patient identity and body measurements.
    pub patient: PatientInfo,
    /// PET acquisition and SUV inputs; `None` for other modalities.
    pub pet: Option<PetHeader>,
}

/// SOP classes of enhanced multi-frame images that carry functional groups.
const ENHANCED_CLASSES: [&str; 3] = [
    "1.2.840.10008.5.1.4.1.1.2.1", // Enhanced CT
    "1.2.840.10008.5.1.4.1.1.130", // Enhanced PET
    "1.2.840.10008.5.1.4.1.1.2.2", // Legacy Converted Enhanced CT
];

fn int(obj: &Object, tag: Tag) -> Option<i64> {
    attrs::number(obj, tag)
        .filter(|v| v.fract() == 0.0)
        .map(|v| v as i64)
}

fn required(obj: &Object, tag: Tag, name: &'static str) -> Result<String, Problem> {
    attrs::string(obj, tag).ok_or(Problem::MissingAttribute(name))
}

fn required_uint(obj: &Object, tag: Tag, name: &'static str) -> Result<u32, Problem> {
    attrs::uint(obj, tag).ok_or(Problem::MissingAttribute(name))
}

/// Finds `attr` inside functional group `group_seq` of the per-frame item, else the shared item.
fn fg<'a>(
    per_frame: Option<&'a Object>,
    shared: Option<&'a Object>,
    group_seq: Tag,
    attr: Tag,
) -> Option<&'a Object> {
    for item in [per_frame, shared].into_iter().flatten() {
        if let Some(group) = attrs::first_item(item, group_seq) {
            if group.get(attr).is_some() {
                return Some(group);
            }
        }
    }
    None
}

impl InstanceHeader {
    /// Reads the header of an image object. Fails when an attribute needed to place or decode
    /// the pixels is missing.
    pub fn from_object(
        source_name: &str,
        transfer_syntax: &str,
        obj: &Object,
    ) -> Result<Self, Problem> {
        let has_pixel_data = obj.get(tags::PIXEL_DATA).is_some();
        Self::from_object_parts(source_name, transfer_syntax, obj, has_pixel_data)
    }

    /// As [`InstanceHeader::from_object`], for an object read up to (not including) its
    /// PixelData, whose presence the caller established.
    pub(crate) fn from_object_parts(
        source_name: &str,
        transfer_syntax: &str,
        obj: &Object,
        has_pixel_data: bool,
    ) -> Result<Self, Problem> {
        let sop_class_uid = required(obj, tags::SOP_CLASS_UID, "SOPClassUID")?;
        let modality = attrs::string(obj, tags::MODALITY).unwrap_or_default();
        let rows = required_uint(obj, tags::ROWS, "Rows")?;
        let columns = required_uint(obj, tags::COLUMNS, "Columns")?;
        if !has_pixel_data {
            return Err(Problem::NotAnImage(sop_class_uid));
        }
        let bits_allocated = required_uint(obj, tags::BITS_ALLOCATED, "BitsAllocated")?;
        let bits_stored = attrs::uint(obj, tags::BITS_STORED).unwrap_or(bits_allocated);
        let high_bit = attrs::uint(obj, tags::HIGH_BIT).unwrap_or(bits_stored.saturating_sub(1));
        let pixel = PixelFormat {
            rows,
            columns,
            samples_per_pixel: attrs::uint(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1),
            bits_allocated,
            bits_stored,
            high_bit,
            signed: attrs::uint(obj, tags::PIXEL_REPRESENTATION).unwrap_or(0) == 1,
        };
        validate_format(&pixel)?;
        let frame_count = attrs::number(obj, tags::NUMBER_OF_FRAMES)
            .map(|n| n.max(1.0) as usize)
            .unwrap_or(1);
        if frame_count > 100_000 {
            return Err(Problem::InvalidAttribute {
                attribute: "NumberOfFrames",
                detail: format!("{frame_count} frames is implausible"),
            });
        }
        let enhanced = ENHANCED_CLASSES.contains(&sop_class_uid.as_str())
            || obj
                .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
                .is_some();
        let frames = if enhanced {
            enhanced_frames(obj, frame_count)
        } else {
            let base = classic_frame(obj);
            vec![base; frame_count]
        };
        let pet = (modality == "PT").then(|| PetHeader::from_object(obj));
        Ok(InstanceHeader {
            source_name: source_name.to_string(),
            transfer_syntax: transfer_syntax.to_string(),
            sop_instance_uid: attrs::string(obj, tags::SOP_INSTANCE_UID).unwrap_or_default(),
            sop_class_uid,
            modality,
            study_uid: attrs::string(obj, tags::STUDY_INSTANCE_UID).unwrap_or_default(),
            series_uid: required(obj, tags::SERIES_INSTANCE_UID, "SeriesInstanceUID")?,
            frame_of_reference_uid: attrs::string(obj, tags::FRAME_OF_REFERENCE_UID),
            series_number: int(obj, tags::SERIES_NUMBER),
            acquisition_number: int(obj, tags::ACQUISITION_NUMBER),
            series_description: attrs::string(obj, tags::SERIES_DESCRIPTION),
            study_description: attrs::string(obj, tags::STUDY_DESCRIPTION),
            study_date: attrs::string(obj, tags::STUDY_DATE),
            study_time: attrs::string(obj, tags::STUDY_TIME),
            accession_number: attrs::string(obj, tags::ACCESSION_NUMBER),
            manufacturer: attrs::string(obj, tags::MANUFACTURER),
            model: attrs::string(obj, tags::MANUFACTURER_MODEL_NAME),
            patient_position: attrs::string(obj, tags::PATIENT_POSITION),
            image_type: attrs::strings(obj, tags::IMAGE_TYPE),
            gantry_tilt_deg: attrs::number(obj, tags::GANTRY_DETECTOR_TILT),
            rescale_type: attrs::string(obj, tags::RESCALE_TYPE),
            photometric: attrs::string(obj, tags::PHOTOMETRIC_INTERPRETATION)
                .unwrap_or_else(|| "MONOCHROME2".into()),
            pixel,
            frames,
            patient: PatientInfo::from_object(obj),
            pet,
        })
    }

    /// Number of frames.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }
}

fn validate_format(p: &PixelFormat) -> Result<(), Problem> {
    if p.rows == 0 || p.columns == 0 {
        return Err(Problem::InvalidAttribute {
            attribute: "Rows/Columns",
            detail: format!("{}×{}", p.columns, p.rows),
        });
    }
    if p.samples_per_pixel != 1 {
        return Err(Problem::UnsupportedPixelFormat(format!(
            "{} samples per pixel (CT and PET are monochrome)",
            p.samples_per_pixel
        )));
    }
    if !matches!(p.bits_allocated, 8 | 16 | 32) {
        return Err(Problem::UnsupportedPixelFormat(format!(
            "BitsAllocated {}",
            p.bits_allocated
        )));
    }
    if p.bits_stored == 0
        || p.bits_stored > p.bits_allocated
        || p.high_bit >= p.bits_allocated
        || p.high_bit + 1 < p.bits_stored
    {
        return Err(Problem::UnsupportedPixelFormat(format!(
            "BitsStored {} / HighBit {} inconsistent with BitsAllocated {}",
            p.bits_stored, p.high_bit, p.bits_allocated
        )));
    }
    Ok(())
}

fn classic_frame(obj: &Object) -> FrameInfo {
    FrameInfo {
        position: attrs::fixed::<3>(obj, tags::IMAGE_POSITION_PATIENT),
        orientation: attrs::fixed::<6>(obj, tags::IMAGE_ORIENTATION_PATIENT),
        pixel_spacing: attrs::fixed::<2>(obj, tags::PIXEL_SPACING),
        slice_thickness: attrs::number(obj, tags::SLICE_THICKNESS),
        rescale_slope: attrs::number(obj, tags::RESCALE_SLOPE).unwrap_or(1.0),
        rescale_intercept: attrs::number(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0),
        acquisition_date: attrs::string(obj, tags::ACQUISITION_DATE),
        acquisition_time: attrs::string(obj, tags::ACQUISITION_TIME),
        acquisition_datetime: attrs::string(obj, tags::ACQUISITION_DATE_TIME),
        frame_reference_time_ms: attrs::number(obj, tags::FRAME_REFERENCE_TIME),
        frame_duration_ms: attrs::number(obj, tags::ACTUAL_FRAME_DURATION),
        decay_factor: attrs::number(obj, tags::DECAY_FACTOR),
        instance_number: int(obj, tags::INSTANCE_NUMBER),
    }
}

fn enhanced_frames(obj: &Object, frame_count: usize) -> Vec<FrameInfo> {
    let shared = attrs::first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    let per_frame = attrs::items(obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let base = classic_frame(obj);
    (0..frame_count)
        .map(|f| {
            let pf = per_frame.get(f);
            let get3 = |seq, tag| fg(pf, shared, seq, tag).and_then(|g| attrs::fixed::<3>(g, tag));
            let num = |seq, tag| fg(pf, shared, seq, tag).and_then(|g| attrs::number(g, tag));
            let text = |seq, tag| fg(pf, shared, seq, tag).and_then(|g| attrs::string(g, tag));
            FrameInfo {
                position: get3(tags::PLANE_POSITION_SEQUENCE, tags::IMAGE_POSITION_PATIENT)
                    .or(base.position),
                orientation: fg(
                    pf,
                    shared,
                    tags::PLANE_ORIENTATION_SEQUENCE,
                    tags::IMAGE_ORIENTATION_PATIENT,
                )
                .and_then(|g| attrs::fixed::<6>(g, tags::IMAGE_ORIENTATION_PATIENT))
                .or(base.orientation),
                pixel_spacing: fg(
                    pf,
                    shared,
                    tags::PIXEL_MEASURES_SEQUENCE,
                    tags::PIXEL_SPACING,
                )
                .and_then(|g| attrs::fixed::<2>(g, tags::PIXEL_SPACING))
                .or(base.pixel_spacing),
                slice_thickness: num(tags::PIXEL_MEASURES_SEQUENCE, tags::SLICE_THICKNESS)
                    .or(base.slice_thickness),
                rescale_slope: num(
                    tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                    tags::RESCALE_SLOPE,
                )
                .unwrap_or(base.rescale_slope),
                rescale_intercept: num(
                    tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                    tags::RESCALE_INTERCEPT,
                )
                .unwrap_or(base.rescale_intercept),
                acquisition_date: base.acquisition_date.clone(),
                acquisition_time: base.acquisition_time.clone(),
                acquisition_datetime: text(
                    tags::FRAME_CONTENT_SEQUENCE,
                    tags::FRAME_ACQUISITION_DATE_TIME,
                )
                .or(base.acquisition_datetime.clone()),
                frame_reference_time_ms: num(
                    tags::FRAME_CONTENT_SEQUENCE,
                    tags::FRAME_REFERENCE_TIME,
                )
                .or(base.frame_reference_time_ms),
                frame_duration_ms: num(
                    tags::FRAME_CONTENT_SEQUENCE,
                    tags::FRAME_ACQUISITION_DURATION,
                )
                .or(base.frame_duration_ms),
                decay_factor: base.decay_factor,
                instance_number: base.instance_number,
            }
        })
        .collect()
}
