//! Golden-image tests on the `small` phantom with a real (software) GPU: every expected pixel
//! is computed independently from the view transform, the phantom truth and a CPU model of
//! the sampling, and compared with what the GPU drew. Images: target/render-test-output/.
//!
//! Tolerances: PET colours within ±2 LUT entries and ±2/255 per channel (f16 display copy and
//! the GPU's 8-bit filtering weights); CT grey and fusion blends within ±2/255.

mod common;

use common::*;
use uptake_render::*;

const SIZE: [u32; 2] = [256, 256];

fn pet_only(map: Colormap, high: f32) -> Display {
    Display {
        ct: None,
        pet: Some(PetDisplay {
            low: 0.0,
            high,
            colormap: map,
        }),
        fusion: 1.0,
        labels: None,
    }
}

fn planes(centre: [f64; 3], mm: f64) -> [(Orientation, Camera); 3] {
    [
        Orientation::Axial,
        Orientation::Coronal,
        Orientation::Sagittal,
    ]
    .map(|o| (o, Camera::standard(o, centre, mm)))
}

#[test]
fn every_lesion_at_its_pixel_on_the_correct_side_in_every_plane() {
    let s = small();
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    let pet = s.pet_desc();
    let display = pet_only(Colormap::PetRainbow, 20.0);
    let map = Colormap::PetRainbow;
    for lesion in &s.truth.lesions {
        let c = lesion.centre_lps;
        for (o, cam) in planes([0.0, 0.0, c[2]], 2.0) {
            // The plane passes through the lesion centre; the view is centred on the patient axis.
            let mut cam = cam;
            cam.centre = match o {
                Orientation::Axial => [0.0, 0.0, c[2]],
                Orientation::Coronal => [0.0, c[1], 0.0],
                Orientation::Sagittal => [c[0], 0.0, 0.0],
            };
            let img = render(
                &mut r,
                SIZE,
                &[viewport(SIZE, cam, ViewKind::Mpr { slab_mm: 0.0 }, display)],
                &format!("lesion-{}-{o:?}", lesion.name),
            );
            let p = cam.patient_to_pixel(SIZE, c);
            let (x, y) = (p[0].floor() as u32, p[1].floor() as u32);
            let at = cam.pixel_to_patient(SIZE, [x as f64 + 0.5, y as f64 + 0.5]);
            let want = sample(&pet, at).expect("inside PET");
            assert!(
                want > lesion.suv * 0.7,
                "{}: CPU model at the centre {want}",
                lesion.name
            );
            let what = format!("{} {o:?} centre pixel ({x},{y})", lesion.name);
            assert_map_colour(
                img.pixel(x, y).expect("in image"),
                map,
                want / 20.0,
                2,
                2,
                &what,
            );
            // Mirror pixel about the vertical centre line: not the lesion (no left/right flip).
            let mx = SIZE[0] - 1 - x;
            let m_at = cam.pixel_to_patient(SIZE, [mx as f64 + 0.5, y as f64 + 0.5]);
            let m_want = sample(&pet, m_at).unwrap_or(0.0);
            assert!(
                m_want < lesion.suv * 0.5,
                "{}: mirror point is hot in the CPU model",
                lesion.name
            );
            assert_map_colour(
                img.pixel(mx, y).expect("in image"),
                map,
                m_want / 20.0,
                2,
                2,
                &format!("{what}, mirror"),
            );
            // A background pixel 8 mm outside the lesion, along screen +y.
            let off = (lesion.diameter_mm / 2.0 + 8.0) / cam.mm_per_px;
            let by = (p[1] + off).floor() as u32;
            let b_at = cam.pixel_to_patient(SIZE, [x as f64 + 0.5, by as f64 + 0.5]);
            let b_want = sample(&pet, b_at).unwrap_or(0.0);
            assert!(b_want < lesion.suv * 0.5);
            assert_map_colour(
                img.pixel(x, by).expect("in image"),
                map,
                b_want / 20.0,
                2,
                2,
                &format!("{what}, background"),
            );
            // Radiological convention: patient left (x > 0) on screen right in axial/coronal;
            // in sagittal, anterior (y < 0) on screen left.
            match o {
                Orientation::Axial | Orientation::Coronal => {
                    assert_eq!(
                        lesion.side == "left",
                        x > SIZE[0] / 2,
                        "{what}: side {}",
                        lesion.side
                    )
                }
                Orientation::Sagittal => {
                    assert_eq!(c[1] < 0.0, x < SIZE[0] / 2, "{what}: anterior on the left")
                }
            }
            // Head up in coronal and sagittal.
            if o != Orientation::Axial {
                assert_eq!(c[2] > 0.0, y < SIZE[1] / 2, "{what}: head up");
            }
        }
    }
}

