// PET maximum-intensity projection (appended to common.wgsl). Orthographic rays along
// cross(right, down) through every pixel of the projection plane; each ray is clipped to the
// PET volume's box in texture space and marched in steps of view.viewport.z mm (at most
// view.viewport.w steps), keeping the maximum. Labels (lesions) met on the way are filled and
// outlined as their projection. Blocks of the PET whose maximum (pet_blocks) the ray has
// already reached are stepped over: the same samples are taken everywhere else, so the picture
// is the one without skipping.

const PET_BLOCK: f32 = 8.0;

@fragment
fn fs_mip(in: VsOut) -> @location(0) vec4<f32> {
    let px = in.uv * view.viewport.xy;
    let p0 = patient_at(px);
    let dir = normalize(cross(view.right.xyz, view.down.xyz));
    let o = (view.pet_from_patient * vec4<f32>(p0, 1.0)).xyz;
    let d = (view.pet_from_patient * vec4<f32>(dir, 0.0)).xyz;
    let tiny = vec3<f32>(1.0e-12);
    let safe = select(d, tiny, abs(d) < tiny);
    let t0 = (vec3<f32>(0.0) - o) / safe;
    let t1 = (vec3<f32>(1.0) - o) / safe;
    let tmin = max(max(min(t0.x, t1.x), min(t0.y, t1.y)), min(t0.z, t1.z));
    let tmax = min(min(max(t0.x, t1.x), max(t0.y, t1.y)), max(t0.z, t1.z));
    var best = 0.0;
    var hit = 0u;
    let labels = view.label_dims.w > 0.5;
    let step = view.viewport.z;
    let n = min(i32(ceil((tmax - tmin) / step)) + 1, i32(view.viewport.w));
    // Empty-space skipping: texture coordinate × cells = block coordinate.
    let skipping = view.pet_blocks.w > 0.5;
    let cells = vec3<f32>(textureDimensions(pet_tex)) / PET_BLOCK;
    var cell = vec3<f32>(-1.0);
    var top = 0.0;
    if tmax > tmin {
        var i = 0;
        loop {
            if i >= n {
                break;
            }
            let t = min(tmin + f32(i) * step, tmax);
            let tc = clamp(o + t * d, vec3<f32>(0.0), vec3<f32>(1.0));
            // A block whose maximum the ray has already reached cannot raise it: go on from
            // the first step beyond the block's far side. Not while a label may still be met.
            if skipping && !(labels && hit == 0u) {
                let here = min(floor(tc * cells), view.pet_blocks.xyz - 1.0);
                if any(here != cell) {
                    cell = here;
                    top = textureLoad(pet_blocks, vec3<i32>(here), 0).r;
                }
                if top <= best {
                    let ta = (cell / cells - o) / safe;
                    let tb = ((cell + 1.0) / cells - o) / safe;
                    let t_exit = min(min(max(ta.x, tb.x), max(ta.y, tb.y)), max(ta.z, tb.z));
                    i = max(i + 1, i32(ceil((t_exit - tmin) / step)));
                    continue;
                }
            }
            best = max(best, textureSampleLevel(pet_tex, vol_sampler, tc, 0.0).r);
            // The first label the ray meets (o + t·d is the texture point of p0 + t·dir).
            if labels && hit == 0u {
                hit = label_at(p0 + t * dir);
            }
            i = i + 1;
        }
    }
    var rgb = pet_colour(best);
    if hit > 0u {
        // A lesion on the ray: filled at the fill opacity, outlined where a neighbouring
        // pixel's ray does not meet it (the projected lesion's border).
        let colour = view.label_colours[(hit - 1u) % 8u].rgb;
        rgb = mix(rgb, colour, view.blend.y);
        if view.blend.z > 0.5 {
            let mm = view.centre.w;
            let edge = !ray_meets(p0 + mm * view.right.xyz, dir, tmin, step, n, hit)
                || !ray_meets(p0 - mm * view.right.xyz, dir, tmin, step, n, hit)
                || !ray_meets(p0 + mm * view.down.xyz, dir, tmin, step, n, hit)
                || !ray_meets(p0 - mm * view.down.xyz, dir, tmin, step, n, hit);
            if edge {
                rgb = colour;
            }
        }
    }
    return vec4<f32>(rgb, 1.0);
}

// Whether the ray from `p` along `dir` (the same steps as the pixel's own ray) meets label `l`.
fn ray_meets(p: vec3<f32>, dir: vec3<f32>, tmin: f32, step: f32, n: i32, l: u32) -> bool {
    for (var i = 0; i < n; i = i + 1) {
        if label_at(p + (tmin + f32(i) * step) * dir) == l {
            return true;
        }
    }
    return false;
}
