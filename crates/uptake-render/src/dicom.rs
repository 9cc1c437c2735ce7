//! Feature `dicom`: conversions from `uptake-dicom` / `uptake-quant` volumes, and (natively)
//! the whole `uptake render PATH ...` command (see [`crate::study`]).

#[cfg(not(target_arch = "wasm32"))]
pub use crate::study::{render_loaded_study_png, render_study_png, StudyRenderError};

use uptake_dicom::{Geometry, PackedVolume, ScaledVolume, Volume};
use uptake_quant::SuvVolume;

use crate::error::RenderError;
use crate::volume::{
    f16_le_of_f32, f16_le_of_i16, i16_to_f16_table, ValueKind, VolumeDesc, VolumeGeometry,
    VoxelSource, Voxels,
};

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
        uptake_dicom::volume::Voxels::Scaled(s) => Some(Voxels::Source(s)),
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
        // Whole slices (what uploads ask for): unpacked straight to f16, in one pass.
        if range.start % per == 0 && range.len() % per == 0 {
            let table = i16_to_f16_table();
            let mut out = vec![0u16; range.len()];
            for (n, chunk) in out.chunks_mut(per).enumerate() {
                let k = range.start / per + n;
                if let Some(s) = self.slice(k) {
                    s.unpack_map_into(chunk, |v| table[v as u16 as usize].to_le());
                }
            }
            return out;
        }
        let mut out = Vec::with_capacity(range.len());
        let mut slice = vec![0i16; per];
        for (k, within) in slice_pieces(range, per) {
            let unpacked = self.slice(k).is_some_and(|s| s.unpack_into(&mut slice));
            if !unpacked {
                slice.fill(0);
            }
            out.extend(f16_le_of_i16(&slice[within]));
        }
        out
    }
}

/// `range` (values in storage order) cut at slice boundaries: each slice `k` it touches and
/// the values of that slice it covers.
fn slice_pieces(
    range: std::ops::Range<usize>,
    per: usize,
) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> {
    let per = per.max(1);
    let slices = if range.is_empty() {
        0..0
    } else {
        range.start / per..(range.end - 1) / per + 1
    };
    slices.map(move |k| {
        let from = range.start.max(k * per) - k * per;
        let to = range.end.min((k + 1) * per) - k * per;
        (k, from..to)
    })
}

/// Stored values × rescale (a PET in its stored units, shown when SUV is refused), computed
/// slice by slice as the texture is written.
impl VoxelSource for ScaledVolume {
    fn len(&self) -> usize {
        ScaledVolume::len(self)
    }

    fn get(&self, n: usize) -> Option<f64> {
        let v = self.value(n)?;
        Some(if v.is_nan() { 0.0 } else { f64::from(v) })
    }

    fn f16_le(&self, range: std::ops::Range<usize>) -> Vec<u16> {
        // Slice by slice: one scale per slice, no division per value.
        let mut out = Vec::with_capacity(range.len());
        for (k, within) in slice_pieces(range, self.per_slice()) {
            if let (Some(bits), Some(scale)) = (self.slice_bits(k), self.scale(k)) {
                let values = bits.get(within).unwrap_or(&[]);
                out.extend(f16_le_of_f32(values.iter().map(|&b| scale.value(b))));
            }
        }
        out
    }
}

/// A PET SUV volume as the renderer's input (missing slices, NaN, display as 0). The SUV is
/// computed slice by slice from the stored values as the texture is written
/// ([`VoxelSource`] below): no SUV copy of the volume is made.
pub fn suv_desc(v: &SuvVolume) -> Result<VolumeDesc<'_>, RenderError> {
    VolumeDesc::new(geometry(&v.geometry), Voxels::Source(v), ValueKind::Suv)
}

/// SUV read from the stored PET values: the same numbers as an SUV array (`SuvVolume`'s own
/// arithmetic), so the texture holds the same f16 values.
impl VoxelSource for SuvVolume {
    fn len(&self) -> usize {
        self.voxel_count()
    }

    fn get(&self, n: usize) -> Option<f64> {
        let [ni, nj, _] = self.geometry.dims;
        if n >= self.voxel_count() {
            return None;
        }
        let v = [n % ni, n / ni % nj, n / (ni * nj)];
        Some(SuvVolume::get(self, v).map_or(0.0, f64::from))
    }

    fn f16_le(&self, range: std::ops::Range<usize>) -> Vec<u16> {
        f16_le_of_f32(self.values_in(range))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_volume_uploads_and_reads_like_its_plain_array() {
        let (nk, nj, ni) = (4, 6, 40);
        let per = nj * ni;
        let values: Vec<i16> = (0..nk * per)
            .map(|n| ((n * 7919 + n / 5 * 104_729) % 6000) as i16 - 3000)
            .collect();
        let slices = values
            .chunks(per)
            .map(uptake_dicom::PackedSlice::pack)
            .collect();
        let packed = PackedVolume::new((nk, nj, ni), slices).unwrap();
        let plain = Voxels::I16(&values);
        let source = Voxels::Source(&packed);
        assert_eq!(source.len(), plain.len());
        // Whole slices, one slice, and ranges inside and across slices.
        for range in [
            0..nk * per,
            per..2 * per,
            5..17,
            per - 3..per + 9,
            3 * per + 1..4 * per,
        ] {
            assert_eq!(
                source.f16_le(range.clone()),
                plain.f16_le(range.clone()),
                "{range:?}"
            );
        }
        for n in [0, 1, per - 1, per, nk * per - 1] {
            assert_eq!(source.get(n), plain.get(n), "value {n}");
        }
        assert_eq!(source.get(nk * per), None);
    }

    #[test]
    fn a_scaled_volume_uploads_its_values_slice_by_slice() {
        let (nk, nj, ni) = (3, 4, 9);
        let per = nj * ni;
        let bits: Vec<u16> = (0..nk * per).map(|n| (n * 4099 % 65536) as u16).collect();
        let scales = (0..nk)
            .map(|k| uptake_dicom::SliceScale {
                slope: 0.25 + k as f64,
                intercept: -1.5 * k as f64,
                signed: k == 1,
            })
            .collect();
        let v = ScaledVolume::new((nk, nj, ni), bits, scales).unwrap();
        let values: Vec<f32> = (0..nk * per).map(|n| v.value(n).unwrap()).collect();
        let plain = Voxels::F32(&values);
        let source = Voxels::Source(&v);
        for range in [0..nk * per, per..2 * per, 5..17, per - 3..per + 9, 0..0] {
            assert_eq!(
                source.f16_le(range.clone()),
                plain.f16_le(range.clone()),
                "{range:?}"
            );
        }
    }
}
