//! Volume textures: one 3D texture per volume (R16Float display copy of HU or SUV, R8Uint
//! labels), shared by every view, filled slice by slice without re-creating it.

use std::sync::Mutex;

use crate::block_max::BlockMax;
use crate::error::RenderError;
use crate::volume::{VolumeGeometry, Voxels};

/// Slices written between two flushes of the queue's staging copies.
const FLUSH_EVERY_SLICES: usize = 4;

/// A volume on the GPU and the geometry it was allocated with.
#[derive(Debug)]
pub(crate) struct VolumeTexture {
    pub(crate) texture: wgpu::Texture,
    pub(crate) view: wgpu::TextureView,
    pub(crate) geometry: VolumeGeometry,
    /// The block maxima of the values written so far, on the CPU and as a small texture (the
    /// PET's, for the MIP's empty-space skipping; `None` for other volumes).
    pub(crate) blocks: Option<BlockTexture>,
}

/// [`BlockMax`] of a volume texture and its R16Float texture (one texel per block).
#[derive(Debug)]
pub(crate) struct BlockTexture {
    max: Mutex<BlockMax>,
    texture: wgpu::Texture,
    pub(crate) view: wgpu::TextureView,
    pub(crate) dims: [usize; 3],
}

impl BlockTexture {
    fn new(device: &wgpu::Device, volume: [usize; 3]) -> BlockTexture {
        let max = BlockMax::new(volume);
        let dims = max.dims;
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("PET block maxima"),
            size: extent(dims),
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D3,
            format: wgpu::TextureFormat::R16Float,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        BlockTexture {
            max: Mutex::new(max),
            texture,
            view,
            dims,
        }
    }

    /// Takes slice `k` into the maxima (uploaded by [`BlockTexture::upload`]).
    fn add_slice(&self, k: usize, halves: &[u16]) {
        // A poisoned lock only means another write panicked midway: its maxima are still
        // upper bounds of what was written.
        let mut max = self.max.lock().unwrap_or_else(|e| e.into_inner());
        max.add_slice(k, halves);
    }

    fn upload(&self, queue: &wgpu::Queue) {
        let bits = self
            .max
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .f16_bits();
        let [w, h, d] = self.dims;
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            bytemuck::cast_slice(&bits),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some((w * 2) as u32),
                rows_per_image: Some(h as u32),
            },
            extent([w, h, d]),
        );
    }
}

impl VolumeTexture {
    /// Allocates (zero-filled) a texture for `geometry`; refuses volumes beyond the device's
    /// 3D texture limit with [`RenderError::VolumeTooLarge`].
    pub(crate) fn allocate(
        device: &wgpu::Device,
        geometry: &VolumeGeometry,
        format: wgpu::TextureFormat,
        label: &str,
    ) -> Result<Self, RenderError> {
        geometry.validate()?;
        let max = device.limits().max_texture_dimension_3d;
        if geometry.dims.iter().any(|&d| d > max as usize) {
            return Err(RenderError::VolumeTooLarge {
                dims: geometry.dims,
                max,
            });
        }
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: extent(geometry.dims),
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D3,
            format,
            // Never rendered to: a renderable texture lets WebGPU (Dawn) clear it with a render
            // pass before its first partial write; otherwise it copies from a zero-filled
            // staging buffer, and for a whole-body CT on SwiftShader the GPU process grew by
            // 75–130 MB for a moment.
            usage: wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::RENDER_ATTACHMENT,
            view_formats: &[],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        Ok(VolumeTexture {
            texture,
            view,
            geometry: *geometry,
            blocks: None,
        })
    }

    /// [`VolumeTexture::allocate`] (R16Float) with block maxima kept as slices are written.
    pub(crate) fn allocate_with_blocks(
        device: &wgpu::Device,
        geometry: &VolumeGeometry,
        label: &str,
    ) -> Result<Self, RenderError> {
        let mut tex = Self::allocate(device, geometry, wgpu::TextureFormat::R16Float, label)?;
        // Both textures start as zeros: every block's maximum is 0 until slices are written.
        tex.blocks = Some(BlockTexture::new(device, geometry.dims));
        Ok(tex)
    }

    fn check_range(&self, first: usize, count: usize) -> Result<(), RenderError> {
        let slices = self.geometry.dims[2];
        if first + count > slices {
            return Err(RenderError::SliceRange {
                first,
                end: first + count,
                slices,
            });
        }
        Ok(())
    }

    /// Writes whole slices `first..` from `values` (a multiple of one slice) as f16, one
    /// `write_texture` per slice.
    pub(crate) fn write_f16_slices(
        &self,
        queue: &wgpu::Queue,
        first: usize,
        values: Voxels<'_>,
    ) -> Result<(), RenderError> {
        let (per, count) = self.whole_slices(first, values.len())?;
        self.write_f16_each(queue, first..first + count, |k| {
            values.f16_le((k - first) * per..(k - first + 1) * per)
        });
        Ok(())
    }

