//! Loading and assembling on several threads gives exactly what one thread gives.

mod common;

use uptake_dicom::load::parse_all_threads;
use uptake_dicom::{load_paths_threads, DicomInstance, LoadedStudy, Voxels};
use uptake_phantom::PhantomOptions;

fn same_voxels(a: &Voxels, b: &Voxels) -> bool {
    match (a, b) {
        (Voxels::I16(x), Voxels::I16(y)) => x == y,
        (Voxels::F32(x), Voxels::F32(y)) => {
            x.shape() == y.shape()
                && x.iter()
                    .zip(y.iter())
                    .all(|(p, q)| p.to_bits() == q.to_bits())
        }
        _ => false,
    }
}

#[test]
fn threads_do_not_change_the_study_or_its_volumes() {
    let (dir, _) = common::phantom(&PhantomOptions {
        shuffle_files: true,
        ..Default::default()
    });
    // A non-DICOM file in the walk must be skipped the same way on every thread count.
    std::fs::write(dir.path().join("CT/README.txt"), b"not dicom").expect("write");
    let one = load_paths_threads(&[dir.path().to_path_buf()], 1);
    assert!(one.errors.is_empty(), "{:?}", one.errors);
    assert!(one.skipped.iter().any(|(p, _)| p.ends_with("README.txt")));
    for threads in [2, 3] {
        let many = load_paths_threads(&[dir.path().to_path_buf()], threads);
        let names = |s: &LoadedStudy| -> Vec<String> {
            s.instances
                .iter()
                .map(|i| i.header.source_name.clone())
                .collect()
        };
        assert_eq!(names(&one), names(&many));
        assert_eq!(one.skipped, many.skipped);
        assert_eq!(one.plans.len(), many.plans.len());
        for (p, q) in one.plans.iter().zip(&many.plans) {
            assert_eq!(p.slots, q.slots);
            let a = one.volume(p).expect("volume");
            let b = many.volume_threads(q, threads).expect("volume");
            assert!(same_voxels(&a.voxels, &b.voxels), "{}", p.series_uid);
            assert_eq!(a.slices, b.slices);
        }
    }
}

#[test]
fn in_memory_parse_on_threads_keeps_order_and_errors() {
    let (dir, _) = common::phantom(&PhantomOptions::default());
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path().join("PET"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| {
            let p = e.path();
            (p.display().to_string(), std::fs::read(&p).expect("read"))
        })
        .collect();
    files.sort();
    files.insert(3, ("bad.dcm".into(), vec![0u8; 10]));
    let (inst, errors) = parse_all_threads(&files, 2);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].source_name, "bad.dcm");
    let expect: Vec<&str> = files
        .iter()
        .filter(|f| f.0 != "bad.dcm")
        .map(|f| f.0.as_str())
        .collect();
    let got: Vec<&str> = inst.iter().map(|i| i.header.source_name.as_str()).collect();
    assert_eq!(got, expect);
    // Borrowed and owned parsing decode the same values.
    let (name, bytes) = &files[0];
    let a = DicomInstance::from_bytes(name, bytes).expect("parse");
    let b = DicomInstance::from_vec(name, bytes.clone()).expect("parse");
    let n = a.header.pixel.samples_per_frame();
    let (mut x, mut y) = (vec![0f32; n], vec![0f32; n]);
    assert!(a.decode_frame_into(0, &mut x).expect("decode"));
    assert!(b.decode_frame_into(0, &mut y).expect("decode"));
    assert_eq!(x, y);
}
