//! DICOM attributes: the patient/study/series modules shared by both series and the
//! CT- and PET-specific image modules.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::context::{
    StudyContext, DOSE_BQ, HALF_LIFE_S, HEIGHT_M, PATIENT_NAME, POSITRON_FRACTION, WEIGHT_KG,
};
use crate::text::{ds, DateTime};

/// Philips private creator (7053,0010).
pub const PHILIPS_PRIVATE_CREATOR: &str = "Philips PET Private Group";
/// (7053,1000) SUV Scale Factor.
pub const PHILIPS_SUV_SCALE_FACTOR: Tag = Tag(0x7053, 0x1000);
/// (7053,1009) Activity Concentration Scale Factor.
pub const PHILIPS_ACTIVITY_CONCENTRATION_SCALE_FACTOR: Tag = Tag(0x7053, 0x1009);

/// Puts one element.
pub fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: impl Into<PrimitiveValue>) {
    obj.put(DataElement::new(tag, vr, value.into()));
}

/// Puts a sequence of items.
pub fn put_seq(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// A code item (CodeValue, CodingSchemeDesignator, CodeMeaning).
pub fn code(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    let mut c = InMemDicomObject::new_empty();
    put(&mut c, tags::CODE_VALUE, VR::SH, value);
    put(&mut c, tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme);
    put(&mut c, tags::CODE_MEANING, VR::LO, meaning);
    c
}

/// Which series a header belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// The CT series.
    Ct,
    /// The PET series.
    Pet,
}

