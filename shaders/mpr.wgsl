// Fused multiplanar reconstruction (appended to common.wgsl). Each screen pixel is mapped to
// a patient point; the CT and the PET are each sampled through their own inverse affine.
// With a slab (view.right.w > 0) the PET is the maximum over view.down.w samples spread
// evenly across the slab thickness along the plane normal (thick-slab MIP); the CT stays the
// centre plane, so fusion opacity does not depend on the slab.

@fragment
fn fs_mpr(in: VsOut) -> @location(0) vec4<f32> {
    let px = in.uv * view.viewport.xy;
    let p = patient_at(px);
    var rgb = vec3<f32>(0.0);
    if view.ct_window.z > 0.5 {
        let ct = sample_ct(p);
        rgb = vec3<f32>(ct_grey(ct.x) * ct.y);
    }
    if view.pet_range.z > 0.5 {
        var suv = 0.0;
        let n = i32(max(view.down.w, 1.0));
        if n <= 1 {
            suv = sample_pet(p);
        } else {
            let normal = cross(view.right.xyz, view.down.xyz);
            suv = -3.0e38;
            for (var i = 0; i < n; i = i + 1) {
                let off = ((f32(i) + 0.5) / f32(n) - 0.5) * view.right.w;
                suv = max(suv, sample_pet(p + off * normal));
            }
        }
        rgb = mix(rgb, pet_colour(suv), view.blend.x);
    }
    if view.label_dims.w > 0.5 {
        let l = label_at(p);
        if l > 0u {
            let colour = view.label_colours[(l - 1u) % 8u].rgb;
            rgb = mix(rgb, colour, view.blend.y);
            if view.blend.z > 0.5 {
                let mm = view.centre.w;
                let edge = label_at(p + mm * view.right.xyz) != l
                    || label_at(p - mm * view.right.xyz) != l
                    || label_at(p + mm * view.down.xyz) != l
                    || label_at(p - mm * view.down.xyz) != l;
                if edge {
                    rgb = colour;
                }
            }
        }
    }
    return vec4<f32>(rgb, 1.0);
}
