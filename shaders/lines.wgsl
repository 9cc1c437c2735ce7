// Overlay lines (crosshair, scale bar): vertices already in the viewport's clip space.

struct LineIn {
    @location(0) position: vec2<f32>,
    @location(1) colour: vec4<f32>,
};

struct LineOut {
    @builtin(position) position: vec4<f32>,
    @location(0) colour: vec4<f32>,
};

@vertex
fn vs_line(v: LineIn) -> LineOut {
    var out: LineOut;
    out.position = vec4<f32>(v.position, 0.0, 1.0);
    out.colour = v.colour;
    return out;
}

@fragment
fn fs_line(v: LineOut) -> @location(0) vec4<f32> {
    return v.colour;
}
