//! The viewer state on the small phantom (exact truth): layout, linked cursor, scroll, keys,
//! measureLesion against `uptake_quant::quantify_study` and truth, lesion table with undo,
//! overrides, CSV, banner, deep links, the SUV refusal path, and the PET held once (its stored
//! values unchanged through overrides, refusals and series switches).

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use std::path::{Path, PathBuf};
use uptake_dicom::{load_paths, LoadedStudy};
use uptake_phantom::{write_study, PhantomOptions, Truth};
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_quant::{quantify_study, QuantifyRequest};
use uptake_render::{Orientation, ViewKind};
use uptake_viewer::export_csv::{parse_csv, COLUMNS};
use uptake_viewer::{
    DeepLink, DeepLinkError, Effect, Key, KeyEvent, Layout, LesionRef, Session, ThresholdChoice,
    ViewRole, Viewer, ViewerError,
};

const W: u32 = 1024;
const H: u32 = 1024;

struct Gen {
    _dir: tempfile::TempDir,
    truth: Truth,
    path: PathBuf,
}

fn generate() -> Gen {
    let dir = tempfile::tempdir().expect("temp dir");
    let truth = write_study(dir.path(), &PhantomOptions::default()).expect("phantom");
    let path = dir.path().to_path_buf();
    Gen {
        _dir: dir,
        truth,
        path,
    }
}

