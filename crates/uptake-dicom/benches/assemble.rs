//! Decode and assembly throughput (issue 2).
//!
//! - `assemble/*`: the `clinical` phantom (CT 512×512×400 + PET 192×192×400, Explicit VR Little
//!   Endian, ≈ 240 MB) held in memory; parse + plan + decode into volumes, and each stage alone.
//!   Throughput is file bytes in.
//! - `decode/*`: clinical CT slices (512×512, 12-bit) transcoded once with dcmtk / pydicom, then
//!   `decode_frame_into::<i16>` per slice. Throughput is decoded bytes out (2 per sample).
//!
//! - `decode_wg04/*`: the two real CT slices of the WG04 compression set in each syntax, read
//!   from `../shared/data/wg04` (skipped when absent). The phantom is piecewise smooth and
//!   compresses far better than a real CT, so its codec figures are optimistic; these are not.
//! - `load/*`: `load_paths_threads` on the phantom directory (page cache warm) + volumes.
//!
//! Everything is single-threaded except the benches named `…2threads` / `…_2thread`. A missing
//! external encoder skips its bench with a message. Run with
//! `cargo bench -p uptake-dicom --bench assemble`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use uptake_dicom::load::parse_all_threads;
use uptake_dicom::{load_paths_threads, DicomInstance, LoadedStudy, Volume};
use uptake_phantom::{write_study, PhantomOptions, Size};

/// Clinical CT slices taken for the codec benches (spread along the body).
const CODEC_SLICES: usize = 12;

struct Fixture {
    dir: tempfile::TempDir,
    /// (name, bytes) of every phantom file.
    files: Vec<(String, Vec<u8>)>,
    /// CT file paths on disk, sorted by name.
    ct_paths: Vec<PathBuf>,
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file());
    v.sort();
    v
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = PhantomOptions {
        size: Size::Clinical,
        ..Default::default()
    };
    write_study(dir.path(), &opts).expect("clinical phantom");
    let ct_paths = sorted_files(&dir.path().join("CT"));
    let pet_paths = sorted_files(&dir.path().join("PET"));
    let files = ct_paths
        .iter()
        .chain(&pet_paths)
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(p).expect("phantom file"),
            )
        })
        .collect();
    Fixture {
        dir,
        files,
        ct_paths,
    }
}

fn parse_all(files: &[(String, Vec<u8>)]) -> Vec<DicomInstance> {
    files
        .iter()
        .map(|(name, bytes)| DicomInstance::from_bytes(name, bytes).expect("phantom parses"))
        .collect()
}

fn volumes(study: &LoadedStudy, threads: usize) -> (Volume, Volume) {
    let pet = study.pet_plan().expect("PET plan");
    let ct = study.ct_plan(Some(pet)).expect("CT plan");
    (
        study.volume_threads(ct, threads).expect("CT volume"),
        study.volume_threads(pet, threads).expect("PET volume"),
    )
}

fn bench_assemble(c: &mut Criterion, fx: &Fixture) {
    let total: u64 = fx.files.iter().map(|(_, b)| b.len() as u64).sum();
    let mut g = c.benchmark_group("assemble");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Bytes(total));

    // Outputs (hundreds of MB) are dropped outside the timed region.
    g.bench_function("clinical_native_le", |b| {
        b.iter_with_large_drop(|| {
            let study = LoadedStudy::from_instances(parse_all(&fx.files));
            let vols = volumes(&study, 1);
            (study, vols)
        })
    });
    g.bench_function("clinical_native_le_owned", |b| {
        b.iter_batched(
            || fx.files.clone(),
            |files| {
                let instances = files
                    .into_iter()
                    .map(|(name, bytes)| {
                        DicomInstance::from_vec(&name, bytes).expect("phantom parses")
                    })
                    .collect();
                let study = LoadedStudy::from_instances(instances);
                let vols = volumes(&study, 1);
                (study, vols)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("parse_and_plan", |b| {
        b.iter_with_large_drop(|| LoadedStudy::from_instances(parse_all(&fx.files)))
    });
    let study = LoadedStudy::from_instances(parse_all(&fx.files));
    g.bench_function("volumes_only", |b| {
        b.iter_with_large_drop(|| volumes(&study, 1))
    });
    drop(study);
    g.bench_function("clinical_native_le_2threads", |b| {
        b.iter_with_large_drop(|| {
            let (instances, errors) = parse_all_threads(&fx.files, 2);
            assert!(errors.is_empty());
            let study = LoadedStudy::from_instances(instances);
            let vols = volumes(&study, 2);
            (study, vols)
        })
    });
    g.finish();

    // From files on disk (page cache warm): what `uptake` does with a directory.
    let mut g = c.benchmark_group("load");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Bytes(total));
    for threads in [1, 2] {
        g.bench_function(format!("clinical_dir_{threads}thread"), |b| {
            b.iter_with_large_drop(|| {
                let study = load_paths_threads(&[fx.dir.path().to_path_buf()], threads);
                assert!(study.errors.is_empty());
                let vols = volumes(&study, threads);
                (study, vols)
            })
        });
    }
    g.finish();
}

/// Transcodes `src` into `dst` with `tool args… src dst`; `false` (after a message) on failure.
fn transcode(tool: &str, args: &[&str], src: &Path, dst: &Path) -> bool {
    match Command::new(tool).args(args).arg(src).arg(dst).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            eprintln!(
                "{tool} failed on {}: {}",
                src.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            false
        }
        Err(e) => {
            eprintln!("{tool} not runnable ({e})");
            false
        }
    }
}

fn decode_bench(c: &mut Criterion, group: &str, name: &str, instances: &[DicomInstance]) {
    let samples: usize = instances
        .iter()
        .map(|i| i.header.pixel.samples_per_frame())
        .sum();
    let max = instances
        .iter()
        .map(|i| i.header.pixel.samples_per_frame())
        .max()
        .unwrap_or(0);
    // i16 where every slice is exact in it (CT HU), otherwise f32, as Volume::assemble does.
    let mut out16 = vec![0i16; max];
    let mut out32 = vec![0f32; max];
    let as_i16 = instances.iter().all(|i| {
        let n = i.header.pixel.samples_per_frame();
        i.decode_frame_into(0, &mut out16[..n]).unwrap_or(false)
    });
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes((samples * 2) as u64));
    g.bench_function(name, |b| {
        b.iter(|| {
            for inst in instances {
                let n = inst.header.pixel.samples_per_frame();
                let ok = if as_i16 {
                    inst.decode_frame_into(0, &mut out16[..n])
                } else {
                    inst.decode_frame_into(0, &mut out32[..n])
                };
                assert!(ok.expect("slice decodes"));
            }
        })
    });
    g.finish();
}