#[test]
fn oblique_grids_and_oblique_planes_fuse_exactly() {
    // Both series written on rotated grids (different from each other): lesions still land
    // where the truth puts them, in axial and in an oblique plane through each lesion.
    let s = load_study(
        "oblique",
        &uptake_phantom::PhantomOptions {
            oblique_deg: Some(20.0),
            ..Default::default()
        },
    );
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    let pet = s.pet_desc();
    let map = Colormap::HotIron;
    for lesion in s.truth.lesions.iter().filter(|l| l.diameter_mm >= 20.0) {
        let c = lesion.centre_lps;
        let cams = [
            Camera::standard(Orientation::Axial, c, 1.5),
            Camera::oblique(c, [1.0, 0.3, 0.2], [0.1, 0.4, -1.0], 1.5).expect("oblique"),
        ];
        for (n, cam) in cams.into_iter().enumerate() {
            let img = render(
                &mut r,
                SIZE,
                &[viewport(
                    SIZE,
                    cam,
                    ViewKind::Mpr { slab_mm: 0.0 },
                    pet_only(map, 20.0),
                )],
                &format!("oblique-{}-{n}", lesion.name),
            );
            let want = sample(&pet, cam.pixel_to_patient(SIZE, [128.5, 128.5])).expect("inside");
            assert!(want > lesion.suv * 0.9, "{}: {want}", lesion.name);
            assert_map_colour(
                img.pixel(128, 128).expect("px"),
                map,
                want / 20.0,
                2,
                2,
                &lesion.name,
            );
            let far = cam.pixel_to_patient(
                SIZE,
                [128.5 + (lesion.diameter_mm / 2.0 + 8.0) / 1.5, 128.5],
            );
            let b = sample(&pet, far).unwrap_or(0.0);
            assert!(b < lesion.suv * 0.5);
        }
    }
}

#[test]
fn ct_window_presets_match_the_formula() {
    let s = small();
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    // Points deep inside uniform tissues (phantom model): HU exact.
    let z = -15.0;
    let samples = [
        ("liver", [-70.0, 0.0, z], 60.0),
        ("soft tissue", [40.0, -80.0, z], 40.0),
        ("air", [0.0, -150.0, z], -1000.0),
        ("spine", [0.0, 70.0, z], 700.0),
    ];
    let lung = [("lung", [-80.0, -5.0, 60.0], -850.0)];
    // (the left lung holds a lesion near z = 85; this point is 55 mm from the nearest one)
    for (name, w) in [
        ("soft", CtWindow::SOFT_TISSUE),
        ("lung", CtWindow::LUNG),
        ("bone", CtWindow::BONE),
        ("brain", CtWindow::BRAIN),
        (
            "user",
            CtWindow {
                level: -200.0,
                width: 1700.0,
            },
        ),
    ] {
        let display = Display {
            ct: Some(w),
            pet: None,
            fusion: 0.0,
            labels: None,
        };
        for (plane_z, set) in [(z, &samples[..]), (60.0, &lung[..])] {
            let cam = Camera::standard(Orientation::Axial, [0.0, 0.0, plane_z], 1.5);
            let img = render(
                &mut r,
                SIZE,
                &[viewport(SIZE, cam, ViewKind::Mpr { slab_mm: 0.0 }, display)],
                &format!("window-{name}-{plane_z}"),
            );
            for (tissue, p, hu) in set {
                let px = cam.patient_to_pixel(SIZE, *p);
                let g = w.grey(*hu) * 255.0;
                assert_rgb(
                    img.pixel(px[0] as u32, px[1] as u32).expect("px"),
                    [g; 3],
                    2.0,
                    &format!("{tissue} in {name} window"),
                );
            }
        }
    }
}

#[test]
fn colour_maps_and_legend_bar_match_the_tables() {
    let s = small();
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    let cam = Camera::standard(Orientation::Axial, [0.0; 3], 1.0);
    for map in Colormap::ALL {
        let display = Display {
            pet: Some(PetDisplay {
                low: 0.0,
                high: 1.0,
                colormap: map,
            }),
            ..Display::default()
        };
        let vps = [
            Viewport {
                rect: Rect {
                    x: 0,
                    y: 0,
                    width: 16,
                    height: 256,
                },
                camera: cam,
                kind: ViewKind::Legend { horizontal: false },
                display,
                overlay: Overlay::default(),
            },
            Viewport {
                rect: Rect {
                    x: 16,
                    y: 0,
                    width: 256,
                    height: 8,
                },
                camera: cam,
                kind: ViewKind::Legend { horizontal: true },
                display,
                overlay: Overlay::default(),
            },
        ];
        let img = render(&mut r, [272, 256], &vps, &format!("legend-{}", map.name()));
        let lut = map.lut();
        for i in [0u32, 1, 63, 127, 128, 200, 254, 255] {
            let e = lut[i as usize];
            let want = [e[0] as f64, e[1] as f64, e[2] as f64];
            assert_rgb(
                img.pixel(16 + i, 4).expect("px"),
                want,
                2.0,
                &format!("{map:?} horizontal {i}"),
            );
            assert_rgb(
                img.pixel(8, 255 - i).expect("px"),
                want,
                2.0,
                &format!("{map:?} vertical {i}"),
            );
        }
    }
}

