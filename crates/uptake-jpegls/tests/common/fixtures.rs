//! Description of the small committed codestreams in `tests/fixtures/`
//! (created by `roundtrip_dcmtk::write_fixtures` with DCMTK's dcmcjpls).

use super::images::Content;

/// One committed fixture and the synthetic image it encodes.
pub struct Fixture {
    pub file: &'static str,
    pub width: usize,
    pub height: usize,
    pub components: usize,
    pub bits: u16,
    pub content: Content,
    pub seed: u64,
    pub opts: &'static [&'static str],
    pub near: u16,
}

pub const FIXTURES: &[Fixture] = &[
    Fixture {
        file: "gray8_flat.jls",
        width: 120,
        height: 30,
        components: 1,
        bits: 8,
        content: Content::Flat,
        seed: 1,
        opts: &[],
        near: 0,
    },
    Fixture {
        file: "gray12_smooth.jls",
        width: 40,
        height: 30,
        components: 1,
        bits: 12,
        content: Content::Smooth(9),
        seed: 2,
        opts: &[],
        near: 0,
    },
    Fixture {
        file: "gray16_noise_near3.jls",
        width: 24,
        height: 20,
        components: 1,
        bits: 16,
        content: Content::Noise,
        seed: 3,
        opts: &[],
        near: 3,
    },
    Fixture {
        file: "rgb8_ilv1_thresholds.jls",
        width: 30,
        height: 20,
        components: 3,
        bits: 8,
        content: Content::Smooth(4),
        seed: 4,
        opts: &["+il", "+t1", "4", "+t2", "9", "+t3", "25", "+rs", "40"],
        near: 0,
    },
    Fixture {
        file: "rgb8_ilv2_near2.jls",
        width: 30,
        height: 20,
        components: 3,
        bits: 8,
        content: Content::Smooth(6),
        seed: 5,
        opts: &["+is"],
        near: 2,
    },
    Fixture {
        file: "rgb8_ilv0.jls",
        width: 30,
        height: 20,
        components: 3,
        bits: 8,
        content: Content::Flat,
        seed: 6,
        opts: &["+in"],
        near: 0,
    },
];
