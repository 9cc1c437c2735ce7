//! NEMA WG04 compression samples: every lossless syntax decodes bit-identical to the
//! uncompressed reference (`*_UNC`); lossy ones stay within the codec's error.

mod common;

use uptake_dicom::DicomInstance;

fn decode(name: &str) -> (Vec<f32>, DicomInstance) {
    let path = common::shared_data().join("wg04").join(name);
    let inst = DicomInstance::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut out = vec![0f32; inst.header.pixel.samples_per_frame()];
    inst.decode_frame_into(0, &mut out)
        .unwrap_or_else(|e| panic!("{e}"));
    (out, inst)
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn lossless_syntaxes_are_bit_exact() {
    for image in ["CT1", "CT2"] {
        let (reference, _) = decode(&format!("{image}_UNC.dcm"));
        // The reference is not trivially flat: a test against it can fail.
        let distinct: std::collections::BTreeSet<i64> =
            reference.iter().map(|v| *v as i64).collect();
        assert!(
            distinct.len() > 500,
            "{image} reference has only {} distinct values",
            distinct.len()
        );
        for syntax in ["RLE", "JPLL", "JLSL", "J2KR"] {
            let (decoded, inst) = decode(&format!("{image}_{syntax}.dcm"));
            let mismatches = decoded
                .iter()
                .zip(&reference)
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(
                mismatches, 0,
                "{image}_{syntax} ({}) differs from {image}_UNC in {mismatches} pixels",
                inst.header.transfer_syntax
            );
        }
    }
}

#[test]
fn lossy_syntaxes_stay_within_codec_error() {
    for image in ["CT1", "CT2"] {
        let (reference, _) = decode(&format!("{image}_UNC.dcm"));
        let range = reference.iter().fold(f32::MIN, |m, v| m.max(*v))
            - reference.iter().fold(f32::MAX, |m, v| m.min(*v));
        // JPEG-LS near-lossless: every sample within NEAR of the original (WG04 used NEAR ≤ 10).
        let (jlsn, _) = decode(&format!("{image}_JLSN.dcm"));
        let e = max_abs_diff(&jlsn, &reference);
        assert!(e > 0.0 && e <= 10.0, "{image}_JLSN max error {e}");
        // JPEG 2000 lossy: small against the dynamic range, and not identical (it is lossy).
        let (j2ki, _) = decode(&format!("{image}_J2KI.dcm"));
        let rmse = (j2ki
            .iter()
            .zip(&reference)
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum::<f64>()
            / reference.len() as f64)
            .sqrt();
        assert!(
            rmse > 0.0 && rmse < 0.01 * range as f64,
            "{image}_J2KI rmse {rmse} vs range {range}"
        );
    }
}

/// pydicom (with pylibjpeg-openjpeg) as an independent decoder of the same frame.
fn pydicom_values(path: &std::path::Path) -> Vec<f64> {
    common::require_tool("python3");
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-data/independent/pixels.py");
    common::run(
        std::process::Command::new("python3")
            .arg(script)
            .arg(path)
            .arg(out.path()),
    );
    let bytes = std::fs::read(out.path()).expect("pydicom output");
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect()
}

#[test]
fn pydicom_jpeg2000_samples_match_an_independent_decoder() {
    // 693_J2KI: lossy, BitsStored 14 signed. J2K_pixelrep_mismatch: the codestream's signedness
    // disagrees with PixelRepresentation; both must match pydicom's reading exactly.
    for name in ["693_J2KI.dcm", "J2K_pixelrep_mismatch.dcm"] {
        let path = common::shared_data().join("pydicom").join(name);
        let inst = DicomInstance::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut out = vec![0f32; inst.header.pixel.samples_per_frame()];
        inst.decode_frame_into(0, &mut out)
            .unwrap_or_else(|e| panic!("{e}"));
        let reference = pydicom_values(&path);
        assert_eq!(reference.len(), out.len(), "{name}");
        let mismatches = out
            .iter()
            .zip(&reference)
            .filter(|(a, b)| (**a as f64 - **b).abs() > 1e-3)
            .count();
        assert_eq!(
            mismatches, 0,
            "{name}: {mismatches} pixels differ from pydicom"
        );
    }
}