#[test]
fn fusion_0_50_100_percent_blend_linearly() {
    let s = small();
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    let lesion = s
        .truth
        .lesions
        .iter()
        .find(|l| l.name == "liver")
        .expect("liver lesion");
    let pet = s.pet_desc();
    let ct = s.ct_desc();
    let cam = Camera::standard(Orientation::Axial, lesion.centre_lps, 1.5);
    let w = CtWindow::SOFT_TISSUE;
    let pd = PetDisplay {
        low: 0.0,
        high: 20.0,
        colormap: Colormap::HotIron,
    };
    // Lesion centre, liver background, and air outside the body.
    let points = [
        lesion.centre_lps,
        [-70.0, 0.0, lesion.centre_lps[2]],
        [0.0, -150.0, lesion.centre_lps[2]],
    ];
    for alpha in [0.0f32, 0.5, 1.0] {
        let display = Display {
            ct: Some(w),
            pet: Some(pd),
            fusion: alpha,
            labels: None,
        };
        let img = render(
            &mut r,
            SIZE,
            &[viewport(SIZE, cam, ViewKind::Mpr { slab_mm: 0.0 }, display)],
            &format!("fusion-{}", (alpha * 100.0) as u32),
        );
        for p in points {
            let px = cam.patient_to_pixel(SIZE, p);
            let (x, y) = (px[0].floor(), px[1].floor());
            let at = cam.pixel_to_patient(SIZE, [x + 0.5, y + 0.5]);
            let grey = w.grey(sample(&ct, at).expect("CT")) * 255.0;
            let col = pd.colour(sample(&pet, at).expect("PET"));
            let want =
                [0, 1, 2].map(|c| (1.0 - alpha as f64) * grey + alpha as f64 * col[c] as f64);
            // Colour-map entries differ by up to a few units between neighbours: allow 3/255.
            assert_rgb(
                img.pixel(x as u32, y as u32).expect("px"),
                want,
                3.0,
                &format!("fusion {alpha} at {p:?}"),
            );
        }
    }
}

#[test]
fn mip_matches_cpu_ray_maximum_at_every_lesion_and_angle() {
    let s = small();
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    let pet = s.pet_desc();
    let map = Colormap::InverseGrey;
    for angle in [0.0, 45.0, 90.0, 180.0, 270.0] {
        let cam = Camera::mip([0.0, 0.0, 0.0], angle, 2.5);
        let img = render(
            &mut r,
            SIZE,
            &[viewport(SIZE, cam, ViewKind::Mip, pet_only(map, 10.0))],
            &format!("mip-{angle}"),
        );
        for lesion in s.truth.lesions.iter().filter(|l| l.diameter_mm >= 20.0) {
            let p = cam.patient_to_pixel(SIZE, lesion.centre_lps);
            let (x, y) = (p[0] as u32, p[1] as u32);
            let hit = pick_mip(&cam, SIZE, [x, y], &pet).expect("ray hits");
            assert!(
                hit.value >= lesion.suv - 1e-3,
                "{} at {angle}°: ray max {}",
                lesion.name,
                hit.value
            );
            // The GPU takes the max over trilinear samples: at least the lesion SUV when the
            // ray crosses a lesion voxel centre region; compare with the voxel maximum.
            assert_map_colour(
                img.pixel(x, y).expect("px"),
                map,
                hit.value / 10.0,
                3,
                2,
                &format!("{} MIP {angle}°", lesion.name),
            );
        }
        // Left lung lesion (patient left) on screen right at 0° (seen from the front).
        if angle == 0.0 {
            let l = s
                .truth
                .lesions
                .iter()
                .find(|l| l.name == "lung_left")
                .expect("lesion");
            assert!(cam.patient_to_pixel(SIZE, l.centre_lps)[0] > 128.0);
        }
    }
}

/// A renderer holding only a PET (SUV) volume.
fn pet_only_renderer(g: VolumeGeometry, suv: &[f32]) -> Renderer {
    let pet = VolumeDesc::new(g, Voxels::F32(suv), ValueKind::Suv).expect("desc");
    let scene = Scene {
        ct: None,
        pet: Some(pet),
        labels: None,
    };
    Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &scene).expect("renderer")
}

