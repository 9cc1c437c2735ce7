//! `uptake render` path (feature `dicom`): a phantom folder to a PNG, MPR and MIP.
#![cfg(feature = "dicom")]

use uptake_render::cli::{parse_point, parse_size, CliView, RenderRequest};

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
