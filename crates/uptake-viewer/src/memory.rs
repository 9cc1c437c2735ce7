//! The memory estimate shown before loading a study (DESIGN.md decision 7).

use serde::Serialize;

/// Dimensions of a series to load: columns, rows, slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesDims {
    /// Columns.
    pub columns: usize,
    /// Rows.
    pub rows: usize,
    /// Slices (instances or frames).
    pub slices: usize,
}

impl SeriesDims {
    /// Number of voxels.
    pub fn voxels(&self) -> u64 {
        self.columns as u64 * self.rows as u64 * self.slices as u64
    }
}

/// Bytes needed to hold a study, by part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryEstimate {
    /// CT as i16 HU (2 bytes a voxel): an upper bound; streamed into the browser it is kept
    /// packed, typically at 35–50 % of that.
    pub ct_bytes: u64,
    /// PET as f32 (4 bytes a voxel), held once: its stored Bq/ml values, from which every SUV
    /// is computed on access. An upper bound: a 16-bit PET streamed into the browser is kept
    /// as its stored values (2 bytes a voxel).
    pub pet_bytes: u64,
    /// Display copies (R16Float, 2 bytes a voxel for CT and PET) plus the u8 label volume.
    pub display_bytes: u64,
    /// Sum.
    pub total_bytes: u64,
    /// The budget compared against.
    pub budget_bytes: u64,
    /// A warning when the total exceeds the budget.
    pub warning: Option<String>,
}

/// Default budget: 2 GiB (half of wasm32's 4 GiB linear memory).
pub const DEFAULT_BUDGET_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Estimates the memory for a CT and a PET series before loading them.
pub fn estimate_memory(
    ct: Option<SeriesDims>,
    pet: Option<SeriesDims>,
    budget_bytes: u64,
) -> MemoryEstimate {
    let ct_vox = ct.map_or(0, |d| d.voxels());
    let pet_vox = pet.map_or(0, |d| d.voxels());
    let ct_bytes = ct_vox * 2;
    let pet_bytes = pet_vox * 4;
    let display_bytes = ct_vox * 2 + pet_vox * 2 + pet_vox;
    let total_bytes = ct_bytes + pet_bytes + display_bytes;
    let warning = (total_bytes > budget_bytes).then(|| {
        format!(
            "this study needs about {:.0} MB, over the {:.0} MB budget: the browser may run out of memory",
            total_bytes as f64 / 1e6,
            budget_bytes as f64 / 1e6
        )
    });
    MemoryEstimate {
        ct_bytes,
        pet_bytes,
        display_bytes,
        total_bytes,
        budget_bytes,
        warning,
    }
}

/// The estimate for a parsed (not yet decoded) study: the dimensions of the PET series the
/// viewer would choose and of its CT, from the stack plans.
pub fn estimate_for_study(study: &uptake_dicom::LoadedStudy, budget_bytes: u64) -> MemoryEstimate {
    let dims = |p: &uptake_dicom::StackPlan| SeriesDims {
        columns: p.geometry.dims[0],
        rows: p.geometry.dims[1],
        slices: p.geometry.dims[2],
    };
    let pet = study.pet_plan();
    let ct = study.ct_plan(pet);
    estimate_memory(ct.map(dims), pet.map(dims), budget_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_body_ct_is_half_a_gigabyte() {
        let ct = SeriesDims {
            columns: 512,
            rows: 512,
            slices: 1000,
        };
        let e = estimate_memory(Some(ct), None, DEFAULT_BUDGET_BYTES);
        assert_eq!(e.ct_bytes, 524_288_000);
        assert!(e.warning.is_none());
        let e = estimate_memory(Some(ct), None, 100);
        assert!(e.warning.is_some());
    }
}