/// Renders `vps` with the MIP's empty-space skipping off and on; the two pictures must be
/// the same (skipping only passes over blocks that cannot raise a ray's maximum).
fn assert_skipping_changes_nothing(r: &mut Renderer, size: [u32; 2], vps: &[Viewport], what: &str) {
    r.set_mip_skipping(false);
    let plain = render(r, size, vps, &format!("{what}-plain"));
    r.set_mip_skipping(true);
    let skipped = render(r, size, vps, &format!("{what}-skipping"));
    let differ = plain
        .data
        .chunks_exact(4)
        .zip(skipped.data.chunks_exact(4))
        .filter(|(a, b)| a.iter().zip(*b).any(|(x, y)| x.abs_diff(*y) > 1))
        .count();
    assert_eq!(differ, 0, "{what}: {differ} pixels differ with skipping");
    // The views are not empty: the comparison compares something.
    let shades: std::collections::HashSet<&[u8]> = skipped.data.chunks_exact(4).collect();
    assert!(
        shades.len() >= 8,
        "{what}: only {} colours drawn",
        shades.len()
    );
}

#[test]
fn mip_empty_space_skipping_draws_the_same_picture() {
    let s = small();
    let pet = s.pet_desc();
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    for angle in [0.0, 30.0, 45.0, 90.0, 135.0, 200.0, 315.0] {
        for zoom in [2.5, 0.8] {
            let cam = Camera::mip([0.0, 0.0, 0.0], angle, zoom);
            let vps = [viewport(
                SIZE,
                cam,
                ViewKind::Mip,
                pet_only(Colormap::Grey, 6.0),
            )];
            assert_skipping_changes_nothing(
                &mut r,
                SIZE,
                &vps,
                &format!("mip-skip-{angle}-{zoom}"),
            );
        }
    }
    // Lesion labels: a ray looks for the first label it meets, so it skips nothing until then.
    let g = pet.geometry;
    let mut labels = vec![0u8; g.voxel_count()];
    let [w, h, d] = g.dims;
    for k in d / 3..d / 3 + 4 {
        for j in h / 2..h / 2 + 5 {
            for i in w / 4..w / 4 + 5 {
                labels[(k * h + j) * w + i] = 1;
            }
        }
    }
    r.set_labels(&LabelDesc {
        geometry: g,
        labels: &labels,
    })
    .expect("labels");
    let mut display = pet_only(Colormap::Grey, 6.0);
    display.labels = Some(LabelStyle::default());
    for angle in [0.0, 60.0, 250.0] {
        let cam = Camera::mip([0.0, 0.0, 0.0], angle, 2.5);
        let vps = [viewport(SIZE, cam, ViewKind::Mip, display)];
        assert_skipping_changes_nothing(&mut r, SIZE, &vps, &format!("mip-skip-labels-{angle}"));
    }
    // A PET still arriving: only some slices written, the rest zero.
    let mut r = Renderer::new(gpu(), wgpu::TextureFormat::Rgba8Unorm).expect("renderer");
    r.allocate_volume(VolumeSlot::Pet, &g).expect("allocate");
    let all = match pet.values {
        Voxels::F32(v) => v.to_vec(),
        other => panic!("the test PET is f32, not {other:?}"),
    };
    let per = w * h;
    r.write_slices(
        VolumeSlot::Pet,
        d / 2,
        Voxels::F32(&all[d / 2 * per..(d / 2 + 5) * per]),
    )
    .expect("write");
    let cam = Camera::mip([0.0, 0.0, 0.0], 20.0, 2.5);
    let vps = [viewport(
        SIZE,
        cam,
        ViewKind::Mip,
        pet_only(Colormap::Grey, 6.0),
    )];
    assert_skipping_changes_nothing(&mut r, SIZE, &vps, "mip-skip-partial");
}

#[test]
fn mip_empty_space_skipping_draws_the_same_picture_of_a_real_whole_body_pet() {
    // TCIA STS_001 (../shared/data): a GE whole-body FDG PET, 128×128×267, noisy everywhere
    // in the body, unlike the phantom's flat regions.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/sts001_petct/PT");
    let (g, suv) = load_suv(&dir);
    assert_eq!(g.dims, [128, 128, 267]);
    let mut r = pet_only_renderer(g, &suv);
    let size = [200, 320];
    for angle in [0.0, 45.0, 90.0, 170.0, 290.0] {
        let cam = Camera::mip(g.centre(), angle, 1.0);
        let cam = Camera {
            mm_per_px: cam.fit_mm_per_px(&g, size),
            ..cam
        };
        let vps = [viewport(
            size,
            cam,
            ViewKind::Mip,
            pet_only(Colormap::InverseGrey, 5.0),
        )];
        assert_skipping_changes_nothing(&mut r, size, &vps, &format!("mip-skip-sts001-{angle}"));
    }
}

