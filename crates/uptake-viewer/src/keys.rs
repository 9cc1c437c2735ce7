//! The keyboard map as a pure function: [`handle_key`] turns a key into an [`Effect`]; the
//! [`crate::Viewer`] applies effects.
//!
//! | key | effect |
//! |---|---|
//! | ↑ / → | next slice (+1 along the view normal) |
//! | ↓ / ← | previous slice |
//! | PageUp / PageDown | ±10 slices |
//! | 1 2 3 4 | CT presets soft tissue, lung, bone, brain |
//! | F | fusion opacity to the next step of 0/25/50/75/100 % |
//! | M | MIP cine play/pause |
//! | R | reset views (zoom, pan, windows, cursor to the centre) |
//! | ? | help on/off |

use serde::Serialize;
use uptake_render::CtWindow;

/// A key, as the web layer reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// ↑
    ArrowUp,
    /// ↓
    ArrowDown,
    /// ←
    ArrowLeft,
    /// →
    ArrowRight,
    /// Page Up
    PageUp,
    /// Page Down
    PageDown,
    /// A printable character.
    Char(char),
}

/// A key press with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEvent {
    /// The key.
    pub key: Key,
    /// Ctrl or Cmd held (such presses are left to the browser).
    pub ctrl: bool,
}

impl KeyEvent {
    /// A press without modifiers.
    pub fn plain(key: Key) -> Self {
        KeyEvent { key, ctrl: false }
    }
}

/// The CT window presets on keys 1–4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CtPreset {
    /// 40/400.
    SoftTissue,
    /// −600/1500.
    Lung,
    /// 300/1500.
    Bone,
    /// 40/80.
    Brain,
}

impl CtPreset {
    /// The window.
    pub fn window(self) -> CtWindow {
        match self {
            CtPreset::SoftTissue => CtWindow::SOFT_TISSUE,
            CtPreset::Lung => CtWindow::LUNG,
            CtPreset::Bone => CtWindow::BONE,
            CtPreset::Brain => CtWindow::BRAIN,
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Move the cursor this many slices along the active view's normal.
    Slice(i32),
    /// Apply a CT window preset.
    CtPreset(CtPreset),
    /// Advance the fusion opacity to the next step (0 → 25 → 50 → 75 → 100 → 0 %).
    FusionStep,
    /// Play/pause the MIP rotation.
    ToggleCine,
    /// Reset zoom, pan, windows and the cursor.
    Reset,
    /// Show/hide the help.
    ToggleHelp,
    /// Not ours: let the browser handle it.
    None,
}

/// The fusion opacity steps of `F`, percent.
pub const FUSION_STEPS: [u8; 5] = [0, 25, 50, 75, 100];

/// The keyboard map (see the module table).
pub fn handle_key(ev: KeyEvent) -> Effect {
    if ev.ctrl {
        return Effect::None;
    }
    match ev.key {
        Key::ArrowUp | Key::ArrowRight => Effect::Slice(1),
        Key::ArrowDown | Key::ArrowLeft => Effect::Slice(-1),
        Key::PageUp => Effect::Slice(10),
        Key::PageDown => Effect::Slice(-10),
        Key::Char(c) => match c.to_ascii_lowercase() {
            '1' => Effect::CtPreset(CtPreset::SoftTissue),
            '2' => Effect::CtPreset(CtPreset::Lung),
            '3' => Effect::CtPreset(CtPreset::Bone),
            '4' => Effect::CtPreset(CtPreset::Brain),
            'f' => Effect::FusionStep,
            'm' => Effect::ToggleCine,
            'r' => Effect::Reset,
            '?' => Effect::ToggleHelp,
            _ => Effect::None,
        },
    }
}

/// The fusion step after `percent` (the next of [`FUSION_STEPS`] above it, wrapping to 0).
pub fn next_fusion_step(percent: u8) -> u8 {
    FUSION_STEPS
        .iter()
        .copied()
        .find(|s| *s > percent)
        .unwrap_or(0)
}
