//! The analytic trunk phantom in patient space (DICOM LPS, millimetres).
//!
//! +x is the patient's left, +y posterior, +z towards the head. Every point of space
//! belongs to exactly one [`Tissue`], chosen by priority
//! lesion > liver > lung > spine > body > air, and each tissue has one exact HU and
//! one exact SUVbw. A point is inside a shape when the shape's quadratic form, computed
//! in `f64` exactly as written below, is `<= 1` (ellipsoids, cylinders) or the squared
//! distance is `<= r²` (spheres).

use serde::{Deserialize, Serialize};

/// The tissue classes of the phantom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tissue {
    /// Outside the body.
    Air,
    /// Body soft tissue (the elliptic cylinder).
    SoftTissue,
    /// The spine (a cylinder, posterior).
    Spine,
    /// The patient's right lung (x < 0).
    RightLung,
    /// The patient's left lung (x > 0).
    LeftLung,
    /// The liver (patient's right, below the right lung).
    Liver,
    /// Lesion number `i` of [`Phantom::lesions`].
    Lesion(usize),
}

impl Tissue {
    /// The stable name used in `truth.json` (`lesion` for every lesion).
    pub fn name(self) -> &'static str {
        match self {
            Tissue::Air => "air",
            Tissue::SoftTissue => "soft_tissue",
            Tissue::Spine => "spine",
            Tissue::RightLung => "right_lung",
            Tissue::LeftLung => "left_lung",
            Tissue::Liver => "liver",
            Tissue::Lesion(_) => "lesion",
        }
    }
}

/// An axis-aligned ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipsoid {
    /// Centre, LPS mm.
    pub centre: [f64; 3],
    /// Semi-axes along x, y, z, mm.
    pub semi_axes: [f64; 3],
}

impl Ellipsoid {
    /// Whether `p` is inside or on the surface.
    #[inline]
    pub fn contains(&self, p: [f64; 3]) -> bool {
        let dz = (p[2] - self.centre[2]) / self.semi_axes[2];
        if dz.abs() > 1.0 {
            return false;
        }
        let dx = (p[0] - self.centre[0]) / self.semi_axes[0];
        let dy = (p[1] - self.centre[1]) / self.semi_axes[1];
        dx * dx + dy * dy + dz * dz <= 1.0
    }
}

/// An elliptic cylinder (or circular one when both semi-axes are equal) along z,
/// unbounded in z.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EllipticCylinder {
    /// Axis position (x, y), LPS mm.
    pub centre_xy: [f64; 2],
    /// Semi-axes along x and y, mm.
    pub semi_axes: [f64; 2],
}

impl EllipticCylinder {
    /// Whether `p` is inside or on the surface.
    #[inline]
    pub fn contains(&self, p: [f64; 3]) -> bool {
        let dx = (p[0] - self.centre_xy[0]) / self.semi_axes[0];
        let dy = (p[1] - self.centre_xy[1]) / self.semi_axes[1];
        dx * dx + dy * dy <= 1.0
    }
}

/// A spherical lesion of uniform uptake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesion {
    /// Stable name (`lung_left`, `liver`, ...).
    pub name: String,
    /// Centre, LPS mm.
    pub centre_lps: [f64; 3],
    /// Diameter, mm.
    pub diameter_mm: f64,
    /// Uniform SUVbw.
    pub suv: f64,
    /// CT number, HU.
    pub ct_hu: i32,
    /// The tissue the lesion sits in (with a margin of at least 8 mm all round).
    pub host: Tissue,
}

impl Lesion {
    /// Radius, mm.
    pub fn radius_mm(&self) -> f64 {
        self.diameter_mm / 2.0
    }

    /// Whether `p` is inside or on the sphere: `|p - c|² <= r²` in `f64`.
    #[inline]
    pub fn contains(&self, p: [f64; 3]) -> bool {
        let r = self.radius_mm();
        let dx = p[0] - self.centre_lps[0];
        let dy = p[1] - self.centre_lps[1];
        let dz = p[2] - self.centre_lps[2];
        dx * dx + dy * dy + dz * dz <= r * r
    }

    /// `"left"` when the centre is on the patient's left (x > 0), else `"right"`.
    pub fn side(&self) -> &'static str {
        if self.centre_lps[0] > 0.0 {
            "left"
        } else {
            "right"
        }
    }
}

/// Exact CT number and SUVbw of a background tissue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TissueValues {
    /// CT number, HU.
    pub hu: i32,
    /// SUVbw.
    pub suv: f64,
}

/// The analytic phantom. [`Phantom::standard`] is the one every study is written from.
#[derive(Debug, Clone, PartialEq)]
pub struct Phantom {
    /// Body outline (soft tissue).
    pub body: EllipticCylinder,
    /// Spine (circular cylinder, posterior).
    pub spine: EllipticCylinder,
    /// Right lung (x < 0).
    pub right_lung: Ellipsoid,
    /// Left lung (x > 0).
    pub left_lung: Ellipsoid,
    /// Liver (x < 0, below the right lung).
    pub liver: Ellipsoid,
    /// Lesions, in the order of `truth.json`.
    pub lesions: Vec<Lesion>,
    /// Centre of the liver reference sphere (PERCIST, right lobe), LPS mm.
    pub liver_reference_centre: [f64; 3],
    /// Radius of the liver reference sphere, mm (a 3 cm sphere).
    pub liver_reference_radius_mm: f64,
}