/// A 64³ PET with two spheres on one anterior–posterior ray: SUV 4 in front, 9 behind.
fn two_spheres() -> (VolumeGeometry, Vec<f32>) {
    let g = VolumeGeometry {
        dims: [64, 64, 64],
        origin: [-63.0, -63.0, -63.0],
        spacing: [2.0; 3],
        axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    };
    let mut v = vec![0.5f32; 64 * 64 * 64];
    for k in 0..64 {
        for j in 0..64 {
            for i in 0..64 {
                let p = g.index_to_patient([i as f64, j as f64, k as f64]);
                let d = |c: [f64; 3]| {
                    ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + (p[2] - c[2]).powi(2)).sqrt()
                };
                let n = (k * 64 + j) * 64 + i;
                if d([10.0, -30.0, 5.0]) <= 8.0 {
                    v[n] = 4.0;
                }
                if d([10.0, 30.0, 5.0]) <= 8.0 {
                    v[n] = 9.0;
                }
            }
        }
    }
    (g, v)
}

#[test]
fn mip_of_a_lesion_behind_another_shows_the_brighter_and_picks_it() {
    let (g, v) = two_spheres();
    let pet = VolumeDesc::new(g, Voxels::F32(&v), ValueKind::Suv).expect("desc");
    let mut r = pet_only_renderer(g, &v);
    let map = Colormap::Grey;
    for angle in [0.0, 180.0] {
        let cam = Camera::mip([0.0; 3], angle, 1.0);
        let size = [160, 160];
        let img = render(
            &mut r,
            size,
            &[viewport(size, cam, ViewKind::Mip, pet_only(map, 10.0))],
            &format!("mip-behind-{angle}"),
        );
        let p = cam.patient_to_pixel(size, [10.0, 0.0, 5.0]);
        let (x, y) = (p[0] as u32, p[1] as u32);
        assert_map_colour(
            img.pixel(x, y).expect("px"),
            map,
            0.9,
            2,
            2,
            &format!("front/back at {angle}°"),
        );
        let hit = pick_mip(&cam, size, [x, y], &pet).expect("hit");
        assert_eq!(hit.value, 9.0);
        assert!(
            (hit.point[1] - 30.0).abs() <= 8.0 && (hit.point[0] - 10.0).abs() <= 2.0,
            "{:?}",
            hit.point
        );
    }
    // From the side (90°) the two spheres are apart: 4 and 9 each at their own pixel.
    let cam = Camera::mip([0.0; 3], 90.0, 1.0);
    let size = [160, 160];
    let img = render(
        &mut r,
        size,
        &[viewport(size, cam, ViewKind::Mip, pet_only(map, 10.0))],
        "mip-behind-90",
    );
    for (c, suv) in [([10.0, -30.0, 5.0], 4.0), ([10.0, 30.0, 5.0], 9.0)] {
        let p = cam.patient_to_pixel(size, c);
        assert_map_colour(
            img.pixel(p[0] as u32, p[1] as u32).expect("px"),
            map,
            suv / 10.0,
            2,
            2,
            &format!("side view {suv}"),
        );
    }
    // Thick-slab MIP on an axial MPR: a 70 mm slab around z = 5 catches both spheres; a thin
    // plane 20 mm above misses them.
    let axial = Camera::standard(Orientation::Axial, [0.0, 0.0, 5.0], 1.0);
    let coronal_mid = Camera::standard(Orientation::Coronal, [0.0, 0.0, 5.0], 1.0);
    let img = render(
        &mut r,
        size,
        &[viewport(
            size,
            coronal_mid,
            ViewKind::Mpr { slab_mm: 80.0 },
            pet_only(map, 10.0),
        )],
        "slab-coronal",
    );
    let p = coronal_mid.patient_to_pixel(size, [10.0, 0.0, 5.0]);
    assert_map_colour(
        img.pixel(p[0] as u32, p[1] as u32).expect("px"),
        map,
        0.9,
        2,
        2,
        "80 mm coronal slab shows the SUV 9 sphere",
    );
    let img = render(
        &mut r,
        size,
        &[viewport(
            size,
            coronal_mid,
            ViewKind::Mpr { slab_mm: 0.0 },
            pet_only(map, 10.0),
        )],
        "thin-coronal",
    );
    assert_map_colour(
        img.pixel(p[0] as u32, p[1] as u32).expect("px"),
        map,
        0.05,
        2,
        2,
        "thin coronal plane at y=0 is background",
    );
    let _ = axial;
}

