//! Every WGSL module parses and validates with naga, and translates to GLSL ES 3.00 (the
//! WebGL2 path: vertex + fragment only, no compute, no storage).

use naga::back::glsl;
use naga::valid::{Capabilities, ValidationFlags, Validator};

fn validate(name: &str, src: &str) -> (naga::Module, naga::valid::ModuleInfo) {
    let module = naga::front::wgsl::parse_str(src)
        .unwrap_or_else(|e| panic!("{name}.wgsl does not parse:\n{}", e.emit_to_string(src)));
    // Capabilities::empty(): nothing beyond core WGSL (what WebGL2 can do).
    let info = Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}.wgsl does not validate:\n{}", e.emit_to_string(src)));
    (module, info)
}

#[test]
fn shaders_validate_and_translate_to_glsl_es_300() {
    for (name, src, vs, fs) in uptake_render::shaders::ALL {
        let (module, info) = validate(name, src);
        assert!(
            module
                .entry_points
                .iter()
                .all(|e| e.stage != naga::ShaderStage::Compute),
            "{name}: compute entry points are not allowed on the required path"
        );
        for (stage, entry) in [
            (naga::ShaderStage::Vertex, vs),
            (naga::ShaderStage::Fragment, fs),
        ] {
            let options = glsl::Options {
                version: glsl::Version::Embedded {
                    version: 300,
                    is_webgl: true,
                },
                ..Default::default()
            };
            let pipeline = glsl::PipelineOptions {
                shader_stage: stage,
                entry_point: entry.to_string(),
                multiview: None,
            };
            let mut out = String::new();
            let mut writer = glsl::Writer::new(
                &mut out,
                &module,
                &info,
                &options,
                &pipeline,
                naga::proc::BoundsCheckPolicies::default(),
            )
            .unwrap_or_else(|e| panic!("{name}/{entry}: GLSL ES writer: {e}"));
            writer
                .write()
                .unwrap_or_else(|e| panic!("{name}/{entry}: GLSL ES 3.00 output failed: {e}"));
            assert!(out.starts_with("#version 300 es"), "{name}/{entry}");
        }
    }
}