fn load(dir: &Path) -> LoadedStudy {
    let s = load_paths(&[dir.to_path_buf()]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    s
}

fn viewer(g: &Gen) -> Viewer {
    Viewer::new(Session::open(load(&g.path)).expect("session"))
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

fn dist(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        (a[0] - b[0]).abs(),
        (a[1] - b[1]).abs(),
        (a[2] - b[2]).abs(),
    ]
}

fn click_at(v: &mut Viewer, role: ViewRole, p: [f64; 3]) {
    let spec = v
        .layout(W, H)
        .into_iter()
        .find(|s| s.role == role)
        .expect("view");
    let px = spec.camera.patient_to_pixel(spec.rect.size(), p);
    v.pointer_down(W, H, spec.rect.x as f64 + px[0], spec.rect.y as f64 + px[1])
        .expect("click");
    v.pointer_up();
}

#[test]
fn default_layout_is_ct_pet_fused_axial_and_mip() {
    let g = generate();
    let v = viewer(&g);
    let specs = v.layout(W, H);
    let roles: Vec<_> = specs.iter().map(|s| s.role).collect();
    assert_eq!(
        roles,
        [ViewRole::Ct, ViewRole::Pet, ViewRole::Fused, ViewRole::Mip]
    );
    for s in &specs[..3] {
        assert_eq!(s.orientation, Some(Orientation::Axial));
        assert!(matches!(s.kind, ViewKind::Mpr { .. }));
        assert_eq!(s.rect.width, W / 2);
    }
    assert_eq!(specs[3].kind, ViewKind::Mip);
    assert!(v
        .session
        .choice
        .explanation
        .contains("attenuation-corrected"));
    assert!(v.session.warnings.is_empty(), "{:?}", v.session.warnings);
}

#[test]
fn clicks_link_the_cursor_scroll_steps_one_slice_and_layouts_switch() {
    let g = generate();
    let mut v = viewer(&g);
    let half_voxel = g.truth.pet.pixel_spacing_mm[0].min(g.truth.pet.slice_spacing_mm) / 2.0;
    for lesion in &g.truth.lesions {
        let c = lesion.centre_lps;
        click_at(&mut v, ViewRole::Fused, c); // axial: x, y
        v.set_plane(Orientation::Coronal);
        click_at(&mut v, ViewRole::Ct, c); // coronal: x, z
        v.set_plane(Orientation::Axial);
        let cur = v.cursor();
        assert!(
            dist(cur, c).iter().all(|d| *d <= half_voxel),
            "{}: {cur:?} vs {c:?}",
            lesion.name
        );
        // Every other view shows it: on the plane, at the projected pixel.
        for s in v.layout(W, H).iter().filter(|s| s.kind != ViewKind::Mip) {
            assert!(s.camera.distance_to_plane(cur).abs() < 1e-9);
            let px = s.camera.patient_to_pixel(s.rect.size(), cur);
            let pc = s.camera.patient_to_pixel(s.rect.size(), c);
            assert!((px[0] - pc[0]).abs() * s.camera.mm_per_px <= half_voxel);
        }
        // MIP click lands on the hottest voxel under the mouse: the lesion.
        click_at(&mut v, ViewRole::Mip, c);
        let m = v.cursor();
        assert!(
            (m[2] - c[2]).abs() <= lesion.diameter_mm / 2.0 + half_voxel,
            "MIP pick {m:?} vs {c:?}"
        );
    }
    // Scroll: exactly one CT slice spacing along the axial normal.
    let before = v.cursor();
    let fused = v
        .layout(W, H)
        .into_iter()
        .find(|s| s.role == ViewRole::Fused)
        .expect("fused");
    v.scroll(
        W,
        H,
        fused.rect.x as f64 + 5.0,
        fused.rect.y as f64 + 5.0,
        1,
    );
    let after = v.cursor();
    let step = g.truth.ct.slice_spacing_mm;
    let moved = [
        after[0] - before[0],
        after[1] - before[1],
        after[2] - before[2],
    ];
    assert!((moved[2].abs() - step).abs() < 1e-9, "{moved:?} vs {step}");
    assert!(moved[0].abs() < 1e-12 && moved[1].abs() < 1e-12);
    // PET view steps by the PET spacing.
    let pet = v
        .layout(W, H)
        .into_iter()
        .find(|s| s.role == ViewRole::Pet)
        .expect("pet");
    v.scroll(W, H, pet.rect.x as f64 + 5.0, pet.rect.y as f64 + 5.0, -1);
    assert!((after[2] - v.cursor()[2] - g.truth.pet.slice_spacing_mm).abs() < 1e-9);
    // Double-click maximises and restores.
    v.double_click(W, H, 10.0, 10.0);
    assert_eq!(v.layout(W, H).len(), 1);
    assert_eq!(v.layout(W, H)[0].rect.width, W);
    v.double_click(W, H, 10.0, 10.0);
    assert_eq!(v.layout(W, H).len(), 4);
    for (l, n) in [
        (Layout::OneByOne, 1),
        (Layout::OnePlusThree, 4),
        (Layout::ThreePlane, 3),
    ] {
        v.set_layout(l);
        assert_eq!(v.layout(W, H).len(), n);
    }
}

#[test]
fn keyboard_map() {
    use uptake_viewer::keys::CtPreset;
    assert_eq!(
        uptake_viewer::handle_key(KeyEvent::plain(Key::ArrowUp)),
        Effect::Slice(1)
    );
    assert_eq!(
        uptake_viewer::handle_key(KeyEvent::plain(Key::PageDown)),
        Effect::Slice(-10)
    );
    assert_eq!(
        uptake_viewer::handle_key(KeyEvent::plain(Key::Char('2'))),
        Effect::CtPreset(CtPreset::Lung)
    );
    assert_eq!(
        uptake_viewer::handle_key(KeyEvent {
            key: Key::Char('f'),
            ctrl: true
        }),
        Effect::None
    );
    let g = generate();
    let mut v = viewer(&g);
    let mut steps = vec![];
    for _ in 0..5 {
        v.key(W, H, KeyEvent::plain(Key::Char('F')));
        steps.push(v.fusion_percent());
    }
    assert_eq!(steps, [75, 100, 0, 25, 50]);
    v.key(W, H, KeyEvent::plain(Key::Char('3')));
    assert_eq!(v.ct_window(), uptake_render::CtWindow::BONE);
    v.key(W, H, KeyEvent::plain(Key::Char('m')));
    assert!(v.cine_playing());
    v.tick(2.0);
    assert!((v.mip_angle() - 90.0).abs() < 1e-9);
    let z = v.cursor()[2];
    v.key(W, H, KeyEvent::plain(Key::ArrowUp));
    assert!((v.cursor()[2] - z - g.truth.ct.slice_spacing_mm).abs() < 1e-9);
    v.key(W, H, KeyEvent::plain(Key::Char('?')));
    assert!(v.help_visible());
    v.key(W, H, KeyEvent::plain(Key::Char('r')));
    assert_eq!(v.ct_window(), uptake_render::CtWindow::SOFT_TISSUE);
    assert_eq!(v.mip_angle(), 0.0);
}

#[test]
fn measure_lesion_equals_quantify_study_and_truth() {
    let g = generate();
    let v = viewer(&g);
    let study = load(&g.path);
    for lesion in &g.truth.lesions {
        let c = lesion.centre_lps;
        let seed = [c[0] + 2.0, c[1] - 1.5, c[2] + 1.0];
        let mine = v
            .measure_lesion(seed, ThresholdChoice::Percent41)
            .expect("measure");
        let cli = quantify_study(&study, &QuantifyRequest::at(seed)).expect("quantify");
        let a = serde_json::to_value(&mine).expect("json");
        let b = serde_json::to_value(&cli).expect("json");
        for key in [
            "suv_type",
            "suvmax",
            "suvmax_at",
            "suvmean",
            "suvpeak",
            "sd",
            "voxels",
            "mtv_ml",
            "tlg",
            "suv_factor",
        ] {
            assert!(a.get(key).is_some(), "missing {key}");
            assert_eq!(a[key], b[key], "{}: {key}", lesion.name);
        }
        assert_eq!(
            mine.lesion.voxels as u64, lesion.pet_voxels,
            "{}",
            lesion.name
        );
        assert!(
            rel(mine.lesion.suvmax, lesion.suv) < 1e-3,
            "{}",
            lesion.name
        );
    }
}

#[test]
fn lesion_table_undo_redo_overrides_csv_banner() {
    let g = generate();
    let mut v = viewer(&g);
    let seeds: Vec<_> = g.truth.lesions.iter().map(|l| l.centre_lps).collect();
    assert!(seeds.len() >= 2);
    v.set_tool(uptake_viewer::ToolMode::Lesion);
    click_at(&mut v, ViewRole::Fused, seeds[0]); // measures via the tool (cursor z at centre)
    v.set_tool(uptake_viewer::ToolMode::Cursor);
    let clicked = v.lesions().len();
    for s in &seeds {
        v.add_lesion(*s).expect("add");
    }
    let n = clicked + seeds.len();
    assert_eq!(v.lesions().len(), n);
    v.rename_lesion(clicked, "Left lung, \"apex\"")
        .expect("rename");
    assert_eq!(v.lesions()[clicked].name, "Left lung, \"apex\"");
    v.delete_lesion(clicked + 1).expect("delete");
    assert_eq!(v.lesions().len(), n - 1);
    v.undo().expect("undo delete");
    assert_eq!(v.lesions().len(), n);
    v.undo().expect("undo rename");
    assert_eq!(v.lesions()[clicked].name, format!("L{}", clicked + 1));
    v.redo().expect("redo rename");
    assert_eq!(v.lesions()[clicked].name, "Left lung, \"apex\"");
    v.redo().expect("redo delete");
    assert_eq!(v.lesions().len(), n - 1);
    assert!(matches!(v.redo(), Err(ViewerError::NothingTo("redo"))));
    v.undo().expect("undo delete again");
    assert_eq!(v.lesions().len(), n);
    assert!(matches!(
        v.delete_lesion(99),
        Err(ViewerError::NoSuchLesion(99))
    ));

    // PERCIST needs the liver; with it, lesions measure and the panel shows mean/SD.
    assert!(matches!(
        v.measure_lesion(seeds[0], ThresholdChoice::Percist),
        Err(ViewerError::NoLiverReference)
    ));
    v.set_liver_reference(Some(g.truth.liver_reference.centre_lps))
        .expect("liver");
    let liver = v.suv_info().liver.expect("liver info");
    assert!(rel(liver.mean, g.truth.liver_suv) < 1e-3);
    v.measure_lesion(seeds[0], ThresholdChoice::Percist)
        .expect("percist");

    // Overrides: doubling the weight doubles every SUV number; undo restores them exactly.
    let before_rows = v.lesions();
    let before_cursor = {
        v.set_cursor(seeds[0]);
        v.cursor_values()
    };
    let before_factor = v.suv_info().factor.expect("factor").value.expect("value");
    let totals_before = v.totals();
    v.set_overrides(SuvOverrides {
        weight_kg: Some(g.truth.patient.weight_kg * 2.0),
        ..Default::default()
    })
    .expect("override");
    let after_rows = v.lesions();
    let f = v.suv_info().factor.expect("factor").value.expect("value");
    assert!(rel(f, 2.0 * before_factor) < 1e-9);
    for (a, b) in after_rows.iter().zip(&before_rows) {
        assert!(rel(a.suvmax.expect("max"), 2.0 * b.suvmax.expect("max")) < 1e-5);
        assert!(rel(a.suvmean.expect("mean"), 2.0 * b.suvmean.expect("mean")) < 1e-5);
        assert!(rel(a.suvpeak.expect("peak"), 2.0 * b.suvpeak.expect("peak")) < 1e-5);
        assert!(rel(a.tlg.expect("tlg"), 2.0 * b.tlg.expect("tlg")) < 1e-5);
    }
    let cv = v.cursor_values();
    assert!(
        rel(
            cv.pet_value.expect("suv"),
            2.0 * before_cursor.pet_value.expect("suv")
        ) < 1e-5
    );
    assert!(v
        .set_overrides(SuvOverrides {
            weight_kg: Some(-1.0),
            ..Default::default()
        })
        .is_err());
    v.undo().expect("undo override");
    assert_eq!(v.lesions(), before_rows);
    assert_eq!(v.cursor_values(), before_cursor);
    assert_eq!(v.totals(), totals_before);
    assert!(totals_before.total_mtv_ml > 0.0);

    // Label volume marks each lesion's voxels.
    let labels = v.label_volume();
    let marked = labels.iter().filter(|l| **l != 0).count();
    assert!(marked > 0);
    let desc = v.label_desc(&labels);
    assert_eq!(desc.labels.len(), desc.geometry.voxel_count());
    // The last row's voxels carry its label (later rows win overlaps).
    let last = v.lesion_list().len() - 1;
    let dims = desc.geometry.dims;
    let mask = &v.lesion_list()[last]
        .report
        .as_ref()
        .expect("report")
        .lesion
        .mask;
    for m in mask {
        assert_eq!(
            labels[m[0] + dims[0] * (m[1] + dims[1] * m[2])] as usize,
            last + 1
        );
    }
    let vps = v.viewports(W, H);
    assert_eq!(vps.len(), 4);
    assert!(vps.iter().all(|vp| vp.overlay.crosshair.is_some()));

    // Banner.
    let banner = v.banner();
    let nhs = &g.truth.patient.nhs_number;
    let nhs334 = format!("{} {} {}", &nhs[0..3], &nhs[3..6], &nhs[6..10]);
    assert!(banner.contains(&format!("NHS No. {nhs334}")), "{banner}");
    assert!(banner.starts_with("PHANTOM, UPTAKE"), "{banner}");

    // CSV: NHS Number in the header, rows parse back.
    let csv = v.export_csv();
    let recs = parse_csv(&csv).expect("csv parses");
    let get = |k: &str| {
        recs.iter()
            .find(|r| r[0] == format!("#{k}"))
            .map(|r| r[1].clone())
            .unwrap_or_default()
    };
    assert_eq!(get("nhs_number"), nhs334);
    assert_eq!(get("patient_name"), "PHANTOM, UPTAKE");
    assert_eq!(get("suv_type"), "SUVbw");
    let header_at = recs
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("name"))
        .expect("table header");
    assert_eq!(recs[header_at], COLUMNS);
    let rows = &recs[header_at + 1..];
    assert_eq!(rows.len(), v.lesions().len());
    for (r, l) in rows.iter().zip(v.lesions()) {
        assert_eq!(r[0], l.name);
        let max: f64 = r[1].parse().expect("suvmax");
        assert_eq!(Some(max), l.suvmax);
    }
    // Serde snapshots have the documented keys.
    let j = serde_json::to_value(v.cursor_values()).expect("json");
    for k in [
        "point",
        "ct_hu",
        "pet_value",
        "pet_units",
        "suv_type",
        "suv_refused",
        "text",
    ] {
        assert!(j.get(k).is_some(), "{k}");
    }
    let j = serde_json::to_value(v.suv_info()).expect("json");
    assert!(j["factor"]["provenance"]["inputs"].is_array());
}