#[test]
fn picking_maps_pixels_to_patient_points_and_back() {
    let s = small();
    for (o, cam) in planes([12.0, -7.0, 30.0], 1.7) {
        for px in [[0u32, 0u32], [100, 37], [255, 255]] {
            let p = pick_plane(&cam, SIZE, px);
            assert!(cam.distance_to_plane(p).abs() < 1e-9, "{o:?}");
            let back = cam.patient_to_pixel(SIZE, p);
            assert!(
                (back[0] - (px[0] as f64 + 0.5)).abs() < 1e-9
                    && (back[1] - (px[1] as f64 + 0.5)).abs() < 1e-9
            );
        }
    }
    // Clicking a lesion on the MIP moves the cursor into that lesion.
    let pet = s.pet_desc();
    let cam = Camera::mip([0.0; 3], 30.0, 2.5);
    for lesion in s.truth.lesions.iter().filter(|l| l.diameter_mm >= 20.0) {
        let p = cam.patient_to_pixel(SIZE, lesion.centre_lps);
        let hit = pick_mip(&cam, SIZE, [p[0] as u32, p[1] as u32], &pet).expect("hit");
        let d = ((hit.point[0] - lesion.centre_lps[0]).powi(2)
            + (hit.point[1] - lesion.centre_lps[1]).powi(2)
            + (hit.point[2] - lesion.centre_lps[2]).powi(2))
        .sqrt();
        assert!(
            d <= lesion.diameter_mm / 2.0,
            "{}: picked {:?}, {d} mm from the centre",
            lesion.name,
            hit.point
        );
    }
}

#[test]
fn orientation_markers_follow_the_radiological_convention() {
    let m = |o| orientation_markers(&Camera::standard(o, [0.0; 3], 1.0));
    let a = m(Orientation::Axial);
    assert_eq!(
        (
            a.left.as_str(),
            a.right.as_str(),
            a.top.as_str(),
            a.bottom.as_str()
        ),
        ("R", "L", "A", "P")
    );
    let c = m(Orientation::Coronal);
    assert_eq!(
        (
            c.left.as_str(),
            c.right.as_str(),
            c.top.as_str(),
            c.bottom.as_str()
        ),
        ("R", "L", "H", "F")
    );
    let s = m(Orientation::Sagittal);
    assert_eq!(
        (
            s.left.as_str(),
            s.right.as_str(),
            s.top.as_str(),
            s.bottom.as_str()
        ),
        ("A", "P", "H", "F")
    );
    let mip90 = orientation_markers(&Camera::mip([0.0; 3], 90.0, 1.0));
    assert_eq!((mip90.left.as_str(), mip90.right.as_str()), ("A", "P"));
    let mip45 = orientation_markers(&Camera::mip([0.0; 3], 45.0, 1.0));
    assert_eq!(
        mip45.right.len(),
        2,
        "oblique edge has two letters: {mip45:?}"
    );
    let bar = scale_bar(
        &Camera::standard(Orientation::Axial, [0.0; 3], 1.3),
        [400, 300],
    );
    assert_eq!(bar.length_mm, 100.0);
    assert!(((bar.end_px[0] - bar.start_px[0]) * 1.3 - 100.0).abs() < 1e-9);
}

