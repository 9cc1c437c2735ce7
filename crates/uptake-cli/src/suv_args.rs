//! Command-line options shared by the commands that report SUV: the SUV type and the manual
//! overrides of header values (recorded in the SUV provenance).

use clap::{Args, ValueEnum};
use uptake_quant::suv::dicom_time::DicomDateTime;
use uptake_quant::suv::{Sex, SuvOverrides, SuvType};

/// SUV normalisation on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SuvTypeArg {
    /// Body weight (SUVbw).
    Bw,
    /// Lean body mass, Janmahasatian (SUL).
    Lbm,
    /// Lean body mass, James (male coefficient 128).
    LbmJames,
    /// Body surface area, DuBois (SUVbsa).
    Bsa,
    /// Ideal body weight (SUVibw).
    Ibw,
}

impl From<SuvTypeArg> for SuvType {
    fn from(a: SuvTypeArg) -> Self {
        match a {
            SuvTypeArg::Bw => SuvType::Bw,
            SuvTypeArg::Lbm => SuvType::LbmJanmahasatian,
            SuvTypeArg::LbmJames => SuvType::LbmJames,
            SuvTypeArg::Bsa => SuvType::Bsa,
            SuvTypeArg::Ibw => SuvType::Ibw,
        }
    }
}

/// `--suv` and the override options.
#[derive(Args, Debug, Clone)]
pub struct SuvArgs {
    /// SUV normalisation.
    #[arg(long = "suv", value_enum, default_value = "bw")]
    pub suv_type: SuvTypeArg,
    /// Override the patient weight (kg).
    #[arg(long, value_name = "KG")]
    pub weight: Option<f64>,
    /// Override the patient height (m).
    #[arg(long, value_name = "M")]
    pub height: Option<f64>,
    /// Override the injected dose (Bq).
    #[arg(long, value_name = "BQ")]
    pub dose: Option<f64>,
    /// Override the injection date-time (DICOM DT, e.g. 20261120091230).
    #[arg(long, value_name = "DT", value_parser = parse_datetime)]
    pub injection: Option<DicomDateTime>,
    /// Override the patient sex (M or F).
    #[arg(long, value_parser = parse_sex)]
    pub sex: Option<Sex>,
}

fn parse_datetime(s: &str) -> Result<DicomDateTime, String> {
    DicomDateTime::parse_dt(s)
        .map_err(|e| format!("'{s}' is not a DICOM date-time (YYYYMMDDHHMMSS): {e}"))
}

fn parse_sex(s: &str) -> Result<Sex, String> {
    Sex::from_dicom(s).ok_or_else(|| format!("'{s}' is not M or F"))
}

impl SuvArgs {
    /// The overrides given.
    pub fn overrides(&self) -> SuvOverrides {
        SuvOverrides {
            weight_kg: self.weight,
            height_m: self.height,
            dose_bq: self.dose,
            injection_date_time: self.injection,
            sex: self.sex,
        }
    }
}
