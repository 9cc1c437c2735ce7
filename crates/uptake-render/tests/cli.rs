//! `uptake render` path (feature `dicom`): a phantom folder to a PNG, MPR and MIP; SUV read
//! from the stored PET values renders exactly as an SUV array.
#![cfg(feature = "dicom")]

use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_render::cli::{parse_point, parse_size, render_scene, CliView, RenderRequest};
use uptake_render::{Scene, ValueKind, VolumeDesc, Voxels};

#[test]
fn renders_a_study_folder_to_png() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("render-cli-phantom");
    let truth = uptake_phantom::write_study(&dir, &uptake_phantom::PhantomOptions::default())
        .expect("phantom");
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("..")
        .join("render-test-output");
    std::fs::create_dir_all(&out).expect("out");
    let at = truth.lesions[0].centre_lps;
    for (view, name) in [
        (CliView::Axial, "cli-axial.png"),
        (CliView::Mip, "cli-mip.png"),
    ] {
        let req = RenderRequest {
            view,
            at: Some(at),
            angle_deg: 30.0,
            size: [200, 160],
            ..Default::default()
        };
        let adapter = uptake_render::dicom::render_study_png(&dir, &req, &out.join(name))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!adapter.is_empty());
        let bytes = std::fs::read(out.join(name)).expect("png written");
        assert_eq!(&bytes[1..4], b"PNG");
    }
    assert_eq!(parse_point("1.5,-2,3").expect("point"), [1.5, -2.0, 3.0]);
    assert!(parse_point("1,2").is_err());
    assert_eq!(parse_size("640x480").expect("size"), [640, 480]);
    assert!("coronal".parse::<CliView>().is_ok() && "x".parse::<CliView>().is_err());
}

#[test]
fn suv_from_stored_values_renders_as_an_suv_array() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("render-source-phantom");
    let truth = uptake_phantom::write_study(&dir, &uptake_phantom::PhantomOptions::default())
        .expect("phantom");
    let study = uptake_dicom::load_paths(std::slice::from_ref(&dir));
    let plan = study.pet_plan().expect("PET plan");
    let suv =
        uptake_quant::SuvVolume::from_plan(&study, plan, SuvType::Bw, &SuvOverrides::default())
            .expect("SUV");
    let source = uptake_render::dicom::suv_desc(&suv).expect("source desc");
    assert!(matches!(source.values, Voxels::Source(_)));
    // The SUV as one array, as the texture was filled before.
    let array: Vec<f32> = suv.values().collect();
    let copy = VolumeDesc::new(source.geometry, Voxels::F32(&array), ValueKind::Suv).expect("desc");
    let n = array.len();
    for i in [0, n / 3, n / 2 + 17, n - 1] {
        assert_eq!(source.values.get(i), copy.values.get(i), "value {i}");
    }
    assert_eq!(source.values.get(n), None);
    let at = truth.lesions[0].centre_lps;
    for view in [CliView::Axial, CliView::Coronal, CliView::Mip] {
        let req = RenderRequest {
            view,
            at: Some(at),
            angle_deg: 30.0,
            size: [160, 128],
            ..Default::default()
        };
        let scene = |pet| Scene {
            ct: None,
            pet: Some(pet),
            labels: None,
        };
        let a = render_scene(&scene(source), &req).expect("render from source");
        let b = render_scene(&scene(copy), &req).expect("render from array");
        let first = a.data.chunks(4).next().expect("pixels");
        assert!(
            a.data.chunks(4).any(|p| p != first),
            "{view:?}: a blank image"
        );
        assert!(a.data == b.data, "{view:?}: the images differ");
    }
}
