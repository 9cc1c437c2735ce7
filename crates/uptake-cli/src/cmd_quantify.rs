//! `uptake quantify`: lesion SUVmax, SUVmean, SUVpeak, SD, MTV and TLG from a seed point.

use crate::cli_error::CliError;
use crate::output::{self, outln};
use crate::point;
use crate::source::{self, Needs, SourceArgs};
use crate::suv_args::SuvArgs;
use clap::Args;
use serde::Serialize;
use uptake_quant::reference::{liver_reference, ReferenceRegion};
use uptake_quant::{quantify_volume, QuantifyReport, QuantifyRequest, SuvVolume, Threshold};

/// Options of `uptake quantify`.
#[derive(Args)]
pub struct QuantifyArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// A point on the lesion, `X,Y,Z` in mm (LPS); the lesion maximum is searched within 15 mm.
    #[arg(long, value_parser = point::parse_point, allow_hyphen_values = true)]
    seed: [f64; 3],
    /// Threshold: `41%` (default), `50%` (any percentage of the lesion SUVmax), an absolute SUV
    /// such as `2.5`, or `percist` (needs `--liver`).
    #[arg(long, default_value = "41%")]
    threshold: String,
    /// Centre of the liver reference sphere (3 cm), `X,Y,Z` in mm.
    #[arg(long, value_parser = point::parse_point, allow_hyphen_values = true)]
    liver: Option<[f64; 3]>,
    #[command(flatten)]
    suv: SuvArgs,
    /// Print JSON (schema `uptake.quantify/1`).
    #[arg(long)]
    json: bool,
}

/// `uptake.quantify/1`.
#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    seed: [f64; 3],
    #[serde(flatten)]
    quant: &'a QuantifyReport,
    liver_reference: Option<ReferenceRegion>,
}

fn parse_threshold(s: &str, liver: Option<[f64; 3]>) -> Result<Threshold, CliError> {
    let t = s.trim();
    let bad = || {
        CliError::Usage(format!(
            "--threshold '{s}': expected e.g. 41%, 50%, 2.5 or percist"
        ))
    };
    if t.eq_ignore_ascii_case("percist") {
        let liver = liver
            .ok_or_else(|| CliError::Usage("--threshold percist needs --liver X,Y,Z".into()))?;
        return Ok(Threshold::Percist { liver });
    }
    if let Some(p) = t.strip_suffix('%') {
        let v: f64 = p.trim().parse().map_err(|_| bad())?;
        if !(v > 0.0 && v < 100.0) {
            return Err(bad());
        }
        return Ok(Threshold::FractionOfMax(v / 100.0));
    }
    let v: f64 = t.parse().map_err(|_| bad())?;
    if !(v > 0.0 && v.is_finite()) {
        return Err(bad());
    }
    Ok(Threshold::Absolute(v))
}

/// Runs `uptake quantify`.
pub fn run(args: &QuantifyArgs) -> Result<(), CliError> {
    let mut request = QuantifyRequest::at(args.seed);
    request.threshold = parse_threshold(&args.threshold, args.liver)?;
    request.suv_type = args.suv.suv_type.into();
    request.overrides = args.suv.overrides();
    let study = source::load(&args.source, Needs::PetCt)?;
    let vol = SuvVolume::from_study(&study, request.suv_type, &request.overrides)?;
    let quant = quantify_volume(&vol, &request)?;
    let liver = args.liver.map(|c| liver_reference(&vol, c)).transpose()?;
    let report = Report {
        schema: "uptake.quantify/1",
        seed: args.seed,
        quant: &quant,
        liver_reference: liver,
    };
    if args.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::Output(e.to_string()))?;
        return output::write_stdout(&text);
    }
    let l = &quant.lesion;
    let units = &quant.suv_factor.result_units;
    let mut out = String::new();
    outln!(out, "PET series {}", quant.series_uid);
    outln!(out, "SUV type {:?} ({units})", quant.suv_type);
    outln!(
        out,
        "SUVmax  {:.3} at ({:.1}, {:.1}, {:.1}) mm LPS",
        l.suvmax,
        l.suvmax_at[0],
        l.suvmax_at[1],
        l.suvmax_at[2]
    );
    outln!(out, "SUVmean {:.3}   SD {:.3}", l.suvmean, l.sd);
    outln!(
        out,
        "SUVpeak {:.3} at ({:.1}, {:.1}, {:.1}) mm LPS ({} voxels in the 1 cm³ sphere)",
        l.suvpeak,
        l.suvpeak_at[0],
        l.suvpeak_at[1],
        l.suvpeak_at[2],
        l.suvpeak_sphere_voxels
    );
    outln!(
        out,
        "MTV     {:.3} ml ({} voxels)   TLG {:.3}",
        l.mtv_ml,
        l.voxels,
        l.tlg
    );
    if let Some(r) = &report.liver_reference {
        outln!(
            out,
            "Liver reference: mean {:.3} SD {:.3} ({} voxels); PERCIST threshold {:.3}",
            r.mean,
            r.sd,
            r.voxels,
            r.percist_threshold
        );
    }
    for w in &quant.suv_factor.provenance.warnings {
        outln!(out, "warning: {}", w.message);
    }
    output::write_stdout(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse() {
        assert!(
            matches!(parse_threshold("41%", None), Ok(Threshold::FractionOfMax(f)) if (f - 0.41).abs() < 1e-12)
        );
        assert!(matches!(parse_threshold("2.5", None), Ok(Threshold::Absolute(v)) if v == 2.5));
        assert!(matches!(
            parse_threshold("percist", Some([1.0, 2.0, 3.0])),
            Ok(Threshold::Percist { .. })
        ));
        assert!(parse_threshold("percist", None).is_err());
        assert!(parse_threshold("150%", None).is_err());
        assert!(parse_threshold("abc", None).is_err());
    }
}
