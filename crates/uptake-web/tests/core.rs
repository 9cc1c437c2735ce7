//! The worker's core, natively: files of a generated phantom in, commands in, snapshots out —
//! checked against the phantom's exact truth and against `uptake-quant` directly.
#![cfg(not(target_arch = "wasm32"))]

use uptake_phantom::{read_study_files, write_study, PhantomOptions, Truth};
use uptake_web::command::Command;
use uptake_web::core::Core;

fn open_phantom() -> (Core, Truth, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let truth = write_study(dir.path(), &PhantomOptions::default()).unwrap();
    let mut core = Core::new([800, 600]);
    for (name, bytes) in read_study_files(dir.path()).unwrap() {
        core.add_file(&name, bytes).unwrap();
    }
    core.add_file("junk", b"not a DICOM file".to_vec())
        .unwrap_err();
    (core, truth, dir)
}

fn cmd(json: &str) -> Command {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn opens_the_phantom_with_banner_views_and_errors_reported() {
    let (mut core, truth, dir) = open_phantom();
    let report = core.open(None, None).unwrap();
    assert_eq!(report.images + 1, report.files);
    // What the volumes hold: below the estimate (CT packed, PET as stored values); the GPU
    // copies are 2 bytes a voxel.
    assert!(report.held.cpu_bytes > 0);
    assert!(
        (report.held.cpu_bytes as u64) < report.memory.ct_bytes + report.memory.pet_bytes / 2,
        "{:?} vs {:?}",
        report.held,
        report.memory
    );
    assert!(report.held.gpu_bytes as u64 == report.memory.ct_bytes + report.memory.pet_bytes / 2);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.series.len(), 2);
    let s = core.snapshot().unwrap();
    assert_eq!(s.choice.pet_series_uid, truth.pet.series_instance_uid);
    assert_eq!(
        s.choice.ct_series_uid.as_deref(),
        Some(truth.ct.series_instance_uid.as_str())
    );
    // 2×2 PET-CT hanging protocol on the canvas, each with markers.
    assert_eq!(s.layout, "two_by_two");
    assert_eq!(s.views.len(), 4);
    for v in &s.views {
        assert!(v.rect[0] + v.rect[2] <= 800 && v.rect[1] + v.rect[3] <= 600);
    }
    let axial = s.views.iter().find(|v| v.plane == Some("axial")).unwrap();
    assert_eq!(
        axial.markers[0], "R",
        "radiological convention: patient right on the left"
    );
    assert_eq!(axial.markers[1], "L");
    // The MIP turns about the patient's long axis, starting from the front.
    let mip = s.views.iter().find(|v| v.plane.is_none()).unwrap();
    assert_eq!(mip.markers, ["R", "L", "H", "F"].map(String::from));
    let digits: String = truth
        .patient
        .nhs_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let nhs = format!("{} {} {}", &digits[..3], &digits[3..6], &digits[6..]);
    assert!(s.banner.contains(&nhs), "{}", s.banner);
    assert_eq!(s.colormap_stops.len(), 11);
    // The CT is held packed (a CPU copy beside the GPU's), every HU equal to a file load.
    let ct = core.viewer.as_ref().unwrap().session.ct.as_ref().unwrap();
    let uptake_dicom::Voxels::Packed(packed) = &ct.voxels else {
        panic!("the CT is {}, not packed", ct.voxels.type_name());
    };
    let plain = uptake_dicom::load_paths(&[dir.path().to_path_buf()]);
    let want = plain
        .volume(plain.ct_plan(plain.pet_plan()).unwrap())
        .unwrap();
    let uptake_dicom::Voxels::I16(want) = &want.voxels else {
        panic!("a file load gives i16 HU");
    };
    assert!(
        packed.to_array() == *want,
        "packed HU differ from the files"
    );
    let ratio = packed.byte_len() as f64 / (want.len() * 2) as f64;
    assert!(
        ratio < 0.6,
        "the CT is packed to {ratio:.2} of its plain size"
    );
    // The PET is held as its 16-bit stored values, each value the f32 a file load gives.
    let pet = core.viewer.as_ref().unwrap().session.pet_raw();
    let uptake_dicom::Voxels::Scaled(scaled) = &pet.voxels else {
        panic!("the PET is {}, not stored values", pet.voxels.type_name());
    };
    let want = plain.volume(plain.pet_plan().unwrap()).unwrap();
    let uptake_dicom::Voxels::F32(want) = &want.voxels else {
        panic!("a file load gives f32 PET");
    };
    let same = scaled
        .to_array()
        .iter()
        .zip(want.iter())
        .all(|(a, b)| a.to_bits() == b.to_bits());
    assert!(same, "the stored PET reads differently from the files");
}

