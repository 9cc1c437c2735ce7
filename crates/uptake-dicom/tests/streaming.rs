//! Streaming assembly (`SlicePool`) gives exactly the volumes of whole-file assembly, whatever
//! the arrival order and whether the early slice order is right, wrong or unknown.

use std::collections::HashMap;

use uptake_dicom::{DicomInstance, LoadedStudy, Pooled, SlicePool, Volume, Voxels};
use uptake_phantom::{read_study_files, write_study, PhantomOptions};

fn parse(files: &[(String, Vec<u8>)]) -> Vec<DicomInstance> {
    files
        .iter()
        .map(|(n, b)| DicomInstance::from_bytes(n, b).unwrap())
        .collect()
}

/// A fixed shuffle (reverse the odd positions) of the arrival order.
fn shuffled<T: Clone>(v: &[T]) -> Vec<T> {
    let mut out: Vec<T> = v.iter().step_by(2).cloned().collect();
    out.extend(v.iter().skip(1).step_by(2).rev().cloned());
    out
}

fn same(a: &Volume, b: &Volume) {
    assert_eq!(a.geometry, b.geometry);
    assert_eq!(a.slices, b.slices);
    assert_eq!(a.units, b.units);
    match (&a.voxels, &b.voxels) {
        (Voxels::I16(x), Voxels::I16(y)) => assert!(x == y, "i16 voxels differ"),
        (Voxels::F32(x), Voxels::F32(y)) => {
            assert!(x
                .iter()
                .zip(y.iter())
                .all(|(p, q)| p.to_bits() == q.to_bits()))
        }
        _ => panic!(
            "types differ: {} vs {}",
            a.voxels.type_name(),
            b.voxels.type_name()
        ),
    }
}

/// Streams `files` in the given arrival order with the early order `expected` (per series:
/// SOP UIDs in final order, or none), returns the study and, per plan, whether the pool was
/// already in order.
fn stream(
    files: &[(String, Vec<u8>)],
    expected: &HashMap<String, Vec<String>>,
) -> (LoadedStudy, Vec<(Volume, bool)>) {
    let mut pools: HashMap<String, SlicePool> = HashMap::new();
    let mut instances = Vec::new();
    for (n, b) in files {
        let mut inst = DicomInstance::from_bytes(n, b).unwrap();
        let series = inst.header.series_uid.clone();
        let pool = pools.entry(series.clone()).or_insert_with(|| {
            SlicePool::new(&series, expected.get(&series).map_or(&[][..], |v| v))
        });
        assert!(matches!(pool.add(&mut inst).unwrap(), Pooled::At(_)));
        instances.push(inst);
    }
    let study = LoadedStudy::from_streamed(instances, pools);
    let plans = study.plans.clone();
    let vols = plans
        .iter()
        .map(|p| study.pooled_volume(p).unwrap().unwrap())
        .collect();
    (study, vols)
}

#[test]
fn streamed_volumes_equal_whole_file_assembly_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    write_study(dir.path(), &PhantomOptions::default()).unwrap();
    let files = read_study_files(dir.path()).unwrap();
    let reference = LoadedStudy::from_instances(parse(&files));
    let want: Vec<Volume> = reference
        .plans
        .iter()
        .map(|p| reference.volume(p).unwrap())
        .collect();
    assert!(
        want.iter().any(|v| matches!(v.voxels, Voxels::I16(_))),
        "CT stays i16"
    );

    // The right early order (what QIDO positions give): no reordering needed.
    let right: HashMap<String, Vec<String>> = want
        .iter()
        .map(|v| {
            let uids = v
                .slices
                .iter()
                .flatten()
                .map(|s| s.sop_instance_uid.clone());
            (v.series_uid.clone(), uids.collect())
        })
        .collect();
    // A wrong early order, an unknown one: reordered in place.
    let wrong: HashMap<String, Vec<String>> = right
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().rev().cloned().collect()))
        .collect();
    let none = HashMap::new();
    for (label, order, in_order) in [
        ("right order", &right, true),
        ("wrong order", &wrong, false),
        ("no order", &none, false),
    ] {
        for arrival in [files.clone(), shuffled(&files)] {
            let (study, got) = stream(&arrival, order);
            assert_eq!(got.len(), want.len(), "{label}");
            for ((v, was_in_order), w) in got.iter().zip(&want) {
                same(v, w);
                if label == "right order" {
                    assert_eq!(*was_in_order, in_order, "{label}");
                }
            }
            // The pixels were released: only the pool could give these volumes, and the
            // pools were handed over (a second request has nothing to take).
            assert!(study.pooled_volume(&study.plans[0]).is_none(), "{label}");
            let e = study.volume(&study.plans[0]).unwrap_err();
            assert!(e.to_string().contains("released"), "{label}: {e}");
        }
    }
}

#[test]
fn a_split_series_is_copied_out_of_its_pool_per_plan() {
    // A missing CT slice: the plan has an empty slot, so the pool cannot be handed over
    // whole; the copy equals whole-file assembly.
    let dir = tempfile::tempdir().unwrap();
    let opts = PhantomOptions {
        drop_ct_slice: Some(10),
        ..PhantomOptions::default()
    };
    write_study(dir.path(), &opts).unwrap();
    let files = read_study_files(dir.path()).unwrap();
    let reference = LoadedStudy::from_instances(parse(&files));
    let (study, _) = {
        let mut pools: HashMap<String, SlicePool> = HashMap::new();
        let mut instances = Vec::new();
        for (n, b) in &files {
            let mut inst = DicomInstance::from_bytes(n, b).unwrap();
            let s = inst.header.series_uid.clone();
            pools
                .entry(s.clone())
                .or_insert_with(|| SlicePool::new(&s, &[]))
                .add(&mut inst)
                .unwrap();
            instances.push(inst);
        }
        (LoadedStudy::from_streamed(instances, pools), ())
    };
    for (p, q) in study.plans.iter().zip(&reference.plans) {
        match study.pooled_volume(p) {
            Some(v) => same(&v.unwrap().0, &reference.volume(q).unwrap()),
            None => panic!("series {} not assembled from its pool", p.series_uid),
        }
    }
}
