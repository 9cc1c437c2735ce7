//! Streaming multipart parser: recorded and adversarial bodies, every split, random splits.

use uptake_dicomweb::multipart::{boundary_of, parse_all, MultipartParser};
use uptake_dicomweb::{MultipartError, Part};

/// A body as Orthanc sends it for a series retrieve (unquoted boundary, Content-Length given).
const ORTHANC_CT: &str =
    "multipart/related; type=\"application/dicom\"; boundary=4d5a7b0c-ae39-4bd1-9c1f";

fn orthanc_body() -> Vec<u8> {
    let mut b = Vec::new();
    for (i, payload) in [
        &b"DICM-first\r\n--4d5a7b0c-ae39-4bd1-9c1"[..],
        b"second\x00\x01\r\n",
        b"",
    ]
    .iter()
    .enumerate()
    {
        b.extend_from_slice(b"--4d5a7b0c-ae39-4bd1-9c1f\r\n");
        b.extend_from_slice(b"Content-Type: application/dicom\r\n");
        if i != 1 {
            b.extend_from_slice(format!("Content-Length: {}\r\n", payload.len()).as_bytes());
        }
        b.extend_from_slice(b"\r\n");
        b.extend_from_slice(payload);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(b"--4d5a7b0c-ae39-4bd1-9c1f--\r\n");
    b
}

fn expected() -> Vec<Vec<u8>> {
    vec![
        b"DICM-first\r\n--4d5a7b0c-ae39-4bd1-9c1".to_vec(),
        b"second\x00\x01\r\n".to_vec(),
        Vec::new(),
    ]
}

fn bodies(parts: &[Part]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.body.to_vec()).collect()
}

fn parse_chunks(ct: &str, chunks: &[&[u8]], limit: usize) -> Result<Vec<Part>, MultipartError> {
    let mut p = MultipartParser::for_content_type(ct, limit)?;
    let mut out = Vec::new();
    for c in chunks {
        out.extend(p.feed(c)?);
    }
    out.extend(p.finish()?);
    Ok(out)
}

#[test]
fn recorded_body_whole() {
    let parts = parse_all(ORTHANC_CT, &orthanc_body(), 1 << 20).unwrap();
    assert_eq!(bodies(&parts), expected());
    assert_eq!(parts[0].media_type().as_deref(), Some("application/dicom"));
}

#[test]
fn every_split_point_and_byte_by_byte() {
    let body = orthanc_body();
    for i in 0..=body.len() {
        let parts = parse_chunks(ORTHANC_CT, &[&body[..i], &body[i..]], 1 << 20).unwrap();
        assert_eq!(bodies(&parts), expected(), "split at {i}");
        for j in i..=body.len() {
            let parts =
                parse_chunks(ORTHANC_CT, &[&body[..i], &body[i..j], &body[j..]], 1 << 20).unwrap();
            assert_eq!(bodies(&parts), expected(), "split at {i},{j}");
        }
    }
    let singles: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(
        bodies(&parse_chunks(ORTHANC_CT, &singles, 1 << 20).unwrap()),
        expected()
    );
}

