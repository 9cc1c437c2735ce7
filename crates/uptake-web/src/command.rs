//! The viewer's commands as the page sends them (JSON objects tagged by `op`), and their
//! application to a [`Viewer`]. Pure Rust, tested natively: the worker only forwards.
//!
//! Coordinates are canvas pixels (device pixels, origin top-left) of a canvas of the size
//! last given by `resize`; points are LPS millimetres.

use serde::Deserialize;
use uptake_quant::suv::dicom_time::DicomDateTime;
use uptake_quant::suv::{Sex, SuvOverrides, SuvType};
use uptake_render::{Colormap, Orientation};
use uptake_viewer::{
    DeepLink, Key, KeyEvent, Layout, ThresholdChoice, ToolMode, Viewer, ViewerError,
};

/// One command from the page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// The canvas now has this size (device pixels).
    Resize {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Primary button down.
    PointerDown {
        /// Canvas x.
        x: f64,
        /// Canvas y.
        y: f64,
    },
    /// Pointer moved (only acts while a button is down).
    PointerMove {
        /// Canvas x.
        x: f64,
        /// Canvas y.
        y: f64,
    },
    /// Button released.
    PointerUp,
    /// Wheel: `slices` steps over the view under `(x, y)`.
    Wheel {
        /// Canvas x.
        x: f64,
        /// Canvas y.
        y: f64,
        /// Steps (positive: towards the head / next slice).
        slices: i32,
    },
    /// Double click: maximise or restore.
    DoubleClick {
        /// Canvas x.
        x: f64,
        /// Canvas y.
        y: f64,
    },
    /// A key (`KeyboardEvent.key`: `ArrowUp`, `PageDown`, `f`, `1`, `?`, …).
    Key {
        /// The key name.
        key: String,
        /// Ctrl or Cmd held.
        #[serde(default)]
        ctrl: bool,
    },
    /// Layout: `one_by_one`, `two_by_two`, `one_plus_three`, `three_plane`.
    SetLayout {
        /// Layout name.
        layout: String,
    },
    /// Plane of the single-plane views: `axial`, `coronal`, `sagittal`.
    SetPlane {
        /// Plane name.
        plane: String,
    },
    /// Tool: `cursor`, `window_level`, `zoom`, `pan`, `lesion`.
    SetTool {
        /// Tool name.
        tool: String,
    },
    /// Lesion threshold: `41`, `50`, `suv2.5`, `percist`.
    SetThreshold {
        /// Threshold name.
        threshold: String,
    },
    /// Moves the linked cursor.
    SetCursor {
        /// LPS mm.
        point: [f64; 3],
    },
    /// CT window.
    SetCtWindow {
        /// Level, HU.
        level: f32,
        /// Width, HU.
        width: f32,
    },
    /// PET display range.
    SetPetRange {
        /// Bottom of the colour map.
        low: f32,
        /// Top of the colour map.
        high: f32,
    },
    /// PET colour map by name (`hot_iron`, …).
    SetColormap {
        /// Map name.
        colormap: String,
    },
    /// Fusion opacity, percent.
    SetFusion {
        /// 0–100.
        percent: u8,
    },
    /// MIP cine on/off.
    SetCine {
        /// Play.
        playing: bool,
    },
    /// Advances the cine.
    Tick {
        /// Seconds since the last tick.
        dt: f64,
    },
    /// Resets views, windows and cursor.
    Reset,
    /// Measures the lesion at `point` with the current threshold and adds it.
    AddLesion {
        /// Seed, LPS mm.
        point: [f64; 3],
    },
    /// Renames a lesion.
    RenameLesion {
        /// Row.
        index: usize,
        /// New name.
        name: String,
    },
    /// Deletes a lesion.
    DeleteLesion {
        /// Row.
        index: usize,
    },
    /// Places the liver reference sphere (`null` removes it).
    SetLiver {
        /// Centre, LPS mm.
        point: Option<[f64; 3]>,
    },
    /// Replaces the SUV overrides (absent or `null` fields: header values).
    SetOverrides {
        /// Weight, kg.
        #[serde(default)]
        weight_kg: Option<f64>,
        /// Height, m.
        #[serde(default)]
        height_m: Option<f64>,
        /// Injected dose, Bq.
        #[serde(default)]
        dose_bq: Option<f64>,
        /// Injection date-time, DICOM DT (`YYYYMMDDHHMMSS`).
        #[serde(default)]
        injection: Option<String>,
        /// `M` or `F`.
        #[serde(default)]
        sex: Option<String>,
    },
    /// SUV normalisation: `bw`, `lbm_janmahasatian`, `lbm_james`, `bsa`, `ibw`.
    SetSuvType {
        /// Type name.
        suv_type: String,
    },
    /// Switches series (`null`: automatic choice).
    SwitchSeries {
        /// PET SeriesInstanceUID.
        #[serde(default)]
        pet: Option<String>,
        /// CT SeriesInstanceUID.
        #[serde(default)]
        ct: Option<String>,
    },
    /// Undo.
    Undo,
    /// Redo.
    Redo,
    /// Applies a deep link's query (`study=…&at=x,y,z&lesion=…`).
    DeepLink {
        /// The query string or URL.
        link: String,
    },
}