#[test]
fn four_view_layout_crosshair_labels_and_shared_textures() {
    let s = small();
    let lesion = s
        .truth
        .lesions
        .iter()
        .find(|l| l.name == "soft_tissue_right")
        .expect("lesion");
    let c = lesion.centre_lps;
    let dims = s.pet_geometry.dims;
    // Label volume on the PET grid: 1 inside the lesion sphere.
    let mut labels = vec![0u8; dims.iter().product()];
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                let p = s
                    .pet_geometry
                    .index_to_patient([i as f64, j as f64, k as f64]);
                let d2: f64 = (0..3).map(|a| (p[a] - c[a]).powi(2)).sum();
                if d2 <= (lesion.diameter_mm / 2.0).powi(2) {
                    labels[(k * dims[1] + j) * dims[0] + i] = 1;
                }
            }
        }
    }
    let scene = Scene {
        labels: Some(LabelDesc {
            geometry: s.pet_geometry,
            labels: &labels,
        }),
        ..s.scene()
    };
    let mut r =
        Renderer::with_scene(gpu(), wgpu::TextureFormat::Rgba8Unorm, &scene).expect("renderer");
    let green = [0.0, 1.0, 0.0, 1.0];
    let style = LabelStyle {
        fill_alpha: 0.5,
        outline: true,
        ..LabelStyle::default()
    };
    let display = Display {
        labels: Some(style),
        ..Display::default()
    };
    let half = [200u32, 200u32];
    let mut vps = Vec::new();
    for (n, (_, cam)) in planes(c, 2.0).into_iter().enumerate() {
        vps.push(Viewport {
            rect: Rect {
                x: (n as u32 % 2) * 200,
                y: (n as u32 / 2) * 200,
                width: 200,
                height: 200,
            },
            camera: cam,
            kind: ViewKind::Mpr { slab_mm: 0.0 },
            display,
            overlay: Overlay {
                crosshair: Some(Crosshair {
                    point: [c[0] + 20.0, c[1] + 20.0, c[2] + 20.0],
                    colour: green,
                }),
                scale_bar: true,
            },
        });
    }
    vps.push(Viewport {
        rect: Rect {
            x: 200,
            y: 200,
            width: 200,
            height: 200,
        },
        camera: Camera::mip(c, 0.0, 2.5),
        kind: ViewKind::Mip,
        display: Display {
            pet: Some(PetDisplay {
                colormap: Colormap::InverseGrey,
                ..PetDisplay::default()
            }),
            ..display
        },
        overlay: Overlay::default(),
    });
    let img = render(&mut r, [400, 400], &vps, "four-view");
    for vp in &vps[..3] {
        let cross = vp.overlay.crosshair.as_ref().expect("crosshair").point;
        let p = vp.camera.patient_to_pixel(half, cross);
        let (x, y) = (vp.rect.x + p[0] as u32, vp.rect.y + p[1] as u32);
        // On the horizontal line, 5 px right of the cursor, and on the vertical line.
        assert_eq!(
            img.pixel(x + 5, y).expect("px")[..3],
            [0, 255, 0],
            "crosshair row"
        );
        assert_eq!(
            img.pixel(x, y + 5).expect("px")[..3],
            [0, 255, 0],
            "crosshair column"
        );
        // Lesion centre: fill = 50 % green over the fused colour, so green dominates red/blue.
        let l = vp.camera.patient_to_pixel(half, c);
        let px = img
            .pixel(vp.rect.x + l[0] as u32, vp.rect.y + l[1] as u32)
            .expect("px");
        let fused = {
            let at = vp
                .camera
                .pixel_to_patient(half, [l[0].floor() + 0.5, l[1].floor() + 0.5]);
            let g = CtWindow::SOFT_TISSUE.grey(sample(&s.ct_desc(), at).expect("ct")) * 255.0;
            let pc = PetDisplay::default().colour(sample(&s.pet_desc(), at).expect("pet"));
            [0, 1, 2].map(|k| 0.5 * g + 0.5 * pc[k] as f64)
        };
        let want = [0.5 * fused[0], 0.5 * fused[1] + 127.5, 0.5 * fused[2]];
        assert_rgb(px, want, 3.0, "label fill");
        // An outline pixel: walking right from the centre, the last pixel inside is pure green.
        let mut found = false;
        for dx in 0..40 {
            let p = img
                .pixel(vp.rect.x + l[0] as u32 + dx, vp.rect.y + l[1] as u32)
                .expect("px");
            if p[..3] == [0, 255, 0] {
                found = true;
                break;
            }
        }
        assert!(found, "outline found right of the lesion centre");
    }
    // Viewports do not bleed: the MIP quadrant's top-left pixel is MIP background (white).
    assert_eq!(img.pixel(201, 201).expect("px")[..3], [255, 255, 255]);
    // The MIP shows the lesion's projection: tinted inside, a pure green outline at its edge,
    // untouched far from it.
    let mip = &vps[3];
    let l = mip.camera.patient_to_pixel(half, c);
    let (cx, cy) = (mip.rect.x + l[0] as u32, mip.rect.y + l[1] as u32);
    let centre = img.pixel(cx, cy).expect("px");
    assert!(
        centre[1] > centre[0] && centre[1] > centre[2],
        "MIP lesion fill: {centre:?}"
    );
    let outline = (0..40).find(|dx| img.pixel(cx + dx, cy).expect("px")[..3] == [0, 255, 0]);
    let outline = outline.expect("MIP outline right of the lesion centre");
    let r_px = lesion.diameter_mm / 2.0 / mip.camera.mm_per_px;
    assert!(
        (outline as f64 - r_px).abs() <= 2.0,
        "outline at {outline} px, radius {r_px:.1} px"
    );
    let far = img.pixel(cx + outline + 6, cy).expect("px");
    assert_ne!(far[..3], [0, 255, 0], "no label colour outside the lesion");
}

#[test]
fn progressive_upload_fills_the_same_texture_slice_by_slice() {
    let s = small();
    let mut r = Renderer::new(gpu(), wgpu::TextureFormat::Rgba8Unorm).expect("renderer");
    r.allocate_volume(VolumeSlot::Pet, &s.pet_geometry)
        .expect("allocate");
    let [w, h, d] = s.pet_geometry.dims;
    let per = w * h;
    let lesion = s
        .truth
        .lesions
        .iter()
        .find(|l| l.name == "lung_left")
        .expect("lesion");
    let k = s
        .pet_desc()
        .nearest_voxel(lesion.centre_lps)
        .expect("inside")[2];
    let cam = Camera::standard(Orientation::Axial, lesion.centre_lps, 2.0);
    let display = pet_only(Colormap::Grey, 10.0);
    let vp = [viewport(SIZE, cam, ViewKind::Mpr { slab_mm: 0.0 }, display)];
    // Slices before the lesion only: the lesion pixel is still empty (0).
    r.write_slices(VolumeSlot::Pet, 0, Voxels::F32(&s.suv[..(k - 3) * per]))
        .expect("first part");
    let img = render(&mut r, SIZE, &vp, "progressive-1");
    assert_eq!(img.pixel(128, 128).expect("px")[..3], [0, 0, 0]);
    for kk in k - 3..d {
        r.write_slices(
            VolumeSlot::Pet,
            kk,
            Voxels::F32(&s.suv[kk * per..(kk + 1) * per]),
        )
        .expect("slice");
    }
    let img = render(&mut r, SIZE, &vp, "progressive-2");
    assert_map_colour(
        img.pixel(128, 128).expect("px"),
        Colormap::Grey,
        lesion.suv / 10.0,
        2,
        2,
        "after upload",
    );
    assert!(matches!(
        r.write_slices(VolumeSlot::Pet, d, Voxels::F32(&s.suv[..per])),
        Err(RenderError::SliceRange { .. })
    ));
}

