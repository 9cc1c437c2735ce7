//! `truth.json`: everything a test needs to know about a generated study, exactly.
//!
//! Field names are stable; new fields may be added. Coordinates are DICOM patient LPS
//! in millimetres, datetimes are local ISO 8601 without zone (`2026-11-20T10:14:05`).

use serde::{Deserialize, Serialize};

use crate::options::PhantomOptions;

/// The whole truth of one generated study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Generator name and version (`uptake-phantom x.y.z`).
    pub generator: String,
    /// The options the study was written with.
    pub options: PhantomOptions,
    /// Patient demographics as written.
    pub patient: PatientTruth,
    /// Study-level identifiers.
    pub study: StudyTruth,
    /// Radiopharmaceutical, timing and the SUV factor.
    pub suv: SuvTruth,
    /// The CT series.
    pub ct: SeriesTruth,
    /// The PET series.
    pub pet: SeriesTruth,
    /// Background tissues with exact HU and SUV.
    pub tissues: Vec<TissueTruth>,
    /// The lesions.
    pub lesions: Vec<LesionTruth>,
    /// Centre of the liver (ellipsoid), LPS mm.
    pub liver_centre_lps: [f64; 3],
    /// SUV of the liver (uniform).
    pub liver_suv: f64,
    /// A lesion-free 3 cm sphere inside the liver (right lobe) for reference-region tests.
    pub liver_reference: SphereTruth,
}

/// Patient module values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientTruth {
    /// PatientName (PN).
    pub name: String,
    /// NHS Number (PatientID, IssuerOfPatientID `NHS`), 10 digits, valid check digit.
    pub nhs_number: String,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: String,
    /// PatientAge as written, e.g. `065Y`.
    pub age: String,
    /// PatientSex (`M`).
    pub sex: String,
    /// PatientWeight, kg.
    pub weight_kg: f64,
    /// PatientSize, m.
    pub height_m: f64,
}

/// Study-level identifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyTruth {
    /// StudyInstanceUID (shared by CT and PET).
    pub study_instance_uid: String,
    /// FrameOfReferenceUID (shared by CT and PET).
    pub frame_of_reference_uid: String,
    /// AccessionNumber.
    pub accession_number: String,
    /// StudyDate + StudyTime (the CT start).
    pub study_datetime: String,
    /// PatientPosition (`HFS` or `FFS`).
    pub patient_position: String,
}

/// Everything needed to check SUV computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuvTruth {
    /// Injection (RadiopharmaceuticalStartDateTime, or SeriesDate − 1 day + StartTime
    /// with the midnight option).
    pub injection_datetime: String,
    /// PET SeriesDate + SeriesTime: the time the dose is decayed to.
    pub series_datetime: String,
    /// Seconds from injection to series.
    pub decay_time_s: f64,
    /// RadionuclideTotalDose, Bq.
    pub dose_bq: f64,
    /// RadionuclideHalfLife, s.
    pub half_life_s: f64,
    /// `dose_bq · 2^(−decay_time_s / half_life_s)`.
    pub decayed_dose_bq: f64,
    /// SUVbw per Bq/ml: `weight_kg · 1000 / decayed_dose_bq`. SUV = Bq/ml × this.
    pub suvbw_factor: f64,
    /// PET Units (`BQML` or `CNTS`).
    pub units: String,
    /// Philips private factors (only with `philips_cnts`).
    pub philips: Option<PhilipsTruth>,
    /// DecayCorrection (`START`).
    pub decay_correction: String,
}

/// The Philips private scale factors as written (DS with a trailing space) and parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhilipsTruth {
    /// (7053,1000) SUV Scale Factor: rescaled counts × this = SUVbw.
    pub suv_scale_factor: f64,
    /// (7053,1009) Activity Concentration Scale Factor: rescaled counts × this = Bq/ml.
    pub activity_concentration_scale_factor: f64,
    /// The strings written, trailing space included.
    pub suv_scale_factor_ds: String,
    /// The strings written, trailing space included.
    pub activity_concentration_scale_factor_ds: String,
}