#[test]
fn deep_links_round_trip_and_reject_bad_input() {
    let l = DeepLink {
        study: "1.2.826.0.1.3680043.8.498.1".into(),
        series: Some("1.2.3.4".into()),
        at: Some([-12.5, 30.0, 101.25]),
        lesion: Some(LesionRef::Name("Left lung & apex".into())),
    };
    assert_eq!(DeepLink::parse(&l.to_link()), Ok(l.clone()));
    let p = DeepLink::parse("https://pacs.example/viewer/?study=1.2.3&lesion=1%2C2%2C3#x")
        .expect("parse");
    assert_eq!(p.lesion, Some(LesionRef::Point([1.0, 2.0, 3.0])));
    for (bad, want) in [
        ("/?series=1.2", DeepLinkError::MissingStudy),
        (
            "/?study=1.2.abc",
            DeepLinkError::BadUid {
                param: "study",
                value: "1.2.abc".into(),
            },
        ),
        (
            "/?study=1.2&at=1,2",
            DeepLinkError::BadPoint {
                param: "at",
                value: "1,2".into(),
            },
        ),
        (
            "/?study=1.2&at=1,NaN,3",
            DeepLinkError::BadPoint {
                param: "at",
                value: "1,NaN,3".into(),
            },
        ),
        (
            "/?study=1.2&study=1.3",
            DeepLinkError::Duplicate("study".into()),
        ),
        (
            "/?study=1.2%zz",
            DeepLinkError::BadEncoding("1.2%zz".into()),
        ),
        ("/?study=1.2&lesion=", DeepLinkError::EmptyLesion),
        ("/?study=1.2%", DeepLinkError::BadEncoding("1.2%".into())),
        (
            "/?study=01.2",
            DeepLinkError::BadUid {
                param: "study",
                value: "01.2".into(),
            },
        ),
    ] {
        assert_eq!(DeepLink::parse(bad), Err(want), "{bad}");
    }
    // Applying a link with a lesion point measures it.
    let g = generate();
    let mut v = viewer(&g);
    let c = g.truth.lesions[0].centre_lps;
    let link = DeepLink::parse(&format!(
        "/?study={}&lesion={},{},{}",
        g.truth.study.study_instance_uid, c[0], c[1], c[2]
    ))
    .expect("link");
    v.apply_deep_link(&link).expect("apply");
    assert_eq!(v.cursor(), c);
    assert_eq!(v.lesions().len(), 1);
    assert_eq!(v.deep_link().study, g.truth.study.study_instance_uid);
}

