//! The renderer: volume textures shared by every view, per-viewport uniforms (one buffer,
//! dynamic offsets) and one render pass drawing all viewports of a target through
//! viewport/scissor rectangles.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::device::Gpu;
use crate::display::Display;
use crate::error::RenderError;
use crate::math::normalize;
use crate::overlays::{line_vertices, LineVertex, Overlay};
use crate::pipelines::Pipelines;
use crate::textures::{lut_texture, placeholder, VolumeTexture};
use crate::view::Camera;
use crate::volume::{LabelDesc, VolumeDesc, VolumeGeometry, Voxels};

/// Which volume a texture holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeSlot {
    /// CT in HU.
    Ct,
    /// PET in SUV.
    Pet,
}

/// What a viewport shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ViewKind {
    /// Multiplanar reconstruction on the camera plane; `slab_mm > 0` shows the PET as a
    /// thick-slab MIP of that thickness centred on the plane.
    Mpr {
        /// Slab thickness in mm (0 = thin plane).
        slab_mm: f32,
    },
    /// PET maximum-intensity projection along the camera normal (see [`Camera::mip`]).
    Mip,
    /// The PET colour-map legend bar (low at the bottom, or at the left when horizontal).
    Legend {
        /// Lay the bar out left to right.
        horizontal: bool,
    },
}

/// A rectangle of the render target in pixels (origin top-left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: u32,
    /// Top.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Rect {
    /// `[width, height]`.
    pub fn size(&self) -> [u32; 2] {
        [self.width, self.height]
    }
}

/// One viewport of a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewport {
    /// Where on the target.
    pub rect: Rect,
    /// The view plane.
    pub camera: Camera,
    /// MPR, MIP or legend.
    pub kind: ViewKind,
    /// Colours.
    pub display: Display,
    /// Crosshair and scale bar.
    pub overlay: Overlay,
}

/// The CPU volumes of a scene, for creating (or re-creating after a lost device) a renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scene<'a> {
    /// CT (HU).
    pub ct: Option<VolumeDesc<'a>>,
    /// PET (SUV).
    pub pet: Option<VolumeDesc<'a>>,
    /// Segmentation labels.
    pub labels: Option<LabelDesc<'a>>,
}

/// Per-viewport uniforms; the layout of `View` in `shaders/common.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ViewUniform {
    viewport: [f32; 4],
    centre: [f32; 4],
    right: [f32; 4],
    down: [f32; 4],
    ct_from_patient: [[f32; 4]; 4],
    pet_from_patient: [[f32; 4]; 4],
    label_from_patient: [[f32; 4]; 4],
    label_dims: [f32; 4],
    ct_window: [f32; 4],
    pet_range: [f32; 4],
    blend: [f32; 4],
    pet_blocks: [f32; 4],
    label_colours: [[f32; 4]; 8],
}

const IDENTITY: [[f32; 4]; 4] = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];
/// Upper bound of ray/slab steps per pixel.
const MAX_STEPS: f32 = 4096.0;
/// Upper bound of thick-slab samples per pixel.
const MAX_SLAB_SAMPLES: f64 = 256.0;

/// A volume texture taken out of its slot ([`Renderer::detach_volume`]): kept on the GPU,
/// not drawn, still writable.
#[derive(Debug)]
pub struct DetachedVolume(VolumeTexture);

impl DetachedVolume {
    /// Its dimensions (columns, rows, slices).
    pub fn dims(&self) -> [usize; 3] {
        self.0.geometry.dims
    }
}

/// The renderer of one device. Holds one texture per volume, shared by every view.
#[derive(Debug)]
pub struct Renderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    format: wgpu::TextureFormat,
    pipelines: Pipelines,
    sampler: wgpu::Sampler,
    lut: wgpu::TextureView,
    empty_f16: wgpu::TextureView,
    empty_u8: wgpu::TextureView,
    ct: Option<VolumeTexture>,
    pet: Option<VolumeTexture>,
    labels: Option<VolumeTexture>,
    uniforms: wgpu::Buffer,
    uniform_stride: u64,
    uniform_slots: u64,
    bind_group: Option<wgpu::BindGroup>,
    lines: Option<wgpu::Buffer>,
    lost: Arc<AtomicBool>,
    mip_skipping: bool,
}

