// Colour-map legend bar (appended to common.wgsl): the LUT row view.pet_range.w drawn
// bottom (low) to top (high) when view.blend.w is 0, left (low) to right (high) otherwise.

@fragment
fn fs_legend(in: VsOut) -> @location(0) vec4<f32> {
    var t = 1.0 - in.uv.y;
    if view.blend.w > 0.5 {
        t = in.uv.x;
    }
    let i = clamp(i32(floor(t * 256.0)), 0, 255);
    return vec4<f32>(textureLoad(lut_tex, vec2<i32>(i, i32(view.pet_range.w)), 0).rgb, 1.0);
}