/// Air: HU and SUV.
pub const AIR: TissueValues = TissueValues {
    hu: -1000,
    suv: 0.0,
};
/// Body soft tissue.
pub const SOFT_TISSUE: TissueValues = TissueValues { hu: 40, suv: 1.0 };
/// Spine.
pub const SPINE: TissueValues = TissueValues { hu: 700, suv: 0.8 };
/// Both lungs.
pub const LUNG: TissueValues = TissueValues { hu: -850, suv: 0.4 };
/// Liver.
pub const LIVER: TissueValues = TissueValues { hu: 60, suv: 2.0 };
/// CT number of every lesion.
pub const LESION_HU: i32 = 120;

impl Default for Phantom {
    fn default() -> Self {
        Phantom::standard()
    }
}

impl Phantom {
    /// The standard trunk phantom.
    pub fn standard() -> Phantom {
        let lesion = |name: &str, c: [f64; 3], d: f64, suv: f64, host: Tissue| Lesion {
            name: name.to_string(),
            centre_lps: c,
            diameter_mm: d,
            suv,
            ct_hu: LESION_HU,
            host,
        };
        Phantom {
            body: EllipticCylinder {
                centre_xy: [0.0, 0.0],
                semi_axes: [170.0, 110.0],
            },
            spine: EllipticCylinder {
                centre_xy: [0.0, 70.0],
                semi_axes: [18.0, 18.0],
            },
            right_lung: Ellipsoid {
                centre: [-80.0, -5.0, 80.0],
                semi_axes: [55.0, 65.0, 70.0],
            },
            left_lung: Ellipsoid {
                centre: [80.0, -5.0, 80.0],
                semi_axes: [55.0, 65.0, 70.0],
            },
            liver: Ellipsoid {
                centre: [-70.0, 0.0, -15.0],
                semi_axes: [75.0, 70.0, 50.0],
            },
            lesions: vec![
                lesion(
                    "lung_left",
                    [84.7, -10.3, 85.1],
                    26.0,
                    6.0,
                    Tissue::LeftLung,
                ),
                lesion(
                    "lung_right",
                    [-89.6, -19.7, 109.4],
                    12.0,
                    4.0,
                    Tissue::RightLung,
                ),
                lesion("liver", [-99.3, 19.6, -29.8], 26.0, 8.0, Tissue::Liver),
                lesion(
                    "soft_tissue_left",
                    [70.3, 15.2, -94.7],
                    20.0,
                    10.0,
                    Tissue::SoftTissue,
                ),
                lesion(
                    "soft_tissue_right",
                    [-60.4, -14.8, -110.3],
                    28.0,
                    15.0,
                    Tissue::SoftTissue,
                ),
                lesion(
                    "soft_tissue_left_small",
                    [40.2, -69.7, -40.4],
                    10.0,
                    4.0,
                    Tissue::SoftTissue,
                ),
            ],
            liver_reference_centre: [-70.0, 0.0, -15.0],
            liver_reference_radius_mm: 15.0,
        }
    }

    /// The lesions.
    pub fn lesions(&self) -> &[Lesion] {
        &self.lesions
    }

    /// The tissue at `p` ignoring the lesions (what each lesion's host is judged by).
    #[inline]
    pub fn background_tissue_at(&self, p: [f64; 3]) -> Tissue {
        if self.liver.contains(p) {
            Tissue::Liver
        } else if self.right_lung.contains(p) {
            Tissue::RightLung
        } else if self.left_lung.contains(p) {
            Tissue::LeftLung
        } else if self.spine.contains(p) {
            Tissue::Spine
        } else if self.body.contains(p) {
            Tissue::SoftTissue
        } else {
            Tissue::Air
        }
    }

    /// The tissue at the LPS point `p` (mm).
    #[inline]
    pub fn tissue_at(&self, p: [f64; 3]) -> Tissue {
        for (i, l) in self.lesions.iter().enumerate() {
            if l.contains(p) {
                return Tissue::Lesion(i);
            }
        }
        self.background_tissue_at(p)
    }

    /// Exact HU and SUV of a tissue. Panics never: an out-of-range lesion index gives air.
    pub fn values_of(&self, t: Tissue) -> TissueValues {
        match t {
            Tissue::Air => AIR,
            Tissue::SoftTissue => SOFT_TISSUE,
            Tissue::Spine => SPINE,
            Tissue::RightLung | Tissue::LeftLung => LUNG,
            Tissue::Liver => LIVER,
            Tissue::Lesion(i) => match self.lesions.get(i) {
                Some(l) => TissueValues {
                    hu: l.ct_hu,
                    suv: l.suv,
                },
                None => AIR,
            },
        }
    }

    /// The exact CT number at `p`, HU.
    pub fn hu_at(&self, p: [f64; 3]) -> i32 {
        self.values_of(self.tissue_at(p)).hu
    }

    /// The exact SUVbw at `p`.
    pub fn suv_at(&self, p: [f64; 3]) -> f64 {
        self.values_of(self.tissue_at(p)).suv
    }

    /// The background tissues with their values, in `truth.json` order.
    pub fn tissue_table(&self) -> Vec<(Tissue, TissueValues)> {
        [
            Tissue::Air,
            Tissue::SoftTissue,
            Tissue::Spine,
            Tissue::RightLung,
            Tissue::LeftLung,
            Tissue::Liver,
        ]
        .into_iter()
        .map(|t| (t, self.values_of(t)))
        .collect()
    }
}
