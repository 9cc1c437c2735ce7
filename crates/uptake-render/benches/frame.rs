//! Frame time of the standard PET-CT layout: three fused MPR views (axial, coronal, sagittal)
//! and the PET MIP, one quadrant each, on the `clinical` phantom (CT 512²×400, PET 192²×400).
//! Run: `cargo bench -p uptake-render --bench frame` (see `bench-gpu.sh` for a GPU machine).
//! Env: `UPTAKE_BENCH_FRAMES` (default 10), `UPTAKE_BENCH_SIZE` (`WxH`, default 1920x1080),
//! `UPTAKE_BENCH_DIR` (phantom folder, default $TMPDIR/uptake-bench-clinical),
//! `UPTAKE_BENCH_REAL_PET` (a PET series folder: its MIP alone, empty-space skipping off and on).

use std::time::Instant;

use uptake_phantom::{PhantomOptions, Size};
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_render::*;

fn geometry(g: &uptake_dicom::Geometry) -> VolumeGeometry {
    VolumeGeometry {
        dims: g.dims,
        origin: g.origin,
        spacing: g.spacing,
        axes: g.axes,
    }
}

/// A render target of `size` (RGBA8) to draw the timed frames into.
fn target_view(gpu: &Gpu, size: [u32; 2]) -> wgpu::TextureView {
    gpu.device
        .create_texture(&wgpu::TextureDescriptor {
            label: Some("bench target"),
            size: wgpu::Extent3d {
                width: size[0],
                height: size[1],
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            view_formats: &[],
        })
        .create_view(&wgpu::TextureViewDescriptor::default())
}

fn main() {
    let frames: usize = std::env::var("UPTAKE_BENCH_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = std::env::var_os("UPTAKE_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("uptake-bench-clinical"));
    let t = Instant::now();
    let truth = uptake_phantom::write_study(
        &dir,
        &PhantomOptions {
            size: Size::Clinical,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("phantom: {e}"));
    let study = uptake_dicom::load_paths(std::slice::from_ref(&dir));
    let pet_plan = study.pet_plan().expect("PET series");
    let ct = study
        .volume(study.ct_plan(Some(pet_plan)).expect("CT series"))
        .expect("CT volume");
    let suv =
        uptake_quant::SuvVolume::from_plan(&study, pet_plan, SuvType::Bw, &SuvOverrides::default())
            .expect("SUV");
    println!(
        "phantom written and loaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let ct_values = match &ct.voxels {
        uptake_dicom::Voxels::I16(a) => Voxels::I16(a.as_slice().expect("standard layout")),
        uptake_dicom::Voxels::F32(a) => Voxels::F32(a.as_slice().expect("standard layout")),
        uptake_dicom::Voxels::Packed(_) | uptake_dicom::Voxels::Scaled(_) => {
            panic!("whole-file assembly keeps plain arrays")
        }
    };
    let ct_desc = VolumeDesc::new(geometry(&ct.geometry), ct_values, ValueKind::Hu).expect("CT");
    // The SUV as one array (`uptake_render::dicom::suv_desc` reads it from the stored values
    // instead; that needs the `dicom` feature, which this bench does not enable).
    let suv_values: Vec<f32> = suv.values().collect();
    let pet_desc = VolumeDesc::new(
        geometry(&suv.geometry),
        Voxels::F32(&suv_values),
        ValueKind::Suv,
    )
    .expect("PET");

    let t = Instant::now();
    let gpu = Gpu::headless_blocking().unwrap_or_else(|e| panic!("{e}"));
    println!(
        "adapter: {} (device in {:.0} ms)",
        gpu.adapter_name(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let scene = Scene {
        ct: Some(ct_desc),
        pet: Some(pet_desc),
        labels: None,
    };
    let mut r =
        Renderer::with_scene(&gpu, wgpu::TextureFormat::Rgba8Unorm, &scene).expect("renderer");
    let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
    println!(
        "upload CT {:?} + PET {:?} as R16Float: {:.0} ms",
        ct.geometry.dims,
        suv.geometry.dims,
        t.elapsed().as_secs_f64() * 1e3
    );

    let size = std::env::var("UPTAKE_BENCH_SIZE")
        .ok()
        .and_then(|v| {
            let (w, h) = v.split_once('x')?;
            Some([w.parse::<u32>().ok()?, h.parse::<u32>().ok()?])
        })
        .filter(|s| s[0] >= 2 && s[1] >= 2)
        .unwrap_or([1920, 1080]);
    let (w, h) = (size[0] / 2, size[1] / 2);
    let lesion = truth
        .lesions
        .iter()
        .find(|l| l.name == "liver")
        .map_or([0.0; 3], |l| l.centre_lps);
    let quad = [w, h];
    let fit = |c: Camera, g: &VolumeGeometry| Camera {
        mm_per_px: c.fit_mm_per_px(g, quad),
        ..c
    };
    let cg = scene.ct.map(|c| c.geometry).expect("ct");
    let pg = scene.pet.map(|c| c.geometry).expect("pet");
    let display = Display::default();
    let mip_display = Display {
        pet: Some(PetDisplay {
            colormap: Colormap::InverseGrey,
            ..PetDisplay::default()
        }),
        ..display
    };
    let cross = Overlay {
        crosshair: Some(Crosshair {
            point: lesion,
            colour: [0.0, 1.0, 0.0, 1.0],
        }),
        scale_bar: true,
    };
    let mut vps = vec![
        Viewport {
            rect: Rect {
                x: 0,
                y: 0,
                width: w,
                height: h,
            },
            camera: fit(Camera::standard(Orientation::Axial, lesion, 1.0), &cg),
            kind: ViewKind::Mpr { slab_mm: 0.0 },
            display,
            overlay: cross.clone(),
        },
        Viewport {
            rect: Rect {
                x: w,
                y: 0,
                width: w,
                height: h,
            },
            camera: fit(Camera::standard(Orientation::Coronal, lesion, 1.0), &cg),
            kind: ViewKind::Mpr { slab_mm: 0.0 },
            display,
            overlay: cross.clone(),
        },
        Viewport {
            rect: Rect {
                x: 0,
                y: h,
                width: w,
                height: h,
            },
            camera: fit(Camera::standard(Orientation::Sagittal, lesion, 1.0), &cg),
            kind: ViewKind::Mpr { slab_mm: 0.0 },
            display,
            overlay: cross,
        },
        Viewport {
            rect: Rect {
                x: w,
                y: h,
                width: w,
                height: h,
            },
            camera: fit(Camera::mip(pg.centre(), 0.0, 1.0), &pg),
            kind: ViewKind::Mip,
            display: mip_display,
            overlay: Overlay::default(),
        },
    ];
    let view = target_view(&gpu, size);
    let mut frame = |vps: &[Viewport], skipping: bool| {
        let t = Instant::now();
        r.set_mip_skipping(skipping);
        r.render(&view, size, vps, [0.0, 0.0, 0.0, 1.0])
            .expect("render");
        let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
        t.elapsed().as_secs_f64() * 1e3
    };
    frame(&vps, true); // warm-up (pipeline and texture residency)
    let mut times = Vec::new();
    for n in 0..frames {
        // Rotating cine: the MIP angle changes every frame, as in the MDT layout.
        vps[3].camera = fit(Camera::mip(pg.centre(), n as f64 * 10.0, 1.0), &pg);
        times.push(frame(&vps, true));
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    println!(
        "4-view frame {}x{} (3 fused MPR + MIP), {} frames: mean {:.1} ms, median {:.1} ms, min {:.1} ms, max {:.1} ms",
        size[0], size[1], times.len(), mean, times[times.len() / 2], times[0], times[times.len() - 1]
    );
    for (name, sel, skipping) in [
        ("3 fused MPR only", 0..3, true),
        ("MIP only", 3..4, true),
        ("MIP only, no empty-space skipping", 3..4, false),
    ] {
        let part = &vps[sel];
        let mut t: Vec<f64> = (0..frames.min(5)).map(|_| frame(part, skipping)).collect();
        t.sort_by(f64::total_cmp);
        println!("  {name}: median {:.1} ms", t[t.len() / 2]);
    }
    let img = render_to_rgba(&mut r, size, &vps).expect("readback");
    let out = std::env::temp_dir().join("uptake-bench-frame.png");
    if img.save_png(&out).is_ok() {
        println!("last frame: {}", out.display());
    }
    if let Some(dir) = std::env::var_os("UPTAKE_BENCH_REAL_PET") {
        real_pet_mip(&gpu, std::path::Path::new(&dir), quad, frames);
    }
}

/// The rotating MIP of a real PET series folder (`UPTAKE_BENCH_REAL_PET`, e.g. the TCIA
/// whole-body PET in `../shared/data/sts001_petct/PT`) in one quadrant, with and without the
/// empty-space skipping: real PET is noisy wherever there is tissue, unlike the phantom.
fn real_pet_mip(gpu: &Gpu, dir: &std::path::Path, size: [u32; 2], frames: usize) {
    let study = uptake_dicom::load_paths(&[dir.to_path_buf()]);
    let Some(plan) = study.pet_plan() else {
        println!("real PET: no PET series in {}", dir.display());
        return;
    };
    let suv = match uptake_quant::SuvVolume::from_plan(
        &study,
        plan,
        SuvType::Bw,
        &SuvOverrides::default(),
    ) {
        Ok(s) => s,
        Err(e) => {
            println!("real PET: {e}");
            return;
        }
    };
    let values: Vec<f32> = suv.values().collect();
    let g = geometry(&suv.geometry);
    let desc = VolumeDesc::new(g, Voxels::F32(&values), ValueKind::Suv).expect("PET");
    let scene = Scene {
        ct: None,
        pet: Some(desc),
        labels: None,
    };
    let mut r =
        Renderer::with_scene(gpu, wgpu::TextureFormat::Rgba8Unorm, &scene).expect("renderer");
    let view = target_view(gpu, size);
    let display = Display {
        ct: None,
        pet: Some(PetDisplay {
            colormap: Colormap::InverseGrey,
            ..PetDisplay::default()
        }),
        ..Display::default()
    };
    for skipping in [false, true] {
        r.set_mip_skipping(skipping);
        let mut times = Vec::new();
        for n in 0..=frames {
            let cam = Camera::mip(g.centre(), n as f64 * 10.0, 1.0);
            let vp = Viewport {
                rect: Rect {
                    x: 0,
                    y: 0,
                    width: size[0],
                    height: size[1],
                },
                camera: Camera {
                    mm_per_px: cam.fit_mm_per_px(&g, size),
                    ..cam
                },
                kind: ViewKind::Mip,
                display,
                overlay: Overlay::default(),
            };
            let t = Instant::now();
            r.render(&view, size, &[vp], [0.0, 0.0, 0.0, 1.0])
                .expect("render");
            let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
            if n > 0 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "real PET {:?} MIP {}x{}, skipping {}: median {:.1} ms over {} angles",
            g.dims,
            size[0],
            size[1],
            if skipping { "on" } else { "off" },
            times[times.len() / 2],
            times.len()
        );
    }
}
