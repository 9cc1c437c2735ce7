//! One GPU device for every viewport: adapter selection, limits and device-lost tracking.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::RenderError;

/// The wgpu instance, adapter, device and queue shared by all views.
#[derive(Debug)]
pub struct Gpu {
    /// The instance (the web crate creates its canvas surface from it).
    pub instance: wgpu::Instance,
    /// The adapter.
    pub adapter: wgpu::Adapter,
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    lost: Arc<AtomicBool>,
}

impl Gpu {
    /// A device on `adapter` with the adapter's own limits (so large 3D textures work where
    /// the hardware allows them; WebGL2 reports its real `MAX_3D_TEXTURE_SIZE`). No optional
    /// features are required: R16Float 3D textures are filterable everywhere.
    pub async fn from_adapter(
        instance: wgpu::Instance,
        adapter: wgpu::Adapter,
    ) -> Result<Gpu, RenderError> {
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("uptake-render"),
                required_features: wgpu::Features::empty(),
                required_limits: adapter.limits(),
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::MemoryUsage,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|e| RenderError::Device(e.to_string()))?;
        let lost = Arc::new(AtomicBool::new(false));
        let flag = lost.clone();
        device.set_device_lost_callback(move |_reason, _msg| {
            flag.store(true, Ordering::SeqCst);
        });
        Ok(Gpu {
            instance,
            adapter,
            device,
            queue,
            lost,
        })
    }

    /// A device without a surface (offscreen rendering, tests, the CLI). Natively the
    /// backends come from `WGPU_BACKEND` when set, otherwise Vulkan/Metal/DX12 (lavapipe on
    /// a machine without a GPU). Fails with [`RenderError::NoAdapter`] when there is none.
    pub async fn headless() -> Result<Gpu, RenderError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::from_env().unwrap_or(if cfg!(target_arch = "wasm32") {
            wgpu::Backends::all()
        } else {
            wgpu::Backends::PRIMARY
        });
        let instance = wgpu::Instance::new(desc);
        let adapter = instance
            .request_adapter(&Gpu::adapter_options(None))
            .await
            .map_err(|_| RenderError::NoAdapter)?;
        Gpu::from_adapter(instance, adapter).await
    }

    /// How every adapter is asked for: high performance, no fallback adapter, the device's own
    /// limits; with the canvas surface it must draw into, when there is one (WebGL2).
    pub fn adapter_options<'a, 'b>(
        compatible_surface: Option<&'a wgpu::Surface<'b>>,
    ) -> wgpu::RequestAdapterOptions<'a, 'b> {
        wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            compatible_surface,
            apply_limit_buckets: false,
        }
    }

    /// [`Gpu::headless`], blocking (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn headless_blocking() -> Result<Gpu, RenderError> {
        pollster::block_on(Gpu::headless())
    }

    /// Adapter name and backend, e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)`.
    pub fn adapter_name(&self) -> String {
        let info = self.adapter.get_info();
        format!("{} ({:?})", info.name, info.backend)
    }

    /// Largest 3D texture edge on this device.
    pub fn max_texture_3d(&self) -> u32 {
        self.device.limits().max_texture_dimension_3d
    }

    /// Whether the device has been lost. Recovery: a new [`Gpu`] and
    /// [`crate::Renderer::with_scene`] from the CPU volumes the caller still holds.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    pub(crate) fn lost_flag(&self) -> Arc<AtomicBool> {
        self.lost.clone()
    }
}
