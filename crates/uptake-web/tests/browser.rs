//! Browser tests of the WASM core, run in headless Chromium by `wasm-bindgen-test-runner`
//! (`cargo xtask test`). The same 64×64 CT crop in five transfer syntaxes must decode, in the
//! browser, to identical values: this guards the openjp2 allocator shims (JPEG 2000), the
//! pure-Rust JPEG-LS decoder, JPEG lossless and RLE on wasm32. Fixtures: `tests/fixtures`
//! (regenerate with `tests/fixtures/make.py`).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const LE: &[u8] = include_bytes!("fixtures/ct_le.dcm");
const COMPRESSED: &[(&str, &str, &[u8])] = &[
    (
        "RLE",
        "1.2.840.10008.1.2.5",
        include_bytes!("fixtures/ct_rle.dcm"),
    ),
    (
        "JPEG lossless",
        "1.2.840.10008.1.2.4.70",
        include_bytes!("fixtures/ct_jpegll.dcm"),
    ),
    (
        "JPEG-LS",
        "1.2.840.10008.1.2.4.80",
        include_bytes!("fixtures/ct_jpegls.dcm"),
    ),
    (
        "JPEG 2000",
        "1.2.840.10008.1.2.4.90",
        include_bytes!("fixtures/ct_j2k.dcm"),
    ),
];

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn num(obj: &JsValue, key: &str) -> f64 {
    get(obj, key).as_f64().unwrap_or(f64::NAN)
}

/// Decodes through the JS API (the exported function, returning a JS object).
fn decode(bytes: &[u8]) -> Result<JsValue, JsValue> {
    uptake_web::decode_instance(bytes).map_err(JsValue::from)
}

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(uptake_web::version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn every_transfer_syntax_decodes_to_the_uncompressed_values() {
    let reference = decode(LE).unwrap();
    assert_eq!(num(&reference, "rows"), 64.0);
    assert_eq!(num(&reference, "columns"), 64.0);
    assert_eq!(
        get(&reference, "modality").as_string().as_deref(),
        Some("CT")
    );
    assert!(num(&reference, "max") > num(&reference, "min"));
    for (label, uid, bytes) in COMPRESSED {
        let s = decode(bytes).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        assert_eq!(
            get(&s, "transferSyntax").as_string().as_deref(),
            Some(*uid),
            "{label}"
        );
        for key in ["rows", "columns", "min", "max", "checksum"] {
            assert_eq!(num(&s, key), num(&reference, key), "{label}: {key}");
        }
    }
}

#[wasm_bindgen_test]
fn jpeg2000_decodes_repeatedly() {
    // openjp2 allocates and frees (including null) on every decode: a broken allocator shim
    // shows up as heap corruption on a later decode rather than the first.
    let (_, _, j2k) = COMPRESSED[3];
    let first = num(&decode(j2k).unwrap(), "checksum");
    for _ in 0..20 {
        assert_eq!(num(&decode(j2k).unwrap(), "checksum"), first);
    }
}

#[wasm_bindgen_test]
fn truncated_files_are_errors_not_panics() {
    for (label, _, bytes) in COMPRESSED.iter().chain([&("LE", "", LE)]) {
        for cut in [0, 100, 132, bytes.len() / 2, bytes.len() - 8] {
            let err = decode(&bytes[..cut]).err();
            let err = err.unwrap_or_else(|| panic!("{label} cut at {cut}: no error"));
            let err: js_sys::Error = err
                .dyn_into()
                .unwrap_or_else(|v| panic!("{label} cut at {cut}: not an Error: {v:?}"));
            assert!(String::from(err.message()).len() > 5);
        }
    }
    // Still works after the errors.
    assert!(decode(LE).is_ok());
}

#[wasm_bindgen_test]
fn load_study_reports_series_and_the_pet_ct_choice() {
    let files = Array::new();
    for bytes in [
        &include_bytes!("fixtures/study/CT_0.dcm")[..],
        include_bytes!("fixtures/study/CT_1.dcm"),
        include_bytes!("fixtures/study/CT_2.dcm"),
        include_bytes!("fixtures/study/PT_0.dcm"),
        include_bytes!("fixtures/study/PT_1.dcm"),
        include_bytes!("fixtures/study/PT_2.dcm"),
        b"not a DICOM file",
    ] {
        files.push(&Uint8Array::from(bytes));
    }
    let s = uptake_web::load_study(files)
        .map_err(JsValue::from)
        .unwrap();
    let series: Array = get(&s, "series").dyn_into().unwrap();
    assert_eq!(series.length(), 2);
    let errors: Array = get(&s, "errors").dyn_into().unwrap();
    assert_eq!(errors.length(), 1);
    assert!(get(&s, "pet").as_string().is_some());
    assert!(get(&s, "ct").as_string().is_some());
    assert!(get(&get(&s, "patient"), "name").as_string().is_some());
    let bad = Array::of1(&JsValue::from_f64(3.0));
    assert!(uptake_web::load_study(bad).is_err());
}