#[test]
fn refused_suv_shows_bq_per_ml_and_measure_is_a_typed_refusal() {
    let g = generate();
    // Strip ATTN from CorrectedImage in every PET file.
    let pet_dir = g.path.join("PET");
    for e in std::fs::read_dir(&pet_dir).expect("PET dir") {
        let path = e.expect("entry").path();
        let mut obj = dicom_object::open_file(&path).expect("open");
        obj.put(DataElement::new(
            tags::CORRECTED_IMAGE,
            VR::CS,
            PrimitiveValue::Strs(["DECY".to_string()].into_iter().collect()),
        ));
        obj.write_to_file(&path).expect("write");
    }
    let mut v = viewer(&g);
    assert!(v.session.suv().is_err());
    assert!(v
        .session
        .choice
        .explanation
        .contains("NOT attenuation-corrected"));
    let c = g.truth.lesions[0].centre_lps;
    v.set_cursor(c);
    let cv = v.cursor_values();
    assert_eq!(cv.pet_units, "Bq/ml");
    assert!(cv.suv_type.is_none());
    let reason = cv.suv_refused.clone().expect("reason");
    assert!(reason.contains("ATTN"), "{reason}");
    assert!(cv.text.contains("SUV refused"), "{}", cv.text);
    let want = g.truth.lesions[0].suv / g.truth.suv.suvbw_factor;
    assert!(rel(cv.pet_value.expect("bq/ml"), want) < 1e-3);
    assert!(matches!(
        v.measure_lesion(c, ThresholdChoice::Percent41),
        Err(ViewerError::SuvRefused { .. })
    ));
    assert!(v.suv_info().refused.is_some());
    assert!(v
        .session
        .warnings
        .iter()
        .any(|w| matches!(w, uptake_viewer::Warning::SuvRefused(_))));
    let _ = SuvType::Bw;
}

