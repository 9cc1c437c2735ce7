//! Shared fixture of the GPU tests: the `small` phantom (CT and SUV on their own grids),
//! one headless device, a CPU reference of what the shader computes, and image output.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use uptake_phantom::{PhantomOptions, Truth};
use uptake_quant::suv::{SuvOverrides, SuvType};
use uptake_render::*;

/// CPU volumes of a phantom study.
pub struct Study {
    pub truth: Truth,
    pub ct_geometry: VolumeGeometry,
    pub ct: Vec<i16>,
    pub pet_geometry: VolumeGeometry,
    pub suv: Vec<f32>,
}

impl Study {
    pub fn ct_desc(&self) -> VolumeDesc<'_> {
        VolumeDesc::new(self.ct_geometry, Voxels::I16(&self.ct), ValueKind::Hu).expect("CT desc")
    }
    pub fn pet_desc(&self) -> VolumeDesc<'_> {
        VolumeDesc::new(self.pet_geometry, Voxels::F32(&self.suv), ValueKind::Suv)
            .expect("PET desc")
    }
    pub fn scene(&self) -> Scene<'_> {
        Scene {
            ct: Some(self.ct_desc()),
            pet: Some(self.pet_desc()),
            labels: None,
        }
    }
}

fn geometry(g: &uptake_dicom::Geometry) -> VolumeGeometry {
    VolumeGeometry {
        dims: g.dims,
        origin: g.origin,
        spacing: g.spacing,
        axes: g.axes,
    }
}

/// The SUV (body weight) of a PET series folder, on its own grid.
pub fn load_suv(dir: &std::path::Path) -> (VolumeGeometry, Vec<f32>) {
    let study = uptake_dicom::load_paths(&[dir.to_path_buf()]);
    let pet_plan = study.pet_plan().expect("PET plan");
    let suv =
        uptake_quant::SuvVolume::from_plan(&study, pet_plan, SuvType::Bw, &SuvOverrides::default())
            .expect("SUV");
    (geometry(&suv.geometry), suv.values().collect())
}

/// Writes the phantom (`name` folder under the test tmp dir) and loads it.
pub fn load_study(name: &str, opts: &PhantomOptions) -> Study {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("render-phantom-{name}"));
    let truth = uptake_phantom::write_study(&dir, opts).expect("phantom");
    let study = uptake_dicom::load_paths(&[dir]);
    let pet_plan = study.pet_plan().expect("PET plan");
    let ct = study
        .volume(study.ct_plan(Some(pet_plan)).expect("CT plan"))
        .expect("CT volume");
    let suv =
        uptake_quant::SuvVolume::from_plan(&study, pet_plan, SuvType::Bw, &SuvOverrides::default())
            .expect("SUV");
    let ct_values = match &ct.voxels {
        uptake_dicom::Voxels::I16(a) => a.iter().copied().collect(),
        uptake_dicom::Voxels::F32(a) => a.iter().map(|v| *v as i16).collect(),
        uptake_dicom::Voxels::Packed(p) => p.to_array().into_iter().collect(),
        uptake_dicom::Voxels::Scaled(_) => panic!("a CT is never kept scaled"),
    };
    Study {
        truth,
        ct_geometry: geometry(&ct.geometry),
        ct: ct_values,
        pet_geometry: geometry(&suv.geometry),
        suv: suv.values().collect(),
    }
}

/// The default `small` phantom, loaded once per test binary.
pub fn small() -> &'static Study {
    static S: OnceLock<Study> = OnceLock::new();
    S.get_or_init(|| load_study("small", &PhantomOptions::default()))
}

/// One headless device per test binary. No adapter is a failure, never a skip.
pub fn gpu() -> &'static Gpu {
    static G: OnceLock<Gpu> = OnceLock::new();
    G.get_or_init(|| match Gpu::headless_blocking() {
        Ok(g) => g,
        Err(e) => panic!(
            "{e}\nThe GPU tests need a Vulkan adapter: `cargo xtask test` installs mesa-vulkan-drivers \
             (Mesa lavapipe); by hand: apt-get install -y mesa-vulkan-drivers"
        ),
    })
}

/// Where rendered images go for inspection.
pub fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("..")
        .join("render-test-output");
    std::fs::create_dir_all(&d).expect("output dir");
    d
}

pub fn save(img: &RgbaImage, name: &str) {
    img.save_png(&out_dir().join(format!("{name}.png")))
        .expect("png");
}

pub fn render(r: &mut Renderer, size: [u32; 2], vps: &[Viewport], name: &str) -> RgbaImage {
    let img = render_to_rgba(r, size, vps).expect("render");
    save(&img, name);
    img
}

pub fn viewport(size: [u32; 2], camera: Camera, kind: ViewKind, display: Display) -> Viewport {
    Viewport {
        rect: Rect {
            x: 0,
            y: 0,
            width: size[0],
            height: size[1],
        },
        camera,
        kind,
        display,
        overlay: Overlay::default(),
    }
}

/// Value as the GPU holds it (f16 display copy).
fn f16(v: f64) -> f64 {
    half::f16::from_f64(v).to_f64()
}

/// CPU model of the shader's sampling: trilinear between voxel centres of the f16 copy,
/// clamped at the border, `None` outside the half-voxel-padded box.
pub fn sample(desc: &VolumeDesc<'_>, p: [f64; 3]) -> Option<f64> {
    let g = &desc.geometry;
    let idx = g.patient_to_index(p)?;
    let mut lo = [0usize; 3];
    let mut f = [0.0; 3];
    for a in 0..3 {
        let n = g.dims[a] as f64;
        if idx[a] < -0.5 || idx[a] > n - 0.5 {
            return None;
        }
        let x = idx[a].clamp(0.0, n - 1.0);
        let l = x.floor().min(n - 2.0).max(0.0);
        lo[a] = l as usize;
        f[a] = if g.dims[a] > 1 { x - l } else { 0.0 };
    }
    let mut acc = 0.0;
    for c in 0..8 {
        let mut w = 1.0;
        let mut v = [0usize; 3];
        for a in 0..3 {
            let hi = c >> a & 1 == 1;
            v[a] = (lo[a] + hi as usize).min(g.dims[a] - 1);
            w *= if hi { f[a] } else { 1.0 - f[a] };
        }
        if w > 0.0 {
            acc += w * f16(desc.voxel(v)?);
        }
    }
    Some(acc)
}

/// Asserts that `px` is the colour `map` gives to t within ±`entries` LUT entries and
/// ±`tol` (of 255) per channel.
pub fn assert_map_colour(px: [u8; 4], map: Colormap, t: f64, entries: i32, tol: i32, what: &str) {
    let lut = map.lut();
    let centre = (t.clamp(0.0, 1.0) * 255.0 + 0.5).floor() as i32;
    let ok = (centre - entries..=centre + entries)
        .filter(|i| (0..256).contains(i))
        .any(|i| {
            let e = lut[i as usize];
            (0..3).all(|c| (e[c] as i32 - px[c] as i32).abs() <= tol)
        });
    assert!(
        ok,
        "{what}: pixel {px:?} is not {map:?}({t:.4}) = {:?} (±{entries} entries, ±{tol}/255)",
        lut[centre.clamp(0, 255) as usize]
    );
}

/// Asserts per channel |a − b| ≤ tol.
pub fn assert_rgb(px: [u8; 4], want: [f64; 3], tol: f64, what: &str) {
    for c in 0..3 {
        assert!(
            (px[c] as f64 - want[c]).abs() <= tol,
            "{what}: pixel {px:?}, expected {want:?} ± {tol}"
        );
    }
}
