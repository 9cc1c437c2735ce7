//! Streaming assembly (`SlicePool`) gives exactly the volumes of whole-file assembly, whatever
//! the arrival order and whether the early slice order is right, wrong or unknown.

use std::collections::HashMap;

use uptake_dicom::{DicomInstance, LoadedStudy, Pooled, SlicePool, Volume, Voxels};
use uptake_phantom::{read_study_files, write_study, PhantomOptions};

/// The files of a phantom study written with `opts`, as (name, bytes), read back into memory.
fn phantom_files(opts: &PhantomOptions) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    write_study(dir.path(), opts).unwrap();
    read_study_files(dir.path()).unwrap()
}

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
        (Voxels::Packed(x), Voxels::I16(y)) => assert!(x.to_array() == y, "packed voxels differ"),
        (Voxels::Scaled(x), Voxels::F32(y)) => assert!(
            x.to_array()
                .iter()
                .zip(y.iter())
                .all(|(p, q)| p.to_bits() == q.to_bits()),
            "scaled voxels differ"
        ),
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

/// A pool for `series` with this early order, packing CT slices or not.
fn new_pool(series: &str, order: &[String], pack: bool) -> SlicePool {
    let pool = SlicePool::new(series, order);
    if pack {
        pool.with_packing()
    } else {
        pool
    }
}

/// Parses one file and decodes its slice into its series' pool (made with no early order and
/// `hint` slices expected when it is the series' first file).
fn pool_in(
    pools: &mut HashMap<String, SlicePool>,
    (name, bytes): &(String, Vec<u8>),
    hint: usize,
    pack: bool,
) -> DicomInstance {
    let mut inst = DicomInstance::from_bytes(name, bytes).unwrap();
    let s = inst.header.series_uid.clone();
    pools
        .entry(s.clone())
        .or_insert_with(|| new_pool(&s, &[], pack).with_capacity_hint(hint))
        .add(&mut inst)
        .unwrap();
    inst
}