fn align(n: u64, a: u64) -> u64 {
    n.div_ceil(a) * a
}

impl Renderer {
    /// A renderer drawing into targets of `format` (e.g. `Rgba8Unorm` offscreen, the
    /// surface's format in the browser; use a non-sRGB format so values are written as
    /// computed).
    pub fn new(gpu: &Gpu, format: wgpu::TextureFormat) -> Result<Renderer, RenderError> {
        let device = gpu.device.clone();
        let queue = gpu.queue.clone();
        let size = std::mem::size_of::<ViewUniform>() as u64;
        let stride = align(
            size,
            device.limits().min_uniform_buffer_offset_alignment as u64,
        );
        let pipelines = Pipelines::new(&device, format, size);
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("volume"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            address_mode_w: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let lut = lut_texture(&device, &queue);
        let empty_f16 = placeholder(&device, wgpu::TextureFormat::R16Float);
        let empty_u8 = placeholder(&device, wgpu::TextureFormat::R8Uint);
        let slots = 8;
        let uniforms = Self::uniform_buffer(&device, stride * slots);
        Ok(Renderer {
            device,
            queue,
            format,
            pipelines,
            sampler,
            lut,
            empty_f16,
            empty_u8,
            ct: None,
            pet: None,
            labels: None,
            uniforms,
            uniform_stride: stride,
            uniform_slots: slots,
            bind_group: None,
            lines: None,
            lost: gpu.lost_flag(),
            mip_skipping: true,
        })
    }

    /// A renderer with every volume of `scene` uploaded: the whole recovery after a lost
    /// device is `Renderer::with_scene(&Gpu::headless().await?, format, &scene)` (or a new
    /// `Gpu` on the same canvas), from the CPU volumes the caller still holds.
    pub fn with_scene(
        gpu: &Gpu,
        format: wgpu::TextureFormat,
        scene: &Scene<'_>,
    ) -> Result<Renderer, RenderError> {
        let mut r = Renderer::new(gpu, format)?;
        if let Some(ct) = &scene.ct {
            r.set_volume(VolumeSlot::Ct, ct)?;
        }
        if let Some(pet) = &scene.pet {
            r.set_volume(VolumeSlot::Pet, pet)?;
        }
        if let Some(labels) = &scene.labels {
            r.set_labels(labels)?;
        }
        Ok(r)
    }

    fn uniform_buffer(device: &wgpu::Device, size: u64) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("view uniforms"),
            size,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Turns the MIP's empty-space skipping on (the default) or off. It never changes the
    /// picture — a ray skips only blocks of the PET whose maximum it has already reached — and
    /// is switchable to show exactly that, and to measure what it saves.
    pub fn set_mip_skipping(&mut self, on: bool) {
        self.mip_skipping = on;
    }

    /// The target format this renderer draws into.
    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }

    /// The device.
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The queue.
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    fn check_lost(&self) -> Result<(), RenderError> {
        if self.lost.load(Ordering::SeqCst) {
            Err(RenderError::DeviceLost)
        } else {
            Ok(())
        }
    }

    /// Allocates an empty (zero) texture for a volume of `geometry` in `slot`, replacing any
    /// previous one. Fill it with [`Renderer::write_slices`] as slices arrive; views show
    /// what has arrived so far.
    pub fn allocate_volume(
        &mut self,
        slot: VolumeSlot,
        geometry: &VolumeGeometry,
    ) -> Result<(), RenderError> {
        self.check_lost()?;
        let label = match slot {
            VolumeSlot::Ct => "CT (HU, R16Float)",
            VolumeSlot::Pet => "PET (SUV, R16Float)",
        };
        let tex = match slot {
            VolumeSlot::Ct => VolumeTexture::allocate(
                &self.device,
                geometry,
                wgpu::TextureFormat::R16Float,
                label,
            )?,
            VolumeSlot::Pet => VolumeTexture::allocate_with_blocks(&self.device, geometry, label)?,
        };
        self.replace_volume(slot, Some(tex));
        Ok(())
    }

