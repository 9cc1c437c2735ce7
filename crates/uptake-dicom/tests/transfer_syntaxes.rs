//! Every transfer syntax a PACS hands out decodes: phantom slices are transcoded with dcmtk
//! (Debian `dcmtk`) and pydicom + pylibjpeg-openjpeg (JPEG 2000), then decoded by uptake-dicom
//! and compared with the Explicit VR Little Endian original — exactly for lossless syntaxes,
//! within a stated error for lossy ones.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use uptake_dicom::DicomInstance;
use uptake_phantom::PhantomOptions;

fn decode(path: &Path) -> (Vec<f64>, String) {
    let inst = DicomInstance::open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut out = vec![0f32; inst.header.pixel.samples_per_frame()];
    inst.decode_frame_into(0, &mut out)
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.into_iter().map(f64::from).collect(),
        inst.header.transfer_syntax,
    )
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/independent/encode.py")
}

enum Tool {
    Dcmtk(&'static str, &'static [&'static str]),
    Python(&'static str),
}

struct Case {
    tool: Tool,
    source: &'static str,
    uid: &'static str,
    /// Largest allowed |decoded − original| in modality units (0 = lossless).
    max_error: f64,
}

fn transcode(tool: &Tool, src: &Path, dst: &Path) {
    match tool {
        Tool::Dcmtk(bin, args) => {
            common::require_tool(bin);
            common::run(Command::new(bin).args(*args).arg(src).arg(dst));
        }
        Tool::Python(mode) => {
            common::require_tool("python3");
            common::run(
                Command::new("python3")
                    .arg(script())
                    .arg(mode)
                    .arg(src)
                    .arg(dst),
            );
        }
    }
}

#[test]
fn every_transfer_syntax_decodes_to_the_original_values() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let ct = dir.path().join("CT/CT_0050.dcm");
    let pet = dir.path().join("PET/PET_0030.dcm");
    let work = tempfile::tempdir().expect("temp dir");
    // An 8-bit copy of the CT slice for JPEG baseline (which only carries 8-bit samples).
    let ct8 = work.path().join("ct8.dcm");
    transcode(&Tool::Python("to-8bit"), &ct, &ct8);

    let cases = [
        Case {
            tool: Tool::Dcmtk("dcmconv", &["+ti"]),
            source: "ct",
            uid: "1.2.840.10008.1.2",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmconv", &["+ti"]),
            source: "pet",
            uid: "1.2.840.10008.1.2",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmconv", &["+tb"]),
            source: "ct",
            uid: "1.2.840.10008.1.2.2",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmconv", &["+tb"]),
            source: "pet",
            uid: "1.2.840.10008.1.2.2",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmconv", &["+td"]),
            source: "pet",
            uid: "1.2.840.10008.1.2.1.99",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcrle", &[]),
            source: "ct",
            uid: "1.2.840.10008.1.2.5",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcrle", &[]),
            source: "pet",
            uid: "1.2.840.10008.1.2.5",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcjpeg", &["+e1"]),
            source: "ct",
            uid: "1.2.840.10008.1.2.4.70",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcjpeg", &["+e1"]),
            source: "pet",
            uid: "1.2.840.10008.1.2.4.70",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcjpeg", &["+el", "+sv", "6"]),
            source: "pet",
            uid: "1.2.840.10008.1.2.4.57",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcjpls", &[]),
            source: "ct",
            uid: "1.2.840.10008.1.2.4.80",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcjpls", &[]),
            source: "pet",
            uid: "1.2.840.10008.1.2.4.80",
            max_error: 0.0,
        },
        // dcmcjpls near-lossless uses NEAR = 2 stored units; CT slope is 1 HU.
        Case {
            tool: Tool::Dcmtk("dcmcjpls", &["+en"]),
            source: "ct",
            uid: "1.2.840.10008.1.2.4.81",
            max_error: 2.0,
        },
        Case {
            tool: Tool::Python("j2k-lossless"),
            source: "ct",
            uid: "1.2.840.10008.1.2.4.90",
            max_error: 0.0,
        },
        Case {
            tool: Tool::Python("j2k-lossless"),
            source: "pet",
            uid: "1.2.840.10008.1.2.4.90",
            max_error: 0.0,
        },
        // Lossy: bounded, and checked below to be a real (non-trivial) decode.
        Case {
            tool: Tool::Python("j2k-lossy"),
            source: "ct",
            uid: "1.2.840.10008.1.2.4.91",
            max_error: 150.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcjpeg", &["+ee"]),
            source: "ct",
            uid: "1.2.840.10008.1.2.4.51",
            max_error: 150.0,
        },
        Case {
            tool: Tool::Dcmtk("dcmcjpeg", &["+eb"]),
            source: "ct8",
            uid: "1.2.840.10008.1.2.4.50",
            max_error: 8.0 * 24.0,
        },
    ];
    let mut failures = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let src = match case.source {
            "ct" => &ct,
            "pet" => &pet,
            _ => &ct8,
        };
        let dst = work.path().join(format!("case{n}.dcm"));
        transcode(&case.tool, src, &dst);
        let (original, _) = decode(src);
        let result = std::panic::catch_unwind(|| decode(&dst));
        let Ok((decoded, uid)) = result else {
            failures.push(format!("case {n} ({}): decode failed", case.uid));
            continue;
        };
        if uid != case.uid {
            failures.push(format!(
                "case {n}: transcoded to {uid}, expected {}",
                case.uid
            ));
            continue;
        }
        let max_err = decoded
            .iter()
            .zip(&original)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let rms = (decoded
            .iter()
            .zip(&original)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / original.len() as f64)
            .sqrt();
        let tolerance = if case.source == "pet" {
            1e-6 * original.iter().fold(0.0f64, |m, v| m.max(v.abs()))
        } else {
            0.0
        };
        if max_err > case.max_error + tolerance {
            failures.push(format!(
                "case {n} ({}, {}): max error {max_err} > {}",
                case.uid, case.source, case.max_error
            ));
        }
        if case.max_error > 0.0 && rms > case.max_error / 2.0 {
            failures.push(format!(
                "case {n} ({}): rms error {rms} too large",
                case.uid
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
