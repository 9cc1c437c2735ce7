//! Colour maps as data: control points interpolated into 256-entry lookup tables, uploaded
//! as one RGBA8 texture (one row per map). The shader picks entry `round(255·t)`; so does
//! [`Colormap::colour`], which is what the tests compare against.

/// A PET (or grey) colour map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Colormap {
    /// Black to white.
    Grey,
    /// White to black: the usual map for PET alone and for the MIP.
    InverseGrey,
    /// Hot iron (black, red, orange, white): the usual fusion map.
    HotIron,
    /// PET rainbow (black, purple, blue, green, yellow, red, white).
    PetRainbow,
    /// Jet-like rainbow (dark blue to dark red).
    Rainbow,
}

/// Control points `(position 0..1, sRGB)` of each map, in [`Colormap::ALL`] order.
const CONTROL_POINTS: [&[(f64, [u8; 3])]; 5] = [
    &[(0.0, [0, 0, 0]), (1.0, [255, 255, 255])],
    &[(0.0, [255, 255, 255]), (1.0, [0, 0, 0])],
    &[
        (0.0, [0, 0, 0]),
        (0.5, [255, 0, 0]),
        (0.75, [255, 128, 0]),
        (1.0, [255, 255, 255]),
    ],
    &[
        (0.0, [0, 0, 0]),
        (0.15, [85, 0, 136]),
        (0.3, [0, 0, 255]),
        (0.5, [0, 220, 0]),
        (0.7, [255, 255, 0]),
        (0.85, [255, 0, 0]),
        (1.0, [255, 255, 255]),
    ],
    &[
        (0.0, [0, 0, 128]),
        (0.125, [0, 0, 255]),
        (0.375, [0, 255, 255]),
        (0.625, [255, 255, 0]),
        (0.875, [255, 0, 0]),
        (1.0, [128, 0, 0]),
    ],
];

impl Colormap {
    /// Every map, in LUT row order.
    pub const ALL: [Colormap; 5] = [
        Colormap::Grey,
        Colormap::InverseGrey,
        Colormap::HotIron,
        Colormap::PetRainbow,
        Colormap::Rainbow,
    ];

    /// Row of this map in the LUT texture.
    pub fn row(self) -> u32 {
        match self {
            Colormap::Grey => 0,
            Colormap::InverseGrey => 1,
            Colormap::HotIron => 2,
            Colormap::PetRainbow => 3,
            Colormap::Rainbow => 4,
        }
    }

    /// Stable lower-case name (`grey`, `inverse-grey`, `hot-iron`, `pet-rainbow`, `rainbow`).
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Grey => "grey",
            Colormap::InverseGrey => "inverse-grey",
            Colormap::HotIron => "hot-iron",
            Colormap::PetRainbow => "pet-rainbow",
            Colormap::Rainbow => "rainbow",
        }
    }

    /// The map named `name` (see [`Colormap::name`]).
    pub fn from_name(name: &str) -> Option<Colormap> {
        Colormap::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The control points.
    pub fn control_points(self) -> &'static [(f64, [u8; 3])] {
        CONTROL_POINTS[self.row() as usize]
    }

    /// The 256-entry lookup table (RGBA, alpha 255).
    pub fn lut(self) -> [[u8; 4]; 256] {
        let pts = self.control_points();
        let mut out = [[0, 0, 0, 255]; 256];
        for (n, entry) in out.iter_mut().enumerate() {
            let t = n as f64 / 255.0;
            let seg = pts
                .windows(2)
                .find(|w| t <= w[1].0)
                .unwrap_or(&pts[pts.len() - 2..]);
            let (t0, c0) = seg[0];
            let (t1, c1) = seg[1];
            let f = if t1 > t0 {
                ((t - t0) / (t1 - t0)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            for ch in 0..3 {
                entry[ch] = (c0[ch] as f64 + f * (c1[ch] as f64 - c0[ch] as f64)).round() as u8;
            }
        }
        out
    }

    /// The colour the shader shows for `t = (value − low)/(high − low)`: LUT entry
    /// `round(255·clamp(t, 0, 1))`.
    pub fn colour(self, t: f64) -> [u8; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let e = self.lut()[(t * 255.0 + 0.5).floor() as usize];
        [e[0], e[1], e[2]]
    }

    /// Every LUT as one RGBA8 image, 256 wide, one row per map.
    pub fn lut_texture_bytes() -> Vec<u8> {
        Colormap::ALL
            .iter()
            .flat_map(|c| c.lut().into_iter().flatten())
            .collect()
    }
}
