//! Typed errors of the renderer.

use thiserror::Error;

/// Everything that can go wrong while setting up, uploading or drawing.
#[derive(Debug, Error)]
pub enum RenderError {
    /// No GPU adapter (native tests run on Mesa lavapipe).
    #[error(
        "no GPU adapter found: native rendering and its tests need a Vulkan driver; on Debian \
         `cargo xtask test` installs mesa-vulkan-drivers (lavapipe), or run \
         `apt-get install -y mesa-vulkan-drivers`"
    )]
    NoAdapter,
    /// The adapter refused to create a device.
    #[error("could not create the GPU device: {0}")]
    Device(String),
    /// A volume does not fit one 3D texture on this device.
    #[error(
        "volume of {dims:?} voxels exceeds this device's maximum 3D texture size of {max} per axis"
    )]
    VolumeTooLarge {
        /// Voxel counts along i, j, k.
        dims: [usize; 3],
        /// `max_texture_dimension_3d` of the device.
        max: u32,
    },
    /// A volume with a zero dimension.
    #[error("volume has an empty dimension: {0:?}")]
    EmptyVolume([usize; 3]),
    /// The number of values does not match the dimensions.
    #[error("expected {expected} values, got {got}")]
    WrongLength {
        /// Values needed.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// The image→patient affine cannot be inverted, or is not finite.
    #[error("the volume's image→patient affine is singular or not finite")]
    SingularAffine,
    /// Slices written beyond the allocated volume.
    #[error("slices {first}..{end} are outside a volume of {slices} slices")]
    SliceRange {
        /// First slice written.
        first: usize,
        /// One past the last slice written.
        end: usize,
        /// Slices in the volume.
        slices: usize,
    },
    /// Slices written to a volume slot that has no texture.
    #[error("no {0} volume has been allocated")]
    NoVolume(&'static str),
    /// A view description that cannot be drawn.
    #[error("invalid view: {0}")]
    InvalidView(String),
    /// A viewport outside the render target.
    #[error("viewport {rect:?} is not inside the {width}x{height} target")]
    ViewportOutside {
        /// The viewport (x, y, width, height).
        rect: [u32; 4],
        /// Target width.
        width: u32,
        /// Target height.
        height: u32,
    },
    /// The GPU device was lost (driver reset, tab in background, ...).
    #[error("the GPU device was lost: create a new Gpu and Renderer and upload the volumes again")]
    DeviceLost,
    /// The canvas surface gave no frame to draw into.
    #[error("the canvas could not be drawn: {0}")]
    Surface(String),
    /// Reading the rendered image back failed.
    #[error("reading the image back from the GPU failed: {0}")]
    Readback(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
    /// File I/O.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}
