//! DICOM JSON model: hand-written samples in the forms real servers send.

use uptake_dicomweb::json::{parse_datasets, DicomDate, StudySummary};
use uptake_dicomweb::{tags, JsonError, SeriesSummary, Value};

const STUDY: &str = r#"[{
  "00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
  "00080020": {"vr": "DA", "Value": ["20261127"]},
  "00080030": {"vr": "TM", "Value": ["093015.250"]},
  "00080050": {"vr": "SH", "Value": ["ACC0001"]},
  "00080061": {"vr": "CS", "Value": ["CT", "PT"]},
  "00081030": {"vr": "LO", "Value": ["PET-CT WHOLE BODY"]},
  "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}]},
  "00100020": {"vr": "LO", "Value": ["9434765919"]},
  "0020000D": {"vr": "UI", "Value": ["1.2.826.0.1.3680043.8.498.1"]},
  "00201206": {"vr": "IS", "Value": [3]},
  "00201208": {"vr": "IS", "Value": ["532"]}
}]"#;

const INSTANCE: &str = r#"[{
  "00080008": {"vr": "CS", "Value": ["ORIGINAL", "PRIMARY"]},
  "00180050": {"vr": "DS", "Value": ["3.27"]},
  "00200032": {"vr": "DS", "Value": [-250, -250.5, "1.5e2"]},
  "00280030": {"vr": "DS", "Value": [4.0, 4.0]},
  "00281053": {"vr": "DS", "Value": ["  0.0123 "]},
  "00280010": {"vr": "US", "Value": [128]},
  "00200013": {"vr": "IS"},
  "0008002A": {"vr": "DT", "Value": ["20261127101500.5+0100"]},
  "00540016": {"vr": "SQ", "Value": [{
     "00181072": {"vr": "TM", "Value": ["0930"]},
     "00181074": {"vr": "DS", "Value": [3.5E8]},
     "00540300": {"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": ["C-111A1"]}}]}
  }]},
  "00091010": {"vr": "OB", "InlineBinary": "AAEC/w=="},
  "7FE00010": {"vr": "OW", "BulkDataURI": "http://pacs/dicom-web/studies/1/series/2/instances/3/bulk/7fe00010"},
  "00200037": {"vr": "DS", "Value": [1, 0, 0, 0, 1, 0]},
  "00081140": {"vr": "SQ", "Value": []},
  "00100010": {"vr": "PN", "Value": [null]},
  "00280009": {"vr": "AT", "Value": ["00541330"]}
}]"#;

#[test]
fn study_summary_with_pn_groups_and_is_as_number_or_string() {
    let ds = parse_datasets(STUDY.as_bytes()).unwrap();
    let s = StudySummary::from_dataset(&ds[0]).unwrap();
    let pn = s.patient_name.as_ref().unwrap();
    assert_eq!(pn.alphabetic.as_deref(), Some("Yamada^Tarou"));
    assert_eq!(pn.ideographic.as_deref(), Some("山田^太郎"));
    assert_eq!(pn.phonetic.as_deref(), Some("やまだ^たろう"));
    assert_eq!(s.patient_id.as_deref(), Some("9434765919"));
    assert_eq!(
        s.study_date,
        Some(DicomDate {
            year: 2026,
            month: 11,
            day: 27
        })
    );
    let t = s.study_time.unwrap();
    assert_eq!((t.hour, t.minute), (9, 30));
    assert!((t.second - 15.25).abs() < 1e-9);
    assert_eq!(s.modalities, vec!["CT", "PT"]);
    assert_eq!((s.series_count, s.instance_count), (Some(3), Some(532)));
    assert_eq!(s.accession_number.as_deref(), Some("ACC0001"));
}