#[test]
fn parts_are_emitted_as_soon_as_complete() {
    let body = orthanc_body();
    let mut p = MultipartParser::for_content_type(ORTHANC_CT, 1 << 20).unwrap();
    // The first part has a Content-Length: it is complete once its next delimiter arrives.
    let end_first = body.windows(4).position(|w| w == b"\r\n--").unwrap();
    let second_start = body[end_first + 2..]
        .windows(27)
        .position(|w| w == b"--4d5a7b0c-ae39-4bd1-9c1f\r\n")
        .unwrap();
    let cut = end_first + 2 + second_start + 27;
    let first = p.feed(&body[..cut]).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(p.parts_completed(), 1);
}

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn random_splits_of_a_large_body() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let ct = "multipart/related; type=\"application/dicom\"; boundary=\"b0und:ary\"";
    let mut want = Vec::new();
    let mut body = b"preamble to ignore\r\n".to_vec();
    for k in 0..20 {
        let n = (rng(&mut seed) % 5000) as usize;
        let payload: Vec<u8> = (0..n).map(|_| (rng(&mut seed) % 256) as u8).collect();
        body.extend_from_slice(b"--b0und:ary\r\nContent-Type: application/dicom\r\n");
        if k % 2 == 0 {
            body.extend_from_slice(format!("Content-Length: {n}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&payload);
        body.extend_from_slice(b"\r\n");
        want.push(payload);
    }
    body.extend_from_slice(b"--b0und:ary--\r\nepilogue");
    for _ in 0..300 {
        let mut chunks = Vec::new();
        let mut pos = 0;
        while pos < body.len() {
            let n = 1 + (rng(&mut seed) % 3000) as usize;
            let end = (pos + n).min(body.len());
            chunks.push(&body[pos..end]);
            pos = end;
        }
        let parts = parse_chunks(ct, &chunks, 1 << 20).unwrap();
        assert_eq!(bodies(&parts), want);
    }
}

#[test]
fn tolerates_lf_only_padding_and_extra_blank_lines() {
    let ct = "multipart/related; boundary=XX";
    let body = b"--XX  \t\nContent-Type: application/dicom\n\nabc\n--XX\r\nContent-Length: 2\r\n\r\nde\r\n\r\n\r\n--XX\r\n\r\nf\r\n--XX--";
    let parts = parse_all(ct, body, 100).unwrap();
    assert_eq!(
        bodies(&parts),
        vec![b"abc".to_vec(), b"de".to_vec(), b"f".to_vec()]
    );
}

#[test]
fn tolerates_missing_crlf_after_sized_part_and_missing_close() {
    let ct = "multipart/related; boundary=XX";
    // Content-Length part directly followed by the delimiter; no close delimiter at the end.
    let body = b"--XX\r\nContent-Length: 3\r\n\r\nabc--XX\r\nContent-Length: 1\r\n\r\nz";
    let parts = parse_all(ct, body, 100).unwrap();
    assert_eq!(bodies(&parts), vec![b"abc".to_vec(), b"z".to_vec()]);
    // Ends after a delimiter without `--`.
    let parts = parse_all(ct, b"--XX\r\n\r\nq\r\n--XX\r\n", 100).unwrap();
    assert_eq!(bodies(&parts), vec![b"q".to_vec()]);
}

#[test]
fn preamble_and_epilogue_ignored() {
    let ct = "multipart/related; boundary=\"a b\"";
    let body = b"This is a preamble.\r\n--a b\r\n\r\nx\r\n--a b--\r\nThis is an epilogue --a b\r\n";
    let mut p = MultipartParser::for_content_type(ct, 10).unwrap();
    let parts = p.feed(body).unwrap();
    assert!(p.is_done());
    assert_eq!(p.feed(b"more epilogue").unwrap().len(), 0);
    assert_eq!(bodies(&parts), vec![b"x".to_vec()]);
}

#[test]
fn huge_part_over_limit_is_a_typed_error() {
    let ct = "multipart/related; boundary=XX";
    // Without Content-Length: detected while streaming, without buffering the whole part.
    let mut p = MultipartParser::for_content_type(ct, 1000).unwrap();
    p.feed(b"--XX\r\n\r\n").unwrap();
    let chunk = vec![7u8; 600];
    p.feed(&chunk).unwrap();
    let err = p.feed(&chunk).unwrap_err();
    assert_eq!(
        err,
        MultipartError::PartTooLarge {
            index: 0,
            limit: 1000
        }
    );
    assert_eq!(p.feed(b"x").unwrap_err(), MultipartError::Poisoned);
    // With a declared Content-Length: refused at the header.
    let err = parse_all(ct, b"--XX\r\nContent-Length: 5000\r\n\r\n", 1000).unwrap_err();
    assert_eq!(
        err,
        MultipartError::PartTooLarge {
            index: 0,
            limit: 1000
        }
    );
}

#[test]
fn wrong_boundary_is_reported() {
    let body = orthanc_body();
    let err = parse_all("multipart/related; boundary=other", &body, 1 << 20).unwrap_err();
    assert!(
        matches!(err, MultipartError::BoundaryNotFound(_)),
        "{err:?}"
    );
    let mut p = MultipartParser::new("zz", 10).unwrap();
    let err = p.feed(&vec![b'a'; 70_000]).unwrap_err();
    assert!(matches!(err, MultipartError::BoundaryNotFound(_)));
}

#[test]
fn truncated_body_is_reported() {
    let body = orthanc_body();
    let err = parse_all(ORTHANC_CT, &body[..body.len() / 2], 1 << 20).unwrap_err();
    assert!(matches!(err, MultipartError::Truncated { .. }), "{err:?}");
}

#[test]
fn content_type_forms() {
    assert_eq!(
        boundary_of("multipart/related; boundary=abc").unwrap(),
        "abc"
    );
    assert_eq!(
        boundary_of("Multipart/Related;BOUNDARY=\"a;b\\\"c\"; type=x").unwrap(),
        "a;b\"c"
    );
    assert_eq!(
        boundary_of("multipart/related; type=\"application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\"; boundary=f00").unwrap(),
        "f00"
    );
    assert!(matches!(
        boundary_of("application/json"),
        Err(MultipartError::NoBoundary(_))
    ));
    assert!(matches!(
        boundary_of("multipart/related; type=x"),
        Err(MultipartError::NoBoundary(_))
    ));
    assert!(matches!(
        boundary_of("multipart/related; boundary="),
        Err(MultipartError::BadBoundary(_))
    ));
    let parts = parse_all(
        "multipart/related; boundary=B",
        b"--B\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.5\r\n\r\nRLE\r\n--B--",
        10,
    )
    .unwrap();
    assert_eq!(
        parts[0].transfer_syntax().as_deref(),
        Some("1.2.840.10008.1.2.5")
    );
}

#[test]
fn bad_headers_are_typed_errors() {
    let ct = "multipart/related; boundary=B";
    assert_eq!(
        parse_all(ct, b"--B\r\nno colon here\r\n\r\nx\r\n--B--", 10).unwrap_err(),
        MultipartError::BadHeader { index: 0 }
    );
    assert_eq!(
        parse_all(ct, b"--B\r\nContent-Length: -3\r\n\r\nx\r\n--B--", 10).unwrap_err(),
        MultipartError::BadContentLength { index: 0 }
    );
    assert_eq!(
        parse_all(ct, b"--B\r\nContent-Length: 1\r\n\r\nxyz\r\n--B--", 10).unwrap_err(),
        MultipartError::MissingDelimiter {
            index: 0,
            length: 1
        }
    );
    let long = format!("--B\r\nX: {}\r\n\r\n", "a".repeat(20_000));
    assert!(matches!(
        parse_all(ct, long.as_bytes(), 10).unwrap_err(),
        MultipartError::HeadersTooLarge { .. }
    ));
}

#[test]
fn no_panic_on_random_garbage() {
    let mut seed = 42u64;
    let alphabet: &[&[u8]] = &[
        b"--B",
        b"\r\n",
        b"\n",
        b"\r",
        b"-",
        b"Content-Length: 3",
        b"Content-Length: x",
        b":",
        b"a",
        b"\x00",
        b" ",
    ];
    for _ in 0..20_000 {
        let mut body = Vec::new();
        let n = rng(&mut seed) % 30;
        for _ in 0..n {
            body.extend_from_slice(alphabet[(rng(&mut seed) % alphabet.len() as u64) as usize]);
        }
        let split = (rng(&mut seed) as usize) % (body.len() + 1);
        let _ = parse_chunks(
            "multipart/related; boundary=B",
            &[&body[..split], &body[split..]],
            4,
        );
    }
}
