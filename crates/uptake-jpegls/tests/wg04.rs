//! Decodes the NEMA WG04 JPEG-LS samples and compares them with the
//! uncompressed reference images, sample by sample. These tests never skip.

mod common;

use common::dicom;
use std::path::PathBuf;

fn wg04(name: &str) -> PathBuf {
    PathBuf::from("/work/shared/data/wg04").join(name)
}

/// Decodes `compressed` and checks every sample against `reference`;
/// returns the NEAR value read from the stream.
fn check(compressed: &str, reference: &str, expect_lossless: bool) -> u16 {
    let enc = dicom::read(&wg04(compressed));
    let reference = dicom::read(&wg04(reference));
    let rows = u32::from(reference.u16(0x0028, 0x0010).unwrap());
    let cols = u32::from(reference.u16(0x0028, 0x0011).unwrap());
    let bits_stored = reference.u16(0x0028, 0x0101).unwrap();
    let expected = dicom::native_samples(&reference);
    let stream = enc.codestream();

    let header = uptake_jpegls::read_header(&stream).expect("header");
    assert_eq!((header.width, header.height), (cols, rows));
    assert_eq!(header.components, 1);
    assert_eq!(u16::from(header.bits_per_sample), bits_stored);

    let img = uptake_jpegls::decode(&stream).expect("decode");
    assert_eq!((img.width, img.height, img.components), (cols, rows, 1));
    assert_eq!(img.samples.len(), expected.len());
    let mask: u16 = if bits_stored >= 16 {
        u16::MAX
    } else {
        (1 << bits_stored) - 1
    };
    if expect_lossless {
        assert_eq!(img.near, 0, "{compressed}: lossless stream with NEAR != 0");
    } else {
        assert!(
            img.near > 0,
            "{compressed}: near-lossless stream with NEAR = 0"
        );
    }
    let near = i32::from(img.near);
    let mut bad = 0usize;
    let mut max_diff = 0;
    for (i, (&got, &want)) in img.samples.iter().zip(&expected).enumerate() {
        let d = (i32::from(got) - i32::from(want & mask)).abs();
        max_diff = max_diff.max(d);
        if d > near {
            if bad < 5 {
                eprintln!(
                    "{compressed}: sample {i} (x={}, y={}): got {got}, want {}",
                    i % cols as usize,
                    i / cols as usize,
                    want & mask
                );
            }
            bad += 1;
        }
    }
    assert_eq!(
        bad, 0,
        "{compressed}: {bad} samples differ by more than NEAR={near} (max {max_diff})"
    );
    img.near
}

#[test]
fn ct1_lossless_bit_exact() {
    check("CT1_JLSL.dcm", "CT1_UNC.dcm", true);
}

#[test]
fn ct2_lossless_bit_exact() {
    check("CT2_JLSL.dcm", "CT2_UNC.dcm", true);
}

#[test]
fn ct1_near_lossless_within_near() {
    let near = check("CT1_JLSN.dcm", "CT1_UNC.dcm", false);
    eprintln!("CT1_JLSN NEAR = {near}");
}

#[test]
fn ct2_near_lossless_within_near() {
    let near = check("CT2_JLSN.dcm", "CT2_UNC.dcm", false);
    eprintln!("CT2_JLSN NEAR = {near}");
}
