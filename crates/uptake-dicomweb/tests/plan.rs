//! Retrieval plan on a synthetic study with NAC, MIP, screen-capture and two CT series.

use uptake_dicomweb::json::{Attribute, Dataset, SeriesSummary, Value};
use uptake_dicomweb::plan::RetrieveRequest;
use uptake_dicomweb::{tags, PlanError, RetrievalPlan, SeriesCandidate};

fn s(v: &str) -> Value {
    Value::Strings(v.split('\\').map(|x| Some(x.to_string())).collect())
}

fn ds(attrs: &[(u32, &str, Value)]) -> Dataset {
    let mut d = Dataset::default();
    for (t, vr, v) in attrs {
        d.attributes.insert(
            *t,
            Attribute {
                vr: vr.to_string(),
                value: v.clone(),
            },
        );
    }
    d
}

fn series(
    uid: &str,
    modality: &str,
    desc: &str,
    n: usize,
    extra: &[(u32, &str, Value)],
    fo_r: &str,
) -> SeriesCandidate {
    let metadata = (0..n)
        .map(|i| {
            let mut a: Vec<(u32, &str, Value)> = vec![
                (tags::SOP_INSTANCE_UID, "UI", s(&format!("{uid}.{i}"))),
                (tags::FRAME_OF_REFERENCE_UID, "UI", s(fo_r)),
                (
                    tags::IMAGE_ORIENTATION_PATIENT,
                    "DS",
                    Value::Numbers(vec![
                        Some(1.0),
                        Some(0.0),
                        Some(0.0),
                        Some(0.0),
                        Some(1.0),
                        Some(0.0),
                    ]),
                ),
                // Stored in reverse order of position, to check sorting.
                (
                    tags::IMAGE_POSITION_PATIENT,
                    "DS",
                    Value::Numbers(vec![Some(0.0), Some(0.0), Some(-(i as f64) * 3.0)]),
                ),
            ];
            a.extend(extra.iter().cloned());
            ds(&a)
        })
        .collect();
    SeriesCandidate {
        summary: SeriesSummary {
            study_uid: Some("1.2".into()),
            series_uid: uid.into(),
            modality: Some(modality.into()),
            description: Some(desc.into()),
            number: Some(1),
            instance_count: Some(n as u64),
        },
        metadata,
    }
}

#[test]
fn picks_ac_pet_and_ct_with_same_frame_of_reference() {
    let attn = (tags::CORRECTED_IMAGE, "CS", s("DECY\\ATTN\\SCAT\\DTIM"));
    let nac = (tags::CORRECTED_IMAGE, "CS", s("DECY\\SCAT\\DTIM"));
    let mip = (tags::IMAGE_TYPE, "CS", s("DERIVED\\SECONDARY\\MIP"));
    let sc = (tags::SOP_CLASS_UID, "UI", s("1.2.840.10008.5.1.4.1.1.7"));
    let cands = vec![
        series("1.1", "PT", "PET NAC", 300, &[nac], "9.9"),
        series("1.2", "PT", "PET WB AC", 10, &[attn], "9.9"),
        series("1.3", "PT", "PET MIP", 400, &[mip], "9.9"),
        series("1.4", "PT", "Screen Save", 1, &[sc], "9.9"),
        series("1.5", "PT", "PET WB noAC", 300, &[], "9.9"),
        series("2.1", "CT", "CT other frame", 500, &[], "8.8"),
        series("2.2", "CT", "CT WB 3mm", 6, &[], "9.9"),
        series(
            "2.3",
            "CT",
            "Topogram",
            1,
            &[(tags::IMAGE_TYPE, "CS", s("ORIGINAL\\PRIMARY\\LOCALIZER"))],
            "9.9",
        ),
        series("3.1", "SR", "Dose report", 1, &[], "9.9"),
    ];
    let plan = RetrievalPlan::choose("1.2", &cands).unwrap();
    assert_eq!(plan.pet_series_uid, "1.2");
    assert_eq!(plan.ct_series_uid.as_deref(), Some("2.2"));
    let text = plan.explanation_text();
    for needle in [
        "NAC",
        "maximum intensity projection",
        "secondary capture",
        "FrameOfReferenceUID",
        "localizer",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
    assert_eq!(plan.expected_instances, 16);
    assert_eq!(plan.requests.len(), 16);
    // Centre-first: the first PET request is the middle slice along the normal.
    let RetrieveRequest::Instance {
        series_uid,
        sop_instance_uid,
    } = &plan.requests[0]
    else {
        panic!()
    };
    assert_eq!(series_uid, "1.2");
    // Positions are z = -3i, so sorted ascending the order is i = 9..0; the middle (index 5) is i = 4.
    assert_eq!(sop_instance_uid, "1.2.4");
    assert!(
        matches!(&plan.requests[1], RetrieveRequest::Instance { series_uid, .. } if series_uid == "2.2")
    );
    assert_eq!(plan.per_series().len(), 2);
}

#[test]
fn no_usable_pet_is_explained() {
    let cands = vec![
        series("1.1", "PT", "PET NAC", 3, &[], "9"),
        series("2.2", "CT", "CT", 3, &[], "9"),
    ];
    match RetrievalPlan::choose("1.2", &cands) {
        Err(PlanError::NoPet(r)) => assert!(r[0].contains("NAC")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        RetrievalPlan::choose("1.2", &[]),
        Err(PlanError::NoPet(_))
    ));
}

#[test]
fn without_metadata_falls_back_to_series_requests() {
    let mut pet = series("1.2", "PT", "PET", 0, &[], "9");
    pet.summary.instance_count = Some(5);
    let plan = RetrievalPlan::choose("1.2", &[pet]).unwrap();
    assert_eq!(
        plan.requests,
        vec![RetrieveRequest::Series {
            series_uid: "1.2".into()
        }]
    );
    assert_eq!(plan.ct_series_uid, None);
    assert_eq!(plan.expected_instances, 5);
}