/// Asserts two long vectors are equal, naming the first difference (not printing them).
fn assert_same<T: PartialEq + std::fmt::Debug>(got: &[T], want: &[T], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let diff = got.iter().zip(want).filter(|(a, b)| a != b).count();
    if let Some(n) = got.iter().zip(want).position(|(a, b)| a != b) {
        panic!(
            "{what}: {diff} values differ, first at {n}: {:?} vs {:?}",
            got[n], want[n]
        );
    }
}

/// The stored PET values, exactly (f32 bits, or i16 widened).
fn stored_bits(v: &uptake_dicom::Volume) -> Vec<u32> {
    match &v.voxels {
        uptake_dicom::Voxels::F32(a) => a.iter().map(|x| x.to_bits()).collect(),
        uptake_dicom::Voxels::I16(a) => a.iter().map(|&x| x as u16 as u32).collect(),
        uptake_dicom::Voxels::Scaled(s) => s.to_array().iter().map(|x| x.to_bits()).collect(),
        uptake_dicom::Voxels::Packed(_) => panic!("the PET is never packed"),
    }
}

/// Where the stored PET values live: the same address means the same buffer, never copied.
fn buffer(v: &uptake_dicom::Volume) -> usize {
    match &v.voxels {
        uptake_dicom::Voxels::F32(a) => a.as_ptr() as usize,
        uptake_dicom::Voxels::I16(a) => a.as_ptr() as usize,
        uptake_dicom::Voxels::Scaled(s) => s.slice_bits(0).unwrap().as_ptr() as usize,
        uptake_dicom::Voxels::Packed(_) => panic!("the PET is never packed"),
    }
}