/// The real CT slices of the WG04 compression set (CT1 GE, CT2 Toshiba), when present.
fn bench_decode_wg04(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/wg04");
    for (name, suffix) in [
        ("uncompressed_le", "UNC"),
        ("jpeg_lossless", "JPLL"),
        ("jpeg_ls", "JLSL"),
        ("jpeg2000_lossless", "J2KR"),
    ] {
        let instances: Result<Vec<DicomInstance>, _> = ["CT1", "CT2"]
            .iter()
            .map(|ct| DicomInstance::open(&dir.join(format!("{ct}_{suffix}.dcm"))))
            .collect();
        match instances {
            Ok(instances) => decode_bench(c, "decode_wg04", name, &instances),
            Err(e) => eprintln!("decode_wg04/{name}: skipped ({e})"),
        }
    }
}

fn bench_decode(c: &mut Criterion, fx: &Fixture) {
    let step = (fx.ct_paths.len() / CODEC_SLICES).max(1);
    let picked: Vec<&PathBuf> = fx
        .ct_paths
        .iter()
        .step_by(step)
        .take(CODEC_SLICES)
        .collect();
    let work = tempfile::tempdir().expect("temp dir");
    let encoder =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/independent/encode.py");
    let encoder = encoder.display().to_string();
    type Encode<'a> = (&'a str, &'a str, Vec<&'a str>);
    let codecs: Vec<Encode<'_>> = vec![
        ("uncompressed_le", "", vec![]),
        ("jpeg_lossless", "dcmcjpeg", vec!["+e1"]),
        ("jpeg_ls", "dcmcjpls", vec!["+el"]),
        (
            "jpeg2000_lossless",
            "python3",
            vec![&encoder, "j2k-lossless"],
        ),
    ];
    for (name, tool, args) in codecs {
        let mut instances = Vec::new();
        for (n, src) in picked.iter().enumerate() {
            let path = if tool.is_empty() {
                (*src).clone()
            } else {
                let dst = work.path().join(format!("{name}-{n}.dcm"));
                if !transcode(tool, &args, src, &dst) {
                    break;
                }
                dst
            };
            match DicomInstance::open(&path) {
                Ok(i) => instances.push(i),
                Err(e) => {
                    eprintln!("{name}: {e}");
                    break;
                }
            }
        }
        if instances.len() != picked.len() {
            eprintln!("decode/{name}: skipped (encoder unavailable or failed)");
            continue;
        }
        let ts = instances[0].header.transfer_syntax.clone();
        let compressed: usize = picked
            .iter()
            .enumerate()
            .map(|(n, src)| {
                let p = if tool.is_empty() {
                    (*src).clone()
                } else {
                    work.path().join(format!("{name}-{n}.dcm"))
                };
                std::fs::metadata(p).map(|m| m.len() as usize).unwrap_or(0)
            })
            .sum();
        eprintln!(
            "decode/{name}: {} slices, transfer syntax {ts}, {compressed} file bytes",
            instances.len()
        );
        decode_bench(c, "decode", name, &instances);
    }
}

fn benches(c: &mut Criterion) {
    let fx = fixture();
    bench_assemble(c, &fx);
    bench_decode(c, &fx);
    bench_decode_wg04(c);
}

criterion_group!(assemble, benches);
criterion_main!(assemble);
