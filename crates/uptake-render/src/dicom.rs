//! Feature `dicom`: conversions from `uptake-dicom` / `uptake-quant` volumes, and (natively)
//! the whole `uptake render PATH ...` command (see [`crate::study`]).

#[cfg(not(target_arch = "wasm32"))]
pub use crate::study::{render_loaded_study_png, render_study_png, StudyRenderError};

use uptake_dicom::{Geometry, PackedVolume, Volume};
use uptake_quant::SuvVolume;

use crate::error::RenderError;
use crate::volume::{f16_le_of_i16, ValueKind, VolumeDesc, VolumeGeometry, VoxelSource, Voxels};

/// The renderer's geometry of an `uptake-dicom` geometry.
pub fn geometry(g: &Geometry) -> VolumeGeometry {
    VolumeGeometry {
        dims: g.dims,
        origin: g.origin,
        spacing: g.spacing,
        axes: g.axes,
    }
}

/// The voxels of an `uptake-dicom` volume as the renderer's input, borrowed (i16 stays i16,
/// a packed CT is read slice by slice); `None` for an array not in standard layout.
pub fn voxels(v: &Volume) -> Option<Voxels<'_>> {
    match &v.voxels {
        uptake_dicom::volume::Voxels::I16(a) => a.as_slice().map(Voxels::I16),
        uptake_dicom::volume::Voxels::F32(a) => a.as_slice().map(Voxels::F32),
        uptake_dicom::volume::Voxels::Packed(p) => Some(Voxels::Source(p)),
    }
}

/// A CT volume (HU) as the renderer's input, borrowing its voxels.
pub fn ct_desc(v: &Volume) -> Result<VolumeDesc<'_>, RenderError> {
    let values = voxels(v).ok_or(RenderError::WrongLength {
        expected: v.geometry.dims.iter().product(),
        got: 0,
    })?;
    VolumeDesc::new(geometry(&v.geometry), values, ValueKind::Hu)
}

/// A packed CT is read slice by slice: one slice is unpacked at a time for the upload.
impl VoxelSource for PackedVolume {
    fn len(&self) -> usize {
        PackedVolume::len(self)
    }

    fn get(&self, n: usize) -> Option<f64> {
        let per = self.per_slice();
        if per == 0 {
            return None;
        }
        self.slice(n / per)?.get(n % per).map(f64::from)
    }

    fn f16_le(&self, range: std::ops::Range<usize>) -> Vec<u16> {
        let per = self.per_slice().max(1);
        let mut out = Vec::with_capacity(range.len());
        let mut slice = vec![0i16; per];
        let mut n = range.start;
        while n < range.end {
            let k = n / per;
            let unpacked = self.slice(k).is_some_and(|s| s.unpack_into(&mut slice));
            if !unpacked {
                slice.fill(0);
            }
            let (from, to) = (n - k * per, (range.end - k * per).min(per));
            out.extend(f16_le_of_i16(&slice[from..to]));
            n = k * per + to;
        }
        out
    }
}

/// A PET SUV volume as the renderer's input (missing slices, NaN, display as 0).
pub fn suv_desc(v: &SuvVolume) -> Result<VolumeDesc<'_>, RenderError> {
    let values = v.values.as_slice().ok_or(RenderError::WrongLength {
        expected: v.geometry.dims.iter().product(),
        got: 0,
    })?;
    VolumeDesc::new(geometry(&v.geometry), Voxels::F32(values), ValueKind::Suv)
}