/// Patient, general study, general series, frame of reference, general equipment and
/// SOP common attributes for one instance.
pub fn common(
    ctx: &StudyContext,
    series: Series,
    sop_class: &str,
    sop_instance: &str,
) -> InMemDicomObject {
    let mut o = InMemDicomObject::new_empty();
    put(&mut o, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    put(&mut o, tags::SOP_CLASS_UID, VR::UI, sop_class);
    put(&mut o, tags::SOP_INSTANCE_UID, VR::UI, sop_instance);
    put(
        &mut o,
        tags::INSTANCE_CREATION_DATE,
        VR::DA,
        ctx.pet_series.plus(3600).da(),
    );
    put(
        &mut o,
        tags::INSTANCE_CREATION_TIME,
        VR::TM,
        ctx.pet_series.plus(3600).tm(),
    );

    // Patient
    put(&mut o, tags::PATIENT_NAME, VR::PN, PATIENT_NAME);
    put(&mut o, tags::PATIENT_ID, VR::LO, ctx.nhs_number.as_str());
    put(&mut o, tags::ISSUER_OF_PATIENT_ID, VR::LO, "NHS");
    let mut other = InMemDicomObject::new_empty();
    put(
        &mut other,
        tags::PATIENT_ID,
        VR::LO,
        ctx.nhs_number.as_str(),
    );
    put(&mut other, tags::ISSUER_OF_PATIENT_ID, VR::LO, "NHS");
    put(&mut other, tags::TYPE_OF_PATIENT_ID, VR::CS, "TEXT");
    put_seq(&mut o, tags::OTHER_PATIENT_I_DS_SEQUENCE, vec![other]);
    let b = ctx.birth_date;
    put(
        &mut o,
        tags::PATIENT_BIRTH_DATE,
        VR::DA,
        format!("{:04}{:02}{:02}", b.year, b.month, b.day),
    );
    put(&mut o, tags::PATIENT_SEX, VR::CS, "M");
    put(&mut o, tags::PATIENT_AGE, VR::AS, ctx.age.as_str());
    put(&mut o, tags::PATIENT_SIZE, VR::DS, ds(HEIGHT_M));
    put(&mut o, tags::PATIENT_WEIGHT, VR::DS, ds(WEIGHT_KG));

    // General study
    put(
        &mut o,
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        ctx.study_uid.as_str(),
    );
    put(&mut o, tags::STUDY_DATE, VR::DA, ctx.ct_series.da());
    put(&mut o, tags::STUDY_TIME, VR::TM, ctx.ct_series.tm());
    put(
        &mut o,
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        "REFERRER^TEST",
    );
    put(&mut o, tags::STUDY_ID, VR::SH, "1");
    put(
        &mut o,
        tags::ACCESSION_NUMBER,
        VR::SH,
        ctx.accession.as_str(),
    );
    put(
        &mut o,
        tags::STUDY_DESCRIPTION,
        VR::LO,
        "PET-CT FDG WHOLE BODY",
    );

    // General series
    let (modality, uid, number, description, series_time) = match series {
        Series::Ct => ("CT", &ctx.ct_series_uid, "2", "CT WB", ctx.ct_series),
        Series::Pet => ("PT", &ctx.pet_series_uid, "3", "PET AC WB", ctx.pet_series),
    };
    put(&mut o, tags::MODALITY, VR::CS, modality);
    put(&mut o, tags::SERIES_INSTANCE_UID, VR::UI, uid.as_str());
    put(&mut o, tags::SERIES_NUMBER, VR::IS, number);
    put(&mut o, tags::SERIES_DESCRIPTION, VR::LO, description);
    put(&mut o, tags::SERIES_DATE, VR::DA, series_time.da());
    put(&mut o, tags::SERIES_TIME, VR::TM, series_time.tm());
    put(&mut o, tags::BODY_PART_EXAMINED, VR::CS, "WHOLEBODY");
    put(
        &mut o,
        tags::PATIENT_POSITION,
        VR::CS,
        ctx.patient_position(),
    );

    // Frame of reference
    put(
        &mut o,
        tags::FRAME_OF_REFERENCE_UID,
        VR::UI,
        ctx.frame_of_reference_uid.as_str(),
    );
    put(&mut o, tags::POSITION_REFERENCE_INDICATOR, VR::LO, "");

    // General equipment
    put(&mut o, tags::MANUFACTURER, VR::LO, ctx.manufacturer());
    put(
        &mut o,
        tags::INSTITUTION_NAME,
        VR::LO,
        "Uptake Test Hospital",
    );
    put(&mut o, tags::STATION_NAME, VR::SH, "PHANTOM01");
    put(
        &mut o,
        tags::MANUFACTURER_MODEL_NAME,
        VR::LO,
        "Uptake Phantom Generator",
    );
    put(
        &mut o,
        tags::SOFTWARE_VERSIONS,
        VR::LO,
        env!("CARGO_PKG_VERSION"),
    );
    o
}

/// Image pixel attributes shared by single-frame and multi-frame images.
pub fn image_pixel(o: &mut InMemDicomObject, rows: usize, columns: usize, pet: bool) {
    put(o, tags::SAMPLES_PER_PIXEL, VR::US, 1u16);
    put(o, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    put(o, tags::ROWS, VR::US, rows as u16);
    put(o, tags::COLUMNS, VR::US, columns as u16);
    put(o, tags::BITS_ALLOCATED, VR::US, 16u16);
    if pet {
        put(o, tags::BITS_STORED, VR::US, 16u16);
        put(o, tags::HIGH_BIT, VR::US, 15u16);
        put(o, tags::PIXEL_REPRESENTATION, VR::US, 1u16);
    } else {
        put(o, tags::BITS_STORED, VR::US, 12u16);
        put(o, tags::HIGH_BIT, VR::US, 11u16);
        put(o, tags::PIXEL_REPRESENTATION, VR::US, 0u16);
    }
}

/// CT image attributes other than geometry and pixel data (acquisition, window,
/// rescale).
pub fn ct_image(ctx: &StudyContext, o: &mut InMemDicomObject, enhanced: bool) {
    let acq = ctx.ct_series.plus(5);
    put(
        o,
        tags::IMAGE_TYPE,
        VR::CS,
        if enhanced {
            "ORIGINAL\\PRIMARY\\AXIAL\\NONE"
        } else {
            "ORIGINAL\\PRIMARY\\AXIAL"
        },
    );
    put(o, tags::ACQUISITION_DATE, VR::DA, acq.da());
    put(o, tags::ACQUISITION_TIME, VR::TM, acq.tm());
    put(o, tags::CONTENT_DATE, VR::DA, acq.da());
    put(o, tags::CONTENT_TIME, VR::TM, acq.tm());
    put(o, tags::KVP, VR::DS, "120");
    put(o, tags::CONVOLUTION_KERNEL, VR::SH, "B30f");
    put(o, tags::X_RAY_TUBE_CURRENT, VR::IS, "80");
    put(o, tags::REVOLUTION_TIME, VR::FD, 0.5f64);
    if !enhanced {
        put(o, tags::WINDOW_CENTER, VR::DS, "40");
        put(o, tags::WINDOW_WIDTH, VR::DS, "400");
        put(o, tags::RESCALE_INTERCEPT, VR::DS, "-1024");
        put(o, tags::RESCALE_SLOPE, VR::DS, "1");
        put(o, tags::RESCALE_TYPE, VR::LO, "HU");
    }
    if let Some(t) = ctx.opts.ct_gantry_tilt_deg {
        put(o, tags::GANTRY_DETECTOR_TILT, VR::DS, ds(t));
    } else {
        put(o, tags::GANTRY_DETECTOR_TILT, VR::DS, "0");
    }
}

/// PET series and isotope attributes (everything PET-specific except per-slice timing,
/// rescale and geometry).
pub fn pet_series(ctx: &StudyContext, o: &mut InMemDicomObject, number_of_slices: usize) {
    put(o, tags::SERIES_TYPE, VR::CS, "WHOLE BODY\\IMAGE");
    put(o, tags::UNITS, VR::CS, ctx.pet_units());
    put(o, tags::COUNTS_SOURCE, VR::CS, "EMISSION");
    put(o, tags::DECAY_CORRECTION, VR::CS, "START");
    put(
        o,
        tags::CORRECTED_IMAGE,
        VR::CS,
        "ATTN\\DECY\\SCAT\\DTIM\\RAN\\NORM",
    );
    put(o, tags::RECONSTRUCTION_METHOD, VR::LO, "OSEM 3i21s");
    put(o, tags::RANDOMS_CORRECTION_METHOD, VR::CS, "DLYD");
    put(o, tags::ATTENUATION_CORRECTION_METHOD, VR::LO, "CT-based");
    put(o, tags::SCATTER_CORRECTION_METHOD, VR::LO, "Model-based");
    put(o, tags::NUMBER_OF_SLICES, VR::US, number_of_slices as u16);
    put(o, tags::NUMBER_OF_TIME_SLICES, VR::US, 1u16);

    let mut rp = InMemDicomObject::new_empty();
    put(
        &mut rp,
        tags::RADIOPHARMACEUTICAL_ROUTE,
        VR::LO,
        "Intravenous",
    );
    put(
        &mut rp,
        tags::RADIOPHARMACEUTICAL,
        VR::LO,
        "Fluorodeoxyglucose",
    );
    put(
        &mut rp,
        tags::RADIOPHARMACEUTICAL_START_TIME,
        VR::TM,
        ctx.injection.tm(),
    );
    if !ctx.opts.injection_before_midnight {
        put(
            &mut rp,
            tags::RADIOPHARMACEUTICAL_START_DATE_TIME,
            VR::DT,
            ctx.injection.dt(),
        );
    }
    put(&mut rp, tags::RADIONUCLIDE_TOTAL_DOSE, VR::DS, ds(DOSE_BQ));
    put(
        &mut rp,
        tags::RADIONUCLIDE_HALF_LIFE,
        VR::DS,
        ds(HALF_LIFE_S),
    );
    put(
        &mut rp,
        tags::RADIONUCLIDE_POSITRON_FRACTION,
        VR::DS,
        ds(POSITRON_FRACTION),
    );
    put_seq(
        &mut rp,
        tags::RADIONUCLIDE_CODE_SEQUENCE,
        vec![code("C-111A1", "SRT", "^18^Fluorine")],
    );
    put_seq(
        &mut rp,
        tags::RADIOPHARMACEUTICAL_CODE_SEQUENCE,
        vec![code("C-B1031", "SRT", "Fluorodeoxyglucose F^18^")],
    );
    put_seq(o, tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE, vec![rp]);

    if let Some((acsf_s, _, suvsf_s, _)) = &ctx.philips {
        put(o, Tag(0x7053, 0x0010), VR::LO, PHILIPS_PRIVATE_CREATOR);
        put(o, PHILIPS_SUV_SCALE_FACTOR, VR::DS, suvsf_s.as_str());
        put(
            o,
            PHILIPS_ACTIVITY_CONCENTRATION_SCALE_FACTOR,
            VR::DS,
            acsf_s.as_str(),
        );
    }
}

/// Per-slice PET timing: acquisition date/time of the bed, FrameReferenceTime and
/// ActualFrameDuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BedTiming {
    /// Bed start.
    pub acquisition: DateTime,
    /// Milliseconds from the series time to the middle of the bed.
    pub frame_reference_ms: i64,
    /// Bed duration, ms.
    pub duration_ms: i64,
}

/// Single-frame PET image attributes of one slice.
pub fn pet_slice_timing(o: &mut InMemDicomObject, t: BedTiming) {
    put(o, tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY");
    put(o, tags::ACQUISITION_DATE, VR::DA, t.acquisition.da());
    put(o, tags::ACQUISITION_TIME, VR::TM, t.acquisition.tm());
    put(o, tags::CONTENT_DATE, VR::DA, t.acquisition.da());
    put(o, tags::CONTENT_TIME, VR::TM, t.acquisition.tm());
    put(
        o,
        tags::FRAME_REFERENCE_TIME,
        VR::DS,
        t.frame_reference_ms.to_string(),
    );
    put(
        o,
        tags::ACTUAL_FRAME_DURATION,
        VR::IS,
        t.duration_ms.to_string(),
    );
}

/// Single-frame plane geometry of one slice.
pub fn plane(o: &mut InMemDicomObject, grid: &crate::grid::Grid, k: usize, instance: usize) {
    put(o, tags::INSTANCE_NUMBER, VR::IS, instance.to_string());
    put(
        o,
        tags::IMAGE_POSITION_PATIENT,
        VR::DS,
        grid.positions_ds[k].as_str(),
    );
    put(
        o,
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        grid.orientation_ds.as_str(),
    );
    put(
        o,
        tags::PIXEL_SPACING,
        VR::DS,
        grid.pixel_spacing_ds.as_str(),
    );
    put(o, tags::SLICE_THICKNESS, VR::DS, ds(grid.slice_thickness));
    put(o, tags::SLICE_LOCATION, VR::DS, grid.slice_location(k));
}