fn stored_f64(v: &uptake_dicom::Volume) -> Vec<f64> {
    match &v.voxels {
        uptake_dicom::Voxels::F32(a) => a.iter().map(|&x| x as f64).collect(),
        uptake_dicom::Voxels::I16(a) => a.iter().map(|&x| x as f64).collect(),
        uptake_dicom::Voxels::Scaled(s) => s.to_array().iter().map(|&x| x as f64).collect(),
        uptake_dicom::Voxels::Packed(_) => panic!("the PET is never packed"),
    }
}

/// Checks the SUV the viewer reads and hands the renderer against a conversion of the stored
/// values done once, `(stored as f64 * factor) as f32`; returns its bits.
fn check_suv(v: &Viewer) -> Vec<u32> {
    let suv = v.session.suv().expect("SUV");
    let raw = v.session.pet_raw();
    let [ni, nj, _] = raw.geometry.dims;
    let want: Vec<f32> = stored_f64(raw)
        .iter()
        .enumerate()
        .map(|(n, &x)| {
            let k = n / (ni * nj);
            match suv.factor.factor_for_slice(k) {
                Some(f) if suv.present[k] && f.is_finite() => (x * f) as f32,
                _ => f32::NAN,
            }
        })
        .collect();
    let bits: Vec<u32> = want.iter().map(|x| x.to_bits()).collect();
    let got: Vec<u32> = suv.values().map(f32::to_bits).collect();
    assert_same(&got, &bits, "SUV read from the stored values");
    // What the GPU receives: the same f16 values as an SUV array would give, slice by slice.
    let desc = v.pet_desc().expect("PET desc");
    let uptake_render::Voxels::Source(src) = desc.values else {
        panic!("the SUV goes to the renderer as a source, not a copy");
    };
    let per = ni * nj;
    for k in 0..raw.geometry.dims[2] {
        let r = k * per..(k + 1) * per;
        assert_same(
            &src.f16_le(r.clone()),
            &uptake_render::f16_le_of_f32(want[r].iter().copied()),
            &format!("f16 of slice {k}"),
        );
    }
    bits
}

