// Shared by every volume view (mpr.wgsl, mip.wgsl, legend.wgsl are appended to this file).
// Everything here must translate to GLSL ES 3.00 (WebGL2): uniform buffers, sampled 3D
// textures and textureLoad only; no storage buffers, no compute.

// One viewport's view. std140-friendly: only vec4 and mat4x4 members.
struct View {
    // x, y: viewport size in pixels; z: MIP step (mm); w: maximum number of ray/slab steps.
    viewport: vec4<f32>,
    // xyz: patient point (LPS mm) at the viewport centre; w: mm per screen pixel.
    centre: vec4<f32>,
    // xyz: unit patient direction of screen +x; w: slab thickness in mm (0 = thin).
    right: vec4<f32>,
    // xyz: unit patient direction of screen +y (down); w: number of slab samples.
    down: vec4<f32>,
    // Patient (LPS mm) -> normalised texture coordinates of the CT ((index + 0.5) / dims).
    ct_from_patient: mat4x4<f32>,
    // Patient -> normalised texture coordinates of the PET.
    pet_from_patient: mat4x4<f32>,
    // Patient -> continuous voxel index of the label volume.
    label_from_patient: mat4x4<f32>,
    // xyz: label volume dims; w: 1 when a label volume is shown.
    label_dims: vec4<f32>,
    // x: window low HU, y: window high HU, z: 1 when the CT is shown.
    ct_window: vec4<f32>,
    // x: SUV at the bottom of the colour map, y: at the top, z: 1 when the PET is shown,
    // w: colour map row in the LUT texture.
    pet_range: vec4<f32>,
    // x: PET opacity over the CT (0..1); y: label fill alpha; z: 1 to outline labels.
    blend: vec4<f32>,
    // xyz: blocks of pet_blocks along i, j, k; w: 1 when the MIP may skip blocks.
    pet_blocks: vec4<f32>,
    // Colours of labels 1..8 (label l uses entry (l - 1) % 8).
    label_colours: array<vec4<f32>, 8>,
};

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var ct_tex: texture_3d<f32>;
@group(0) @binding(2) var pet_tex: texture_3d<f32>;
@group(0) @binding(3) var label_tex: texture_3d<u32>;
@group(0) @binding(4) var lut_tex: texture_2d<f32>;
@group(0) @binding(5) var vol_sampler: sampler;
// The PET's block maxima: one texel per PET_BLOCK³ voxels, the largest value a trilinear sample
// inside the block can read (block_max.rs).
@group(0) @binding(6) var pet_blocks: texture_3d<f32>;

struct VsOut {
    @builtin(position) position: vec4<f32>,
    // (0, 0) at the top-left corner of the viewport, (1, 1) at the bottom-right.
    @location(0) uv: vec2<f32>,
};

// One triangle that covers the viewport.
@vertex
fn vs_fullscreen(@builtin(vertex_index) vi: u32) -> VsOut {
    let x = f32(i32(vi & 1u) * 4 - 1);
    let y = f32(i32(vi >> 1u) * 4 - 1);
    var out: VsOut;
    out.position = vec4<f32>(x, y, 0.0, 1.0);
    out.uv = vec2<f32>((x + 1.0) * 0.5, (1.0 - y) * 0.5);
    return out;
}

// The patient point under a viewport position (pixel units, pixel centres at .5).
fn patient_at(px: vec2<f32>) -> vec3<f32> {
    let d = (px - 0.5 * view.viewport.xy) * view.centre.w;
    return view.centre.xyz + d.x * view.right.xyz + d.y * view.down.xyz;
}

fn inside_unit(tc: vec3<f32>) -> bool {
    return all(tc >= vec3<f32>(0.0)) && all(tc <= vec3<f32>(1.0));
}

// CT value (HU) at a patient point; x = value, y = 1 inside the volume, 0 outside.
fn sample_ct(p: vec3<f32>) -> vec2<f32> {
    let tc = (view.ct_from_patient * vec4<f32>(p, 1.0)).xyz;
    if !inside_unit(tc) {
        return vec2<f32>(0.0, 0.0);
    }
    return vec2<f32>(textureSampleLevel(ct_tex, vol_sampler, tc, 0.0).r, 1.0);
}

// PET value (SUV) at a patient point; 0 outside the volume.
fn sample_pet(p: vec3<f32>) -> f32 {
    let tc = (view.pet_from_patient * vec4<f32>(p, 1.0)).xyz;
    if !inside_unit(tc) {
        return 0.0;
    }
    return textureSampleLevel(pet_tex, vol_sampler, tc, 0.0).r;
}

// Label (nearest voxel) at a patient point; 0 outside.
fn label_at(p: vec3<f32>) -> u32 {
    let idx = floor((view.label_from_patient * vec4<f32>(p, 1.0)).xyz + vec3<f32>(0.5));
    if any(idx < vec3<f32>(0.0)) || any(idx >= view.label_dims.xyz) {
        return 0u;
    }
    return textureLoad(label_tex, vec3<i32>(idx), 0).r;
}

// Grey level of a CT value through the window: (hu - low) / (high - low), clamped.
fn ct_grey(hu: f32) -> f32 {
    return clamp((hu - view.ct_window.x) / (view.ct_window.y - view.ct_window.x), 0.0, 1.0);
}

// Colour of a PET value: LUT entry round(255 * (suv - low) / (high - low)), clamped.
fn pet_colour(suv: f32) -> vec3<f32> {
    let t = clamp((suv - view.pet_range.x) / (view.pet_range.y - view.pet_range.x), 0.0, 1.0);
    let i = i32(floor(t * 255.0 + 0.5));
    return textureLoad(lut_tex, vec2<i32>(i, i32(view.pet_range.w)), 0).rgb;
}
