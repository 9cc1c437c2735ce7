//! Enhanced CT / Enhanced PET multi-frame files read back frame by frame.

mod common;

use common::*;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use uptake_phantom::grid::voxel_centre;
use uptake_phantom::{Phantom, PhantomOptions};

fn nested(o: &InMemDicomObject, seq: dicom_core::Tag) -> &InMemDicomObject {
    &o.element(seq)
        .unwrap_or_else(|_| panic!("{seq}"))
        .items()
        .unwrap()[0]
}

fn nums(o: &InMemDicomObject, tag: dicom_core::Tag) -> Vec<f64> {
    o.element(tag).unwrap().to_multi_float64().unwrap()
}

#[test]
fn enhanced_files_carry_exact_truth() {
    let opts = PhantomOptions {
        enhanced: true,
        drop_ct_slice: Some(5),
        ..Default::default()
    };
    let (dir, t) = study("enhanced", &opts);
    let ph = Phantom::standard();
    for (sub, name, pet) in [
        ("CT", "CT_ENHANCED.dcm", false),
        ("PET", "PET_ENHANCED.dcm", true),
    ] {
        let paths = files(&dir.join(sub));
        assert_eq!(paths.len(), 1);
        assert!(paths[0].ends_with(name));
        let o = open(&paths[0]);
        let want_class = if pet {
            "1.2.840.10008.5.1.4.1.1.130"
        } else {
            "1.2.840.10008.5.1.4.1.1.2.1"
        };
        assert_eq!(s(&o, tags::SOP_CLASS_UID).unwrap(), want_class);
        let frames: usize = s(&o, tags::NUMBER_OF_FRAMES).unwrap().parse().unwrap();
        assert_eq!(frames, if pet { 76 } else { 99 });
        let rows = f1(&o, tags::ROWS) as usize;
        let cols = f1(&o, tags::COLUMNS) as usize;
        let shared = nested(&o, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
        let ps = nums(
            nested(shared, tags::PIXEL_MEASURES_SEQUENCE),
            tags::PIXEL_SPACING,
        );
        let iop = nums(
            nested(shared, tags::PLANE_ORIENTATION_SEQUENCE),
            tags::IMAGE_ORIENTATION_PATIENT,
        );
        let row = [iop[0], iop[1], iop[2]];
        let col = [iop[3], iop[4], iop[5]];
        let ct_rescale = (!pet).then(|| nested(shared, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE));
        let per = o
            .element(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
            .unwrap()
            .items()
            .unwrap();
        assert_eq!(per.len(), frames);
        let bytes = o.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
        assert_eq!(bytes.len(), frames * rows * cols * 2);
        let mut counts = vec![0u64; ph.lesions.len()];
        let mut slopes = Vec::new();
        for (f, item) in per.iter().enumerate() {
            let ipp = nums(
                nested(item, tags::PLANE_POSITION_SEQUENCE),
                tags::IMAGE_POSITION_PATIENT,
            );
            let fc = nested(item, tags::FRAME_CONTENT_SEQUENCE);
            assert!(fc.element(tags::IN_STACK_POSITION_NUMBER).is_ok());
            let pvt = ct_rescale
                .unwrap_or_else(|| nested(item, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE));
            let slope = nums(pvt, tags::RESCALE_SLOPE)[0];
            let intercept = nums(pvt, tags::RESCALE_INTERCEPT)[0];
            slopes.push(slope);
            let frame = &bytes[f * rows * cols * 2..(f + 1) * rows * cols * 2];
            for j in 0..rows {
                for i in 0..cols {
                    let b = [frame[(j * cols + i) * 2], frame[(j * cols + i) * 2 + 1]];
                    let stored = if pet {
                        i16::from_le_bytes(b) as f64
                    } else {
                        u16::from_le_bytes(b) as f64
                    };
                    let v = stored * slope + intercept;
                    let p = voxel_centre([ipp[0], ipp[1], ipp[2]], row, col, [ps[0], ps[1]], i, j);
                    if let uptake_phantom::Tissue::Lesion(n) = ph.tissue_at(p) {
                        counts[n] += 1;
                    }
                    if pet {
                        let tol = slope * t.suv.suvbw_factor * 0.5 * 1.000001;
                        assert!((v * t.suv.suvbw_factor - ph.suv_at(p)).abs() <= tol);
                    } else {
                        assert_eq!(v, ph.hu_at(p) as f64);
                    }
                }
            }
        }
        for (n, l) in t.lesions.iter().enumerate() {
            assert_eq!(
                counts[n],
                if pet { l.pet_voxels } else { l.ct_voxels },
                "{} {sub}",
                l.name
            );
        }
        if pet {
            assert_eq!(slopes, t.pet.rescale_slopes);
            let mut d = slopes.clone();
            d.sort_by(f64::total_cmp);
            d.dedup();
            assert!(d.len() >= 3);
        }
    }
}