/// Geometry and encoding of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesTruth {
    /// SeriesInstanceUID.
    pub series_instance_uid: String,
    /// SOPClassUID.
    pub sop_class_uid: String,
    /// Modality (`CT`, `PT`).
    pub modality: String,
    /// SeriesDescription.
    pub series_description: String,
    /// \[columns, rows, slices\] of the grid (slices before any is dropped).
    pub dims: [usize; 3],
    /// PixelSpacing as DICOM orders it: \[between rows, between columns\], mm.
    pub pixel_spacing_mm: [f64; 2],
    /// Nominal distance between consecutive slice positions, mm (|slice_step_lps|).
    pub slice_spacing_mm: f64,
    /// Nominal step between consecutive ImagePositionPatient values, LPS mm. Not
    /// parallel to the plane normal when the CT gantry is tilted.
    pub slice_step_lps: [f64; 3],
    /// SliceThickness, mm.
    pub slice_thickness_mm: f64,
    /// ImageOrientationPatient as written: row direction, column direction.
    pub orientation: [f64; 6],
    /// ImagePositionPatient of slice 0 (slice position order: along `slice_step_lps`).
    pub first_position_lps: [f64; 3],
    /// ImagePositionPatient of the last slice.
    pub last_position_lps: [f64; 3],
    /// Pixel units after rescale: `HU`, `BQML` or `CNTS`.
    pub units: String,
    /// Voxel volume, ml (spacings × distance between planes along the normal).
    pub voxel_volume_ml: f64,
    /// GantryDetectorTilt, degrees (CT with the tilt option).
    pub gantry_tilt_deg: Option<f64>,
    /// Index (slice position order) of the slice left out, if any.
    pub dropped_slice_index: Option<usize>,
    /// Number of files written for the series.
    pub files: usize,
    /// Transfer syntax UID of the files.
    pub transfer_syntax_uid: String,
    /// RescaleSlope of each slice in slice position order (PET: per slice; CT: all 1).
    pub rescale_slopes: Vec<f64>,
    /// RescaleIntercept (CT −1024, PET 0).
    pub rescale_intercept: f64,
}

/// One background tissue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TissueTruth {
    /// Name (`air`, `soft_tissue`, `spine`, `right_lung`, `left_lung`, `liver`).
    pub name: String,
    /// CT number, HU.
    pub hu: i32,
    /// SUVbw.
    pub suv: f64,
}

/// A sphere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SphereTruth {
    /// Centre, LPS mm.
    pub centre_lps: [f64; 3],
    /// Radius, mm.
    pub radius_mm: f64,
}

/// One lesion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LesionTruth {
    /// Stable name.
    pub name: String,
    /// Centre, LPS mm.
    pub centre_lps: [f64; 3],
    /// Diameter, mm.
    pub diameter_mm: f64,
    /// Uniform SUVbw (also SUVmax and SUVmean of the exact voxel set).
    pub suv: f64,
    /// CT number, HU.
    pub ct_hu: i32,
    /// `left` (x > 0) or `right` (x < 0) of the patient.
    pub side: String,
    /// Host tissue name (see `tissues`).
    pub host_tissue: String,
    /// SUV of the host tissue.
    pub host_suv: f64,
    /// PET voxels whose centre is inside the sphere (`|p − c|² ≤ r²`), on the written grid.
    pub pet_voxels: u64,
    /// CT voxels whose centre is inside the sphere, on the written slices.
    pub ct_voxels: u64,
    /// Metabolic volume at 41 % of SUVmax: `pet_voxels × PET voxel volume`, ml.
    pub mtv_ml_41: f64,
    /// `mtv_ml_41 × suv`.
    pub tlg_41: f64,
    /// The sphere's exact volume, ml.
    pub sphere_volume_ml: f64,
    /// SUVpeak: `suv` when a 1 cm³ sphere (r = 6.2 mm) fits inside the lesion even
    /// counting every voxel it touches (r ≥ 6.2 mm + half the PET voxel diagonal),
    /// otherwise `null`.
    pub suvpeak: Option<f64>,
}

use crate::context::{StudyContext, DOSE_BQ, HALF_LIFE_S, HEIGHT_M, PATIENT_NAME, WEIGHT_KG};
use crate::grid::{dot, Grid};
use crate::model::Phantom;
use crate::writer::SeriesOutcome;

/// SUVpeak sphere radius (1 cm³), mm.
pub const SUVPEAK_RADIUS_MM: f64 = 6.2;

/// Inputs describing one written series, for [`Truth::assemble`].
#[derive(Debug, Clone)]
pub struct SeriesFacts<'a> {
    /// The grid.
    pub grid: &'a Grid,
    /// What the writer produced.
    pub outcome: &'a SeriesOutcome,
    /// SeriesInstanceUID.
    pub series_uid: &'a str,
    /// SOP Class UID.
    pub sop_class: &'a str,
    /// Modality.
    pub modality: &'a str,
    /// SeriesDescription.
    pub description: &'a str,
    /// Units after rescale.
    pub units: &'a str,
    /// RescaleIntercept.
    pub intercept: f64,
    /// Dropped slice.
    pub dropped: Option<usize>,
}

