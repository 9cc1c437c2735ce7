//! How values become colours: CT window/level, PET range and colour map, fusion, labels.

use crate::colormap::Colormap;

/// A CT window: grey = clamp((HU − (level − width/2)) / width, 0, 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CtWindow {
    /// Centre, HU.
    pub level: f32,
    /// Width, HU (> 0).
    pub width: f32,
}

impl CtWindow {
    /// Soft tissue 40/400.
    pub const SOFT_TISSUE: CtWindow = CtWindow {
        level: 40.0,
        width: 400.0,
    };
    /// Lung −600/1500.
    pub const LUNG: CtWindow = CtWindow {
        level: -600.0,
        width: 1500.0,
    };
    /// Bone 300/1500.
    pub const BONE: CtWindow = CtWindow {
        level: 300.0,
        width: 1500.0,
    };
    /// Brain 40/80.
    pub const BRAIN: CtWindow = CtWindow {
        level: 40.0,
        width: 80.0,
    };

    /// The preset called `name` (`soft-tissue`, `lung`, `bone`, `brain`).
    pub fn preset(name: &str) -> Option<CtWindow> {
        match name {
            "soft-tissue" | "soft_tissue" | "soft" => Some(Self::SOFT_TISSUE),
            "lung" => Some(Self::LUNG),
            "bone" => Some(Self::BONE),
            "brain" => Some(Self::BRAIN),
            _ => None,
        }
    }

    /// HU shown black.
    pub fn low(&self) -> f32 {
        self.level - self.width / 2.0
    }

    /// HU shown white.
    pub fn high(&self) -> f32 {
        self.level + self.width / 2.0
    }

    /// Grey level 0..1 of `hu` (the shader's formula).
    pub fn grey(&self, hu: f64) -> f64 {
        ((hu - self.low() as f64) / self.width.max(f32::MIN_POSITIVE) as f64).clamp(0.0, 1.0)
    }
}

impl Default for CtWindow {
    fn default() -> Self {
        CtWindow::SOFT_TISSUE
    }
}

/// PET display: SUV range mapped onto a colour map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PetDisplay {
    /// SUV at the bottom of the map.
    pub low: f32,
    /// SUV at the top of the map (> low).
    pub high: f32,
    /// The map.
    pub colormap: Colormap,
}

impl PetDisplay {
    /// `t = (suv − low)/(high − low)` (the shader clamps it to 0..1).
    pub fn t(&self, suv: f64) -> f64 {
        (suv - self.low as f64) / (self.high as f64 - self.low as f64)
    }

    /// The colour of `suv` (the shader's formula).
    pub fn colour(&self, suv: f64) -> [u8; 3] {
        self.colormap.colour(self.t(suv))
    }
}

impl Default for PetDisplay {
    /// 0–5 SUV (FDG) in hot iron.
    fn default() -> Self {
        PetDisplay {
            low: 0.0,
            high: 5.0,
            colormap: Colormap::HotIron,
        }
    }
}

/// Segmentation label style.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelStyle {
    /// Fill opacity (0 = outline only).
    pub fill_alpha: f32,
    /// Draw a one-pixel outline at label borders.
    pub outline: bool,
    /// Colours of labels 1..=8 (label l uses entry (l − 1) mod 8), linear RGB 0..1.
    pub colours: [[f32; 3]; 8],
}

impl Default for LabelStyle {
    fn default() -> Self {
        LabelStyle {
            fill_alpha: 0.3,
            outline: true,
            colours: [
                [0.0, 1.0, 0.0],
                [0.0, 0.6, 1.0],
                [1.0, 0.0, 1.0],
                [1.0, 1.0, 0.0],
                [0.0, 1.0, 1.0],
                [1.0, 0.5, 0.0],
                [0.6, 0.4, 1.0],
                [1.0, 1.0, 1.0],
            ],
        }
    }
}

/// Everything about colours in one view. A missing layer (or volume) is not drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Display {
    /// CT in grey through this window.
    pub ct: Option<CtWindow>,
    /// PET through this range and map.
    pub pet: Option<PetDisplay>,
    /// PET opacity over the CT, 0..1 (linear: colour = (1 − α)·grey + α·pet; 1 = PET only).
    pub fusion: f32,
    /// Segmentation labels.
    pub labels: Option<LabelStyle>,
}

impl Default for Display {
    /// Fused soft-tissue CT under hot-iron PET 0–5 SUV at 50 %.
    fn default() -> Self {
        Display {
            ct: Some(CtWindow::SOFT_TISSUE),
            pet: Some(PetDisplay::default()),
            fusion: 0.5,
            labels: None,
        }
    }
}