    /// The texture in `slot`.
    fn slot(&self, slot: VolumeSlot) -> Option<&VolumeTexture> {
        match slot {
            VolumeSlot::Ct => self.ct.as_ref(),
            VolumeSlot::Pet => self.pet.as_ref(),
        }
    }

    fn slot_mut(&mut self, slot: VolumeSlot) -> &mut Option<VolumeTexture> {
        match slot {
            VolumeSlot::Ct => &mut self.ct,
            VolumeSlot::Pet => &mut self.pet,
        }
    }

    /// The error for an empty `slot`.
    fn no_volume(slot: VolumeSlot) -> RenderError {
        RenderError::NoVolume(match slot {
            VolumeSlot::Ct => "CT",
            VolumeSlot::Pet => "PET",
        })
    }

    /// Puts `tex` into `slot` (the views' bindings are then rebuilt); returns what was there.
    fn replace_volume(
        &mut self,
        slot: VolumeSlot,
        tex: Option<VolumeTexture>,
    ) -> Option<VolumeTexture> {
        self.bind_group = None;
        std::mem::replace(self.slot_mut(slot), tex)
    }

    /// Takes the volume out of `slot` without freeing it (the slot is then empty): a volume
    /// still being filled can be set aside while another one is shown, and come back with
    /// [`Renderer::attach_volume`].
    pub fn detach_volume(&mut self, slot: VolumeSlot) -> Option<DetachedVolume> {
        self.replace_volume(slot, None).map(DetachedVolume)
    }

    /// Puts a detached volume back into `slot`, replacing what is there.
    pub fn attach_volume(&mut self, slot: VolumeSlot, volume: DetachedVolume) {
        self.replace_volume(slot, Some(volume.0));
    }

    /// [`Renderer::write_slices`] into a detached volume.
    pub fn write_detached_slices(
        &self,
        volume: &DetachedVolume,
        first: usize,
        values: Voxels<'_>,
    ) -> Result<(), RenderError> {
        self.check_lost()?;
        volume.0.write_f16_slices(&self.queue, first, values)
    }

    /// Writes whole slices starting at slice `first` (values: a multiple of one slice, i
    /// fastest) into the texture of `slot`, one `write_texture` per slice: progressive
    /// display without re-creating the texture.
    pub fn write_slices(
        &mut self,
        slot: VolumeSlot,
        first: usize,
        values: Voxels<'_>,
    ) -> Result<(), RenderError> {
        self.check_lost()?;
        self.slot(slot)
            .ok_or(Self::no_volume(slot))?
            .write_f16_slices(&self.queue, first, values)
    }

    /// Writes slices `slices` of `volume` (the whole volume the texture in `slot` was
    /// allocated for) into it: an upload in steps, each ending with a submit, so that the
    /// caller can let the GPU catch up between steps (a software GPU otherwise holds a
    /// staging copy of every slice written until it gets to them).
    pub fn write_volume_slices(
        &mut self,
        slot: VolumeSlot,
        volume: &VolumeDesc<'_>,
        slices: std::ops::Range<usize>,
    ) -> Result<(), RenderError> {
        self.check_lost()?;
        let tex = self.slot(slot).ok_or(Self::no_volume(slot))?;
        if tex.geometry.dims != volume.geometry.dims {
            return Err(RenderError::InvalidView(format!(
                "the volume has dimensions {:?}, not {:?}",
                tex.geometry.dims, volume.geometry.dims
            )));
        }
        tex.write_f16_range(&self.queue, volume.values, slices)
    }