/// What a command changed, beyond the viewer state itself: what the GPU must re-upload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// The PET values changed (SUV factor, series).
    pub pet: bool,
    /// The CT changed (series).
    pub ct: bool,
    /// The lesion outlines may have changed.
    pub labels: bool,
}

/// A command that could not be applied, with a message for the user.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A name (layout, tool, …) that is not one of the choices.
    #[error("unknown {what} \"{value}\" (expected one of: {choices})")]
    Unknown {
        /// What was named.
        what: &'static str,
        /// The value given.
        value: String,
        /// The accepted values.
        choices: &'static str,
    },
    /// An invalid override value.
    #[error("{0}")]
    Invalid(String),
    /// The viewer refused it.
    #[error(transparent)]
    Viewer(#[from] ViewerError),
}

fn unknown(what: &'static str, value: &str, choices: &'static str) -> CommandError {
    CommandError::Unknown {
        what,
        value: value.to_string(),
        choices,
    }
}

/// A layout by name.
pub fn parse_layout(s: &str) -> Result<Layout, CommandError> {
    Ok(match s {
        "one_by_one" | "1x1" => Layout::OneByOne,
        "two_by_two" | "2x2" => Layout::TwoByTwo,
        "one_plus_three" | "1+3" => Layout::OnePlusThree,
        "three_plane" | "3plane" => Layout::ThreePlane,
        _ => {
            return Err(unknown(
                "layout",
                s,
                "one_by_one, two_by_two, one_plus_three, three_plane",
            ))
        }
    })
}

/// A plane by name.
pub fn parse_plane(s: &str) -> Result<Orientation, CommandError> {
    Ok(match s {
        "axial" => Orientation::Axial,
        "coronal" => Orientation::Coronal,
        "sagittal" => Orientation::Sagittal,
        _ => return Err(unknown("plane", s, "axial, coronal, sagittal")),
    })
}

/// The name of a plane.
pub fn plane_name(o: Orientation) -> &'static str {
    match o {
        Orientation::Axial => "axial",
        Orientation::Coronal => "coronal",
        Orientation::Sagittal => "sagittal",
    }
}

/// A tool by name.
pub fn parse_tool(s: &str) -> Result<ToolMode, CommandError> {
    Ok(match s {
        "cursor" => ToolMode::Cursor,
        "window_level" => ToolMode::WindowLevel,
        "zoom" => ToolMode::Zoom,
        "pan" => ToolMode::Pan,
        "lesion" => ToolMode::Lesion,
        _ => {
            return Err(unknown(
                "tool",
                s,
                "cursor, window_level, zoom, pan, lesion",
            ))
        }
    })
}

/// A threshold by name.
pub fn parse_threshold(s: &str) -> Result<ThresholdChoice, CommandError> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "41" | "41%" | "percent41" => ThresholdChoice::Percent41,
        "50" | "50%" | "percent50" => ThresholdChoice::Percent50,
        "suv2.5" | "2.5" | "suv 2.5" => ThresholdChoice::Suv2_5,
        "percist" => ThresholdChoice::Percist,
        _ => return Err(unknown("threshold", s, "41, 50, suv2.5, percist")),
    })
}

/// An SUV type by name.
pub fn parse_suv_type(s: &str) -> Result<SuvType, CommandError> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| unknown("SUV type", s, "bw, lbm_janmahasatian, lbm_james, bsa, ibw"))
}

fn parse_key(key: &str, ctrl: bool) -> Option<KeyEvent> {
    let k = match key {
        "ArrowUp" => Key::ArrowUp,
        "ArrowDown" => Key::ArrowDown,
        "ArrowLeft" => Key::ArrowLeft,
        "ArrowRight" => Key::ArrowRight,
        "PageUp" => Key::PageUp,
        "PageDown" => Key::PageDown,
        other => {
            let mut chars = other.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Key::Char(c),
                _ => return None,
            }
        }
    };
    Some(KeyEvent { key: k, ctrl })
}

