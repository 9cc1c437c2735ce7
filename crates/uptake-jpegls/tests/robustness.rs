//! Robustness: the committed fixtures decode correctly, and truncated or
//! corrupted codestreams never make the decoder panic (only `Ok`/`Err`).

mod common;

use common::dicom;
use common::fixtures::FIXTURES;
use common::images::generate;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn fixtures_decode_to_their_source_images() {
    for fx in FIXTURES {
        let s = fixture(fx.file);
        let maxval = (1u32 << fx.bits) - 1;
        let expected = generate(
            fx.width,
            fx.height,
            fx.components,
            maxval,
            fx.content,
            fx.seed,
        );
        let h = uptake_jpegls::read_header(&s).unwrap();
        assert_eq!(
            (
                h.width as usize,
                h.height as usize,
                usize::from(h.components),
                u16::from(h.bits_per_sample)
            ),
            (
                fx.width,
                fx.height,
                fx.components,
                u16::from(h.bits_per_sample).max(fx.bits)
            ),
            "{}",
            fx.file
        );
        let img = uptake_jpegls::decode(&s).unwrap_or_else(|e| panic!("{}: {e}", fx.file));
        assert_eq!(img.near, fx.near, "{}", fx.file);
        assert_eq!(img.samples.len(), expected.len());
        let bad = img
            .samples
            .iter()
            .zip(&expected)
            .filter(|(&a, &b)| (i32::from(a) - i32::from(b)).abs() > i32::from(fx.near))
            .count();
        assert_eq!(bad, 0, "{}: {bad} samples wrong", fx.file);
    }
}

/// Runs both entry points on `data`; returns false if either panicked.
fn survives(data: &[u8]) -> bool {
    catch_unwind(AssertUnwindSafe(|| {
        let _ = uptake_jpegls::read_header(data);
        let _ = uptake_jpegls::decode(data);
    }))
    .is_ok()
}

/// Truncates `s` at every `step`-th position and corrupts bytes at every
/// `step`-th position in several ways; returns (cases tried, panics).
fn mutate(name: &str, s: &[u8], step: usize, head: usize) -> (usize, Vec<String>) {
    let mut tried = 0;
    let mut panics = Vec::new();
    // The intact stream must decode.
    assert!(uptake_jpegls::decode(s).is_ok(), "{name} does not decode");
    let positions: Vec<usize> = (0..s.len())
        .step_by(step)
        .chain(1..s.len().min(head))
        .collect();
    for &p in &positions {
        tried += 1;
        if !survives(&s[..p]) {
            panics.push(format!("{name}: truncated at {p}"));
        }
        for op in 0..6u8 {
            let mut m = s.to_vec();
            m[p] = match op {
                0 => m[p] ^ 0xFF,
                1 => m[p] ^ 0x01,
                2 => m[p] ^ 0x80,
                3 => 0xFF,
                4 => 0x00,
                _ => m[p].wrapping_add(0x41),
            };
            tried += 1;
            if !survives(&m) {
                panics.push(format!(
                    "{name}: byte {p} op {op} (0x{:02X} -> 0x{:02X})",
                    s[p], m[p]
                ));
            }
        }
        // Insert and remove a byte.
        let mut ins = s.to_vec();
        ins.insert(p, 0xFF);
        let mut del = s.to_vec();
        del.remove(p);
        tried += 2;
        if !survives(&ins) || !survives(&del) {
            panics.push(format!("{name}: insert/delete at {p}"));
        }
    }
    (tried, panics)
}

#[test]
fn truncated_and_corrupted_streams_never_panic() {
    // Silence the default panic printer so that failures are listed cleanly.
    let mut total = 0;
    let mut all_panics = Vec::new();
    for fx in FIXTURES {
        let (n, p) = mutate(fx.file, &fixture(fx.file), 1, 0);
        total += n;
        all_panics.extend(p);
    }
    // Full-size streams are slow in debug builds: mutate the headers and a
    // sample of positions in the scan data.
    let name = "CT2_JLSN.dcm";
    let s = dicom::read(&Path::new("/work/shared/data/wg04").join(name)).codestream();
    let (n, p) = mutate(name, &s, 4999, 24);
    total += n;
    all_panics.extend(p);
    println!("{total} mutated streams decoded without panic");
    assert!(
        all_panics.is_empty(),
        "{} panics:\n{}",
        all_panics.len(),
        all_panics.join("\n")
    );
}

#[test]
fn garbage_inputs_return_errors() {
    assert!(uptake_jpegls::decode(&[]).is_err());
    assert!(uptake_jpegls::decode(&[0xFF]).is_err());
    assert!(uptake_jpegls::decode(&[0xFF, 0xD8]).is_err());
    assert!(uptake_jpegls::decode(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    assert!(uptake_jpegls::read_header(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    // Baseline JPEG frame header: unsupported, not a panic.
    let sof0 = [
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 8, 0, 8, 0, 8, 1, 1, 0x11, 0,
    ];
    assert!(matches!(
        uptake_jpegls::decode(&sof0),
        Err(uptake_jpegls::JpeglsError::Unsupported(_))
    ));
    // Huge frame: rejected before allocating.
    let huge = [
        0xFF, 0xD8, 0xFF, 0xF7, 0x00, 0x11, 16, 0xFF, 0xFF, 0xFF, 0xFF, 3, 1, 0x11, 0, 2, 0x11, 0,
        3, 0x11, 0, 0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0, 0, 0xFF, 0xD9,
    ];
    assert!(matches!(
        uptake_jpegls::decode(&huge),
        Err(uptake_jpegls::JpeglsError::TooLarge { .. })
    ));
    let mut rng = common::images::Rng::new(7);
    for len in 0..300 {
        let mut v = vec![0xFF, 0xD8];
        v.extend((0..len).map(|_| rng.next() as u8));
        assert!(survives(&v));
    }
}