#[test]
fn commands_move_the_cursor_and_measure_lesions_like_the_quant_crate() {
    let (mut core, truth, dir) = open_phantom();
    core.open(None, None).unwrap();
    let lesion = truth
        .lesions
        .iter()
        .max_by(|a, b| a.diameter_mm.total_cmp(&b.diameter_mm))
        .unwrap();
    let [x, y, z] = lesion.centre_lps;
    let s = core
        .command(&cmd(&format!(
            r#"{{"op":"set_cursor","point":[{x},{y},{z}]}}"#
        )))
        .map(|_| core.snapshot().unwrap())
        .unwrap();
    assert_eq!(s.values.point, lesion.centre_lps);
    // The cursor is inside the lesion: the PET readout is the lesion's uniform SUV.
    let pet = s.values.pet_value.unwrap();
    assert!((pet - lesion.suv).abs() < 0.01, "{pet} vs {}", lesion.suv);
    assert_eq!(s.values.ct_hu, Some(f64::from(lesion.ct_hu)));

    core.command(&cmd(&format!(
        r#"{{"op":"add_lesion","point":[{x},{y},{z}]}}"#
    )))
    .unwrap();
    let row = core.snapshot().unwrap().lesions[0].clone();
    // The same numbers as uptake-quant on the study loaded from disk.
    let study = uptake_dicom::load_paths(&[dir.path().to_path_buf()]);
    let direct = uptake_quant::quantify_study(
        &study,
        &uptake_quant::QuantifyRequest::at(lesion.centre_lps),
    )
    .unwrap();
    assert_eq!(row.suvmax, Some(direct.lesion.suvmax));
    assert_eq!(row.mtv_ml, Some(direct.lesion.mtv_ml));
    assert_eq!(row.tlg, Some(direct.lesion.tlg));
    assert!((direct.lesion.mtv_ml - lesion.mtv_ml_41).abs() < 1e-9);

    // Undo removes it; redo brings it back.
    core.command(&cmd(r#"{"op":"undo"}"#)).unwrap();
    assert!(core.snapshot().unwrap().lesions.is_empty());
    core.command(&cmd(r#"{"op":"redo"}"#)).unwrap();
    assert_eq!(core.snapshot().unwrap().lesions.len(), 1);
}

#[test]
fn wheel_steps_one_ct_slice_and_overrides_rescale_suv() {
    let (mut core, truth, _dir) = open_phantom();
    core.open(None, None).unwrap();
    let s = core.snapshot().unwrap();
    let fused = s.views.iter().find(|v| v.title == "Fused axial").unwrap();
    let (cx, cy) = (
        f64::from(fused.rect[0] + fused.rect[2] / 2),
        f64::from(fused.rect[1] + fused.rect[3] / 2),
    );
    let z0 = s.values.point[2];
    core.command(&cmd(&format!(
        r#"{{"op":"wheel","x":{cx},"y":{cy},"slices":1}}"#
    )))
    .unwrap();
    let z1 = core.snapshot().unwrap().values.point[2];
    assert!(
        ((z1 - z0).abs() - truth.ct.slice_spacing_mm).abs() < 1e-9,
        "{z0} → {z1}, spacing {}",
        truth.ct.slice_spacing_mm
    );

    // Doubling the weight doubles every SUV.
    let before = core.snapshot().unwrap().values.pet_value.unwrap();
    let w = truth.patient.weight_kg * 2.0;
    core.command(&cmd(&format!(
        r#"{{"op":"set_overrides","weight_kg":{w}}}"#
    )))
    .unwrap();
    let after = core.snapshot().unwrap().values.pet_value.unwrap();
    assert!((after / before - 2.0).abs() < 1e-6, "{before} → {after}");
}

#[test]
fn bad_commands_are_typed_errors_not_panics() {
    let mut core = Core::new([10, 10]);
    assert!(
        core.command(&cmd(r#"{"op":"reset"}"#)).is_err(),
        "no study yet"
    );
    assert!(serde_json::from_str::<Command>(r#"{"op":"explode"}"#).is_err());
    let (mut core, _truth, _dir) = open_phantom();
    core.open(None, None).unwrap();
    for bad in [
        r#"{"op":"set_layout","layout":"5x5"}"#,
        r#"{"op":"set_tool","tool":"scalpel"}"#,
        r#"{"op":"delete_lesion","index":3}"#,
        r#"{"op":"set_overrides","weight_kg":-70}"#,
        r#"{"op":"set_overrides","injection":"yesterday"}"#,
        r#"{"op":"switch_series","pet":"1.2.3"}"#,
        r#"{"op":"undo"}"#,
    ] {
        let e = core.command(&cmd(bad)).unwrap_err();
        assert!(!e.to_string().is_empty(), "{bad}");
    }
    // Still usable afterwards, the CT still there after the refused series switch.
    assert!(core.snapshot().unwrap().values.ct_hu.is_some());
    core.command(&cmd(r#"{"op":"set_layout","layout":"three_plane"}"#))
        .unwrap();
    assert_eq!(core.snapshot().unwrap().views.len(), 3);
}

#[test]
fn nothing_to_open_is_an_error() {
    let mut core = Core::new([10, 10]);
    core.add_file("x", b"nope".to_vec()).unwrap_err();
    let e = core.open(None, None).unwrap_err();
    assert!(e.to_string().contains("no DICOM image"), "{e}");
}

#[test]
fn drags_change_window_range_zoom_and_pan_per_tool() {
    let (mut core, _truth, _dir) = open_phantom();
    core.open(None, None).unwrap();
    let s = core.snapshot().unwrap();
    let view = |role: &str| {
        let v = s
            .views
            .iter()
            .find(|v| serde_json::to_value(v.role).unwrap() == role)
            .unwrap();
        (
            f64::from(v.rect[0] + v.rect[2] / 2),
            f64::from(v.rect[1] + v.rect[3] / 2),
        )
    };
    let drag = |core: &mut Core, (x, y): (f64, f64), dx: f64, dy: f64| {
        for c in [
            format!(r#"{{"op":"pointer_down","x":{x},"y":{y}}}"#),
            format!(r#"{{"op":"pointer_move","x":{},"y":{}}}"#, x + dx, y + dy),
            r#"{"op":"pointer_up"}"#.to_string(),
        ] {
            core.command(&cmd(&c)).unwrap();
        }
    };
    core.command(&cmd(r#"{"op":"set_tool","tool":"window_level"}"#))
        .unwrap();
    let before = core.snapshot().unwrap();
    drag(&mut core, view("ct"), 50.0, 20.0);
    let after = core.snapshot().unwrap();
    assert!(after.ct_window[1] > before.ct_window[1], "wider window");
    assert!(after.ct_window[0] > before.ct_window[0], "higher level");
    assert_eq!(
        after.pet_range, before.pet_range,
        "CT drag leaves PET alone"
    );
    drag(&mut core, view("pet"), 0.0, -50.0);
    let pet = core.snapshot().unwrap();
    assert!(
        pet.pet_range[1] > after.pet_range[1],
        "drag up raises the SUV maximum"
    );
    assert_eq!(pet.ct_window, after.ct_window);

    // Zoom: the scale bar of that view covers more pixels per mm afterwards.
    core.command(&cmd(r#"{"op":"set_tool","tool":"zoom"}"#))
        .unwrap();
    let bar = |s: &uptake_web::snapshot::Snapshot| {
        let v = s.views.iter().find(|v| v.title == "Fused axial").unwrap();
        let b = v.scale_bar.as_ref().unwrap();
        (b.end[0] - b.start[0]) / b.label.trim_end_matches(" mm").parse::<f64>().unwrap()
    };
    let px_per_mm = bar(&pet);
    drag(&mut core, view("fused"), 0.0, -100.0);
    let zoomed = core.snapshot().unwrap();
    assert!(
        bar(&zoomed) > px_per_mm * 1.5,
        "{} → {}",
        px_per_mm,
        bar(&zoomed)
    );

    // Pan moves the image, not the cursor.
    core.command(&cmd(r#"{"op":"set_tool","tool":"pan"}"#))
        .unwrap();
    let cursor = zoomed.values.point;
    drag(&mut core, view("fused"), 30.0, 0.0);
    assert_eq!(core.snapshot().unwrap().values.point, cursor);
}

#[test]
fn suv_type_switch_rescales_by_the_factor_ratio() {
    let (mut core, truth, _dir) = open_phantom();
    core.open(None, None).unwrap();
    let lesion = &truth.lesions[0];
    let [x, y, z] = lesion.centre_lps;
    core.command(&cmd(&format!(
        r#"{{"op":"set_cursor","point":[{x},{y},{z}]}}"#
    )))
    .unwrap();
    let bw = core.snapshot().unwrap();
    core.command(&cmd(
        r#"{"op":"set_suv_type","suv_type":"lbm_janmahasatian"}"#,
    ))
    .unwrap();
    let sul = core.snapshot().unwrap();
    assert_eq!(
        sul.suv.suv_type,
        uptake_quant::suv::SuvType::LbmJanmahasatian
    );
    let f_bw = bw.suv.factor.as_ref().unwrap().value.unwrap();
    let f_sul = sul.suv.factor.as_ref().unwrap().value.unwrap();
    let ratio = sul.values.pet_value.unwrap() / bw.values.pet_value.unwrap();
    // SUV voxels are f32: the ratio holds to f32 precision.
    assert!(
        (ratio / (f_sul / f_bw) - 1.0).abs() < 1e-6,
        "{ratio} vs {}",
        f_sul / f_bw
    );
    assert!(f_sul < f_bw, "lean body mass is below body weight");
    assert!(core
        .command(&cmd(r#"{"op":"set_suv_type","suv_type":"suvx"}"#))
        .is_err());
}

#[test]
fn switching_series_works_after_streaming_released_the_file_bytes() {
    let (mut core, truth, _dir) = open_phantom();
    core.open(None, None).unwrap();
    let [x, y, z] = truth.lesions[0].centre_lps;
    core.command(&cmd(&format!(
        r#"{{"op":"set_cursor","point":[{x},{y},{z}]}}"#
    )))
    .unwrap();
    let before = core.snapshot().unwrap().values;
    // Choosing the series explicitly rebuilds both volumes: they must come back from
    // memory, the files' pixel bytes are gone.
    let pet = &truth.pet.series_instance_uid;
    let ct = &truth.ct.series_instance_uid;
    for _ in 0..2 {
        core.command(&cmd(&format!(
            r#"{{"op":"switch_series","pet":"{pet}","ct":"{ct}"}}"#
        )))
        .unwrap();
        let after = core.snapshot().unwrap().values;
        assert_eq!(after.pet_value, before.pet_value);
        assert_eq!(after.ct_hu, before.ct_hu);
    }
}

/// The phantom's files, PET first, and the CT's SOP Instance UIDs along the slice normal
/// (what the page gets from a QIDO-RS instance query).
struct Streamed {
    files: Vec<(String, Vec<u8>)>,
    ct_order: Vec<String>,
    truth: Truth,
    _dir: tempfile::TempDir,
}

fn phantom_files_and_ct_order() -> Streamed {
    let dir = tempfile::tempdir().unwrap();
    let truth = write_study(dir.path(), &PhantomOptions::default()).unwrap();
    let mut files = read_study_files(dir.path()).unwrap();
    let mut ct = Vec::new();
    let mut modality = std::collections::HashMap::new();
    for (name, bytes) in &files {
        let h = uptake_dicom::DicomInstance::from_vec(name, bytes.clone())
            .unwrap()
            .header;
        modality.insert(name.clone(), h.modality.clone());
        if h.modality == "CT" {
            let f = &h.frames[0];
            let [r0, r1, r2, c0, c1, c2] = f.orientation.unwrap();
            let n = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
            let p = f.position.unwrap();
            ct.push((p[0] * n[0] + p[1] * n[1] + p[2] * n[2], h.sop_instance_uid));
        }
    }
    ct.sort_by(|a, b| a.0.total_cmp(&b.0));
    files.sort_by_key(|(name, _)| modality[name] != "PT");
    Streamed {
        files,
        ct_order: ct.into_iter().map(|(_, uid)| uid).collect(),
        truth,
        _dir: dir,
    }
}

/// The readouts of `core` (open) at `points` equal those of the phantom opened in one go.
fn reads_like_a_plain_open(core: &mut Core, points: &[[f64; 3]]) {
    let (mut plain, _, _dir) = open_phantom();
    plain.open(None, None).unwrap();
    assert!(!plain.pet_as_previewed());
    for [x, y, z] in points {
        let at = format!(r#"{{"op":"set_cursor","point":[{x},{y},{z}]}}"#);
        core.command(&cmd(&at)).unwrap();
        plain.command(&cmd(&at)).unwrap();
        assert_eq!(
            core.snapshot().unwrap().values,
            plain.snapshot().unwrap().values
        );
    }
}

#[test]
fn preview_shows_the_whole_pet_with_the_ct_centre_slice_and_open_takes_it_over() {
    let Streamed {
        files,
        ct_order: order,
        truth,
        _dir,
    } = phantom_files_and_ct_order();
    let ct_uid = truth.ct.series_instance_uid.clone();
    let mut core = Core::new([800, 600]);
    core.expect_series(&ct_uid, order.clone());
    let centre = &order[order.len() / 2];
    // Every file but the CT's centre slice and the last CT slices: no preview yet.
    let mut held = Vec::new();
    let mut names = Vec::new();
    for (name, bytes) in files {
        let h = uptake_dicom::DicomInstance::from_vec(&name, bytes.clone())
            .unwrap()
            .header;
        if h.modality == "CT" && (&h.sop_instance_uid == centre || held.len() < 3) {
            held.push((name, bytes));
            continue;
        }
        names.push(h.modality);
        core.add_file(&name, bytes).unwrap();
        assert!(!core.preview(None, None).unwrap(), "no CT centre slice yet");
    }
    assert!(names.iter().any(|m| m == "CT"));
    // The centre slice arrives: the preview shows the PET in full and that CT slice.
    let (centre_name, centre_bytes) = held
        .iter()
        .position(|(n, b)| {
            uptake_dicom::DicomInstance::from_vec(n, b.clone())
                .unwrap()
                .header
                .sop_instance_uid
                == *centre
        })
        .map(|i| held.remove(i))
        .unwrap();
    core.add_file(&centre_name, centre_bytes).unwrap();
    assert!(core.preview(None, None).unwrap());
    assert!(core.previewing());
    assert!(!core.preview(None, None).unwrap(), "one preview per study");
    let s = core.snapshot().unwrap();
    assert!(s.preview);
    assert_eq!(s.views.len(), 4);
    assert!(
        s.warnings.iter().all(|w| !format!("{w:?}").contains("CT:")),
        "{:?}",
        s.warnings
    );
    // The PET is final: a lesion reads its exact SUV, also off the CT's centre slice.
    let lesion = &truth.lesions[0];
    let pet_at = |core: &Core, p: [f64; 3]| {
        core.viewer
            .as_ref()
            .unwrap()
            .session
            .suv()
            .unwrap()
            .point(p)
            .ok()
            .map(|v| v.nearest)
    };
    let early = pet_at(&core, lesion.centre_lps).unwrap();
    assert!(
        (early - lesion.suv).abs() < 0.01,
        "{early} vs {}",
        lesion.suv
    );
    // Commands wait for the study (a resize does not).
    assert!(core
        .command(&cmd(r#"{"op":"set_cursor","point":[0,0,0]}"#))
        .is_err());
    core.command(&cmd(r#"{"op":"resize","width":640,"height":480}"#))
        .unwrap();
    // The rest arrives; open takes the preview's PET over and equals a plain open.
    for (name, bytes) in held {
        core.add_file(&name, bytes).unwrap();
    }
    core.open(None, None).unwrap();
    assert!(!core.previewing());
    assert!(
        core.pet_as_previewed(),
        "same series and factor: the GPU's PET stays"
    );
    let s = core.snapshot().unwrap();
    assert!(!s.preview);
    assert_eq!(pet_at(&core, lesion.centre_lps), Some(early));
    let points: Vec<_> = truth.lesions.iter().map(|l| l.centre_lps).collect();
    reads_like_a_plain_open(&mut core, &points);
    let v = core.viewer.as_ref().unwrap();
    assert_eq!(v.session.ct.as_ref().unwrap().slices.len(), order.len());
}

#[test]
fn a_ct_order_that_comes_late_places_the_slices_already_in() {
    let Streamed {
        files,
        ct_order: order,
        truth,
        _dir,
    } = phantom_files_and_ct_order();
    let ct_uid = truth.ct.series_instance_uid.clone();
    let mut core = Core::new([800, 600]);
    let half = files.len() / 2 + 5;
    let mut ct_in = 0;
    for (i, (name, bytes)) in files.into_iter().enumerate() {
        if i == half {
            let placed = core.expect_series(&ct_uid, order.clone());
            assert_eq!(placed.len(), ct_in, "every CT slice in so far is placed");
            assert!(placed.iter().all(|&k| k < order.len()));
        }
        let sop = uptake_dicom::DicomInstance::from_vec(&name, bytes.clone())
            .unwrap()
            .header
            .sop_instance_uid;
        let added = core.add_file(&name, bytes).unwrap();
        if added.modality == "CT" {
            ct_in += 1;
            if i >= half {
                // After the order, a slice lands in its final slot.
                assert_eq!(order[added.pool_index.unwrap()], sop);
            }
        }
    }
    assert!(core.preview(None, None).unwrap());
    core.open(None, None).unwrap();
    reads_like_a_plain_open(&mut core, &[truth.lesions[1].centre_lps]);
}

#[test]
fn without_a_slice_order_the_preview_takes_the_ct_slice_nearest_the_pet_centre() {
    let Streamed {
        files, truth, _dir, ..
    } = phantom_files_and_ct_order();
    let mut core = Core::new([800, 600]);
    let (pet, ct): (Vec<_>, Vec<_>) = files.into_iter().partition(|(name, bytes)| {
        uptake_dicom::DicomInstance::from_vec(name, bytes.clone())
            .unwrap()
            .header
            .modality
            == "PT"
    });
    let ct_total = ct.len();
    for (name, bytes) in pet {
        core.add_file(&name, bytes).unwrap();
    }
    // CT slices arrive from one end: the preview comes once the slice nearest the PET's
    // centre is in, well before the last one.
    let mut shown_after = None;
    let mut ct_files = ct.into_iter();
    for (i, (name, bytes)) in ct_files.by_ref().enumerate() {
        core.add_file(&name, bytes).unwrap();
        if core.preview(None, None).unwrap() {
            shown_after = Some(i + 1);
            break;
        }
    }
    let shown_after = shown_after.expect("no preview before the CT was complete");
    assert!(shown_after < ct_total, "{shown_after} of {ct_total}");
    let preview = core.snapshot().unwrap();
    assert!(preview.preview);
    let cursor = preview.values.point;
    // The CT slice shown passes within half a CT slice of the PET's centre.
    let pet_mid = (truth.pet.first_position_lps[2] + truth.pet.last_position_lps[2]) / 2.0;
    assert!(
        (cursor[2] - pet_mid).abs() <= truth.ct.slice_thickness_mm / 2.0 + 1e-6,
        "preview at z {} for a PET centre at {pet_mid}",
        cursor[2]
    );
    assert!(preview.values.ct_hu.is_some() && preview.values.pet_value.is_some());
    for (name, bytes) in ct_files {
        core.add_file(&name, bytes).unwrap();
    }
    core.open(None, None).unwrap();
    let s = core.snapshot().unwrap();
    assert_eq!(
        s.values.point, cursor,
        "the study opens where the preview was"
    );
    assert_eq!(s.values.pet_value, preview.values.pet_value);
    assert_eq!(s.values.ct_hu, preview.values.ct_hu);
}

#[test]
fn a_preview_of_the_first_ct_slice_leaves_it_in_the_study() {
    let Streamed {
        files, truth, _dir, ..
    } = phantom_files_and_ct_order();
    let header = |(name, bytes): &(String, Vec<u8>)| {
        uptake_dicom::DicomInstance::from_vec(name, bytes.clone())
            .unwrap()
            .header
    };
    let (pet, mut ct): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|f| header(f).modality == "PT");
    // The CT slice nearest the PET's centre comes first.
    let pet_mid = (truth.pet.first_position_lps[2] + truth.pet.last_position_lps[2]) / 2.0;
    let z = |f: &(String, Vec<u8>)| header(f).frames[0].position.unwrap()[2];
    let nearest = (0..ct.len())
        .min_by(|&a, &b| {
            (z(&ct[a]) - pet_mid)
                .abs()
                .total_cmp(&(z(&ct[b]) - pet_mid).abs())
        })
        .unwrap();
    let first = ct.remove(nearest);
    ct.insert(0, first);
    let mut core = Core::new([800, 600]);
    for (name, bytes) in pet {
        core.add_file(&name, bytes).unwrap();
    }
    let mut shown = Vec::new();
    for (name, bytes) in ct {
        core.add_file(&name, bytes).unwrap();
        shown.push(core.preview(None, None).unwrap());
    }
    // The preview comes with that first slice, copied out of its pool.
    assert_eq!(shown.iter().position(|&s| s), Some(0), "{shown:?}");
    core.open(None, None).unwrap();
    let v = core.viewer.as_ref().unwrap();
    let ct = v.session.ct.as_ref().unwrap();
    assert_eq!(ct.slices.len(), truth.ct.dims[2]);
    assert!(
        ct.slices.iter().all(Option::is_some),
        "every CT slice, the previewed one too"
    );
}

#[test]
fn a_load_given_up_during_its_preview_keeps_nothing() {
    let Streamed { files, .. } = phantom_files_and_ct_order();
    let mut core = Core::new([800, 600]);
    for (name, bytes) in files {
        core.add_file(&name, bytes).unwrap();
        if core.preview(None, None).unwrap() {
            break;
        }
    }
    assert!(core.previewing());
    core.clear_files();
    assert!(!core.previewing() && core.viewer.is_none() && core.snapshot().is_none());
    assert_eq!(core.files(), 0);
    assert!(matches!(
        core.open(None, None),
        Err(uptake_web::core::OpenError::NoImages { .. })
    ));
}