#[test]
fn an_upload_in_steps_draws_the_same_picture_as_one_upload() {
    let s = small();
    let pet = s.pet_desc();
    let lesion = &s.truth.lesions[0];
    let cam = Camera::standard(Orientation::Coronal, lesion.centre_lps, 2.0);
    let display = pet_only(Colormap::Grey, 10.0);
    let vp = [viewport(SIZE, cam, ViewKind::Mpr { slab_mm: 0.0 }, display)];
    let mut whole = Renderer::new(gpu(), wgpu::TextureFormat::Rgba8Unorm).expect("renderer");
    whole.set_volume(VolumeSlot::Pet, &pet).expect("upload");
    let want = render(&mut whole, SIZE, &vp, "steps-whole");
    assert!(want.data.chunks(4).any(|p| p[0] > 0), "the PET shows");
    let mut steps = Renderer::new(gpu(), wgpu::TextureFormat::Rgba8Unorm).expect("renderer");
    steps
        .allocate_volume(VolumeSlot::Pet, &s.pet_geometry)
        .expect("allocate");
    let d = s.pet_geometry.dims[2];
    for first in (0..d).step_by(5) {
        steps
            .write_volume_slices(VolumeSlot::Pet, &pet, first..(first + 5).min(d))
            .expect("step");
    }
    let got = render(&mut steps, SIZE, &vp, "steps-in-steps");
    assert!(got.data == want.data, "the coronal picture differs");
    // Past the last slice, or a volume of other dimensions: typed errors.
    assert!(matches!(
        steps.write_volume_slices(VolumeSlot::Pet, &pet, d - 1..d + 1),
        Err(RenderError::SliceRange { .. })
    ));
    let ct = s.ct_desc();
    assert!(steps
        .write_volume_slices(VolumeSlot::Pet, &ct, 0..1)
        .is_err());
}

#[test]
fn oversized_volume_is_refused_with_a_typed_error() {
    let mut r = Renderer::new(gpu(), wgpu::TextureFormat::Rgba8Unorm).expect("renderer");
    let max = gpu().max_texture_3d() as usize;
    let g = VolumeGeometry {
        dims: [max + 1, 2, 2],
        origin: [0.0; 3],
        spacing: [1.0; 3],
        axes: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    };
    match r.allocate_volume(VolumeSlot::Ct, &g) {
        Err(e @ RenderError::VolumeTooLarge { .. }) => {
            assert!(e.to_string().contains("maximum 3D texture size"))
        }
        other => panic!("expected VolumeTooLarge, got {other:?}"),
    }
    let sing = VolumeGeometry {
        axes: [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        dims: [2, 2, 2],
        ..g
    };
    assert!(matches!(
        r.allocate_volume(VolumeSlot::Ct, &sing),
        Err(RenderError::SingularAffine)
    ));
}

#[test]
fn lost_device_is_reported_and_recovered_from_cpu_volumes() {
    let s = small();
    let gpu1 = Gpu::headless_blocking().expect("gpu");
    let mut r =
        Renderer::with_scene(&gpu1, wgpu::TextureFormat::Rgba8Unorm, &s.scene()).expect("renderer");
    let cam = Camera::standard(Orientation::Coronal, [0.0, 0.0, 0.0], 2.0);
    let vp = [viewport(
        SIZE,
        cam,
        ViewKind::Mpr { slab_mm: 0.0 },
        Display::default(),
    )];
    let before = render_to_rgba(&mut r, SIZE, &vp).expect("render");
    gpu1.device.destroy();
    let _ = gpu1.device.poll(wgpu::PollType::wait_indefinitely());
    assert!(gpu1.is_lost(), "destroy() reports a lost device");
    assert!(matches!(
        render_to_rgba(&mut r, SIZE, &vp),
        Err(RenderError::DeviceLost)
    ));
    let gpu2 = Gpu::headless_blocking().expect("gpu");
    let mut r2 = Renderer::with_scene(&gpu2, wgpu::TextureFormat::Rgba8Unorm, &s.scene())
        .expect("recreated");
    let after = render(&mut r2, SIZE, &vp, "recovered");
    assert_eq!(before, after, "the recovered renderer draws the same image");
}
