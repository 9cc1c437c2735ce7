//! The readouts at the linked patient cursor.

use serde::Serialize;
use uptake_quant::suv::SuvType;

/// What `getCursorValues()` returns: the cursor and both values, shown in every view.
///
/// Fields (snake_case JSON): `point` (LPS mm), `ct_hu` (nearest CT voxel, `null` outside the
/// CT), `pet_value` (nearest PET voxel in `pet_units`), `pet_units` (`"g/ml"` etc. for SUV, or
/// `"Bq/ml"` when SUV is refused), `suv_type` (`"SUVbw"`… or `null` when refused),
/// `suv_refused` (the reason, or `null`), `text` (the overlay line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CursorValues {
    /// Cursor, LPS mm.
    pub point: [f64; 3],
    /// CT HU at the nearest voxel.
    pub ct_hu: Option<f64>,
    /// PET value at the nearest voxel (SUV, or Bq/ml when refused).
    pub pet_value: Option<f64>,
    /// Units of `pet_value`.
    pub pet_units: String,
    /// The SUV normalisation, when SUV is available.
    pub suv_type: Option<SuvType>,
    /// Why SUV is refused, when it is.
    pub suv_refused: Option<String>,
    /// The readout line, e.g. `"CT 40 HU | SUVbw 2.31 g/ml"`.
    pub text: String,
}

impl CursorValues {
    /// Builds the readout text from the values.
    pub fn readout_text(&self) -> String {
        let ct = self
            .ct_hu
            .map_or("CT –".to_string(), |v| format!("CT {v:.0} HU"));
        let pet = match (&self.suv_type, self.pet_value) {
            (Some(t), Some(v)) => format!("{} {v:.2} {}", t.label(), self.pet_units),
            (Some(t), None) => format!("{} –", t.label()),
            (None, v) => {
                let v = v.map_or("–".to_string(), |v| format!("{v:.0}"));
                let reason = self.suv_refused.as_deref().unwrap_or("");
                format!("PET {v} {} | SUV refused: {reason}", self.pet_units)
            }
        };
        format!("{ct} | {pet}")
    }
}