impl SeriesFacts<'_> {
    fn to_truth(&self, transfer_syntax: &str) -> SeriesTruth {
        let g = self.grid;
        let n = g.positions.len();
        SeriesTruth {
            series_instance_uid: self.series_uid.to_string(),
            sop_class_uid: self.sop_class.to_string(),
            modality: self.modality.to_string(),
            series_description: self.description.to_string(),
            dims: [g.columns, g.rows, g.slices],
            pixel_spacing_mm: g.pixel_spacing,
            slice_spacing_mm: g.slice_spacing,
            slice_step_lps: g.slice_step,
            slice_thickness_mm: g.slice_thickness,
            orientation: g.orientation,
            first_position_lps: g.positions[0],
            last_position_lps: g.positions[n - 1],
            units: self.units.to_string(),
            voxel_volume_ml: g.voxel_volume_ml(),
            gantry_tilt_deg: g.gantry_tilt_deg,
            dropped_slice_index: self.dropped,
            files: self.outcome.files,
            transfer_syntax_uid: transfer_syntax.to_string(),
            rescale_slopes: self.outcome.slopes.clone(),
            rescale_intercept: self.intercept,
        }
    }
}

impl Truth {
    /// Builds the truth of a written study.
    pub fn assemble(
        ctx: &StudyContext,
        phantom: &Phantom,
        ct: SeriesFacts<'_>,
        pet: SeriesFacts<'_>,
    ) -> Truth {
        let pet_voxel_ml = pet.grid.voxel_volume_ml();
        let ps = pet.grid.pixel_spacing;
        let half_diag = {
            let n = pet.grid.normal();
            let between = dot(pet.grid.slice_step, n).abs() / dot(n, n).sqrt();
            (ps[0] * ps[0] + ps[1] * ps[1] + between * between).sqrt() / 2.0
        };
        let lesions = phantom
            .lesions
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let pet_voxels = pet.outcome.lesion_counts.get(i).copied().unwrap_or(0);
                let mtv = pet_voxels as f64 * pet_voxel_ml;
                let r = l.radius_mm();
                LesionTruth {
                    name: l.name.clone(),
                    centre_lps: l.centre_lps,
                    diameter_mm: l.diameter_mm,
                    suv: l.suv,
                    ct_hu: l.ct_hu,
                    side: l.side().to_string(),
                    host_tissue: l.host.name().to_string(),
                    host_suv: phantom.values_of(l.host).suv,
                    pet_voxels,
                    ct_voxels: ct.outcome.lesion_counts.get(i).copied().unwrap_or(0),
                    mtv_ml_41: mtv,
                    tlg_41: mtv * l.suv,
                    sphere_volume_ml: 4.0 / 3.0 * std::f64::consts::PI * r * r * r / 1000.0,
                    suvpeak: (r >= SUVPEAK_RADIUS_MM + half_diag).then_some(l.suv),
                }
            })
            .collect();
        let liver = phantom.values_of(crate::model::Tissue::Liver);
        Truth {
            generator: format!("uptake-phantom {}", env!("CARGO_PKG_VERSION")),
            options: ctx.opts.clone(),
            patient: PatientTruth {
                name: PATIENT_NAME.to_string(),
                nhs_number: ctx.nhs_number.clone(),
                birth_date: format!(
                    "{:04}-{:02}-{:02}",
                    ctx.birth_date.year, ctx.birth_date.month, ctx.birth_date.day
                ),
                age: ctx.age.clone(),
                sex: "M".to_string(),
                weight_kg: WEIGHT_KG,
                height_m: HEIGHT_M,
            },
            study: StudyTruth {
                study_instance_uid: ctx.study_uid.clone(),
                frame_of_reference_uid: ctx.frame_of_reference_uid.clone(),
                accession_number: ctx.accession.clone(),
                study_datetime: ctx.ct_series.iso(),
                patient_position: ctx.patient_position().to_string(),
            },
            suv: SuvTruth {
                injection_datetime: ctx.injection.iso(),
                series_datetime: ctx.pet_series.iso(),
                decay_time_s: ctx.decay_time_s(),
                dose_bq: DOSE_BQ,
                half_life_s: HALF_LIFE_S,
                decayed_dose_bq: ctx.decayed_dose_bq,
                suvbw_factor: ctx.suvbw_factor,
                units: ctx.pet_units().to_string(),
                philips: ctx
                    .philips
                    .as_ref()
                    .map(|(acsf_s, acsf, suvsf_s, suvsf)| PhilipsTruth {
                        suv_scale_factor: *suvsf,
                        activity_concentration_scale_factor: *acsf,
                        suv_scale_factor_ds: suvsf_s.clone(),
                        activity_concentration_scale_factor_ds: acsf_s.clone(),
                    }),
                decay_correction: "START".to_string(),
            },
            ct: ct.to_truth(ctx.transfer_syntax),
            pet: pet.to_truth(ctx.transfer_syntax),
            tissues: phantom
                .tissue_table()
                .into_iter()
                .map(|(t, v)| TissueTruth {
                    name: t.name().to_string(),
                    hu: v.hu,
                    suv: v.suv,
                })
                .collect(),
            lesions,
            liver_centre_lps: phantom.liver.centre,
            liver_suv: liver.suv,
            liver_reference: SphereTruth {
                centre_lps: phantom.liver_reference_centre,
                radius_mm: phantom.liver_reference_radius_mm,
            },
        }
    }
}