#[test]
fn the_stored_pet_survives_overrides_refusals_and_switches_unchanged() {
    let g = generate();
    let mut v = viewer(&g);
    let stored = stored_bits(v.session.pet_raw());
    let at = buffer(v.session.pet_raw());
    let suv0 = check_suv(&v);
    // A weight override: a new factor, the same stored values.
    v.set_overrides(SuvOverrides {
        weight_kg: Some(g.truth.patient.weight_kg * 2.0),
        ..Default::default()
    })
    .expect("override");
    let suv2 = check_suv(&v);
    assert_ne!(suv2, suv0);
    assert_same(&stored_bits(v.session.pet_raw()), &stored, "stored PET");
    assert_eq!(
        buffer(v.session.pet_raw()),
        at,
        "the PET moved, never copied"
    );
    // An implausible weight is refused: Bq/ml shown from the same values.
    v.set_overrides(SuvOverrides {
        weight_kg: Some(1000.0),
        ..Default::default()
    })
    .expect("accepted, then refused by the factor");
    let reason = v.session.suv().expect_err("refused").to_string();
    assert!(reason.contains("weight"), "{reason}");
    assert!(v
        .session
        .warnings
        .iter()
        .any(|w| matches!(w, uptake_viewer::Warning::SuvRefused(_))));
    assert_same(&stored_bits(v.session.pet_raw()), &stored, "stored PET");
    assert_eq!(
        buffer(v.session.pet_raw()),
        at,
        "the PET moved, never copied"
    );
    let desc = v.pet_desc().expect("Bq/ml desc");
    let [ni, nj, nk] = v.session.pet_raw().geometry.dims;
    let raw = stored_f64(v.session.pet_raw());
    for n in [0, ni * nj * nk / 2 + ni / 2, ni * nj * nk - 1] {
        assert_eq!(desc.values.get(n), Some(raw[n]), "Bq/ml value {n}");
    }
    // Undo twice: SUV again, bit for bit what it was, from the same stored values.
    v.undo().expect("undo refusal");
    assert!(v.session.warnings.is_empty(), "{:?}", v.session.warnings);
    assert_same(&check_suv(&v), &suv2, "SUV after undoing the refusal");
    v.undo().expect("undo override");
    assert_same(&check_suv(&v), &suv0, "SUV after undoing the override");
    assert_same(&stored_bits(v.session.pet_raw()), &stored, "stored PET");
    assert_eq!(
        buffer(v.session.pet_raw()),
        at,
        "the PET moved, never copied"
    );
    // Switching series: an unknown series leaves everything as it was; the same series again
    // keeps the volume.
    let pet_uid = v.session.choice.pet_series_uid.clone();
    assert!(v.switch_series(Some("1.2.3.4"), None).is_err());
    assert_eq!(v.session.choice.pet_series_uid, pet_uid);
    assert!(v.session.ct.is_some());
    assert_same(&check_suv(&v), &suv0, "SUV after a failed switch");
    v.switch_series(Some(&pet_uid), None).expect("same series");
    assert_same(
        &check_suv(&v),
        &suv0,
        "SUV after switching to the same series",
    );
    assert_same(&stored_bits(v.session.pet_raw()), &stored, "stored PET");
    assert_eq!(
        buffer(v.session.pet_raw()),
        at,
        "the PET moved, never copied"
    );
}
