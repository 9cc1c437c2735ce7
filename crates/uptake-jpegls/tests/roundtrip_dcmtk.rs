//! Round trips through DCMTK's `dcmcjpls` (CharLS based) encoder.
//!
//! Test images are generated here, written as uncompressed DICOM files into
//! a temporary directory, compressed with `dcmcjpls` using various options
//! (precision, NEAR, interleave mode, thresholds), and the extracted
//! JPEG-LS codestreams are decoded with `uptake_jpegls`. Lossless results
//! must equal the source exactly; near-lossless results must be within NEAR
//! of the source and equal, sample for sample, to `dcmdjpls`'s decoding.
//!
//! When `dcmcjpls` is not installed (`apt-get install dcmtk`), the tests
//! print a message and return without failing.

mod common;

use common::dicom;
use common::images::{generate, Content};
use std::path::{Path, PathBuf};
use std::process::Command;

fn have_dcmtk() -> bool {
    let ok = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if ok("dcmcjpls") && ok("dcmdjpls") {
        true
    } else {
        println!(
            "SKIPPED: dcmcjpls/dcmdjpls (DCMTK) not found; install with `apt-get install dcmtk`"
        );
        false
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("uptake-jpegls-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(tool: &str, args: &[&str], input: &Path, output: &Path) {
    let out = Command::new(tool)
        .args(args)
        .arg(input)
        .arg(output)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Case {
    name: &'static str,
    width: u16,
    height: u16,
    components: u16,
    bits: u16,
    content: Content,
    /// Extra dcmcjpls options.
    opts: &'static [&'static str],
    near: u16,
}

fn round_trip(case: &Case) {
    let dir = temp_dir(case.name);
    let maxval = (1u32 << case.bits) - 1;
    let samples = generate(
        usize::from(case.width),
        usize::from(case.height),
        usize::from(case.components),
        maxval,
        case.content,
        u64::from(case.width) * 31 + u64::from(case.bits),
    );
    let src = dir.join("src.dcm");
    let jls = dir.join("jls.dcm");
    std::fs::write(
        &src,
        dicom::write_image(
            case.width,
            case.height,
            case.components,
            case.bits,
            &samples,
        ),
    )
    .unwrap();
    let mut opts: Vec<String> = case.opts.iter().map(|s| s.to_string()).collect();
    if case.near > 0 {
        opts.push("+en".into());
        opts.push("+md".into());
        opts.push(case.near.to_string());
    }
    let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
    run("dcmcjpls", &opts, &src, &jls);
    let stream = dicom::read(&jls).codestream();
    // Keep a copy of the codestream for debugging.
    std::fs::write(dir.join("stream.jls"), &stream).unwrap();

    let img = uptake_jpegls::decode(&stream)
        .unwrap_or_else(|e| panic!("{}: decode failed: {e}", case.name));
    assert_eq!(
        (img.width, img.height, img.components),
        (
            u32::from(case.width),
            u32::from(case.height),
            case.components as u8
        ),
        "{}",
        case.name
    );
    assert_eq!(img.near, case.near, "{}: NEAR", case.name);
    assert_eq!(img.samples.len(), samples.len());
    let near = i32::from(case.near);
    let bad = img
        .samples
        .iter()
        .zip(&samples)
        .filter(|(&a, &b)| (i32::from(a) - i32::from(b)).abs() > near)
        .count();
    assert_eq!(bad, 0, "{}: {bad} samples off by more than NEAR", case.name);
    if case.near > 0 {
        // Near-lossless decoding is deterministic: compare with DCMTK's decoder.
        let dec = dir.join("dec.dcm");
        run("dcmdjpls", &["+te"], &jls, &dec);
        let mut reference = dicom::native_samples(&dicom::read(&dec));
        // 8-bit native pixel data is padded to an even length.
        if reference.len() == img.samples.len() + 1 {
            reference.pop();
        }
        let diff = img
            .samples
            .iter()
            .zip(&reference)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(reference.len(), img.samples.len());
        assert_eq!(
            diff, 0,
            "{}: {diff} samples differ from dcmdjpls",
            case.name
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

macro_rules! cases {
    ($($fn_name:ident: $w:expr, $h:expr, $c:expr, $bits:expr, $content:expr, $opts:expr, $near:expr;)*) => {
        $(
            #[test]
            fn $fn_name() {
                if !have_dcmtk() {
                    return;
                }
                round_trip(&Case {
                    name: stringify!($fn_name),
                    width: $w,
                    height: $h,
                    components: $c,
                    bits: $bits,
                    content: $content,
                    opts: $opts,
                    near: $near,
                });
            }
        )*
    };
}

cases! {
    gray8_smooth_lossless: 97, 61, 1, 8, Content::Smooth(6), &[], 0;
    gray8_noise_lossless: 64, 64, 1, 8, Content::Noise, &[], 0;
    gray8_flat_runs_lossless: 1000, 40, 1, 8, Content::Flat, &[], 0;
    gray8_smooth_near2: 97, 61, 1, 8, Content::Smooth(6), &[], 2;
    gray8_noise_near3: 64, 64, 1, 8, Content::Noise, &[], 3;
    gray8_custom_thresholds: 80, 50, 1, 8, Content::Smooth(10), &["+t1", "5", "+t2", "11", "+t3", "30", "+rs", "32"], 0;
    gray4_lossless: 70, 30, 1, 4, Content::Smooth(1), &[], 0;
    // DCMTK 3.6.7 bundles an old CharLS whose default thresholds for
    // MAXVAL < 128 differ from T.87 C.2.4.1.1.1 (it always uses the
    // MAXVAL >= 128 formula). With explicit thresholds an LSE segment is
    // written and the stream is unambiguous.
    gray6_near1_explicit_thresholds: 70, 30, 1, 6, Content::Smooth(3), &["+t1", "5", "+t2", "8", "+t3", "11"], 1;
    gray7_lossless_explicit_thresholds: 70, 30, 1, 7, Content::Noise, &["+t1", "2", "+t2", "3", "+t3", "4"], 0;
    gray12_smooth_lossless: 128, 77, 1, 12, Content::Smooth(20), &[], 0;
    gray12_noise_lossless: 50, 40, 1, 12, Content::Noise, &[], 0;
    gray12_smooth_near3: 128, 77, 1, 12, Content::Smooth(20), &[], 3;
    gray12_flat_near2: 700, 30, 1, 12, Content::Flat, &[], 2;
    gray16_smooth_lossless: 100, 80, 1, 16, Content::Smooth(200), &[], 0;
    gray16_noise_lossless: 64, 50, 1, 16, Content::Noise, &[], 0;
    gray16_flat_runs_lossless: 2000, 20, 1, 16, Content::Flat, &[], 0;
    gray16_smooth_near3: 100, 80, 1, 16, Content::Smooth(200), &[], 3;
    gray16_noise_near2: 64, 50, 1, 16, Content::Noise, &[], 2;
    gray8_one_column: 1, 50, 1, 8, Content::Smooth(4), &[], 0;
    gray8_one_line: 50, 1, 1, 8, Content::Smooth(4), &[], 0;
    rgb8_ilv_none_lossless: 60, 40, 3, 8, Content::Smooth(5), &["+in"], 0;
    rgb8_ilv_line_lossless: 60, 40, 3, 8, Content::Smooth(5), &["+il"], 0;
    rgb8_ilv_sample_lossless: 60, 40, 3, 8, Content::Smooth(5), &["+is"], 0;
    rgb8_ilv_sample_flat: 900, 20, 3, 8, Content::Flat, &["+is"], 0;
    rgb8_ilv_line_flat: 900, 20, 3, 8, Content::Flat, &["+il"], 0;
    rgb8_ilv_line_near2: 60, 40, 3, 8, Content::Smooth(5), &["+il"], 2;
    rgb8_ilv_sample_near3: 60, 40, 3, 8, Content::Smooth(9), &["+is"], 3;
    rgb8_ilv_none_near2: 60, 40, 3, 8, Content::Noise, &["+in"], 2;
}

/// The WG04 near-lossless samples must decode exactly as DCMTK decodes them.
#[test]
fn wg04_near_lossless_matches_dcmdjpls() {
    if !have_dcmtk() {
        return;
    }
    let dir = temp_dir("wg04");
    for name in ["CT1_JLSN.dcm", "CT2_JLSN.dcm"] {
        let src = Path::new("/work/shared/data/wg04").join(name);
        let dec = dir.join(name);
        run("dcmdjpls", &["+te"], &src, &dec);
        let reference = dicom::native_samples(&dicom::read(&dec));
        let img = uptake_jpegls::decode(&dicom::read(&src).codestream()).unwrap();
        assert_eq!(img.samples, reference, "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Encodes `samples` with dcmcjpls and returns the codestream.
fn encode(
    name: &str,
    w: u16,
    h: u16,
    c: u16,
    bits: u16,
    samples: &[u16],
    opts: &[&str],
) -> Vec<u8> {
    let dir = temp_dir(name);
    let src = dir.join("src.dcm");
    let jls = dir.join("jls.dcm");
    std::fs::write(&src, dicom::write_image(w, h, c, bits, samples)).unwrap();
    run("dcmcjpls", opts, &src, &jls);
    let stream = dicom::read(&jls).codestream();
    let _ = std::fs::remove_dir_all(&dir);
    stream
}

/// Splits a single-scan codestream into (headers before SOS, SOS segment,
/// entropy-coded data without trailing fill bytes).
fn split_stream(s: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let sos = s.windows(2).position(|w| w == [0xFF, 0xDA]).expect("SOS");
    let len = usize::from(u16::from_be_bytes([s[sos + 2], s[sos + 3]]));
    let data_start = sos + 2 + len;
    let mut end = s.len();
    while s[end - 1] == 0 {
        end -= 1; // padding after EOI
    }
    end -= 2;
    assert_eq!(&s[end..end + 2], &[0xFF, 0xD9]);
    while s[end - 1] == 0xFF {
        end -= 1;
    }
    (
        s[..sos].to_vec(),
        s[sos..data_start].to_vec(),
        s[data_start..end].to_vec(),
    )
}

/// Restart intervals reset contexts, run indices and the previous line, so
/// a stream made of independently encoded strips of `ri` lines separated by
/// RSTm markers, with DRI = `ri`, decodes to the stacked strips.
fn restart_case(name: &str, c: u16, bits: u16, content: Content, opts: &[&str], near: u16) {
    let (w, ri, strips) = (53u16, 7u16, 11u16);
    let last = 4u16; // the last interval is shorter
    let h = ri * (strips - 1) + last;
    let maxval = (1u32 << bits) - 1;
    let all = generate(
        usize::from(w),
        usize::from(h),
        usize::from(c),
        maxval,
        content,
        99,
    );
    let mut opts: Vec<&str> = opts.to_vec();
    let near_s = near.to_string();
    if near > 0 {
        opts.extend(["+en", "+md", &near_s]);
    }
    let strip_len = usize::from(w) * usize::from(c) * usize::from(ri);
    let mut combined = Vec::new();
    for (i, strip) in all.chunks(strip_len).enumerate() {
        let lines = (strip.len() / (usize::from(w) * usize::from(c))) as u16;
        let s = encode(&format!("{name}-{i}"), w, lines, c, bits, strip, &opts);
        let (head, sos, data) = split_stream(&s);
        if i == 0 {
            let mut head = head;
            let sof = head
                .windows(2)
                .position(|x| x == [0xFF, 0xF7])
                .expect("SOF55");
            head[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
            combined.extend_from_slice(&head);
            combined.extend_from_slice(&[0xFF, 0xDD, 0x00, 0x04]);
            combined.extend_from_slice(&ri.to_be_bytes());
            combined.extend_from_slice(&sos);
        } else {
            combined.extend_from_slice(&[0xFF, 0xD0 + ((i - 1) % 8) as u8]);
        }
        combined.extend_from_slice(&data);
    }
    combined.extend_from_slice(&[0xFF, 0xD9]);
    let img = uptake_jpegls::decode(&combined).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!((img.width, img.height), (u32::from(w), u32::from(h)));
    let bad = img
        .samples
        .iter()
        .zip(&all)
        .filter(|(&a, &b)| (i32::from(a) - i32::from(b)).abs() > i32::from(near))
        .count();
    assert_eq!(bad, 0, "{name}: {bad} samples off");
    // A missing restart marker must be reported, not ignored.
    let rst = combined.windows(2).position(|x| x == [0xFF, 0xD3]).unwrap();
    let mut broken = combined.clone();
    broken[rst + 1] = 0xD5;
    assert!(
        uptake_jpegls::decode(&broken).is_err(),
        "{name}: wrong RSTm accepted"
    );
}

#[test]
fn restart_markers_gray8_lossless() {
    if have_dcmtk() {
        restart_case("rst-gray8", 1, 8, Content::Smooth(5), &[], 0);
    }
}

#[test]
fn restart_markers_gray16_near2() {
    if have_dcmtk() {
        restart_case("rst-gray16", 1, 16, Content::Smooth(50), &[], 2);
    }
}

#[test]
fn restart_markers_rgb_line_interleaved() {
    if have_dcmtk() {
        restart_case("rst-rgb-il", 3, 8, Content::Flat, &["+il"], 0);
    }
}

#[test]
fn restart_markers_rgb_sample_interleaved() {
    if have_dcmtk() {
        restart_case("rst-rgb-is", 3, 8, Content::Smooth(4), &["+is"], 0);
    }
}

/// Regenerates the small committed fixtures in `tests/fixtures/` (used by
/// the robustness test, which must run without DCMTK). Run with
/// `cargo test -p uptake-jpegls --test roundtrip_dcmtk -- --ignored`.
#[test]
#[ignore]
fn write_fixtures() {
    if !have_dcmtk() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    for fx in common::fixtures::FIXTURES {
        let maxval = (1u32 << fx.bits) - 1;
        let samples = generate(
            fx.width,
            fx.height,
            fx.components,
            maxval,
            fx.content,
            fx.seed,
        );
        let mut opts: Vec<&str> = fx.opts.to_vec();
        let near_s = fx.near.to_string();
        if fx.near > 0 {
            opts.extend(["+en", "+md", &near_s]);
        }
        let s = encode(
            fx.file,
            fx.width as u16,
            fx.height as u16,
            fx.components as u16,
            fx.bits,
            &samples,
            &opts,
        );
        std::fs::write(dir.join(fx.file), s).unwrap();
    }
}