fn overrides(
    weight_kg: Option<f64>,
    height_m: Option<f64>,
    dose_bq: Option<f64>,
    injection: Option<&str>,
    sex: Option<&str>,
) -> Result<SuvOverrides, CommandError> {
    let injection_date_time = match injection.map(str::trim).filter(|s| !s.is_empty()) {
        Some(dt) => Some(DicomDateTime::parse_dt(dt).map_err(|e| {
            CommandError::Invalid(format!(
                "injection time \"{dt}\" is not a DICOM date-time (YYYYMMDDHHMMSS): {e}"
            ))
        })?),
        None => None,
    };
    let sex = match sex.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            Sex::from_dicom(s)
                .ok_or_else(|| CommandError::Invalid(format!("sex \"{s}\" must be M or F")))?,
        ),
        None => None,
    };
    Ok(SuvOverrides {
        weight_kg,
        height_m,
        dose_bq,
        injection_date_time,
        sex,
    })
}

/// Applies `cmd` to `viewer` on a canvas of `size` (updated by `Resize`). Returns what the
/// GPU must re-upload.
pub fn apply(
    viewer: &mut Viewer,
    size: &mut [u32; 2],
    cmd: &Command,
) -> Result<Changes, CommandError> {
    let [w, h] = *size;
    let mut changes = Changes::default();
    match cmd {
        Command::Resize { width, height } => *size = [(*width).max(1), (*height).max(1)],
        Command::PointerDown { x, y } => {
            let before = viewer.lesion_list().len();
            viewer.pointer_down(w, h, *x, *y)?;
            changes.labels = viewer.lesion_list().len() != before;
        }
        Command::PointerMove { x, y } => viewer.pointer_move(w, h, *x, *y),
        Command::PointerUp => viewer.pointer_up(),
        Command::Wheel { x, y, slices } => viewer.scroll(w, h, *x, *y, *slices),
        Command::DoubleClick { x, y } => viewer.double_click(w, h, *x, *y),
        Command::Key { key, ctrl } => {
            if let Some(ev) = parse_key(key, *ctrl) {
                viewer.key(w, h, ev);
            }
        }
        Command::SetLayout { layout } => viewer.set_layout(parse_layout(layout)?),
        Command::SetPlane { plane } => viewer.set_plane(parse_plane(plane)?),
        Command::SetTool { tool } => viewer.set_tool(parse_tool(tool)?),
        Command::SetThreshold { threshold } => viewer.set_threshold(parse_threshold(threshold)?),
        Command::SetCursor { point } => viewer.set_cursor(*point),
        Command::SetCtWindow { level, width } => viewer.set_ct_window(*level, *width),
        Command::SetPetRange { low, high } => viewer.set_pet_range(*low, *high),
        Command::SetColormap { colormap } => viewer.set_pet_colormap(
            Colormap::from_name(colormap)
                .ok_or_else(|| unknown("colour map", colormap, "see Colormap names"))?,
        ),
        Command::SetFusion { percent } => viewer.set_fusion_percent(*percent),
        Command::SetCine { playing } => viewer.set_cine(*playing),
        Command::Tick { dt } => viewer.tick(*dt),
        Command::Reset => viewer.reset(),
        Command::AddLesion { point } => {
            viewer.add_lesion(*point)?;
            changes.labels = true;
        }
        Command::RenameLesion { index, name } => viewer.rename_lesion(*index, name)?,
        Command::DeleteLesion { index } => {
            viewer.delete_lesion(*index)?;
            changes.labels = true;
        }
        Command::SetLiver { point } => {
            viewer.set_liver_reference(*point)?;
            changes.labels = true;
        }
        Command::SetOverrides {
            weight_kg,
            height_m,
            dose_bq,
            injection,
            sex,
        } => {
            let o = overrides(
                *weight_kg,
                *height_m,
                *dose_bq,
                injection.as_deref(),
                sex.as_deref(),
            )?;
            viewer.set_overrides(o)?;
            changes.pet = true;
            changes.labels = true;
        }
        Command::SetSuvType { suv_type } => {
            viewer.set_suv_type(parse_suv_type(suv_type)?);
            changes.pet = true;
            changes.labels = true;
        }
        Command::SwitchSeries { pet, ct } => {
            viewer.switch_series(pet.as_deref(), ct.as_deref())?;
            changes = Changes {
                pet: true,
                ct: true,
                labels: true,
            };
        }
        Command::Undo | Command::Redo => {
            if matches!(cmd, Command::Undo) {
                viewer.undo()?;
            } else {
                viewer.redo()?;
            }
            // Undo may restore overrides (PET values) as well as lesions.
            changes.pet = true;
            changes.labels = true;
        }
        Command::DeepLink { link } => {
            let parsed = DeepLink::parse(link)
                .map_err(|e| CommandError::Invalid(format!("the link is not valid: {e}")))?;
            viewer.apply_deep_link(&parsed)?;
            changes.labels = true;
        }
    }
    Ok(changes)
}