/// Streams `files` in the given arrival order with the early order `expected` (per series:
/// SOP UIDs in final order, or none), returns the study and, per plan, whether the pool was
/// already in order.
fn stream(
    files: &[(String, Vec<u8>)],
    expected: &HashMap<String, Vec<String>>,
    pack: bool,
) -> (LoadedStudy, Vec<(Volume, bool)>) {
    let mut pools: HashMap<String, SlicePool> = HashMap::new();
    let mut instances = Vec::new();
    for (n, b) in files {
        let mut inst = DicomInstance::from_bytes(n, b).unwrap();
        let series = inst.header.series_uid.clone();
        let pool = pools.entry(series.clone()).or_insert_with(|| {
            new_pool(&series, expected.get(&series).map_or(&[][..], |v| v), pack)
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
    let files = phantom_files(&PhantomOptions::default());
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
        for (arrival, pack) in [
            (files.clone(), false),
            (shuffled(&files), false),
            (files.clone(), true),
            (shuffled(&files), true),
        ] {
            let (study, got) = stream(&arrival, order, pack);
            assert_eq!(
                got.iter()
                    .any(|(v, _)| matches!(v.voxels, Voxels::Packed(_))),
                pack,
                "{label}: the CT is packed when asked"
            );
            assert_eq!(
                got.iter()
                    .any(|(v, _)| matches!(v.voxels, Voxels::Scaled(_))),
                pack,
                "{label}: the PET is kept as stored values when asked"
            );
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
    let files = phantom_files(&PhantomOptions {
        drop_ct_slice: Some(10),
        ..PhantomOptions::default()
    });
    let reference = LoadedStudy::from_instances(parse(&files));
    for pack in [false, true] {
        let mut pools: HashMap<String, SlicePool> = HashMap::new();
        let instances = files
            .iter()
            .map(|f| pool_in(&mut pools, f, 0, pack))
            .collect();
        let study = LoadedStudy::from_streamed(instances, pools);
        for (p, q) in study.plans.iter().zip(&reference.plans) {
            match study.pooled_volume(p) {
                Some(v) => same(&v.unwrap().0, &reference.volume(q).unwrap()),
                None => panic!("series {} not assembled from its pool", p.series_uid),
            }
        }
    }
}

#[test]
fn an_order_adopted_after_slices_arrived_moves_them_to_their_slots() {
    let files = shuffled(&phantom_files(&PhantomOptions::default()));
    let reference = LoadedStudy::from_instances(parse(&files));
    let want: HashMap<String, Volume> = reference
        .plans
        .iter()
        .map(|p| (p.series_uid.clone(), reference.volume(p).unwrap()))
        .collect();
    let order_of = |v: &Volume| -> Vec<String> {
        v.slices
            .iter()
            .flatten()
            .map(|s| s.sop_instance_uid.clone())
            .collect()
    };
    for (label, reversed, pack) in [
        ("right order", false, false),
        ("wrong order", true, false),
        ("right order, packed", false, true),
        ("wrong order, packed", true, true),
    ] {
        for late in [0, 1, 7, files.len() / 2, files.len()] {
            let mut pools: HashMap<String, SlicePool> = HashMap::new();
            let mut instances = Vec::new();
            let adopt = |pools: &mut HashMap<String, SlicePool>| {
                for (series, v) in &want {
                    let mut order = order_of(v);
                    if reversed {
                        order.reverse();
                    }
                    let pool = pools
                        .entry(series.clone())
                        .or_insert_with(|| new_pool(series, &[], pack));
                    let before = pool.len();
                    let slots = pool.adopt_order(&order).unwrap();
                    assert_eq!(slots.len(), before, "{label} after {late}");
                    // Each slice pooled so far is now in its slot of the order.
                    if !reversed {
                        for &k in &slots {
                            let got = match (pool.slice(k).unwrap(), &v.voxels) {
                                (uptake_dicom::PoolSlice::I16(s), Voxels::I16(a)) => {
                                    s == a.index_axis(ndarray::Axis(0), k).as_slice().unwrap()
                                }
                                (uptake_dicom::PoolSlice::F32(s), Voxels::F32(a)) => {
                                    s == a.index_axis(ndarray::Axis(0), k).as_slice().unwrap()
                                }
                                (uptake_dicom::PoolSlice::Packed(s), Voxels::I16(a)) => {
                                    s.unpack()
                                        == a.index_axis(ndarray::Axis(0), k).as_slice().unwrap()
                                }
                                (uptake_dicom::PoolSlice::Scaled(b, sc), Voxels::F32(a)) => b
                                    .iter()
                                    .zip(a.index_axis(ndarray::Axis(0), k))
                                    .all(|(&b, x)| sc.value(b).to_bits() == x.to_bits()),
                                _ => false,
                            };
                            assert!(got, "{label} after {late}: slot {k}");
                        }
                    }
                    assert!(pool.adopt_order(&order).is_none(), "one order per pool");
                }
            };
            for (i, f) in files.iter().enumerate() {
                if i == late {
                    adopt(&mut pools);
                }
                instances.push(pool_in(&mut pools, f, 0, pack));
            }
            if late == files.len() {
                adopt(&mut pools);
            }
            let study = LoadedStudy::from_streamed(instances, pools);
            for p in &study.plans {
                let (v, in_order) = study.pooled_volume(p).unwrap().unwrap();
                same(&v, &want[&p.series_uid]);
                assert_eq!(in_order, !reversed, "{label} after {late}");
            }
        }
    }
    // An order that does not name a pooled slice is refused and changes nothing.
    let (n, b) = &files[0];
    let mut inst = DicomInstance::from_bytes(n, b).unwrap();
    let mut pool = SlicePool::new(&inst.header.series_uid.clone(), &[]);
    pool.add(&mut inst).unwrap();
    assert!(pool.adopt_order(&["1.2.3".to_string()]).is_none());
    assert!(pool
        .adopt_order(&vec![inst.header.sop_instance_uid.clone(); 2])
        .is_none());
    assert!(pool.contains(&inst.header.sop_instance_uid));
}

#[test]
fn an_instance_count_no_memory_can_hold_is_dropped_not_fatal() {
    // A server's wrong NumberOfSeriesRelatedInstances must not abort the process: the pool
    // then grows slice by slice and still gives the exact volume.
    let files = phantom_files(&PhantomOptions::default());
    let reference = LoadedStudy::from_instances(parse(&files));
    for hint in [1usize << 40, usize::MAX / 2] {
        let mut pools: HashMap<String, SlicePool> = HashMap::new();
        let instances = files
            .iter()
            .map(|f| pool_in(&mut pools, f, hint, false))
            .collect();
        let study = LoadedStudy::from_streamed(instances, pools);
        for (p, q) in study.plans.iter().zip(&reference.plans) {
            same(
                &study.pooled_volume(p).unwrap().unwrap().0,
                &reference.volume(q).unwrap(),
            );
        }
    }
}

/// Rewrites the RescaleIntercept (0028,1052) of an Explicit VR Little Endian file in place
/// with a value of the same length.
fn set_intercept(bytes: &mut [u8], value: &str) {
    let tag = [0x28, 0x00, 0x52, 0x10, b'D', b'S'];
    let at = bytes
        .windows(tag.len())
        .position(|w| w == tag)
        .expect("a RescaleIntercept");
    let len = u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]) as usize;
    let mut text = value.as_bytes().to_vec();
    assert!(text.len() <= len, "{value} does not fit in {len} bytes");
    text.resize(len, b' ');
    bytes[at + 8..at + 8 + len].copy_from_slice(&text);
}

#[test]
fn a_packed_series_with_a_value_beyond_i16_is_widened_exactly() {
    // One CT slice in the middle of the arrival whose HU do not fit in i16: the slices packed
    // before it are unpacked into f32 with the rest, and the volume equals whole-file assembly.
    let mut files = phantom_files(&PhantomOptions::default());
    let ct: Vec<usize> = (0..files.len())
        .filter(|&i| {
            DicomInstance::from_bytes(&files[i].0, &files[i].1)
                .unwrap()
                .header
                .modality
                == "CT"
        })
        .collect();
    let hot = ct[ct.len() / 2];
    set_intercept(&mut files[hot].1, "32000");
    let reference = LoadedStudy::from_instances(parse(&files));
    let ct_plan = reference.plans.iter().find(|p| p.modality == "CT").unwrap();
    let want = reference.volume(ct_plan).unwrap();
    assert!(
        matches!(want.voxels, Voxels::F32(_)),
        "the reference is f32"
    );
    let (_, got) = stream(&files, &HashMap::new(), true);
    let (v, _) = got.iter().find(|(v, _)| v.modality == "CT").unwrap();
    same(v, &want);
}

#[test]
fn a_copy_leaves_the_pool_whole() {
    // A preview copies a series out of its pool while the rest arrives: the copy equals
    // whole-file assembly, and the pool still hands over every slice afterwards.
    let files = phantom_files(&PhantomOptions::default());
    let reference = LoadedStudy::from_instances(parse(&files));
    for pack in [false, true] {
        let mut pools: HashMap<String, SlicePool> = HashMap::new();
        let instances: Vec<DicomInstance> = files
            .iter()
            .map(|f| pool_in(&mut pools, f, 0, pack))
            .collect();
        let headers: Vec<_> = instances.iter().map(|i| &i.header).collect();
        let (plans, _) = uptake_dicom::plan_stacks(&headers);
        for (p, q) in plans.iter().zip(&reference.plans) {
            let want = reference.volume(q).unwrap();
            let pool = pools.get_mut(&p.series_uid).unwrap();
            let before = pool.len();
            let copy = pool.copy_volume(p, &instances).unwrap().unwrap();
            same(&copy, &want);
            assert_eq!(pool.len(), before, "the copy took nothing");
            let (taken, _) = pool.take_volume(p, &instances).unwrap().unwrap();
            same(&taken, &want);
        }
    }
}
