//! `cargo run --release -p uptake-phantom --example generate -- OUT [small|clinical] [flags]`
//!
//! Flags: `--ffs --shuffle --reverse --philips-cnts --midnight --implicit --enhanced
//! --oblique DEG --tilt DEG --drop K`. Prints the time taken and the file sizes.

use std::path::PathBuf;
use std::time::Instant;

use uptake_phantom::{write_study, PhantomOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: generate OUT [small|clinical] [flags]")?,
    );
    let mut o = PhantomOptions::default();
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<f64, Box<dyn std::error::Error>> {
            Ok(args
                .next()
                .ok_or(format!("{name} needs a value"))?
                .parse()?)
        };
        match a.as_str() {
            "small" | "clinical" => o.size = a.parse()?,
            "--ffs" => o.feet_first = true,
            "--shuffle" => o.shuffle_files = true,
            "--reverse" => o.reverse_instance_numbers = true,
            "--philips-cnts" => o.philips_cnts = true,
            "--midnight" => o.injection_before_midnight = true,
            "--implicit" => o.implicit_vr = true,
            "--enhanced" => o.enhanced = true,
            "--oblique" => o.oblique_deg = Some(num("--oblique")?),
            "--tilt" => o.ct_gantry_tilt_deg = Some(num("--tilt")?),
            "--drop" => o.drop_ct_slice = Some(num("--drop")? as usize),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let t = Instant::now();
    let truth = write_study(&out, &o)?;
    let secs = t.elapsed().as_secs_f64();
    let mut bytes = 0u64;
    for sub in ["CT", "PET"] {
        for e in std::fs::read_dir(out.join(sub))? {
            bytes += e?.metadata()?.len();
        }
    }
    println!(
        "{} study: {} CT + {} PET files, {:.1} MB, {:.2} s",
        o.size,
        truth.ct.files,
        truth.pet.files,
        bytes as f64 / 1e6,
        secs
    );
    Ok(())
}
