//! Offscreen rendering into an RGBA image (native tests, benchmarks, the CLI), and PNG output.

use crate::error::RenderError;
use crate::renderer::{Renderer, Viewport};

/// An 8-bit RGBA image, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 4` bytes.
    pub data: Vec<u8>,
}

impl RgbaImage {
    /// The pixel at `(x, y)`; `None` outside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = ((y * self.width + x) * 4) as usize;
        Some([
            self.data[i],
            self.data[i + 1],
            self.data[i + 2],
            self.data[i + 3],
        ])
    }

    /// PNG bytes (8-bit RGBA).
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc
                .write_header()
                .map_err(|e| RenderError::Png(e.to_string()))?;
            w.write_image_data(&self.data)
                .map_err(|e| RenderError::Png(e.to_string()))?;
        }
        Ok(out)
    }

    /// Writes a PNG file.
    pub fn save_png(&self, path: &std::path::Path) -> Result<(), RenderError> {
        let bytes = self.to_png()?;
        std::fs::write(path, bytes).map_err(|source| RenderError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

/// A frame rendered into an offscreen texture and copied into a mappable buffer, waiting to
/// be read: [`Readback::begin`] submits the work, the caller maps [`Readback::buffer`] (natively
/// by polling, in the browser by awaiting the map callback), then [`Readback::finish`].
#[derive(Debug)]
pub struct Readback {
    buffer: wgpu::Buffer,
    row_bytes: u32,
    size: [u32; 2],
    bgra: bool,
}

impl Readback {
    /// Renders `viewports` into a new `size` texture of the renderer's format, copies it into
    /// a mappable buffer and submits. Nothing is waited for.
    pub fn begin(
        renderer: &mut Renderer,
        size: [u32; 2],
        viewports: &[Viewport],
    ) -> Result<Readback, RenderError> {
        let [w, h] = size;
        if w == 0 || h == 0 {
            return Err(RenderError::InvalidView(format!("empty target {w}x{h}")));
        }
        let format = renderer.format();
        let device = renderer.device().clone();
        let queue = renderer.queue().clone();
        let extent = wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        };
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("offscreen"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let row_bytes = (w * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
            * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: row_bytes as u64 * h as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("offscreen"),
        });
        renderer.encode(&mut encoder, &view, size, viewports, [0.0, 0.0, 0.0, 1.0])?;
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(row_bytes),
                    rows_per_image: Some(h),
                },
            },
            extent,
        );
        queue.submit([encoder.finish()]);
        let bgra = matches!(
            format,
            wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
        );
        Ok(Readback {
            buffer,
            row_bytes,
            size,
            bgra,
        })
    }

    /// The buffer to map for reading (`buffer().slice(..).map_async(MapMode::Read, …)`).
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Reads the mapped buffer into an RGBA image (BGRA formats are swizzled) and unmaps it.
    pub fn finish(self) -> Result<RgbaImage, RenderError> {
        let [w, h] = self.size;
        let row = self.row_bytes as usize;
        let slice = self.buffer.slice(..);
        let mapped = slice
            .get_mapped_range()
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h as usize {
            let line = &mapped[y * row..y * row + w as usize * 4];
            if self.bgra {
                for px in line.chunks_exact(4) {
                    data.extend_from_slice(&[px[2], px[1], px[0], px[3]]);
                }
            } else {
                data.extend_from_slice(line);
            }
        }
        drop(mapped);
        self.buffer.unmap();
        Ok(RgbaImage {
            width: w,
            height: h,
            data,
        })
    }
}

/// Renders `viewports` into a new `size` texture of the renderer's format and reads it back
/// (blocking until the GPU is done). BGRA formats are swizzled to RGBA.
#[cfg(not(target_arch = "wasm32"))]
pub fn render_to_rgba(
    renderer: &mut Renderer,
    size: [u32; 2],
    viewports: &[Viewport],
) -> Result<RgbaImage, RenderError> {
    let readback = Readback::begin(renderer, size, viewports)?;
    let device = renderer.device().clone();
    let (tx, rx) = std::sync::mpsc::channel();
    readback
        .buffer()
        .slice(..)
        .map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| RenderError::Readback(e.to_string()))?;
    rx.recv()
        .map_err(|e| RenderError::Readback(e.to_string()))?
        .map_err(|e| RenderError::Readback(e.to_string()))?;
    readback.finish()
}