    /// Writes slices `slices` of a whole volume's `values` (every slice of the texture, i
    /// fastest) as f16: a part of an upload done in steps.
    pub(crate) fn write_f16_range(
        &self,
        queue: &wgpu::Queue,
        values: Voxels<'_>,
        slices: std::ops::Range<usize>,
    ) -> Result<(), RenderError> {
        let (per, _) = self.whole_slices(0, values.len())?;
        if values.len() != per * self.geometry.dims[2] {
            return Err(RenderError::WrongLength {
                expected: per * self.geometry.dims[2],
                got: values.len(),
            });
        }
        self.check_range(slices.start, slices.len())?;
        self.write_f16_each(queue, slices, |k| values.f16_le(k * per..(k + 1) * per));
        Ok(())
    }

    /// Writes each slice `k` of `slices` from `halves(k)`, one `write_texture` per slice, and
    /// submits after the last.
    fn write_f16_each(
        &self,
        queue: &wgpu::Queue,
        slices: std::ops::Range<usize>,
        halves: impl Fn(usize) -> Vec<u16>,
    ) {
        let last = slices.end;
        for (n, k) in slices.enumerate() {
            let h = halves(k);
            if let Some(b) = &self.blocks {
                b.add_slice(k, &h);
            }
            self.write_slice(queue, k, bytemuck::cast_slice(&h), 2);
            // Every queued write holds a staging copy until the next submit: an empty submit
            // now and then bounds that to a few slices instead of a whole volume.
            if k + 1 == last {
                if let Some(b) = &self.blocks {
                    b.upload(queue);
                }
            }
            if n % FLUSH_EVERY_SLICES == FLUSH_EVERY_SLICES - 1 || k + 1 == last {
                queue.submit([]);
            }
        }
    }

    /// Writes whole slices of u8 labels.
    pub(crate) fn write_u8_slices(
        &self,
        queue: &wgpu::Queue,
        first: usize,
        values: &[u8],
    ) -> Result<(), RenderError> {
        let (per, count) = self.whole_slices(first, values.len())?;
        for s in 0..count {
            self.write_slice(queue, first + s, &values[s * per..(s + 1) * per], 1);
        }
        Ok(())
    }

    /// Values per slice and whole slices in `len` values written from slice `first`; an error
    /// when `len` is not whole slices or runs past the last slice.
    fn whole_slices(&self, first: usize, len: usize) -> Result<(usize, usize), RenderError> {
        let [w, h, _] = self.geometry.dims;
        let per = w * h;
        if per == 0 || len % per != 0 {
            return Err(RenderError::WrongLength {
                expected: (len / per.max(1) + 1) * per,
                got: len,
            });
        }
        let count = len / per;
        self.check_range(first, count)?;
        Ok((per, count))
    }

    fn write_slice(&self, queue: &wgpu::Queue, k: usize, bytes: &[u8], bpp: usize) {
        let [w, h, _] = self.geometry.dims;
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.texture,
                mip_level: 0,
                origin: wgpu::Origin3d {
                    x: 0,
                    y: 0,
                    z: k as u32,
                },
                aspect: wgpu::TextureAspect::All,
            },
            bytes,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some((w * bpp) as u32),
                rows_per_image: Some(h as u32),
            },
            wgpu::Extent3d {
                width: w as u32,
                height: h as u32,
                depth_or_array_layers: 1,
            },
        );
    }
}

pub(crate) fn extent(dims: [usize; 3]) -> wgpu::Extent3d {
    wgpu::Extent3d {
        width: dims[0] as u32,
        height: dims[1] as u32,
        depth_or_array_layers: dims[2] as u32,
    }
}

/// A 1×1×1 texture bound where a volume is absent.
pub(crate) fn placeholder(device: &wgpu::Device, format: wgpu::TextureFormat) -> wgpu::TextureView {
    device
        .create_texture(&wgpu::TextureDescriptor {
            label: Some("placeholder volume"),
            size: extent([1, 1, 1]),
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D3,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        })
        .create_view(&wgpu::TextureViewDescriptor::default())
}

/// The colour-map LUT texture (256 × number of maps, RGBA8).
pub(crate) fn lut_texture(device: &wgpu::Device, queue: &wgpu::Queue) -> wgpu::TextureView {
    let rows = crate::colormap::Colormap::ALL.len() as u32;
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("colour maps"),
        size: wgpu::Extent3d {
            width: 256,
            height: rows,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        &crate::colormap::Colormap::lut_texture_bytes(),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(256 * 4),
            rows_per_image: Some(rows),
        },
        wgpu::Extent3d {
            width: 256,
            height: rows,
            depth_or_array_layers: 1,
        },
    );
    texture.create_view(&wgpu::TextureViewDescriptor::default())
}