#[test]
fn instance_values_of_every_kind() {
    let ds = &parse_datasets(INSTANCE.as_bytes()).unwrap()[0];
    assert_eq!(ds.number(0x0018_0050), Some(3.27));
    assert_eq!(
        ds.numbers(tags::IMAGE_POSITION_PATIENT),
        vec![-250.0, -250.5, 150.0]
    );
    assert_eq!(ds.numbers(0x0028_0030), vec![4.0, 4.0]);
    assert_eq!(ds.number(0x0028_1053), Some(0.0123));
    assert_eq!(ds.uint(tags::ROWS), Some(128));
    assert_eq!(ds.get(tags::INSTANCE_NUMBER).unwrap().value, Value::Empty);
    let dt = ds.datetime(0x0008_002A).unwrap();
    assert_eq!(
        dt.date,
        DicomDate {
            year: 2026,
            month: 11,
            day: 27
        }
    );
    assert_eq!((dt.time.hour, dt.time.minute), (10, 15));
    assert!((dt.time.second - 0.5).abs() < 1e-9);
    assert_eq!(dt.utc_offset_minutes, Some(60));
    let radio = &ds.items(0x0054_0016)[0];
    assert_eq!(
        radio.time(0x0018_1072).map(|t| (t.hour, t.minute)),
        Some((9, 30))
    );
    assert_eq!(radio.number(0x0018_1074), Some(3.5e8));
    assert_eq!(
        radio.items(0x0054_0300)[0].string(0x0008_0100).as_deref(),
        Some("C-111A1")
    );
    assert_eq!(ds.inline_binary(0x0009_1010), Some(&[0u8, 1, 2, 255][..]));
    assert!(ds
        .bulk_data_uri(tags::PIXEL_DATA)
        .unwrap()
        .ends_with("/bulk/7fe00010"));
    assert!(ds.items(0x0008_1140).is_empty());
    assert_eq!(ds.person_name(tags::PATIENT_NAME).unwrap().display(), None);
    assert_eq!(ds.number(0x0028_0009), Some(0x0054_1330 as f64));
    assert_eq!(ds.strings(tags::IMAGE_TYPE), vec!["ORIGINAL", "PRIMARY"]);
}

#[test]
fn malformed_documents_are_typed_errors() {
    assert!(matches!(parse_datasets(b"{"), Err(JsonError::Syntax(_))));
    assert_eq!(parse_datasets(b"42"), Err(JsonError::NotAnArray));
    assert!(matches!(
        parse_datasets(br#"[{"0010": {"vr":"PN"}}]"#),
        Err(JsonError::BadTag(_))
    ));
    assert!(matches!(
        parse_datasets(br#"[{"00100010": {"Value":[]}}]"#),
        Err(JsonError::BadVr(_))
    ));
    assert!(matches!(
        parse_datasets(br#"[{"00180050": {"vr":"DS","Value":["abc"]}}]"#),
        Err(JsonError::BadValue { .. })
    ));
    assert!(matches!(
        parse_datasets(br#"[{"00091010": {"vr":"OB","InlineBinary":"***"}}]"#),
        Err(JsonError::BadValue { .. })
    ));
    let deep = format!(
        "[{}{}]",
        r#"{"00400275":{"vr":"SQ","Value":["#.repeat(40),
        "]}}".repeat(40)
    );
    assert!(parse_datasets(deep.as_bytes()).is_err());
    assert_eq!(parse_datasets(b"  ").unwrap().len(), 0);
    // A study without its UID is refused by the summary, not by the model.
    let ds = parse_datasets(br#"[{"00100020":{"vr":"LO","Value":["x"]}}]"#).unwrap();
    assert!(StudySummary::from_dataset(&ds[0]).is_err());
}

#[test]
fn series_summary() {
    let ds = parse_datasets(
        br#"[{"0020000E":{"vr":"UI","Value":["1.2.3"]},"00080060":{"vr":"CS","Value":["PT"]},
             "0008103E":{"vr":"LO","Value":["PET AC"]},"00200011":{"vr":"IS","Value":["4"]},
             "00201209":{"vr":"IS","Value":[267]}}]"#,
    )
    .unwrap();
    let s = SeriesSummary::from_dataset(&ds[0]).unwrap();
    assert_eq!(s.series_uid, "1.2.3");
    assert_eq!(s.modality.as_deref(), Some("PT"));
    assert_eq!(s.number, Some(4));
    assert_eq!(s.instance_count, Some(267));
}