    /// Replaces the geometry of the volume in `slot` without touching its voxels (a volume
    /// streamed slice by slice before its geometry was known). The dimensions must be equal.
    pub fn set_volume_geometry(
        &mut self,
        slot: VolumeSlot,
        geometry: &VolumeGeometry,
    ) -> Result<(), RenderError> {
        geometry.validate()?;
        let tex = self.slot_mut(slot).as_mut().ok_or(Self::no_volume(slot))?;
        if tex.geometry.dims != geometry.dims {
            return Err(RenderError::InvalidView(format!(
                "the volume has dimensions {:?}, not {:?}",
                tex.geometry.dims, geometry.dims
            )));
        }
        tex.geometry = *geometry;
        Ok(())
    }

    /// Allocates and uploads a whole volume.
    pub fn set_volume(
        &mut self,
        slot: VolumeSlot,
        volume: &VolumeDesc<'_>,
    ) -> Result<(), RenderError> {
        let volume = VolumeDesc::new(volume.geometry, volume.values, volume.kind)?;
        self.allocate_volume(slot, &volume.geometry)?;
        self.write_slices(slot, 0, volume.values)
    }

    /// Removes a volume (its layer is then not drawn).
    pub fn clear_volume(&mut self, slot: VolumeSlot) {
        self.replace_volume(slot, None);
    }

    /// Uploads a segmentation label volume (replacing any previous one).
    pub fn set_labels(&mut self, labels: &LabelDesc<'_>) -> Result<(), RenderError> {
        self.check_lost()?;
        if labels.labels.len() != labels.geometry.voxel_count() {
            return Err(RenderError::WrongLength {
                expected: labels.geometry.voxel_count(),
                got: labels.labels.len(),
            });
        }
        let tex = VolumeTexture::allocate(
            &self.device,
            &labels.geometry,
            wgpu::TextureFormat::R8Uint,
            "labels",
        )?;
        tex.write_u8_slices(&self.queue, 0, labels.labels)?;
        self.labels = Some(tex);
        self.bind_group = None;
        Ok(())
    }

    /// Removes the label volume.
    pub fn clear_labels(&mut self) {
        self.labels = None;
        self.bind_group = None;
    }

    /// Geometry of the volume in `slot`, if any.
    pub fn geometry(&self, slot: VolumeSlot) -> Option<VolumeGeometry> {
        self.slot(slot).map(|t| t.geometry)
    }

    fn bind_group(&mut self) -> &wgpu::BindGroup {
        if self.bind_group.is_none() {
            let ct = self.ct.as_ref().map_or(&self.empty_f16, |t| &t.view);
            let pet = self.pet.as_ref().map_or(&self.empty_f16, |t| &t.view);
            let labels = self.labels.as_ref().map_or(&self.empty_u8, |t| &t.view);
            let pet_blocks = self
                .pet
                .as_ref()
                .and_then(|t| t.blocks.as_ref())
                .map_or(&self.empty_f16, |b| &b.view);
            let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("volume views"),
                layout: &self.pipelines.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: &self.uniforms,
                            offset: 0,
                            size: wgpu::BufferSize::new(std::mem::size_of::<ViewUniform>() as u64),
                        }),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::TextureView(ct),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::TextureView(pet),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: wgpu::BindingResource::TextureView(labels),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: wgpu::BindingResource::TextureView(&self.lut),
                    },
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: wgpu::BindingResource::Sampler(&self.sampler),
                    },
                    wgpu::BindGroupEntry {
                        binding: 6,
                        resource: wgpu::BindingResource::TextureView(pet_blocks),
                    },
                ],
            });
            self.bind_group = Some(bg);
        }
        // Just set above when it was missing.
        match &self.bind_group {
            Some(bg) => bg,
            None => unreachable!("bind group was created above"),
        }
    }

    fn uniform_for(&self, vp: &Viewport) -> Result<ViewUniform, RenderError> {
        vp.camera.validate()?;
        let c = &vp.camera;
        let d = &vp.display;
        let f = |v: [f64; 3], w: f32| [v[0] as f32, v[1] as f32, v[2] as f32, w];
        let ct_on = d.ct.is_some() && self.ct.is_some() && matches!(vp.kind, ViewKind::Mpr { .. });
        let pet_on = d.pet.is_some() && self.pet.is_some();
        let labels_on = d.labels.is_some()
            && self.labels.is_some()
            && matches!(vp.kind, ViewKind::Mpr { .. } | ViewKind::Mip);
        let ct_m = match &self.ct {
            Some(t) => t.geometry.patient_to_index_matrix(true)?,
            None => IDENTITY,
        };
        let pet_m = match &self.pet {
            Some(t) => t.geometry.patient_to_index_matrix(true)?,
            None => IDENTITY,
        };
        let (label_m, label_dims) = match &self.labels {
            Some(t) => (
                t.geometry.patient_to_index_matrix(false)?,
                t.geometry.dims.map(|x| x as f32),
            ),
            None => (IDENTITY, [1.0; 3]),
        };
        // Rays and slabs run along the view normal, half a PET voxel per step.
        let pet_step = self.pet.as_ref().map_or(0.5, |t| {
            normalize(c.normal()).map_or(t.geometry.min_spacing() / 2.0, |n| {
                t.geometry.half_voxel_step_mm(n)
            })
        });
        let (slab_mm, slab_n) = match vp.kind {
            ViewKind::Mpr { slab_mm } if slab_mm > 0.0 && slab_mm.is_finite() => {
                let n = (slab_mm as f64 / pet_step)
                    .ceil()
                    .clamp(2.0, MAX_SLAB_SAMPLES);
                (slab_mm, n as f32)
            }
            _ => (0.0, 1.0),
        };
        let window = d.ct.unwrap_or_default();
        if !(window.width > 0.0 && window.width.is_finite() && window.level.is_finite()) {
            return Err(RenderError::InvalidView(format!(
                "bad CT window {window:?}"
            )));
        }
        let pet = d.pet.unwrap_or_default();
        if !(pet.high > pet.low && pet.low.is_finite() && pet.high.is_finite()) {
            return Err(RenderError::InvalidView(format!(
                "bad PET range {}..{}",
                pet.low, pet.high
            )));
        }
        let (row, horizontal) = match vp.kind {
            ViewKind::Legend { horizontal } => (pet.colormap.row(), horizontal),
            _ => (pet.colormap.row(), false),
        };
        let alpha = match (ct_on, pet_on) {
            (true, true) => d.fusion.clamp(0.0, 1.0),
            (false, true) => 1.0,
            _ => 0.0,
        };
        let style = d.labels.unwrap_or_default();
        let mut colours = [[0.0f32; 4]; 8];
        for (dst, src) in colours.iter_mut().zip(style.colours) {
            *dst = [src[0], src[1], src[2], 1.0];
        }
        Ok(ViewUniform {
            viewport: [
                vp.rect.width as f32,
                vp.rect.height as f32,
                pet_step as f32,
                MAX_STEPS,
            ],
            centre: f(c.centre, c.mm_per_px as f32),
            right: f(c.right, slab_mm),
            down: f(c.down, slab_n),
            ct_from_patient: ct_m,
            pet_from_patient: pet_m,
            label_from_patient: label_m,
            label_dims: [
                label_dims[0],
                label_dims[1],
                label_dims[2],
                labels_on as u8 as f32,
            ],
            ct_window: [window.low(), window.high(), ct_on as u8 as f32, 0.0],
            pet_range: [pet.low, pet.high, pet_on as u8 as f32, row as f32],
            blend: [
                alpha,
                style.fill_alpha,
                style.outline as u8 as f32,
                horizontal as u8 as f32,
            ],
            pet_blocks: match self.pet.as_ref().and_then(|t| t.blocks.as_ref()) {
                Some(b) if self.mip_skipping => {
                    [b.dims[0] as f32, b.dims[1] as f32, b.dims[2] as f32, 1.0]
                }
                _ => [1.0, 1.0, 1.0, 0.0],
            },
            label_colours: colours,
        })
    }

    /// Draws `viewports` into `target` (of `target_size`, the renderer's format) after
    /// clearing it to `clear` (RGBA 0..1), and submits.
    pub fn render(
        &mut self,
        target: &wgpu::TextureView,
        target_size: [u32; 2],
        viewports: &[Viewport],
        clear: [f64; 4],
    ) -> Result<(), RenderError> {
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        self.encode(&mut encoder, target, target_size, viewports, clear)?;
        self.queue.submit([encoder.finish()]);
        Ok(())
    }

    /// Records the draw of `viewports` into `encoder` (for callers that add their own passes).
    pub fn encode(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        target_size: [u32; 2],
        viewports: &[Viewport],
        clear: [f64; 4],
    ) -> Result<(), RenderError> {
        self.check_lost()?;
        let mut uniforms = Vec::with_capacity(viewports.len());
        let mut lines: Vec<LineVertex> = Vec::new();
        let mut line_ranges = Vec::with_capacity(viewports.len());
        for vp in viewports {
            let r = vp.rect;
            if r.width == 0
                || r.height == 0
                || r.x.saturating_add(r.width) > target_size[0]
                || r.y.saturating_add(r.height) > target_size[1]
            {
                return Err(RenderError::ViewportOutside {
                    rect: [r.x, r.y, r.width, r.height],
                    width: target_size[0],
                    height: target_size[1],
                });
            }
            uniforms.push(self.uniform_for(vp)?);
            let start = lines.len() as u32;
            if !matches!(vp.kind, ViewKind::Legend { .. }) {
                lines.extend(line_vertices(&vp.camera, r.size(), &vp.overlay));
            }
            line_ranges.push(start..lines.len() as u32);
        }
        let needed = viewports.len().max(1) as u64;
        if needed > self.uniform_slots {
            self.uniform_slots = needed.next_power_of_two();
            self.uniforms =
                Self::uniform_buffer(&self.device, self.uniform_stride * self.uniform_slots);
            self.bind_group = None;
        }
        let mut bytes = vec![0u8; (self.uniform_stride * needed) as usize];
        for (n, u) in uniforms.iter().enumerate() {
            let at = n * self.uniform_stride as usize;
            bytes[at..at + std::mem::size_of::<ViewUniform>()]
                .copy_from_slice(bytemuck::bytes_of(u));
        }
        self.queue.write_buffer(&self.uniforms, 0, &bytes);
        if !lines.is_empty() {
            let size = std::mem::size_of_val(lines.as_slice()) as u64;
            if self.lines.as_ref().is_none_or(|b| b.size() < size) {
                self.lines = Some(self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("overlay lines"),
                    size: size.next_power_of_two(),
                    usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                }));
            }
            if let Some(buf) = &self.lines {
                self.queue
                    .write_buffer(buf, 0, bytemuck::cast_slice(&lines));
            }
        }
        let bind_group = self.bind_group().clone();
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("viewports"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color {
                        r: clear[0],
                        g: clear[1],
                        b: clear[2],
                        a: clear[3],
                    }),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        for (n, vp) in viewports.iter().enumerate() {
            let r = vp.rect;
            pass.set_viewport(
                r.x as f32,
                r.y as f32,
                r.width as f32,
                r.height as f32,
                0.0,
                1.0,
            );
            pass.set_scissor_rect(r.x, r.y, r.width, r.height);
            let pipeline = match vp.kind {
                ViewKind::Mpr { .. } => &self.pipelines.mpr,
                ViewKind::Mip => &self.pipelines.mip,
                ViewKind::Legend { .. } => &self.pipelines.legend,
            };
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind_group, &[(n as u64 * self.uniform_stride) as u32]);
            pass.draw(0..3, 0..1);
            let range = line_ranges[n].clone();
            if let (false, Some(buf)) = (range.is_empty(), &self.lines) {
                pass.set_pipeline(&self.pipelines.lines);
                pass.set_vertex_buffer(0, buf.slice(..));
                pass.draw(range, 0..1);
            }
        }
        Ok(())
    }
}
